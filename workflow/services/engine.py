"""The engine: open tickets, explain what each actor may do, and fire transitions (pure core).

`fire` is the only way a ticket's state changes. It checks, in this order, that the trigger exists,
that it leaves the ticket's current state, that the actor holds an allowed role, that the inputs are
valid and that the guards pass; any failure raises `TransitionRejected` carrying every reason. A
successful fire writes, in one transaction through the store port: the ticket's new state (guarded
by its version number), one audit row, clock changes and outbox rows. A lost update raises
`ConcurrentUpdate` and writes nothing.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo

from workflow.core.audit import AuditEvent, identity_digest
from workflow.spec.catalog import Catalogs, default_catalogs
from workflow.core.clocks import Calendar, SimpleCalendar, apply_clock_rules
from workflow.errors import ConcurrentUpdate, InvalidInput, Refusal, TransitionRejected
from workflow.core.guards import Actor, GuardContext, Verdict, evaluate
from workflow.core.inputs import validate_fields
from workflow.spec.loader import load_definition
from workflow.core.machine import MachineError, move
from workflow.store.port import Store, UnitOfWork
from workflow.spec.model import Definition, Field, Transition
from workflow.core.ticket import Change, Notice, Ticket

logger = logging.getLogger(__name__)
OFFICE_TZ = ZoneInfo("Asia/Jakarta")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def hash_token(token: str) -> str:
    """Tracking tokens are stored hashed: a leaked database does not let anyone track complaints."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def format_receipt(year: int, number: int) -> str:
    return f"ADU-{year}-{number:06d}"


@dataclass(frozen=True)
class Option:
    """One transition as an actor sees it: allowed or not, and why."""

    trigger: str
    label: str
    label_en: str
    dest: str
    allowed: bool
    role_ok: bool
    verdicts: tuple[Verdict, ...]
    inputs: tuple[Field, ...]
    reasons: tuple[str, ...] = ()
    index: int = 0


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

    def get(self, uow: UnitOfWork, key: str, version: int | None = None) -> Definition:
        if version is not None and (key, version) in self._by_version:
            return self._by_version[(key, version)]
        source, found = uow.definition_source(key, version)
        cached = self._by_version.get((key, found))
        if cached is None:
            cached = load_definition(source, f"{key}@v{found}", self.catalogs, version=found,
                                     templates=self.templates)
            self._by_version[(key, found)] = cached
        return cached


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
            self._rungs = self._uow.fired_rungs(self._ticket_id)
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

    def _run_after_commit(self, ticket: Ticket) -> None:
        for hook in list(self.after_commit):
            try:
                hook(ticket)
            except Exception:  # noqa: BLE001 - side effects after commit must not fail the committed change
                logger.warning("after-commit hook %r failed for ticket %s", hook, ticket.id, exc_info=True)

    # -- reading ---------------------------------------------------------------------------------
    def definition(self, key: str, version: int | None = None) -> Definition:
        with self.store.unit_of_work() as uow:
            return self.definitions.get(uow, key, version)

    def definition_of(self, ticket: Ticket) -> Definition:
        with self.store.unit_of_work() as uow:
            return self.definitions.get(uow, ticket.definition_key, ticket.definition_version)

    def load(self, ticket_id: int) -> Ticket:
        with self.store.unit_of_work() as uow:
            return uow.load_ticket(ticket_id)

    # -- opening ---------------------------------------------------------------------------------
    def open(self, key: str, record: Mapping[str, Any], actor: Actor, *, now: datetime | None = None,
             version: int | None = None) -> Opened:
        """Record a new complaint on the latest (or given) version of definition ``key``."""
        now = now or self.now()
        with self.store.unit_of_work() as uow:
            definition = self.definitions.get(uow, key, version)
            values, errors = validate_fields(definition.record, record, self.catalogs)
            errors.update(self._channel_rules(values))
            if errors:
                raise InvalidInput(errors)
            identity_names = set(definition.identity_fields())
            local_year = now.astimezone(OFFICE_TZ).year
            receipt = format_receipt(local_year, uow.next_receipt_number(local_year))
            token = secrets.token_urlsafe(24)
            ticket = Ticket(
                id=None, receipt_no=receipt, definition_key=definition.key,
                definition_version=definition.version or 0, state=definition.initial, version=1,
                created_at=now, updated_at=now,
                fields={k: v for k, v in values.items() if k not in identity_names},
                identity={k: v for k, v in values.items() if k in identity_names},
                entered={definition.initial: now}, token_hash=hash_token(token),
            )
            notes = apply_clock_rules(definition, ticket, trigger=None, source=None, dest=ticket.state,
                                      explicit=[], now=now, calendar=self.calendar)
            role = self._acting_role(actor, [r for r in definition.roles])
            event = AuditEvent(kind="open", at=now, actor_id=actor.id, actor_role=role,
                               receipt_no=receipt, to_state=ticket.state,
                               inputs=self._audit_inputs(values, identity_names),
                               definition_key=definition.key, definition_version=definition.version,
                               detail={"clocks": notes} if notes else {})
            # The receipt carries the tracking token once; delivery strips it from the row when sent.
            notices = [Notice("tanda_terima", "pemohon", {"token": token})] \
                if "tanda_terima" in definition.notifications else []
            saved = uow.save(Change(ticket=ticket, expected_version=None, audit=[event], notices=notices))
            uow.commit()
        self._run_after_commit(saved)
        return Opened(saved, token)

    def _channel_rules(self, values: Mapping[str, Any]) -> dict[str, str]:
        """Rules the catalog attaches to a channel (the complaint box needs its collection date)."""
        channel = self.catalogs.get("kanal").get(values.get("kanal", "")) if "kanal" in self.catalogs else None
        if channel is not None and channel.extra.get("collection_date") and not values.get("tanggal_ambil_kotak"):
            return {"tanggal_ambil_kotak": "wajib diisi untuk pengaduan dari kotak pengaduan"}
        return {}

    def _audit_inputs(self, values: Mapping[str, Any], identity: set[str]) -> dict[str, Any]:
        return {k: (identity_digest(v, self.identity_salt) if k in identity else v) for k, v in values.items()}

    @staticmethod
    def _acting_role(actor: Actor, allowed: list[str] | tuple[str, ...]) -> str:
        for role in allowed:
            if role in actor.roles:
                return role
        return sorted(actor.roles)[0] if actor.roles else ""

    # -- explaining --------------------------------------------------------------------------------
    def _context(self, ticket: Ticket, actor: Actor, inputs: Mapping[str, Any], now: datetime) -> GuardContext:
        return GuardContext(state=ticket.state, fields=ticket.fields, actor=actor, inputs=inputs, opd=ticket.opd,
                            assignee=ticket.assignee_id, entered=ticket.entered, now=now,
                            elapsed=self.calendar.elapsed)

    def options(self, definition: Definition, ticket: Ticket, actor: Actor, now: datetime | None = None) -> list[Option]:
        """Every transition leaving the ticket's state, with role and guard verdicts for this actor.

        A guard that reads a field this transition asks for is decided when the form is submitted,
        so it is reported as passing here with a note."""
        now = now or self.now()
        ctx = self._context(ticket, actor, {}, now)
        out = []
        for t in definition.transitions_from(ticket.state):
            role_ok = bool(actor.roles & set(t.roles))
            asked = {f.name for f in t.inputs}
            verdicts = []
            for g in t.guards:
                if g.params.get("field") in asked:
                    verdicts.append(Verdict(g.describe(), True, "diperiksa saat formulir dikirim"))
                else:
                    verdicts.append(evaluate(g, ctx))
            reasons = [] if role_ok else [f"hanya untuk peran: {', '.join(t.roles)}"]
            reasons += [v.reason for v in verdicts if not v.passed]
            out.append(Option(trigger=t.trigger, label=t.label, label_en=t.label_en, dest=t.dest,
                              allowed=role_ok and all(v.passed for v in verdicts), role_ok=role_ok,
                              verdicts=tuple(verdicts), inputs=t.inputs, reasons=tuple(reasons), index=t.index))
        return out

    def available_transitions(self, ticket: Ticket, actor: Actor, now: datetime | None = None) -> list[Option]:
        return self.options(self.definition_of(ticket), ticket, actor, now)

    # -- firing ----------------------------------------------------------------------------------
    def plan(self, definition: Definition, ticket: Ticket, trigger: str, actor: Actor,
             inputs: Mapping[str, Any], now: datetime) -> tuple[Transition, dict[str, Any]]:
        """Choose the transition to fire and validate its inputs; TransitionRejected otherwise."""
        named = definition.transitions_named(trigger)
        if not named:
            raise TransitionRejected(trigger, [Refusal("unknown_trigger",
                                     f"aksi '{trigger}' tidak ada dalam definisi {definition.key} v{definition.version}")])
        here = [t for t in named if ticket.state in t.sources]
        if not here:
            possible = sorted({t.trigger for t in definition.transitions_from(ticket.state)})
            state = definition.states[ticket.state]
            raise TransitionRejected(trigger, [Refusal("state", f"aksi '{trigger}' tidak dapat dilakukan pada tahap "
                                     f"'{state.label}'; aksi yang mungkin: {', '.join(possible) or 'tidak ada'}")])
        mine = [t for t in here if actor.roles & set(t.roles)]
        if not mine:
            roles = sorted({r for t in here for r in t.roles})
            raise TransitionRejected(trigger, [Refusal("role", f"aksi '{trigger}' hanya untuk peran "
                                     f"{', '.join(roles)}; peran Anda: {', '.join(sorted(actor.roles)) or '-'}")])
        refusals: list[Refusal] = []
        field_errors: dict[str, str] = {}
        for t in mine:
            values, errors = validate_fields(t.inputs, inputs, self.catalogs)
            if errors:
                field_errors.update(errors)
                continue
            ctx = self._context(ticket, actor, values, now)
            verdicts = [evaluate(g, ctx) for g in t.guards]
            failed = [v for v in verdicts if not v.passed]
            if not failed:
                return t, values
            refusals.extend(Refusal("guard", v.reason, v.guard) for v in failed)
        if field_errors and not refusals:
            raise InvalidInput(field_errors)
        if field_errors:
            refusals.extend(Refusal("input", f"{k}: {v}") for k, v in field_errors.items())
        raise TransitionRejected(trigger, refusals)

    def fire(self, ticket_id: int, trigger: str, actor: Actor, inputs: Mapping[str, Any] | None = None, *,
             expected_version: int | None = None, now: datetime | None = None) -> Ticket:
        """Fire ``trigger`` on the ticket as ``actor``; returns the saved ticket."""
        inputs = dict(inputs or {})
        now = now or self.now()
        with self.store.unit_of_work() as uow:
            before = uow.load_ticket(ticket_id)
            if expected_version is not None and before.version != expected_version:
                raise ConcurrentUpdate(f"Pengaduan {before.receipt_no} sudah diubah orang lain (versi "
                                       f"{before.version}, Anda membuka versi {expected_version}). Muat ulang halaman "
                                       "lalu ulangi; tidak ada yang tersimpan.")
            definition = self.definitions.get(uow, before.definition_key, before.definition_version)
            chosen, values = self.plan(definition, before, trigger, actor, inputs, now)
            change = self._apply(uow, definition, before, chosen, actor, values, now)
            saved = uow.save(change)
            uow.commit()
        self._run_after_commit(saved)
        return saved

    def _apply(self, uow: UnitOfWork, definition: Definition, before: Ticket, t: Transition, actor: Actor,
               values: dict[str, Any], now: datetime) -> Change:
        try:
            dest = move(definition, before.state, t.trigger, t.index)
        except MachineError as exc:  # the definition and the machine disagree: a bug, not a user error
            raise TransitionRejected(t.trigger, [Refusal("state", str(exc))]) from exc
        ticket = before.copy()
        ticket.state, ticket.updated_at = dest, now
        ticket.entered[dest] = now
        ticket.fields.update(values)
        notices: list[Notice] = []
        explicit: list[tuple[str, str]] = []
        for effect in t.effects:
            p = effect.params
            if effect.kind == "assign":
                if "role" in p:
                    ticket.assignee_role, ticket.assignee_id = p["role"], None
                elif "input" in p:
                    ticket.assignee_id = values.get(p["input"]) or ticket.fields.get(p["input"])
                else:
                    ticket.assignee_role, ticket.assignee_id = None, None
            elif effect.kind == "assign_opd":
                ticket.opd = None if p.get("clear") else (values.get(p["field"]) or ticket.fields.get(p["field"]))
            elif effect.kind == "clock":
                op, name = next(iter(p.items()))
                explicit.append((op, str(name)))
            elif effect.kind == "notify":
                targets = p["to"] if isinstance(p["to"], list) else [p["to"]]
                notices.extend(Notice(str(p["template"]), str(who)) for who in targets)
            elif effect.kind == "set":
                ticket.fields[str(p["field"])] = p["value"]
        state = definition.states[dest]
        if state.terminal:
            ticket.outcome, ticket.closed_at = state.outcome, now
            explicit.extend(("stop", c.clock) for c in ticket.clocks if c.status != "stopped")
        else:
            ticket.outcome, ticket.closed_at = None, None
        fired = _FiredRungs(uow, ticket.id) if ticket.id is not None and definition.clocks else {}
        notes = apply_clock_rules(definition, ticket, trigger=t.trigger, source=before.state, dest=dest,
                                  explicit=explicit, now=now, calendar=self.calendar, fired=fired)
        event = AuditEvent(kind="transition", at=now, actor_id=actor.id,
                           actor_role=self._acting_role(actor, t.roles), ticket_id=ticket.id,
                           receipt_no=ticket.receipt_no, trigger=t.trigger, from_state=before.state, to_state=dest,
                           inputs=values, definition_key=definition.key, definition_version=definition.version,
                           detail={"clocks": notes} if notes else {})
        return Change(ticket=ticket, expected_version=before.version, audit=[event], notices=notices)


__all__ = ["Engine", "Option", "Opened", "DefinitionCache", "hash_token", "format_receipt", "utcnow", "OFFICE_TZ"]
