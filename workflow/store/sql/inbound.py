"""Inbound drafts, messages and files in SQL (``inbound_drafts``, ``inbound_messages``, ``inbound_files``)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Iterable

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from workflow.errors import ConcurrentUpdate
from workflow.store.models_inbound import inbound_drafts as d
from workflow.store.models_inbound import inbound_files as f
from workflow.store.models_inbound import inbound_messages as m
from workflow.store.port_inbound import DISCARDED, DRAFT, DraftRecord, InboundFileRecord, InboundMessageRecord
from workflow.store.sql.rows import utc


def _draft(row) -> DraftRecord:
    return DraftRecord(id=row.id, channel=row.channel, kanal=row.kanal, contact=row.contact,
                       contact_name=row.contact_name or "", subject=row.subject or "", received_at=utc(row.received_at),
                       status=row.status, note=row.note or "", ticket_id=row.ticket_id, receipt_no=row.receipt_no,
                       created_at=utc(row.created_at), updated_at=utc(row.updated_at), closed_by=row.closed_by,
                       closed_at=utc(row.closed_at))


def _message(row) -> InboundMessageRecord:
    return InboundMessageRecord(
        id=row.id, source=row.source, external_id=row.external_id, uidvalidity=row.uidvalidity, uid=row.uid,
        channel=row.channel, disposition=row.disposition, reason=row.reason, draft_id=row.draft_id,
        ticket_id=row.ticket_id, sender=row.sender, sender_name=row.sender_name or "", subject=row.subject or "",
        body=row.body or "", refused=tuple(json.loads(row.refused or "[]")), notes=tuple(json.loads(row.notes or "[]")),
        received_at=utc(row.received_at), created_at=utc(row.created_at))


def _file(row) -> InboundFileRecord:
    return InboundFileRecord(id=row.id, message_id=row.message_id, sha256=row.sha256, filename=row.filename,
                             content_type=row.content_type, size=row.size, stored_path=row.stored_path,
                             created_at=utc(row.created_at))


class SqlInbound:
    def __init__(self, conn):
        self.conn = conn

    def find(self, source: str, external_id: str) -> InboundMessageRecord | None:
        row = self.conn.execute(select(m).where(m.c.source == source, m.c.external_id == external_id)).first()
        return _message(row) if row is not None else None

    def last_uid(self, source: str, uidvalidity: int) -> int:
        return int(self.conn.execute(select(func.max(m.c.uid)).where(
            m.c.source == source, m.c.uidvalidity == uidvalidity)).scalar() or 0)

    def add_message(self, record: InboundMessageRecord) -> int:
        values = dict(source=record.source, external_id=record.external_id, uidvalidity=record.uidvalidity,
                      uid=record.uid, channel=record.channel, disposition=record.disposition, reason=record.reason,
                      draft_id=record.draft_id, ticket_id=record.ticket_id, sender=record.sender,
                      sender_name=record.sender_name, subject=record.subject, body=record.body,
                      refused=json.dumps(list(record.refused), ensure_ascii=False),
                      notes=json.dumps(list(record.notes), ensure_ascii=False),
                      received_at=utc(record.received_at), created_at=utc(record.created_at))
        try:
            with self.conn.begin_nested():
                return int(self.conn.execute(insert(m).values(**values).returning(m.c.id)).scalar_one())
        except IntegrityError as exc:  # a unique key: another poll or delivery recorded this message first
            raise ConcurrentUpdate(f"message {record.external_id} of {record.source} is recorded already") from exc

    def add_files(self, records: Iterable[InboundFileRecord]) -> list[int]:
        return [int(self.conn.execute(insert(f).values(
            message_id=r.message_id, sha256=r.sha256, filename=r.filename, content_type=r.content_type, size=r.size,
            stored_path=r.stored_path, created_at=utc(r.created_at)).returning(f.c.id)).scalar_one()) for r in records]

    def add_draft(self, record: DraftRecord) -> int:
        return int(self.conn.execute(insert(d).values(
            channel=record.channel, kanal=record.kanal, contact=record.contact, contact_name=record.contact_name,
            subject=record.subject, received_at=utc(record.received_at), status=record.status, note=record.note,
            ticket_id=record.ticket_id, receipt_no=record.receipt_no, created_at=utc(record.created_at),
            updated_at=utc(record.updated_at or record.created_at)).returning(d.c.id)).scalar_one())

    def draft(self, draft_id: int) -> DraftRecord | None:
        row = self.conn.execute(select(d).where(d.c.id == draft_id)).first()
        return _draft(row) if row is not None else None

    def draft_of_ticket(self, ticket_id: int) -> DraftRecord | None:
        row = self.conn.execute(select(d).where(d.c.ticket_id == ticket_id).order_by(d.c.id).limit(1)).first()
        return _draft(row) if row is not None else None

    def drafts(self, status: str = DRAFT, limit: int = 200) -> list[DraftRecord]:
        rows = self.conn.execute(select(d).where(d.c.status == status)
                                 .order_by(d.c.received_at, d.c.id).limit(limit)).all()
        return [_draft(r) for r in rows]

    def messages(self, *, draft_id: int | None = None, ticket_id: int | None = None) -> list[InboundMessageRecord]:
        conditions = []
        if draft_id is not None:
            conditions.append(m.c.draft_id == draft_id)
        if ticket_id is not None:
            conditions.append(m.c.ticket_id == ticket_id)
        if not conditions:
            return []
        rows = self.conn.execute(select(m).where(or_(*conditions)).order_by(m.c.received_at, m.c.id)).all()
        return [_message(r) for r in rows]

    def files(self, message_ids: Iterable[int]) -> list[InboundFileRecord]:
        ids = list(message_ids)
        if not ids:
            return []
        return [_file(r) for r in self.conn.execute(select(f).where(f.c.message_id.in_(ids)).order_by(f.c.id)).all()]

    def thread_of(self, external_ids: Iterable[str]) -> InboundMessageRecord | None:
        ids = list(external_ids)
        if not ids:
            return None
        row = self.conn.execute(select(m).where(m.c.external_id.in_(ids),
                                                or_(m.c.draft_id.is_not(None), m.c.ticket_id.is_not(None)))
                                .order_by(m.c.id.desc()).limit(1)).first()
        return _message(row) if row is not None else None

    def latest_draft(self, channel: str, contact: str) -> DraftRecord | None:
        row = self.conn.execute(select(d).where(d.c.channel == channel, d.c.contact == contact,
                                                d.c.status != DISCARDED).order_by(d.c.id.desc()).limit(1)).first()
        return _draft(row) if row is not None else None

    def link(self, draft_id: int, ticket_id: int) -> int:
        return self.conn.execute(update(m).where(m.c.draft_id == draft_id).values(ticket_id=ticket_id)).rowcount

    def touch(self, draft_id: int, at: datetime) -> None:
        self.conn.execute(update(d).where(d.c.id == draft_id).values(updated_at=utc(at)))

    def close(self, draft_id: int, status: str, *, by: str, at: datetime, note: str = "",
              ticket_id: int | None = None, receipt_no: str | None = None) -> bool:
        done = self.conn.execute(update(d).where(d.c.id == draft_id, d.c.status == DRAFT).values(
            status=status, closed_by=by, closed_at=utc(at), updated_at=utc(at), note=note, ticket_id=ticket_id,
            receipt_no=receipt_no))
        return done.rowcount == 1


__all__ = ["SqlInbound"]
