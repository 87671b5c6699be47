"""The store port of tracking PINs (issue 14, item 2): the keyed hash of a complaint's PIN and its wrong tries.

`pins(uow)` hands out the repository on a unit of work of either store, so the units of work need no new
attribute: the SQL one runs on the unit of work's connection (same transaction), the memory one keeps the PINs
beside the store's tables (development and tests; not rolled back with a unit of work).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class PinRecord:
    ticket_id: int
    pin_hash: str
    failures: int = 0
    locked_until: datetime | None = None


class PinRepository(Protocol):
    def put(self, ticket_id: int, pin_hash: str, now: datetime) -> None:
        """Store (or replace) the ticket's PIN hash, with no wrong tries."""

    def find(self, receipt_no: str) -> PinRecord | None:
        """The PIN of the complaint with this receipt number; None when it has none (or there is no such one)."""

    def record_failure(self, ticket_id: int, locked_until: datetime | None) -> int:
        """Count one wrong try (and lock until ``locked_until`` when given); the tries in a row so far."""

    def clear_failures(self, ticket_id: int) -> None:
        """A right PIN: the count starts again and the lock is lifted."""


def pins(uow: Any) -> PinRepository:
    """The PIN repository of ``uow`` (a SQL or a memory unit of work)."""
    if hasattr(uow, "conn"):
        from workflow.store.sql.pins import SqlPins

        return SqlPins(uow.conn)
    from workflow.store.memory_pins import MemoryPins

    return MemoryPins(uow)


__all__ = ["PinRecord", "PinRepository", "pins"]
