"""Auditor pages: the transition log across tickets, chain verification, exports, identity views.

Read only. Nothing here writes a ticket, an audit row or a definition; the only POST is "Verifikasi
ulang", which verifies the trail as ``alur audit verify`` does (`workflow.services.audit.verify`: the
rows, the head row, the signed checkpoints) and remembers the result in the process (a report, not a change).

Who may read: ``auditor`` (internal inspectorate, Ombudsman) and the head of office (a supervisor of
level 3, kepala dinas), who answers for the office to those auditors. Kepala seksi and kepala bidang
cannot: they manage the deadlines the log judges. Everyone else gets 403.

Times are filtered and shown in WIB. Rows are read through `workflow.store.queries.audit_log`. Exports
stream (`workflow.reports.audit_export.write_audit` per batch),
so a million rows never sit in memory; the JSON Lines export carries the hashes and re-verifies offline
with ``alur audit verify --export`` when it is unfiltered (a filtered export is a subset, not a chain).
"""
from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterator

from flask import Flask, Response, abort, flash, redirect, request, url_for
from flask_admin import expose

from workflow.core.audit import KINDS, ChainStatus
from workflow.reports.audit_export import write_audit
from workflow.services import audit as audit_service
from workflow.store.queries.audit_log import AuditFilters, audit_page, iter_audit

from ..auth import SecureBaseView, current_actor, current_console_user
from . import common
from .common import OFFICE_TZ, tr

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
EXPORT_BATCH = 2000
VERIFY_ON_VIEW_LIMIT = 20_000  # above this many rows the page shows the last result and a button


def may_read_audit() -> bool:
    user = current_console_user()
    if user is None:
        return False
    # the head of office: a supervisor of the highest level the definitions declare (admin.roles)
    return user.has("auditor") or (user.has("supervisor") and user.top_supervisor)


def export_chunks(store, f: AuditFilters, fmt: str) -> Iterator[str]:
    """The export as text chunks, one per batch of rows (`EXPORT_BATCH`); a CSV header once."""
    first = True
    for rows in iter_audit(store, f, EXPORT_BATCH):
        buffer = io.StringIO()
        write_audit(rows, buffer, fmt)
        text = buffer.getvalue()
        if fmt == "csv" and not first:
            text = text.split("\r\n", 1)[1] if "\r\n" in text else ""  # the header once, at the top
        first = False
        yield text
    if first and fmt == "csv":  # no rows at all: still a header, so spreadsheets open it
        buffer = io.StringIO()
        write_audit([], buffer, fmt)
        yield buffer.getvalue()


@dataclass
class Verification:
    """A console check of the trail: the CLI's verification (`workflow.services.audit.verify`), who, when."""

    result: audit_service.Verification
    at: datetime
    by: str
    head_seq: int

    @property
    def status(self) -> ChainStatus:
        return self.result.status

    @property
    def ok(self) -> bool:
        return self.result.ok


_LOCK = threading.Lock()


def verify_chain(rt, by: str) -> Verification:
    """Verify the whole trail as ``alur audit verify`` does and remember the result for this process: the
    rows' hashes, that they end at the head row (rows deleted from the end), and every signed checkpoint
    kept in the database (a rebuilt chain)."""
    with _LOCK:  # one full walk at a time; a second click waits for the first result
        result = audit_service.verify(rt.store)
        checked = Verification(result=result, at=datetime.now(timezone.utc), by=by, head_seq=result.head[0])
        rt.extras["audit_verification"] = checked
    if not result.ok:
        logger.error("audit trail does not verify: %s", "; ".join(result.problems))
    return checked


def last_verification(rt) -> Verification | None:
    return rt.extras.get("audit_verification")


class AuditLogView(SecureBaseView):
    """The transition log across tickets, filtered and paginated; read only."""

    roles = frozenset({"auditor", "supervisor"})  # narrowed in is_accessible: supervisors of level 3 only

    def is_accessible(self) -> bool:
        return may_read_audit()

    def is_visible(self) -> bool:
        return may_read_audit()

    @expose("/")
    def index(self):
        rt = common.runtime()
        f = AuditFilters.from_args(request.args)
        rows, total = audit_page(rt.store, f, PAGE_SIZE)
        verification = last_verification(rt)
        head_seq = rt.store.audit_head()[0]
        if head_seq <= VERIFY_ON_VIEW_LIMIT and (verification is None or verification.head_seq != head_seq):
            verification = verify_chain(rt, "sistem")
        pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
        return self.render("auditor/log.html", rows=rows, total=total, f=f, pages=pages, kinds=KINDS,
                           verification=verification, head_seq=head_seq, common=common,
                           big=head_seq > VERIFY_ON_VIEW_LIMIT, identity_only=False)

    @expose("/identitas")
    def identity_views(self):
        rt = common.runtime()
        f = AuditFilters.from_args(request.args)
        f.kind = "identity_view"
        rows, total = audit_page(rt.store, f, PAGE_SIZE)
        pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
        return self.render("auditor/identity_views.html", rows=rows, total=total, f=f, pages=pages, common=common)

    @expose("/verify", methods=("POST",))
    def verify(self):
        rt = common.runtime()
        checked = verify_chain(rt, current_actor().id)
        status, result = checked.status, checked.result
        signed = tr(f" {result.checkpoints} checkpoint bertanda tangan cocok.",
                    f" {result.checkpoints} signed checkpoints match.") if result.checkpoints else ""
        if checked.ok:
            flash(tr(f"Rantai audit utuh: {status.rows} baris terverifikasi.",
                     f"Audit chain intact: {status.rows} rows verified.") + signed, "success")
        elif not status.ok:
            flash(tr(f"Rantai audit RUSAK pada baris {status.first_bad_seq}: {status.reason}",
                     f"Audit chain BROKEN at row {status.first_bad_seq}: {status.reason}"), "danger")
        else:
            flash(tr(f"Rantai audit RUSAK: {status.rows} baris saling cocok, tetapi tidak cocok dengan kepala "
                     "rantai atau checkpoint bertanda tangan (baris dihapus dari ujung, atau rantai dibangun "
                     "ulang). ", f"Audit chain BROKEN: {status.rows} rows agree with each other but not with the "
                     "chain head or a signed checkpoint (rows deleted from the end, or the chain rebuilt). ")
                  + " ".join(result.problems), "danger")
        return redirect(url_for(".index"))

    @expose("/export.<fmt>")
    def export(self, fmt: str):
        if fmt not in ("jsonl", "csv"):
            abort(404)
        rt = common.runtime()
        f = AuditFilters.from_args(request.args)
        stamp = datetime.now(OFFICE_TZ).strftime("%Y%m%d-%H%M")
        mimetype = "application/x-ndjson" if fmt == "jsonl" else "text/csv"
        logger.info("audit export (%s, filters %s) by %s", fmt, f.args(), current_actor().id)
        # The generator needs no request context (it reads through the store only), so none is kept alive
        # while a long export streams.
        response = Response(export_chunks(rt.store, f, fmt), mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="alur-audit-{stamp}.{fmt}"'
        response.headers["Cache-Control"] = "no-store"
        return response


def register(admin, app: Flask) -> None:
    from . import Text

    admin.add_view(AuditLogView(name=Text("Log audit", "Audit log"), endpoint="audit", url="/admin/audit"))


__all__ = ["register", "AuditLogView", "export_chunks", "verify_chain", "may_read_audit"]
