"""The engine service: open tickets and fire transitions, one transaction each.

Each use case loads what it needs through the store port, asks the pure core (`workflow.core.decide`)
for the change, hands the change to the store and commits once; after commit it runs the hooks that
schedule rung jobs and dispatch notifications. A lost update raises `ConcurrentUpdate` and writes
nothing. One `Engine` per process is shared by every entry point (web, CLI, jobs): it holds no
per-ticket state, only the store, the catalogs, the office calendar and the cache of published
definitions (immutable, so safe to keep for the process' life).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from workflow.core import decide
from workflow.core.calendar import OFFICE_TZ
from workflow.core.clocks import Calendar, SimpleCalendar
from workflow.core.decide import Option
from workflow.core.guards import Actor
from workflow.core.receipts import format_receipt, hash_token, new_token
from workflow.core.ticket import Change, Ticket
from workflow.errors import ConcurrentUpdate
from workflow.spec.catalog import Catalogs, default_catalogs
from workflow.spec.loader import load_definition
from workflow.spec.model import Definition, Transition
from workflow.store.port import Store, UnitOfWork

logger = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Opened:
    ticket: Ticket
    token: str  # shown once to the complainant; only its hash is stored


@dataclass
class DefinitionCache:
    """Published definitions by (key, version); immutable, so safe to keep for the process' life."""

    catalogs: Catalogs
    templates: set[str] | None = None
    _by_version: dict[tuple[str, int], Definition] = field(default_factory=dict)

    def cached(self, key: str, version: int | None) -> Definition | None:
        return self._by_version.get((key, version)) if version is not None else None

    def get(self, uow: UnitOfWork, key: str, version: int | None = None) -> Definition:
        if version is not None and (key, version) in self._by_version:
            return self._by_version[(key, version)]
        source, found = uow.definitions.source(key, version)
        cached = self._by_version.get((key, found))
        if cached is None:
            cached = load_definition(source, f"{key}@v{found}", self.catalogs, version=found,
                                     templates=self.templates)
            self._by_version[(key, found)] = cached
        return cached


def ensure_version(ticket: Ticket, expected_version: int | None) -> None:
    """`ConcurrentUpdate` when the form the user acts from showed another version of the ticket."""
    if expected_version is not None and ticket.version != expected_version:
        raise ConcurrentUpdate(f"Pengaduan {ticket.receipt_no} sudah diubah orang lain (versi {ticket.version}, "
                               f"Anda membuka versi {expected_version}). Muat ulang halaman lalu ulangi; tidak ada "
                               "yang tersimpan.")


class _FiredRungs:
    """The ticket's fired escalation rungs, read only if a clock resumes (the only rule that needs them).

    Most moves pause, stop or start clocks and never look, so they save a query. Read inside the
    same unit of work, so the answer is what an eager read would have given.
    """

    __slots__ = ("_uow", "_ticket_id", "_rungs")

    def __init__(self, uow: UnitOfWork, ticket_id: int):
        self._uow, self._ticket_id, self._rungs = uow, ticket_id, None

    def __bool__(self) -> bool:  # `fired or {}` in apply_clock_rules must not trigger the read
        return True

    def get(self, key: tuple[str, int], default: Any = None) -> Any:
        if self._rungs is None:
            self._rungs = self._uow.escalations.fired(self._ticket_id)
        return self._rungs.get(key, default)


class Engine:
    """Runs tickets through their definitions. Holds no per-ticket state; share one per process."""

    def __init__(self, store: Store, *, catalogs: Catalogs | None = None, calendar: Calendar | None = None,
                 now: Callable[[], datetime] = utcnow, identity_salt: str = "alur"):
        self.store = store
        self.catalogs = catalogs if catalogs is not None else default_catalogs()
        self.calendar = calendar if calendar is not None else SimpleCalendar()
        self.now = now
        self.identity_salt = identity_salt
        self.definitions = DefinitionCache(self.catalogs)
        #: Called with the saved ticket after each committed open/fire (e.g. to schedule rq jobs).
        #: Failures are logged, never raised: the change is already committed.
        self.after_commit: list[Callable[[Ticket], None]] = []

    def run_after_commit(self, ticket: Ticket) -> None:
        for hook in list(self.after_commit):
            try:
                hook(ticket)
            except Exception:  # noqa: BLE001 - side effects after commit must not fail the committed change
                logger.warning("after-commit hook %r failed for ticket %s", hook, ticket.id, exc_info=True)

    # -- reading ---------------------------------------------------------------------------------
    def definition(self, key: str, version: int | None = None) -> Definition:
        cached = self.definitions.cached(key, version)
        if cached is not None:  # a published version never changes: no transaction needed
            return cached
        with self.store.unit_of_work(read_only=True) as uow:
            return self.definitions.get(uow, key, version)

    def definition_of(self, ticket: Ticket) -> Definition:
        return self.definition(ticket.definition_key, ticket.definition_version)

    def load(self, ticket_id: int) -> Ticket:
        with self.store.unit_of_work(read_only=True) as uow:
            return uow.tickets.load(ticket_id)

    # -- opening ---------------------------------------------------------------------------------
    def open(self, key: str, record: Mapping[str, Any], actor: Actor, *, now: datetime | None = None,
             version: int | None = None) -> Opened:
        """Record a new complaint on the latest (or given) version of definition ``key``."""
        now = now or self.now()
        with self.store.unit_of_work() as uow:
            change, token = self.decide_open(uow, key, record, actor, now=now, version=version)
            saved = uow.tickets.save(change)
            uow.commit()
        self.run_after_commit(saved)
        return Opened(saved, token)

    def decide_open(self, uow: UnitOfWork, key: str, record: Mapping[str, Any], actor: Actor, *, now: datetime,
                    version: int | None = None) -> tuple[Change, str]:
        """The change that opens a complaint, inside ``uow`` (which draws its receipt number), and its token.

        For use cases that open a ticket together with more writes in one transaction (intake)."""
        definition = self.definitions.get(uow, key, version)
        values = decide.check_record(definition, record, self.catalogs, today=now.astimezone(OFFICE_TZ).date())
        local_year = now.astimezone(OFFICE_TZ).year
        receipt = format_receipt(local_year, uow.receipts.next(local_year))
        token = new_token()
        change = decide.open_ticket(definition, values, actor, now=now, calendar=self.calendar, receipt_no=receipt,
                                    token=token, identity_salt=self.identity_salt)
        return change, token

    # -- explaining --------------------------------------------------------------------------------
    def options(self, definition: Definition, ticket: Ticket, actor: Actor,
                now: datetime | None = None) -> list[Option]:
        """Every transition leaving the ticket's state, with role and guard verdicts for this actor."""
        return decide.options(definition, ticket, actor, now or self.now(), self.calendar, self.catalogs)

    def available_transitions(self, ticket: Ticket, actor: Actor, now: datetime | None = None) -> list[Option]:
        return self.options(self.definition_of(ticket), ticket, actor, now)

    def plan(self, definition: Definition, ticket: Ticket, trigger: str, actor: Actor,
             inputs: Mapping[str, Any], now: datetime) -> tuple[Transition, dict[str, Any]]:
        """Choose the transition to fire and validate its inputs; `TransitionRejected` otherwise."""
        return decide.plan(definition, ticket, trigger, actor, inputs, now, self.calendar, self.catalogs)

    # -- firing ----------------------------------------------------------------------------------
    def fire(self, ticket_id: int, trigger: str, actor: Actor, inputs: Mapping[str, Any] | None = None, *,
             expected_version: int | None = None, now: datetime | None = None) -> Ticket:
        """Fire ``trigger`` on the ticket as ``actor``; returns the saved ticket."""
        now = now or self.now()
        with self.store.unit_of_work() as uow:
            change = self.decide_fire(uow, ticket_id, trigger, actor, inputs, expected_version=expected_version,
                                      now=now)
            saved = uow.tickets.save(change)
            uow.commit()
        self.run_after_commit(saved)
        return saved

    def decide_fire(self, uow: UnitOfWork, ticket_id: int, trigger: str, actor: Actor,
                    inputs: Mapping[str, Any] | None = None, *, expected_version: int | None = None,
                    now: datetime) -> Change:
        """The change firing ``trigger`` makes, read and decided inside ``uow`` (not saved)."""
        before = uow.tickets.load(ticket_id)
        ensure_version(before, expected_version)
        definition = self.definitions.get(uow, before.definition_key, before.definition_version)
        fired = _FiredRungs(uow, before.id) if before.id is not None and definition.clocks else {}
        return decide.fire(definition, before, trigger, actor, dict(inputs or {}), now=now, calendar=self.calendar,
                           catalogs=self.catalogs, fired=fired)


__all__ = ["Engine", "Option", "Opened", "DefinitionCache", "hash_token", "format_receipt", "utcnow", "OFFICE_TZ",
           "ensure_version"]
