"""The store port's part for report documents: drafts the office edits, their versions, and publications.

A document (`ReportDocumentRecord`) is one per period and scope (``definition_key`` "" = every definition).
Each save, approval, publication and reopening adds a `ReportVersionRecord` (the sections as they were
then, who, when, what changed), so the history is a list, never rewritten. Writers pass the version they
read: `ReportDocumentRepository.update` is a compare-and-set and says False when someone saved first.

Publications (`PublicationRecord`) are append-only (a database trigger refuses UPDATE and DELETE, as for
the audit trail): the report's content as stored JSON, its hash, and the audit chain's head at
publication. Both adapters implement this (`workflow.store.sql.report_documents`,
`workflow.store.memory_report_documents`) and pass ``tests/store/test_port_report_documents.py``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Mapping, Protocol


@dataclass(frozen=True)
class ReportDocumentRecord:
    period: str  # canonical period key ("2026-Q3")
    definition_key: str  # "" = every definition of the office
    status: str  # workflow.core.report_document.Status
    version: int  # 1 on creation, +1 on every change (the optimistic check)
    sections: Mapping[str, str]
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    approved_by: str | None = None
    approved_at: datetime | None = None
    approved_version: int | None = None
    reissue_reason: str = ""  # set when a published report is reopened; carried by its next publication
    id: int | None = None


@dataclass(frozen=True)
class ReportVersionRecord:
    document_id: int
    version: int
    action: str  # create | save | approve | publish | reopen
    sections: Mapping[str, str]
    changed: tuple[str, ...]  # the section keys this step changed
    by: str
    at: datetime
    note: str = ""  # a reopening's reason, a publication's number


@dataclass(frozen=True)
class PublicationRecord:
    document_id: int
    period: str
    definition_key: str
    edition: int  # 1 for the first publication of the document, 2 for its first reissue ...
    content: str  # the report as published (JSON text, `workflow.reports.snapshot`)
    content_sha256: str
    audit_seq: int  # the audit chain's head at publication: the row that records it
    audit_hash: str
    checkpoint: str  # the latest signed checkpoint then, as one JSON line ("" when none was signed)
    approved_by: str
    published_by: str
    published_at: datetime
    reason: str = ""  # why it was reissued ("" for a first edition)
    number: int | None = None  # assigned by the store: 1, 2, 3 ... across the office


class ReportDocumentRepository(Protocol):
    def get(self, document_id: int) -> ReportDocumentRecord | None: ...

    def find(self, period: str, definition_key: str) -> ReportDocumentRecord | None:
        """The document of that period and scope, if one was started."""

    def all(self) -> list[ReportDocumentRecord]:
        """Every document, newest period first."""

    def add(self, record: ReportDocumentRecord) -> int | None:
        """Store a new document; its id, or None when the period and scope already have one."""

    def update(self, record: ReportDocumentRecord, expected_version: int) -> bool:
        """Replace the document ``record.id`` if its stored version is still ``expected_version``; False
        (nothing written) when it moved on."""

    def add_version(self, record: ReportVersionRecord) -> None: ...

    def versions(self, document_id: int) -> list[ReportVersionRecord]:
        """The document's history, oldest first."""

    def publish(self, record: PublicationRecord) -> int:
        """Store a publication (never changed afterwards); its number."""

    def publication(self, number: int) -> PublicationRecord | None: ...

    def publications(self, document_id: int | None = None) -> list[PublicationRecord]:
        """Publications (of one document), newest number first."""


__all__ = ["ReportDocumentRecord", "ReportVersionRecord", "PublicationRecord", "ReportDocumentRepository"]
