"""Move open tickets from one definition version to another, deliberately and visibly.

Tickets stay pinned to the version they started on; when a supervisor wants running tickets on a new
version, `plan` shows which tickets would move (and to which state) and which cannot (their state no
longer exists and no ``--map`` says where it went), before `apply` changes anything. Each moved
ticket gets an audit row (kind ``migrate``). Closed tickets never move: their history stays readable
against the version they were handled under.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from workflow.core.audit import AuditEvent
from workflow.core.clocks import stop as stop_clock
from workflow.core.ticket import Change
from workflow.errors import ConcurrentUpdate, MigrationError
from workflow.store.port import TicketRef


@dataclass(frozen=True)
class Move:
    ticket_id: int
    receipt_no: str
    from_version: int
    from_state: str
    to_state: str


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
    to_version: int
    mapping: dict[str, str]
    moves: list[Move] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)


def parse_mapping(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        if "=" not in pair:
            raise MigrationError(f"--map '{pair}' must be written old_state=new_state")
        old, new = (p.strip() for p in pair.split("=", 1))
        mapping[old] = new
    return mapping


def plan(runtime, key: str, to_version: int, mapping: dict[str, str], *, from_version: int | None = None) -> Plan:
    """Which open tickets of ``key`` would move to ``to_version`` (and to which state), and which cannot.

    A dry run: nothing is written. Only open tickets on another version (``from_version`` only, if
    given) are candidates; ``mapping`` sends a state the target no longer has to one it has.
    """
    target = runtime.engine.definition(key, to_version)
    for old, new in mapping.items():
        if new not in target.states:
            raise MigrationError(f"--map {old}={new}: state '{new}' does not exist in {key} v{to_version}")
    result = Plan(key=key, to_version=to_version, mapping=dict(mapping))
    with runtime.store.unit_of_work(read_only=True) as uow:
        rows: list[TicketRef] = uow.tickets.open_on(key, not_version=to_version, version=from_version)
    for row in rows:
        new_state = mapping.get(row.state, row.state)
        if new_state not in target.states:
            result.blocked.append(Blocked(row.id, row.receipt_no, row.definition_version, row.state,
                                          f"state '{row.state}' does not exist in v{to_version}; "
                                          f"add --map {row.state}=<state>"))
        elif target.states[new_state].terminal:
            result.blocked.append(Blocked(row.id, row.receipt_no, row.definition_version, row.state,
                                          f"'{new_state}' is a closing state; close tickets through their "
                                          "transitions, not by migration"))
        else:
            result.moves.append(Move(row.id, row.receipt_no, row.definition_version, row.state, new_state))
    return result


def apply(runtime, the_plan: Plan, actor_id: str, now: datetime, *, skip_blocked: bool = False,
          progress: Callable[[int], None] | None = None) -> int:
    """Apply the moves, each ticket in its own transaction; returns how many moved."""
    if the_plan.blocked and not skip_blocked:
        raise MigrationError(f"{len(the_plan.blocked)} ticket(s) cannot move; add --map for their states or "
                             "pass --skip-blocked to leave them on their version")
    target = runtime.engine.definition(the_plan.key, the_plan.to_version)
    moved = 0
    for move in the_plan.moves:
        with runtime.store.unit_of_work() as uow:
            ticket = uow.tickets.load(move.ticket_id)
            if ticket.definition_version != move.from_version or ticket.state != move.from_state:
                raise ConcurrentUpdate(f"{ticket.receipt_no} changed since the plan was made; run the plan again")
            new = ticket.copy()
            new.definition_version, new.state, new.updated_at = the_plan.to_version, move.to_state, now
            if move.to_state != move.from_state:
                new.entered[move.to_state] = now
            for run in new.clocks:  # clocks the new version no longer declares stop here
                if run.clock not in target.clocks and run.status != "stopped":
                    stop_clock(run, now, runtime.engine.calendar)
            event = AuditEvent(kind="migrate", at=now, actor_id=actor_id, actor_role="supervisor",
                               ticket_id=ticket.id, receipt_no=ticket.receipt_no, from_state=move.from_state,
                               to_state=move.to_state, definition_key=the_plan.key,
                               definition_version=the_plan.to_version,
                               detail={"from_version": move.from_version, "map": the_plan.mapping})
            uow.tickets.save(Change(ticket=new, expected_version=ticket.version, audit=[event]))
            uow.commit()
        moved += 1
        if progress:
            progress(1)
    return moved


__all__ = ["Plan", "Move", "Blocked", "plan", "apply", "parse_mapping"]
