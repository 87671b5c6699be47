"""The report the office signs: drafts of the quarterly report's narrative, approved by the head of office,
published immutable and numbered. One transaction per step, every step audited.

    start_draft   the document of a period and scope, made from the generated text the first time
    save_draft    new narrative text; the version the editor read must still be current
    approve       the head of office (top supervisor level of the definitions) approves this version
    publish       the approved version is published: its content (figures and narrative) stored as it is,
                  numbered, carrying the audit chain's head and the latest signed checkpoint
    reopen        a published report is reopened for a reissue, with a reason its next edition carries

Every step is a row of the hash-chained audit trail (kind ``report``, ``detail.action``
``report.<step>``) in the same unit of work. The narrative text itself stays in the document's versions;
the audit row names the sections changed and the version, and a publication's row carries the content's
SHA-256, so the trail proves what was published. A save against a version that moved on raises
`ReportEditConflict` carrying the current document, so the entry point can show the loser's text beside
it. Who may approve and publish is read from the published definitions (`workflow.core.roles`): no role
name is written here.

The figures are not built here (services sit below the report builder): `publish` takes a ``snapshot``
callable that turns the approved document into the stored content. It is called after the checks and
before the write transaction (building takes seconds), and the version is checked again in the
transaction, so what is published is exactly the approved text.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import datetime, timezone
from typing import Callable, Mapping

from workflow.core.audit import AuditEvent
from workflow.core.period import parse_period
from workflow.core.report_document import (
    Status,
    changed_sections,
    check_reason,
    check_sections,
    diff,
    may_approve,
    refusal,
    scope_key,
)
from workflow.errors import InvalidInput, ReportDocumentRefused, ReportEditConflict
from workflow.services.roles import directory_for
from workflow.store.port import Store, UnitOfWork
from workflow.store.port_report_documents import PublicationRecord, ReportDocumentRecord, ReportVersionRecord

logger = logging.getLogger(__name__)

AUDIT_KIND = "report"  # the steps of the report the office signs (workflow.core.audit.KINDS)


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(timezone.utc)


def _audit(uow: UnitOfWork, actor_id: str, role: str, now: datetime, action: str, doc: ReportDocumentRecord,
           **detail) -> None:
    uow.audit.append([AuditEvent(kind=AUDIT_KIND, at=now, actor_id=actor_id, actor_role=role,
                                 detail={"action": f"report.{action}", "report_document": doc.id,
                                         "period": doc.period, "definition": doc.definition_key or None,
                                         "version": doc.version, **detail})])


def _standing(store: Store, uow: UnitOfWork, actor_id: str) -> tuple[int | None, bool, str]:
    """(supervisor level, is head of office, the role named in the audit) of the account ``actor_id``."""
    user = uow.users.by_name(actor_id)
    if user is None or not user.active:
        return None, False, "supervisor"
    directory = directory_for(store)
    level = directory.level_of(user.roles, user.supervisor_level)
    return level, may_approve(level, directory.levels()), directory.position(user.roles, user.supervisor_level) \
        or "supervisor"


def _require_supervisor(store: Store, uow: UnitOfWork, actor_id: str, *, top: bool) -> str:
    level, head, role = _standing(store, uow, actor_id)
    if level is None:
        raise ReportDocumentRefused(f"{actor_id} bukan pimpinan; hanya pimpinan yang menyusun laporan",
                                    f"{actor_id} is not a supervisor; only supervisors write the report")
    if top and not head:
        raise ReportDocumentRefused("hanya kepala dinas (tingkat pimpinan tertinggi) yang dapat menyetujui dan "
                                    "menerbitkan laporan",
                                    "only the head of office (the top supervisor level) approves and publishes")
    return role


def _load(uow: UnitOfWork, document_id: int) -> ReportDocumentRecord:
    doc = uow.report_documents.get(document_id)
    if doc is None:
        raise ReportDocumentRefused(f"laporan {document_id} tidak ada; buka dari daftar laporan",
                                    f"report {document_id} does not exist; open it from the list")
    return doc


def _check(doc: ReportDocumentRecord, step: str, expected_version: int | None) -> None:
    if expected_version is not None and doc.version != expected_version:
        raise ReportEditConflict(doc)
    why = refusal(doc.status, step, version=doc.version, approved_version=doc.approved_version)
    if why:
        raise ReportDocumentRefused(why)


def _write(uow: UnitOfWork, doc: ReportDocumentRecord, before: ReportDocumentRecord, action: str, by: str,
           at: datetime, *, changed: tuple[str, ...] = (), note: str = "") -> None:
    if not uow.report_documents.update(doc, expected_version=before.version):
        raise ReportEditConflict(uow.report_documents.get(doc.id) or before)
    uow.report_documents.add_version(ReportVersionRecord(doc.id, doc.version, action, doc.sections, changed, by, at,
                                                         note))


def start_draft(store: Store, period: str, definition_key: str | None, generated: Mapping[str, str], *,
                actor_id: str, now: datetime | None = None) -> ReportDocumentRecord:
    """The document of ``period`` and scope; made from ``generated`` (the text the figures give) the first time."""
    key, scope = parse_period(period).key, scope_key(definition_key)
    sections, problems = check_sections(generated)
    if problems:
        raise InvalidInput(problems)
    now = _now(now)
    with store.unit_of_work() as uow:
        found = uow.report_documents.find(key, scope)
        if found is not None:
            return found
        role = _require_supervisor(store, uow, actor_id, top=False)
        record = ReportDocumentRecord(key, scope, Status.DRAFT.value, 1, sections, actor_id, now, actor_id, now)
        new_id = uow.report_documents.add(record)
        if new_id is None:  # started by someone else a moment ago
            raise ReportEditConflict(uow.report_documents.find(key, scope))
        doc = replace(record, id=new_id)
        uow.report_documents.add_version(ReportVersionRecord(new_id, 1, "create", sections, (), actor_id, now))
        _audit(uow, actor_id, role, now, "draft", doc)
        uow.commit()
    return doc


def save_draft(store: Store, document_id: int, sections: Mapping[str, str], *, expected_version: int,
               actor_id: str, now: datetime | None = None) -> ReportDocumentRecord:
    """Save new narrative text as the next version; an approved document goes back to draft.

    `ReportEditConflict` (nothing saved) when ``expected_version`` is not the current one; InvalidInput
    names each section that cannot be kept as written."""
    cleaned, problems = check_sections(sections)
    if problems:
        raise InvalidInput(problems)
    now = _now(now)
    with store.unit_of_work() as uow:
        doc = _load(uow, document_id)
        role = _require_supervisor(store, uow, actor_id, top=False)
        _check(doc, "save", expected_version)
        changed = changed_sections(doc.sections, cleaned)
        if not changed:
            return doc
        new = replace(doc, sections=cleaned, version=doc.version + 1, status=Status.DRAFT.value, updated_by=actor_id,
                      updated_at=now, approved_by=None, approved_at=None, approved_version=None)
        _write(uow, new, doc, "save", actor_id, now, changed=changed)
        _audit(uow, actor_id, role, now, "save", new, sections=list(changed),
               approval_withdrawn=doc.status == Status.APPROVED)
        uow.commit()
    return new


def approve(store: Store, document_id: int, *, expected_version: int, actor_id: str,
            now: datetime | None = None) -> ReportDocumentRecord:
    """The head of office approves the version they read."""
    now = _now(now)
    with store.unit_of_work() as uow:
        doc = _load(uow, document_id)
        role = _require_supervisor(store, uow, actor_id, top=True)
        _check(doc, "approve", expected_version)
        new = replace(doc, status=Status.APPROVED.value, version=doc.version + 1, approved_by=actor_id,
                      approved_at=now, approved_version=doc.version + 1, updated_by=actor_id, updated_at=now)
        _write(uow, new, doc, "approve", actor_id, now)
        _audit(uow, actor_id, role, now, "approve", new)
        uow.commit()
    return new


def publish(store: Store, document_id: int, snapshot: Callable[[ReportDocumentRecord, datetime], str], *,
            expected_version: int, actor_id: str, now: datetime | None = None) -> PublicationRecord:
    """Publish the approved version: ``snapshot(document, now)`` gives the content to store (JSON text).

    The audit row that records the publication is appended first; the publication then carries that row's
    sequence number and hash (the chain's head at publication) and the latest signed checkpoint."""
    now = _now(now)
    with store.unit_of_work(read_only=True) as uow:
        _require_supervisor(store, uow, actor_id, top=True)
        approved = _load(uow, document_id)
        _check(approved, "publish", expected_version)
    # Built outside the write transaction (seconds on a busy quarter, and SQLite's write lock would be held):
    # the version is checked again below, so the text published is the text approved.
    content = snapshot(approved, now)
    with store.unit_of_work() as uow:
        doc = _load(uow, document_id)
        role = _require_supervisor(store, uow, actor_id, top=True)
        _check(doc, "publish", expected_version)
        digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
        edition = len(uow.report_documents.publications(doc.id)) + 1
        _audit(uow, actor_id, role, now, "publish", doc, edition=edition, content_sha256=digest,
               approved_by=doc.approved_by, reason=doc.reissue_reason or None)
        seq, head = uow.audit.head()
        kept = uow.audit.checkpoints()
        record = PublicationRecord(doc.id, doc.period, doc.definition_key, edition, content, digest, seq, head,
                                   kept[-1].as_json() if kept else "", doc.approved_by or actor_id, actor_id, now,
                                   doc.reissue_reason)
        number = uow.report_documents.publish(record)
        new = replace(doc, status=Status.PUBLISHED.value, version=doc.version + 1, updated_by=actor_id, updated_at=now)
        _write(uow, new, doc, "publish", actor_id, now, note=f"No. {number}")
        uow.commit()
    return replace(record, number=number)


def reopen(store: Store, document_id: int, reason: str, *, expected_version: int, actor_id: str,
           now: datetime | None = None) -> ReportDocumentRecord:
    """Reopen a published report for a reissue; ``reason`` is required and printed on the next edition."""
    problem = check_reason(reason)
    if problem:
        raise InvalidInput({"reason": problem})
    reason = " ".join(reason.split())
    now = _now(now)
    with store.unit_of_work() as uow:
        doc = _load(uow, document_id)
        role = _require_supervisor(store, uow, actor_id, top=False)
        _check(doc, "reopen", expected_version)
        new = replace(doc, status=Status.DRAFT.value, version=doc.version + 1, reissue_reason=reason,
                      approved_by=None, approved_at=None, approved_version=None, updated_by=actor_id, updated_at=now)
        _write(uow, new, doc, "reopen", actor_id, now, note=reason)
        _audit(uow, actor_id, role, now, "reopen", new, reason=reason)
        uow.commit()
    return new


# -- reading --------------------------------------------------------------------------------------------
def get_document(store: Store, document_id: int) -> ReportDocumentRecord:
    with store.unit_of_work(read_only=True) as uow:
        return _load(uow, document_id)


def find_document(store: Store, period: str, definition_key: str | None) -> ReportDocumentRecord | None:
    with store.unit_of_work(read_only=True) as uow:
        return uow.report_documents.find(parse_period(period).key, scope_key(definition_key))


def list_documents(store: Store) -> list[ReportDocumentRecord]:
    with store.unit_of_work(read_only=True) as uow:
        return uow.report_documents.all()


def history(store: Store, document_id: int) -> list[ReportVersionRecord]:
    with store.unit_of_work(read_only=True) as uow:
        return uow.report_documents.versions(document_id)


def compare(store: Store, document_id: int, old: int, new: int):
    """The per-section diff from version ``old`` to version ``new`` (`workflow.core.report_document.diff`)."""
    versions = {v.version: v for v in history(store, document_id)}
    if old not in versions or new not in versions:
        raise ReportDocumentRefused(f"versi {old if old not in versions else new} tidak ada pada laporan ini",
                                    f"version {old if old not in versions else new} is not in this report")
    return diff(versions[old].sections, versions[new].sections)


def publications(store: Store, document_id: int | None = None) -> list[PublicationRecord]:
    with store.unit_of_work(read_only=True) as uow:
        return uow.report_documents.publications(document_id)


def publication(store: Store, number: int) -> PublicationRecord | None:
    with store.unit_of_work(read_only=True) as uow:
        return uow.report_documents.publication(number)


def current_publications(store: Store) -> list[PublicationRecord]:
    """The newest edition of each published document, newest number first (a reissue supersedes)."""
    seen: set[int] = set()
    out = []
    for pub in publications(store):
        if pub.document_id not in seen:
            seen.add(pub.document_id)
            out.append(pub)
    return out


__all__ = ["AUDIT_KIND", "start_draft", "save_draft", "approve", "publish", "reopen", "get_document",
           "find_document", "list_documents", "history", "compare", "publications", "publication",
           "current_publications"]
