"""Tracking PINs in memory (`workflow.store.port_tracking`): kept on the store object, beside its tables."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from workflow.store.port_tracking import PinRecord


class MemoryPins:
    def __init__(self, uow: Any):
        self.uow = uow
        self.rows: dict[int, PinRecord] = uow._store.__dict__.setdefault("tracking_pins", {})

    def put(self, ticket_id: int, pin_hash: str, now: datetime) -> None:
        self.rows[ticket_id] = PinRecord(ticket_id, pin_hash)

    def find(self, receipt_no: str) -> PinRecord | None:
        for ticket_id, ticket in self.uow.tables.tickets.items():
            if ticket.receipt_no == receipt_no:
                return self.rows.get(ticket_id)
        return None

    def record_failure(self, ticket_id: int, locked_until: datetime | None) -> int:
        row = self.rows[ticket_id]
        row = replace(row, failures=row.failures + 1, locked_until=locked_until or row.locked_until)
        self.rows[ticket_id] = row
        return row.failures

    def clear_failures(self, ticket_id: int) -> None:
        self.rows[ticket_id] = replace(self.rows[ticket_id], failures=0, locked_until=None)


__all__ = ["MemoryPins"]
