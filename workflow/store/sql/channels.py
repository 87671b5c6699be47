"""Complaint box sessions and disposition updates in SQL (``box_sessions``, ``disposition_updates``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from workflow.store import models as m
from workflow.store.models_channels import box_sessions as b
from workflow.store.models_channels import disposition_updates as d
from workflow.store.port_channels import BoxSessionRecord, DispositionUpdate
from workflow.store.sql.rows import utc


def _session(row) -> BoxSessionRecord:
    return BoxSessionRecord(id=row.id, definition_key=row.definition_key, channel=row.channel,
                            opened_on=row.opened_on, opened_by=row.opened_by, opened_at=utc(row.opened_at),
                            closed_at=utc(row.closed_at), closed_by=row.closed_by, forms_found=row.forms_found,
                            note=row.note or "")


def _update(row) -> DispositionUpdate:
    return DispositionUpdate(ticket_id=row.ticket_id, obligation=row.obligation, done_at=utc(row.done_at),
                             done_by=row.done_by, note=row.note or "")


class SqlBoxSessions:
    def __init__(self, conn):
        self.conn = conn

    def add(self, record: BoxSessionRecord) -> int | None:
        try:
            with self.conn.begin_nested():
                done = self.conn.execute(insert(b).values(
                    definition_key=record.definition_key, channel=record.channel, opened_on=record.opened_on,
                    opened_by=record.opened_by, opened_at=utc(record.opened_at), note=record.note))
                return done.inserted_primary_key[0]
        except IntegrityError:
            return None

    def get(self, session_id: int) -> BoxSessionRecord | None:
        row = self.conn.execute(select(b).where(b.c.id == session_id)).first()
        return _session(row) if row is not None else None

    def recent(self, limit: int = 50) -> list[BoxSessionRecord]:
        rows = self.conn.execute(select(b).order_by(b.c.opened_on.desc(), b.c.id.desc()).limit(limit))
        return [_session(r) for r in rows]

    def close(self, session_id: int, forms_found: int, note: str, closed_by: str, closed_at: datetime) -> bool:
        done = self.conn.execute(update(b).where(b.c.id == session_id, b.c.closed_at.is_(None)).values(
            forms_found=forms_found, note=note, closed_by=closed_by, closed_at=utc(closed_at)))
        return done.rowcount == 1

    def recorded(self, session: BoxSessionRecord, field: str) -> list[tuple[int, str]]:
        t = m.tickets.c
        rows = self.conn.execute(
            select(t.id, t.receipt_no)
            .where(t.definition_key == session.definition_key, t.kanal == session.channel,
                   t.fields[field].as_string() == session.opened_on.isoformat())
            .order_by(t.id))
        return [(r.id, r.receipt_no) for r in rows]


class SqlDispositions:
    def __init__(self, conn):
        self.conn = conn

    def updates(self, ticket_id: int) -> list[DispositionUpdate]:
        return self.updates_for([ticket_id]).get(ticket_id, [])

    def updates_for(self, ticket_ids: list[int]) -> dict[int, list[DispositionUpdate]]:
        found: dict[int, list[DispositionUpdate]] = {}
        if not ticket_ids:
            return found
        for row in self.conn.execute(select(d).where(d.c.ticket_id.in_(list(ticket_ids))).order_by(d.c.id)):
            found.setdefault(row.ticket_id, []).append(_update(row))
        return found

    def add(self, item: DispositionUpdate) -> bool:
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(d).values(ticket_id=item.ticket_id, obligation=item.obligation,
                                                   done_at=utc(item.done_at), done_by=item.done_by, note=item.note))
        except IntegrityError:
            return False
        return True


__all__ = ["SqlBoxSessions", "SqlDispositions"]
