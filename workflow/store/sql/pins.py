"""Tracking PINs in SQL (`workflow.store.port_tracking`)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update

from workflow.store import models as m
from workflow.store.models_intake import tracking_pins
from workflow.store.port_tracking import PinRecord
from workflow.store.sql.rows import utc


class SqlPins:
    def __init__(self, conn):
        self.conn = conn

    def put(self, ticket_id: int, pin_hash: str, now: datetime) -> None:
        self.conn.execute(delete(tracking_pins).where(tracking_pins.c.ticket_id == ticket_id))
        self.conn.execute(insert(tracking_pins).values(ticket_id=ticket_id, pin_hash=pin_hash, failures=0,
                                                       locked_until=None, created_at=now))

    def find(self, receipt_no: str) -> PinRecord | None:
        p, t = tracking_pins.c, m.tickets.c
        row = self.conn.execute(select(p.ticket_id, p.pin_hash, p.failures, p.locked_until)
                                .join_from(tracking_pins, m.tickets, t.id == p.ticket_id)
                                .where(t.receipt_no == receipt_no)).first()
        if row is None:
            return None
        return PinRecord(row.ticket_id, row.pin_hash, row.failures or 0, utc(row.locked_until))

    def record_failure(self, ticket_id: int, locked_until: datetime | None) -> int:
        p = tracking_pins.c
        values = {"failures": p.failures + 1, **({"locked_until": locked_until} if locked_until else {})}
        self.conn.execute(update(tracking_pins).where(p.ticket_id == ticket_id).values(**values))
        return self.conn.execute(select(p.failures).where(p.ticket_id == ticket_id)).scalar() or 0

    def clear_failures(self, ticket_id: int) -> None:
        self.conn.execute(update(tracking_pins).where(tracking_pins.c.ticket_id == ticket_id)
                          .values(failures=0, locked_until=None))


__all__ = ["SqlPins"]
