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
from workflow.core.checkpoints import Checkpoint
from workflow.core.escalation import DueRung, RungChange
from workflow.core.ticket import Change, ClockRun, Ticket
from workflow.store.port_channels import BoxSessionRepository, DispositionRepository
from workflow.store.port_deliveries import DeliveryRepository, InboxRepository, OutboxRepository
from workflow.store.port_inbound import InboundRepository
from workflow.store.port_office import AgencyRepository, OfficeRepository
from workflow.store.port_report_documents import ReportDocumentRepository


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


@dataclass(frozen=True)
class RunningClock:
    """A running clock run with what recomputing its deadlines needs: its ticket and the rungs fired."""

    run: ClockRun
    ticket_id: int
    receipt_no: str
    definition_key: str
    definition_version: int
    fired: frozenset[int] = frozenset()


@dataclass(frozen=True)
class RootCauseRecord:
    """A named root cause of complaints (``code`` is its short stable key)."""

    code: str
    title: str
    description: str
    created_by: str
    created_at: datetime
    id: int | None = None


@dataclass(frozen=True)
class ActionPlanRecord:
    """An action plan against a root cause for a report period (``period`` is the canonical key)."""

    root_cause_id: int
    period: str
    title: str
    owner: str
    due_date: date | None
    status: str
    created_by: str
    created_at: datetime
    id: int | None = None


@dataclass(frozen=True)
class UserRecord:
    """A console account as stored, without its password hash (that is asked for separately)."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    supervisor_level: int | None = None
    opd: str | None = None
    email: str | None = None
    phone: str | None = None
    locale: str = "id"
    active: bool = True
    created_at: datetime | None = None
    id: int | None = None
    session_epoch: int = 0  # moved on by UserRepository.end_sessions; a session signed in under another ends


@dataclass(frozen=True)
class ApiKeyRecord:
    """An integration's API key as stored: the prefix finds it, only the key's sha256 is kept."""

    name: str
    prefix: str
    key_hash: str
    scopes: tuple[str, ...]
    role: str
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class IdempotencyRecord:
    """A claimed Idempotency-Key of one API key; ``response`` (JSON) is set once its request succeeded."""

    id: int
    api_key_id: int
    key: str
    request_hash: str
    created_at: datetime
    ticket_id: int | None = None
    status_code: int | None = None
    response: str | None = None


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

    def refs(self, *, ids: Iterable[int] = (), receipts: Iterable[str] = ()) -> list[TicketRef]:
        """The tickets among these ids and receipt numbers that exist, by id (callers name the missing)."""

    def open_on(self, key: str, *, not_version: int, version: int | None = None) -> list[TicketRef]:
        """Open tickets of definition ``key`` on any version but ``not_version`` (only ``version``, if
        given), by id: the candidates for a migration to ``not_version``."""

    def open_versions(self) -> list[tuple[str, int]]:
        """The (definition key, version) pairs open tickets run on, in key and version order."""

    def waiting_in(self, key: str, version: int, states: Iterable[str]) -> list[TicketRef]:
        """Tickets of that definition version in one of ``states``, by id."""


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

    def hold(self) -> None:
        """Keep the chain's head from here to commit: later appends read it once and write it back once,
        at commit, rather than per call (a transaction appending row by row: the escalation sweep). A
        failed savepoint still undoes its rows."""

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Keep a signed head (append-only, like the chain)."""

    def checkpoints(self) -> list[Checkpoint]:
        """Every checkpoint kept, by sequence number."""


class EscalationRepository(Protocol):
    """Escalation rungs: what is due (clock runs' next-rung pointers) and what fired (one record per rung)."""

    def fired(self, ticket_id: int) -> dict[tuple[str, int], set[int]]:
        """Rungs fired per (clock, run) of the ticket."""

    def claim_due(self, now: datetime, limit: int, *, exclude: Iterable[int] = (),
                  after: tuple[datetime, int] | None = None) -> list[DueRung]:
        """Up to ``limit`` running clock runs whose next rung is due at ``now``, oldest first, without the
        runs in ``exclude`` and (a keyset walk) after ``after`` = (due time, run id). Claimed until commit:
        a concurrent claim gets other runs, and skips tickets someone is writing (PostgreSQL)."""

    def load(self, claims: Iterable[DueRung], *, lock: bool = False) -> tuple[dict[int, Ticket],
                                                                              dict[int, set[int]]]:
        """The claims' tickets (by id, with their clock runs, without identity) and each claimed run's
        fired rungs (by run id). ``lock`` waits for the tickets and their runs and holds them to commit."""

    def set_next(self, ticket_id: int, run: ClockRun) -> None:
        """Write the run's next-rung pointer (``next_rung``, ``next_rung_at``) and nothing else."""

    def fire(self, change: RungChange) -> list[int] | None:
        """Record the rung and write what it changed: the ticket's flags, assignee and version (checked:
        `ConcurrentUpdate`), the run's pointer, the audit row and the outbox rows. Returns the outbox
        ids, or None, writing nothing, when the rung was recorded already (another sweep or job)."""


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

    def get(self, day: date) -> ClosureRecord | None:
        """The office's edit of ``day``, if it made one."""

    def put(self, record: ClosureRecord) -> None:
        """Make ``record`` the office's edit of its day (replacing any earlier one)."""

    def delete(self, day: date) -> bool:
        """Withdraw the office's edit of ``day``; False if there was none."""


class ClockRunRepository(Protocol):
    def running(self, *, after_id: int = 0, limit: int = 1000,
                window: tuple[datetime, datetime] | None = None) -> list[RunningClock]:
        """Running clock runs (with a current segment) whose id is above ``after_id``, by id, at most ``limit``
        (keyset pages). With ``window`` (lo, hi): only runs whose segment started before ``hi`` and whose due
        time or next rung lies at or after ``lo`` -- those a calendar day in the window can move."""

    def reschedule(self, run: ClockRun, read: ClockRun) -> bool:
        """Write ``run``'s due time, next rung, at-risk moment and calendar fingerprint, but only if the stored
        run is still in the segment ``read`` was read in (running, same ``resumed_at``, ``consumed`` and
        ``next_rung``); False, writing nothing, when a fire or a sweep changed it since."""


class RootCauseRepository(Protocol):
    def add(self, record: RootCauseRecord) -> int | None:
        """Store a new root cause; its id, or None when its code is taken (nothing written)."""

    def get(self, key: int | str) -> RootCauseRecord | None:
        """The root cause with that id (an int) or code (a str)."""

    def link(self, root_cause_id: int, ticket_ids: Iterable[int], linked_by: str, linked_at: datetime) -> int:
        """Link tickets to the root cause; how many links are new (a pair already linked is left as it is)."""

    def unlink(self, root_cause_id: int, ticket_id: int) -> bool:
        """Remove one link; False if there was none."""

    def add_plan(self, record: ActionPlanRecord) -> int:
        """Store a new action plan; its id."""

    def set_plan_status(self, plan_id: int, status: str) -> bool:
        """Change a plan's status; False if there is no such plan."""


class UserRepository(Protocol):
    def get(self, user_id: int) -> UserRecord | None: ...

    def by_name(self, username: str) -> UserRecord | None:
        """The account with exactly this (already normalised) username."""

    def all(self) -> list[UserRecord]:
        """Every account, by username."""

    def add(self, record: UserRecord, password_hash: str) -> int | None:
        """Store a new account; its id, or None when the username is taken (nothing written)."""

    def update(self, record: UserRecord) -> bool:
        """Replace the stored profile (all but username, password and created_at) of ``record.id``;
        False if there is no such account."""

    def password_hash(self, user_id: int) -> str | None: ...

    def set_password_hash(self, user_id: int, password_hash: str) -> bool:
        """False if there is no such account."""

    def end_sessions(self, user_id: int) -> bool:
        """Move the account's ``session_epoch`` on, ending every session signed in before (sign-out, a new
        password, disabling); `update` never changes it. False if there is no such account."""


class ApiKeyRepository(Protocol):
    def add(self, record: ApiKeyRecord) -> int | None:
        """Store a new key; its id, or None when its prefix is taken (nothing written)."""

    def by_prefix(self, prefix: str) -> ApiKeyRecord | None: ...

    def active_named(self, name: str) -> int | None:
        """The id of an unrevoked key with this name, if there is one."""

    def all(self) -> list[ApiKeyRecord]:
        """Every key, revoked ones too, by id."""

    def touch(self, key_id: int, at: datetime) -> None:
        """Record that the key was used at ``at``."""

    def revoke(self, key_id: int, at: datetime) -> bool:
        """Revoke an active key; False if there is no such active key."""


class IdempotencyRepository(Protocol):
    def claim(self, api_key_id: int, key: str, request_hash: str, now: datetime, *,
              forget_before: datetime) -> int | None:
        """Forget the API key's claims made before ``forget_before``, then claim ``key``: the new claim's id,
        or None when a live claim holds it (another request with that key came first)."""

    def find(self, api_key_id: int, key: str) -> IdempotencyRecord | None: ...

    def release(self, claim_id: int) -> None:
        """Forget a claim (its request failed), so a corrected retry may claim the key afresh."""

    def remember(self, claim_id: int, ticket_id: int, status_code: int, response: str) -> None:
        """Store the answer a retry with the claimed key gets."""


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
    clock_runs: ClockRunRepository
    root_causes: RootCauseRepository
    users: UserRepository
    api_keys: ApiKeyRepository
    idempotency: IdempotencyRepository
    outbox: OutboxRepository  # notifications (workflow.store.port_deliveries)
    deliveries: DeliveryRepository
    inbox: InboxRepository
    office: OfficeRepository  # the office profile and its agencies (workflow.store.port_office)
    agencies: AgencyRepository
    inbound: InboundRepository  # drafts and messages that arrived by email or WhatsApp (workflow.store.port_inbound)
    report_documents: ReportDocumentRepository  # report drafts and publications (port_report_documents)
    box_sessions: BoxSessionRepository  # complaint box openings (workflow.store.port_channels)
    dispositions: DispositionRepository  # status updates owed to referring bodies

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class Store(Protocol):
    def unit_of_work(self, *, read_only: bool = False) -> AbstractContextManager[UnitOfWork]:
        """One transaction; ``read_only`` for use cases that only read (it cannot commit, and on SQLite it
        does not queue behind writers)."""


__all__ = ["Store", "UnitOfWork", "TicketRepository", "DefinitionRepository", "ReceiptCounter", "AuditLog",
           "EscalationRepository", "AttachmentRepository", "LinkRepository", "ClosureRepository", "TicketRef",
           "DefinitionRecord", "AttachmentRecord", "ClosureRecord", "ClockRunRepository", "RunningClock",
           "RootCauseRepository", "RootCauseRecord", "ActionPlanRecord",
           "UserRepository", "UserRecord", "ApiKeyRepository", "ApiKeyRecord", "IdempotencyRepository",
           "IdempotencyRecord"]
