"""The persistence port the pure engine talks to; `workflow.store` is its SQLAlchemy adapter.

Keeping the engine behind this interface is what lets `workflow.engine` import no SQLAlchemy,
Flask, Redis or rq (a test walks the imports), and lets the same engine run on SQLite or PostgreSQL.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from workflow.core.audit import AuditEvent
from workflow.core.ticket import Change, Ticket


class UnitOfWork(Protocol):
    """One database transaction. Nothing is written unless ``commit`` is called."""

    def load_ticket(self, ticket_id: int) -> Ticket: ...
    def definition_source(self, key: str, version: int | None) -> tuple[str, int]: ...
    def next_receipt_number(self, year: int) -> int: ...
    def fired_rungs(self, ticket_id: int) -> dict[tuple[str, int], set[int]]: ...
    def save(self, change: Change) -> Ticket: ...
    def append_audit(self, events: list[AuditEvent]) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class Store(Protocol):
    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]: ...


__all__ = ["UnitOfWork", "Store"]
