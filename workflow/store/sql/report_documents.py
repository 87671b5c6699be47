"""Report documents, their versions and publications in SQL (``report_documents``, ``report_document_versions``,
``report_publications``; the last append-only in the database itself)."""
from __future__ import annotations

import json

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from workflow.store.models_report_documents import report_document_versions as v
from workflow.store.models_report_documents import report_documents as d
from workflow.store.models_report_documents import report_publications as p
from workflow.store.port_report_documents import PublicationRecord, ReportDocumentRecord, ReportVersionRecord
from workflow.store.sql.rows import utc


def _doc(row) -> ReportDocumentRecord:
    return ReportDocumentRecord(
        period=row.period, definition_key=row.definition_key or "", status=row.status, version=int(row.version),
        sections=json.loads(row.sections or "{}"), created_by=row.created_by, created_at=utc(row.created_at),
        updated_by=row.updated_by, updated_at=utc(row.updated_at), approved_by=row.approved_by,
        approved_at=utc(row.approved_at), approved_version=row.approved_version,
        reissue_reason=row.reissue_reason or "", id=int(row.id))


def _values(record: ReportDocumentRecord) -> dict:
    return {"status": record.status, "version": record.version,
            "sections": json.dumps(dict(record.sections), ensure_ascii=False, sort_keys=True),
            "updated_by": record.updated_by, "updated_at": utc(record.updated_at), "approved_by": record.approved_by,
            "approved_at": utc(record.approved_at), "approved_version": record.approved_version,
            "reissue_reason": record.reissue_reason}


def _publication(row) -> PublicationRecord:
    return PublicationRecord(
        document_id=int(row.document_id), period=row.period, definition_key=row.definition_key or "",
        edition=int(row.edition), content=row.content, content_sha256=row.content_sha256,
        audit_seq=int(row.audit_seq), audit_hash=row.audit_hash, checkpoint=row.checkpoint or "",
        approved_by=row.approved_by, published_by=row.published_by, published_at=utc(row.published_at),
        reason=row.reason or "", number=int(row.number))


class SqlReportDocuments:
    """The port's `ReportDocumentRepository` on one connection."""

    def __init__(self, conn):
        self.conn = conn

    def get(self, document_id: int) -> ReportDocumentRecord | None:
        row = self.conn.execute(select(d).where(d.c.id == document_id)).first()
        return _doc(row) if row is not None else None

    def find(self, period: str, definition_key: str) -> ReportDocumentRecord | None:
        row = self.conn.execute(select(d).where(d.c.period == period, d.c.definition_key == definition_key)).first()
        return _doc(row) if row is not None else None

    def all(self) -> list[ReportDocumentRecord]:
        rows = self.conn.execute(select(d).order_by(d.c.period.desc(), d.c.definition_key, d.c.id)).all()
        return [_doc(r) for r in rows]

    def add(self, record: ReportDocumentRecord) -> int | None:
        try:
            with self.conn.begin_nested():  # a taken scope must not abort the transaction (PostgreSQL)
                return int(self.conn.execute(insert(d).values(
                    period=record.period, definition_key=record.definition_key, created_by=record.created_by,
                    created_at=utc(record.created_at), **_values(record)).returning(d.c.id)).scalar_one())
        except IntegrityError:
            return None

    def update(self, record: ReportDocumentRecord, expected_version: int) -> bool:
        done = self.conn.execute(update(d).where(d.c.id == record.id, d.c.version == expected_version)
                                 .values(**_values(record)))
        return done.rowcount == 1

    def add_version(self, record: ReportVersionRecord) -> None:
        self.conn.execute(insert(v).values(
            document_id=record.document_id, version=record.version, action=record.action,
            sections=json.dumps(dict(record.sections), ensure_ascii=False, sort_keys=True),
            changed=json.dumps(list(record.changed)), by=record.by, at=utc(record.at), note=record.note))

    def versions(self, document_id: int) -> list[ReportVersionRecord]:
        rows = self.conn.execute(select(v).where(v.c.document_id == document_id).order_by(v.c.version, v.c.id)).all()
        return [ReportVersionRecord(document_id=int(r.document_id), version=int(r.version), action=r.action,
                                    sections=json.loads(r.sections), changed=tuple(json.loads(r.changed or "[]")),
                                    by=r.by, at=utc(r.at), note=r.note or "") for r in rows]

    def publish(self, record: PublicationRecord) -> int:
        # Callers hold the audit head (the publication's audit row is appended first), so numbers are
        # handed out one writer at a time.
        number = int(self.conn.execute(select(func.coalesce(func.max(p.c.number), 0))).scalar_one()) + 1
        self.conn.execute(insert(p).values(
            number=number, document_id=record.document_id, period=record.period,
            definition_key=record.definition_key, edition=record.edition, content=record.content,
            content_sha256=record.content_sha256, audit_seq=record.audit_seq, audit_hash=record.audit_hash,
            checkpoint=record.checkpoint, approved_by=record.approved_by, published_by=record.published_by,
            published_at=utc(record.published_at), reason=record.reason))
        return number

    def publication(self, number: int) -> PublicationRecord | None:
        row = self.conn.execute(select(p).where(p.c.number == number)).first()
        return _publication(row) if row is not None else None

    def publications(self, document_id: int | None = None) -> list[PublicationRecord]:
        query = select(p).order_by(p.c.number.desc())
        if document_id is not None:
            query = query.where(p.c.document_id == document_id)
        return [_publication(r) for r in self.conn.execute(query).all()]


__all__ = ["SqlReportDocuments"]
