"""The store port: what services may ask of storage, one repository per kind of record.

Services (``workflow.services``) open a unit of work, ask its repositories, hand the core's decisions
back to them and commit once; they never see SQL. Two adapters implement this port and pass the same
contract suite (``tests/store/test_port_contract.py``): `workflow.store.sql` on SQLAlchemy (SQLite,
PostgreSQL) and `workflow.store.memory` in memory (the fast fake the engine and service tests run on).

This module imports nothing but the pure core, so services can name the port without pulling in a
database library. Read models for pages and reports are not part of the port: they live in
`workflow.store.queries` and are tested against the real databases.

Conventions every adapter keeps:

* Nothing is written unless ``commit`` is called; leaving the ``with`` block rolls back.
* A unit of work serialises writers the way its database does (SQLite ``BEGIN IMMEDIATE``, PostgreSQL
  row locks and the audit head lock); a lost update raises `ConcurrentUpdate` and writes nothing.
* Times go in and come out as aware UTC datetimes.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Protocol

from workflow.core.audit import AuditEvent
from workflow.core.ticket import Change, Ticket


@dataclass(frozen=True)
class TicketRef:
    """Enough of a ticket to list or pick it: no fields, no identity."""

    id: int
    receipt_no: str
    state: str
    definition_key: str
    definition_version: int
    version: int = 0


@dataclass(frozen=True)
class DefinitionRecord:
    """A published definition version as stored (its YAML text is the source of truth)."""

    key: str
    version: int
    title: str
    source: str
    source_hash: str
    published_at: datetime
    published_by: str
    note: str = ""


@dataclass(frozen=True)
class AttachmentRecord:
    """One stored evidence file of a ticket (the bytes live outside the database, by hash)."""

    sha256: str
    filename: str
    content_type: str
    size: int
    stored_path: str
    created_at: datetime
    id: int | None = None
    ticket_id: int | None = None


@dataclass(frozen=True)
class ClosureRecord:
    """An office edit of the calendar: ``add`` closes a day, ``remove`` reopens a listed holiday."""

    day: date
    kind: str
    name: str
    created_by: str
    created_at: datetime


class TicketRepository(Protocol):
    def load(self, ticket_id: int) -> Ticket:
        """The ticket with its identity and clock runs; `TicketNotFound` if there is none."""

    def id_by_receipt(self, receipt_no: str) -> int:
        """The id of the ticket with that receipt number; `TicketNotFound` if there is none."""

    def save(self, change: Change) -> Ticket:
        """Write one open or fire: the ticket (a version-checked update, or an insert when
        ``change.expected_version`` is None), its identity, changed clock runs, the audit rows and the
        outbox rows. Returns the saved ticket (ids and version set)."""

    def lock(self, ticket_id: int) -> None:
        """Hold the ticket's row until commit, so writers to one ticket take turns (PostgreSQL)."""

    def set_flags(self, ticket_id: int, flags: list[str], expected_version: int) -> int:
        """Replace the ticket's flags if its version is still ``expected_version``; the new version.

        `ConcurrentUpdate` when someone else changed the ticket first."""

    def open_duplicates(self, no_registrasi: str | None, kategori: str | None, *,
                        exclude: int | None = None) -> list[TicketRef]:
        """Open tickets that a complaint with these values repeats (`workflow.store.rules.duplicates`),
        oldest first."""

    def identity(self, ticket_id: int) -> dict[str, Any]:
        """The complainant's identity fields (callers decide who may see them, and audit the read)."""


class DefinitionRepository(Protocol):
    def source(self, key: str, version: int | None = None) -> tuple[str, int]:
        """(YAML text, version) of ``key`` at ``version`` (None: the latest); `UnknownDefinition`."""

    def latest(self, key: str) -> DefinitionRecord | None: ...

    def add(self, record: DefinitionRecord) -> None:
        """Store a new version; `ConcurrentUpdate` if that version exists already."""

    def published(self) -> list[tuple[str, int]]:
        """Every (key, version) published, in key and version order."""


class ReceiptCounter(Protocol):
    def next(self, year: int) -> int:
        """The next receipt number of ``year`` (1, 2, ...). Rolled back with its unit of work, so a
        complaint that is not saved leaves no gap."""


class AuditLog(Protocol):
    def append(self, events: Iterable[AuditEvent]) -> None:
        """Extend the hash chain by these events, in order (the head is locked until commit)."""

    def head(self) -> tuple[int, str]:
        """(last sequence number, its hash); (0, GENESIS) before the first row."""


class EscalationRepository(Protocol):
    def fired(self, ticket_id: int) -> dict[tuple[str, int], set[int]]:
        """Rungs fired per (clock, run) of the ticket."""


class AttachmentRepository(Protocol):
    def add(self, ticket_id: int, records: Iterable[AttachmentRecord]) -> list[int]:
        """Store the rows of files already written; returns their ids."""

    def count(self, ticket_id: int) -> int: ...

    def of(self, ticket_id: int) -> list[AttachmentRecord]:
        """The ticket's files, oldest first (their position names them for who may not see names)."""


class LinkRepository(Protocol):
    def add(self, ticket_id: int, other_id: int, kind: str, created_by: str, created_at: datetime) -> bool:
        """Record that two tickets belong together (kind ``terkait`` or ``digabung``); False if it was."""

    def of(self, ticket_id: int) -> list[tuple[str, str]]:
        """(kind, other receipt number) of the ticket's links."""


class ClosureRepository(Protocol):
    def all(self) -> list[ClosureRecord]: ...

    def stamp(self) -> tuple:
        """What identifies the office's closure rows now: any edit changes it (workers reload on a change)."""


class UnitOfWork(Protocol):
    """One transaction. Nothing is written unless ``commit`` is called."""

    tickets: TicketRepository
    definitions: DefinitionRepository
    receipts: ReceiptCounter
    audit: AuditLog
    escalations: EscalationRepository
    attachments: AttachmentRepository
    links: LinkRepository
    closures: ClosureRepository

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class Store(Protocol):
    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]: ...


__all__ = ["Store", "UnitOfWork", "TicketRepository", "DefinitionRepository", "ReceiptCounter", "AuditLog",
           "EscalationRepository", "AttachmentRepository", "LinkRepository", "ClosureRepository", "TicketRef",
           "DefinitionRecord", "AttachmentRecord", "ClosureRecord"]
