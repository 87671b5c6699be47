"""The report the office signs, at the report's level: drafts start from the generated narrative, previews
carry the office's text with today's figures, publication freezes figures and text, and a published report
is rendered from what was stored.

The use cases and their checks are `workflow.services.report_documents`; this module adds what only the
report builder knows (figures, generated text, rendering). Entry points (console, CLI, public pages) call
these.
"""
from __future__ import annotations

import dataclasses
from datetime import datetime

from workflow.core.period import Period, parse_period
from workflow.reports.build import build_for_runtime
from workflow.reports.model import EvaluationRow, PublicationStamp, Report
from workflow.reports.narrative import generated_sections, with_narrative
from workflow.reports.snapshot import content_of, report_from_content
from workflow.services import report_documents as docs
from workflow.store.port_report_documents import PublicationRecord, ReportDocumentRecord

PUBLIC_NAME = "Dirahasiakan"


def open_draft(runtime, period: Period | str, definition_key: str | None, *, actor_id: str,
               now: datetime) -> ReportDocumentRecord:
    """The period's document, started from the text today's figures give when there is none yet."""
    period = parse_period(period) if isinstance(period, str) else period
    found = docs.find_document(runtime.store, period.key, definition_key)
    if found is not None:
        return found
    report = build_for_runtime(runtime, period, definition_key=definition_key or None, now=now, evaluation_limit=1)
    return docs.start_draft(runtime.store, period.key, definition_key, generated_sections(report),
                            actor_id=actor_id, now=now)


def generated_for(runtime, doc: ReportDocumentRecord, now: datetime) -> dict[str, str]:
    """The text today's figures give for the document's period (to compare with, or to start over from)."""
    report = build_for_runtime(runtime, doc.period, definition_key=doc.definition_key or None, now=now,
                               evaluation_limit=1)
    return generated_sections(report)


def draft_report(runtime, doc: ReportDocumentRecord, sections=None, *, now: datetime,
                 evaluation_limit: int | None = None) -> Report:
    """The report as it would be published now: today's figures with the document's (or ``sections``') text."""
    report = build_for_runtime(runtime, doc.period, definition_key=doc.definition_key or None, now=now,
                               evaluation_limit=evaluation_limit)
    return with_narrative(report, sections if sections is not None else doc.sections)


def publish_report(runtime, document_id: int, *, expected_version: int, actor_id: str,
                   now: datetime) -> PublicationRecord:
    """Publish the approved document: figures built now, the approved text, stored as published."""
    def snapshot(doc: ReportDocumentRecord, at: datetime) -> str:
        return content_of(draft_report(runtime, doc, now=at))

    return docs.publish(runtime.store, document_id, snapshot, expected_version=expected_version,
                        actor_id=actor_id, now=now)


def stamp_of(pub: PublicationRecord) -> PublicationStamp:
    return PublicationStamp(number=int(pub.number or 0), edition=pub.edition,
                            published_at=pub.published_at.isoformat(), published_by=pub.published_by,
                            approved_by=pub.approved_by, audit_seq=pub.audit_seq, audit_hash=pub.audit_hash,
                            content_sha256=pub.content_sha256, checkpoint=pub.checkpoint, reason=pub.reason)


def published_report(pub: PublicationRecord, *, public: bool = False) -> Report:
    """The report as it was published. ``public``: the copy for the public pages, with no complainant named."""
    report = report_from_content(pub.content, stamp_of(pub))
    if public:
        report = dataclasses.replace(report, evaluation=tuple(
            EvaluationRow(**{**dataclasses.asdict(row), "pemohon": PUBLIC_NAME}) for row in report.evaluation))
    return report


def publication_filename(pub: PublicationRecord, fmt: str) -> str:
    scope = f"-{pub.definition_key}" if pub.definition_key else ""
    return f"laporan-pengaduan-{pub.period.replace('..', '_')}{scope}-no{pub.number}.{fmt}"


__all__ = ["open_draft", "generated_for", "draft_report", "publish_report", "stamp_of", "published_report",
           "publication_filename", "PUBLIC_NAME"]
