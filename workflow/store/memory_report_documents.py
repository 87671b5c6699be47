"""Report documents in memory: the twin of `workflow.store.sql.report_documents`, kept to the same contract
(``tests/store/test_port_report_documents.py``). Works on the unit of work's copy of the tables
(`workflow.store.memory`); records are frozen and replaced, never changed in place."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from workflow.store.port_report_documents import PublicationRecord, ReportDocumentRecord, ReportVersionRecord


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class MemoryReportDocuments:
    def __init__(self, tables):
        self.t = tables

    def get(self, document_id: int) -> ReportDocumentRecord | None:
        return self.t.report_documents.get(document_id)

    def find(self, period: str, definition_key: str) -> ReportDocumentRecord | None:
        return next((r for r in self.t.report_documents.values()
                     if r.period == period and r.definition_key == definition_key), None)

    def all(self) -> list[ReportDocumentRecord]:
        rows = sorted(self.t.report_documents.values(), key=lambda r: (r.definition_key, r.id))
        return sorted(rows, key=lambda r: r.period, reverse=True)

    def add(self, record: ReportDocumentRecord) -> int | None:
        if self.find(record.period, record.definition_key) is not None:
            return None
        new_id = self.t.next_id("report_documents")
        self.t.report_documents[new_id] = replace(
            record, id=new_id, sections=dict(record.sections), created_at=_utc(record.created_at),
            updated_at=_utc(record.updated_at), approved_at=_utc(record.approved_at))
        return new_id

    def update(self, record: ReportDocumentRecord, expected_version: int) -> bool:
        found = self.t.report_documents.get(record.id)
        if found is None or found.version != expected_version:
            return False
        self.t.report_documents[record.id] = replace(
            record, period=found.period, definition_key=found.definition_key, created_by=found.created_by,
            created_at=found.created_at, sections=dict(record.sections), updated_at=_utc(record.updated_at),
            approved_at=_utc(record.approved_at))
        return True

    def add_version(self, record: ReportVersionRecord) -> None:
        self.t.report_versions.append(replace(record, sections=dict(record.sections), changed=tuple(record.changed),
                                              at=_utc(record.at)))

    def versions(self, document_id: int) -> list[ReportVersionRecord]:
        return sorted((r for r in self.t.report_versions if r.document_id == document_id), key=lambda r: r.version)

    def publish(self, record: PublicationRecord) -> int:
        number = max(self.t.report_publications, default=0) + 1
        self.t.report_publications[number] = replace(record, number=number, published_at=_utc(record.published_at))
        return number

    def publication(self, number: int) -> PublicationRecord | None:
        return self.t.report_publications.get(number)

    def publications(self, document_id: int | None = None) -> list[PublicationRecord]:
        return [self.t.report_publications[n] for n in sorted(self.t.report_publications, reverse=True)
                if document_id is None or self.t.report_publications[n].document_id == document_id]


__all__ = ["MemoryReportDocuments"]
