"""Move open tickets from one definition version to another, deliberately and visibly, deadlines included.

Tickets stay pinned to the version they started on; when a supervisor wants running tickets on a new
version, `plan` shows which tickets would move (and to which state) and which cannot (their state no
longer exists and no ``--map`` says where it went), and for every clock still running or paused what the
target version makes of it: the old and new budget and due time, and whether the ticket becomes late
(`ClockImpact`). `apply` then moves them: each ticket in its own transaction, with an audit row (kind
``migrate``) and one per clock whose budget or ladder changed (kind ``clock``, ``op: migrate``). A running
clock is recomputed with the target's budget and ladder (`workflow.core.clocks.rebudget`); a clock the
target no longer declares stops. Closed tickets never move: their history stays readable against the
version they were handled under.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from workflow.core.audit import AuditEvent
from workflow.core.clocks import rebudget
from workflow.core.clocks import stop as stop_clock
from workflow.core.ticket import Change, ClockRun, Ticket
from workflow.errors import ConcurrentUpdate, MigrationError
from workflow.spec.model import Definition, Span
from workflow.store.port import TicketRef


@dataclass(frozen=True)
class ClockImpact:
    """What moving a ticket does to one of its clock runs (not stopped) under the target version."""

    clock: str
    label: str
    run: int
    status: str  # running | paused
    old_budget: Span
    new_budget: Span | None  # None: the target version has no such clock, the run stops
    old_due: datetime | None
    new_due: datetime | None  # a paused run gets its due time when it resumes
    late_before: bool
    late_after: bool
    party: str | None = None  # the agency of a handoff's run

    @property
    def becomes_late(self) -> bool:
        return self.late_after and not self.late_before

    @property
    def changed(self) -> bool:
        return self.new_budget != self.old_budget or self.new_due != self.old_due


@dataclass(frozen=True)
class Move:
    ticket_id: int
    receipt_no: str
    from_version: int
    from_state: str
    to_state: str
    clocks: tuple[ClockImpact, ...] = ()

    @property
    def becomes_late(self) -> bool:
        return any(c.becomes_late for c in self.clocks)


@dataclass(frozen=True)
class Blocked:
    ticket_id: int
    receipt_no: str
    from_version: int
    state: str
    reason: str


@dataclass
class Plan:
    key: str
    to_version: int | None  # None: a draft, not published (the console's preview)
    mapping: dict[str, str]
    moves: list[Move] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    now: datetime | None = None

    @property
    def becoming_late(self) -> list[Move]:
        return [m for m in self.moves if m.becomes_late]


def parse_mapping(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        if "=" not in pair:
            raise MigrationError(f"--map '{pair}' must be written old_state=new_state")
        old, new = (p.strip() for p in pair.split("=", 1))
        mapping[old] = new
    return mapping


def plan(runtime, key: str, to_version: int, mapping: dict[str, str], *, from_version: int | None = None,
         now: datetime | None = None) -> Plan:
    """Which open tickets of ``key`` would move to ``to_version`` (and to which state), which cannot, and what
    becomes of each one's clocks. A dry run: nothing is written. Only open tickets on another version
    (``from_version`` only, if given) are candidates; ``mapping`` sends a state the target no longer has to
    one it has."""
    return plan_for(runtime, runtime.engine.definition(key, to_version), mapping, from_version=from_version,
                    now=now, to_version=to_version)


def plan_for(runtime, target: Definition, mapping: dict[str, str], *, from_version: int | None = None,
             now: datetime | None = None, to_version: int | None = None) -> Plan:
    """`plan` against a definition given whole (a draft the console checks before it is published)."""
    key, now = target.key, now or runtime.engine.now()
    for old, new in mapping.items():
        if new not in target.states:
            raise MigrationError(f"--map {old}={new}: state '{new}' does not exist in {key} v{to_version or 'draf'}")
    result = Plan(key=key, to_version=to_version, mapping=dict(mapping), now=now)
    with runtime.store.unit_of_work(read_only=True) as uow:
        rows: list[TicketRef] = uow.tickets.open_on(key, not_version=to_version or 0, version=from_version)
        for row in rows:
            new_state = mapping.get(row.state, row.state)
            if new_state not in target.states:
                result.blocked.append(Blocked(row.id, row.receipt_no, row.definition_version, row.state,
                                              f"state '{row.state}' does not exist in the target version; "
                                              f"add --map {row.state}=<state>"))
            elif target.states[new_state].terminal:
                result.blocked.append(Blocked(row.id, row.receipt_no, row.definition_version, row.state,
                                              f"'{new_state}' is a closing state; close tickets through their "
                                              "transitions, not by migration"))
            else:
                ticket = uow.tickets.load(row.id)
                impacts = tuple(_impact(run, target, runtime.engine.calendar, now, uow.escalations.fired(row.id))
                                for run in ticket.clocks if run.status != "stopped")
                result.moves.append(Move(row.id, row.receipt_no, row.definition_version, row.state, new_state,
                                         impacts))
    return result


def _impact(run: ClockRun, target: Definition, calendar, now: datetime, fired: dict) -> ClockImpact:
    spec = target.clocks.get(run.clock)
    late_before = run.status == "running" and run.due_at is not None and run.due_at < now
    old = Span(run.budget, run.unit)
    if spec is None:
        return ClockImpact(run.clock, run.clock, run.run, run.status, old, None, run.due_at, None, late_before,
                           False, run.party)
    new = rebudget(run, spec, calendar, fired.get((run.clock, run.run), set()))
    due = new.due_at if new.status == "running" else None
    return ClockImpact(run.clock, spec.label, run.run, run.status, old, Span(new.budget, new.unit),
                       run.due_at if run.status == "running" else None, due, late_before,
                       due is not None and due < now, run.party)


def apply(runtime, the_plan: Plan, actor_id: str, now: datetime, *, skip_blocked: bool = False,
          progress: Callable[[int], None] | None = None) -> int:
    """Apply the moves, each ticket in its own transaction; returns how many moved."""
    if the_plan.blocked and not skip_blocked:
        raise MigrationError(f"{len(the_plan.blocked)} ticket(s) cannot move; add --map for their states or "
                             "pass --skip-blocked to leave them on their version")
    if the_plan.to_version is None:
        raise MigrationError("a draft cannot be migrated to; publish it first")
    target = runtime.engine.definition(the_plan.key, the_plan.to_version)
    moved = 0
    for move in the_plan.moves:
        with runtime.store.unit_of_work() as uow:
            ticket = uow.tickets.load(move.ticket_id)
            if ticket.definition_version != move.from_version or ticket.state != move.from_state:
                raise ConcurrentUpdate(f"{ticket.receipt_no} changed since the plan was made; run the plan again")
            new, events = _moved(runtime, ticket, target, move, the_plan, actor_id, now,
                                 uow.escalations.fired(ticket.id))
            uow.tickets.save(Change(ticket=new, expected_version=ticket.version, audit=events))
            uow.commit()
        runtime.engine.run_after_commit(new)  # rung jobs follow the recomputed pointers
        moved += 1
        if progress:
            progress(1)
    return moved


def _moved(runtime, ticket: Ticket, target: Definition, move: Move, the_plan: Plan, actor_id: str, now: datetime,
           fired: dict) -> tuple[Ticket, list[AuditEvent]]:
    """The ticket on the target version, its clocks recomputed, and the audit rows saying so."""
    calendar = runtime.engine.calendar
    new = ticket.copy()
    new.definition_version, new.state, new.updated_at = the_plan.to_version, move.to_state, now
    if move.to_state != move.from_state:
        new.entered[move.to_state] = now
    base = dict(actor_id=actor_id, actor_role="supervisor", ticket_id=ticket.id, receipt_no=ticket.receipt_no,
                definition_key=the_plan.key, definition_version=the_plan.to_version)
    events = [AuditEvent(kind="migrate", at=now, from_state=move.from_state, to_state=move.to_state,
                         detail={"from_version": move.from_version, "map": the_plan.mapping}, **base)]
    for i, run in enumerate(new.clocks):
        if run.status == "stopped":
            continue
        spec = target.clocks.get(run.clock)
        if spec is None:  # a clock the new version no longer declares stops here
            stop_clock(run, now, calendar)
            events.append(_clock_event(now, base, run, run, "stop"))
            continue
        moved = rebudget(run, spec, calendar, fired.get((run.clock, run.run), set()))
        if (moved.budget, moved.unit, moved.due_at, moved.next_rung, moved.next_rung_at) != \
                (run.budget, run.unit, run.due_at, run.next_rung, run.next_rung_at):
            events.append(_clock_event(now, base, run, moved, "migrate"))
        new.clocks[i] = moved
    return new, events


def _clock_event(now: datetime, base: dict, before: ClockRun, after: ClockRun, op: str) -> AuditEvent:
    def state(run: ClockRun) -> dict:
        return {"budget": run.budget, "unit": run.unit, "consumed": round(run.consumed, 6),
                "due_at": run.due_at.isoformat() if run.due_at else None, "next_rung": run.next_rung}

    return AuditEvent(kind="clock", at=now, **base,
                      detail={"op": op, "clock": before.clock, "run": before.run, "party": before.party,
                              "from": state(before), "to": state(after) if op == "migrate" else None})


__all__ = ["Plan", "Move", "Blocked", "ClockImpact", "plan", "plan_for", "apply", "parse_mapping"]
