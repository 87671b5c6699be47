"""Firing one escalation rung, decided without IO: what a due rung changes on its ticket.

A clock run's ladder (``Clock.escalation`` in `workflow.spec.model`) fires one rung at a time as the
run's ``next_rung_at`` passes. Given the ticket, the run, the clock's spec, the rung, the rungs the run
fired already, the time and the calendar, `fire_rung` returns a `RungChange`: the ticket's new flags
and assignee, the run pointed at its next unfired rung, the audit event (kind ``escalation``, actor
``system``) and the outbox notices. The escalation service (`workflow.services.escalation`) finds due
rungs, asks this module and hands the change to the store (``uow.escalations.fire``), which records
each rung once (``UNIQUE(clock_run_id, rung)``) or reports that it fired already.

A warning (a rung without ``escalate_to``) notifies and sets its own flag, if it names one. An
escalation also sets ``eskalasi``, hands the ticket to the target role when the rung says
``reassign``, and notifies the target's holders (``escalation_target``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflow.core.audit import AuditEvent
from workflow.core.clocks import Calendar, net, next_rung
from workflow.core.ticket import ClockRun, Notice, Ticket
from workflow.spec.model import Clock, Rung

SYSTEM_ACTOR = "system"
WARNING_TEMPLATE = "peringatan_tenggat"
ESCALATION_TEMPLATE = "eskalasi"
ESCALATION_FLAG = "eskalasi"  # set on every ticket that was escalated, beside the rung's own flag


@dataclass(frozen=True)
class DueRung:
    """A clock run whose next rung is due: what a sweep claims and a job names."""

    clock_run_id: int
    ticket_id: int
    rung: int
    due_at: datetime | None = None


@dataclass
class RungChange:
    """Everything one fired rung writes, in the transaction that records it."""

    ticket: Ticket  # after the rung: flags, assignee and updated_at changed; version still the one read
    expected_version: int
    run: ClockRun  # the fired run (one of ``ticket.clocks``), pointed at its next unfired rung
    rung: int
    target_role: str | None
    fired_at: datetime
    audit: AuditEvent
    notices: list[Notice]


def due_run(ticket: Ticket | None, claim: DueRung, now: datetime) -> ClockRun | None:
    """The claimed run if its claimed rung is still its next one and due at ``now``, else None.

    Re-checked under the lock: since the claim was read the ticket may be gone, or the run stopped,
    paused or moved (a fire, a calendar edit, another sweeper).
    """
    if ticket is None:
        return None
    run = next((r for r in ticket.clocks if r.id == claim.clock_run_id), None)
    if run is None or run.status != "running" or run.next_rung != claim.rung or run.next_rung_at is None \
            or run.next_rung_at > now:
        return None
    return run


def rung_to_fire(spec: Clock | None, index: int, fired: set[int]) -> Rung | None:
    """Rung ``index`` of the clock's ladder, or None: the definition version has no such clock or rung,
    or the rung fired already (the run's pointer is stale and only needs moving on)."""
    if spec is None or index in fired:
        return None
    return next((r for r in spec.escalation if r.index == index), None)


def pointer(run: ClockRun, spec: Clock | None, calendar: Calendar, fired: set[int]) -> tuple[int | None,
                                                                                                datetime | None]:
    """Where ``run``'s next-rung pointer belongs: its next unfired rung; nowhere if its clock is gone."""
    return next_rung(run, spec, calendar, fired) if spec is not None else (None, None)


def fire_rung(ticket: Ticket, run: ClockRun, spec: Clock, rung: Rung, fired: set[int], now: datetime,
              calendar: Calendar) -> RungChange:
    """What firing ``rung`` of ``run`` (a run of ``ticket``, ``spec`` its clock) changes at ``now``.

    ``fired`` are the run's rungs fired before this one. ``ticket`` is not changed: the change carries
    a copy.
    """
    after = ticket.copy()
    moved = next(r for r in after.clocks if r.id == run.id)
    reassigned = apply_rung(after, moved, spec, rung, fired, now, calendar)
    template = ESCALATION_TEMPLATE if rung.escalate_to else WARNING_TEMPLATE
    recipients = _recipients(rung, run)
    detail = _detail(ticket, run, spec, rung, now, calendar)
    audit_detail = dict(detail, flags=list(after.flags), reassigned=reassigned, notify=recipients,
                        template=template, next_rung=moved.next_rung,
                        next_rung_at=moved.next_rung_at.isoformat() if moved.next_rung_at else None)
    event = AuditEvent(kind="escalation", at=now, actor_id=SYSTEM_ACTOR, actor_role="system", ticket_id=ticket.id,
                       receipt_no=ticket.receipt_no, to_state=ticket.state, definition_key=ticket.definition_key,
                       definition_version=ticket.definition_version, detail=audit_detail)
    return RungChange(after, ticket.version, moved, rung.index, rung.escalate_to, now, event,
                      [Notice(template, who, detail) for who in recipients])


def apply_rung(ticket: Ticket, run: ClockRun, spec: Clock, rung: Rung, fired: set[int], now: datetime,
               calendar: Calendar) -> bool:
    """What firing ``rung`` does to ``ticket`` and its ``run``, in place: flags, assignee, the run's next-rung
    pointer (`fire_rung` on a copy; a replay, which needs neither the audit row nor the notices, on the
    ticket itself). Returns whether the ticket was handed to the rung's target."""
    ticket.updated_at = now
    reassigned = _apply(ticket, rung)
    run.next_rung, run.next_rung_at = next_rung(run, spec, calendar, fired | {rung.index})
    return reassigned


def _apply(ticket: Ticket, rung: Rung) -> bool:
    """Set the rung's flags (and hand the ticket to the target role if it says so); whether it was handed."""
    target = rung.escalate_to
    for flag in (rung.flag, ESCALATION_FLAG if target else None):
        if flag and flag not in ticket.flags:
            ticket.flags.append(flag)
    if target and rung.reassign and (ticket.assignee_role != target or ticket.assignee_id is not None):
        ticket.assignee_role, ticket.assignee_id = target, None
        return True
    return False


def _detail(ticket: Ticket, run: ClockRun, spec: Clock, rung: Rung, now: datetime,
            calendar: Calendar) -> dict[str, Any]:
    """What the notices say about the rung (the audit row says this and more)."""
    target = rung.escalate_to
    overdue = (now - run.due_at).total_seconds() if run.due_at is not None else 0.0
    return {
        "clock": run.clock, "clock_label": spec.label, "stage": spec.label, "run": run.run, "rung": rung.index,
        "rung_key": rung.key(), "percent": _percent(run, rung, now, calendar),
        "due_at": run.due_at.isoformat() if run.due_at else None, "target_role": target,
        "overdue_seconds": max(0.0, round(overdue, 3)), "escalated_from": ticket.assignee_role if target else None,
        **({"agency": run.party} if run.party else {}),
    }


def _percent(run: ClockRun, rung: Rung, now: datetime, calendar: Calendar) -> float:
    if rung.at_percent is not None:
        return rung.at_percent
    used = net(run, now, calendar) / run.budget * 100.0 if run.budget else 100.0
    return round(used, 1)


def _recipients(rung: Rung, run: ClockRun) -> list[str]:
    # ``escalation_target`` means the holders of the rung's target role; a warning has none. A run that
    # counts for one agency of a handoff tells that agency's liaisons when it says ``opd``.
    return [f"opd:{run.party}" if who == "opd" and run.party else who
            for who in rung.notify if who != "escalation_target" or rung.escalate_to]


__all__ = ["DueRung", "RungChange", "due_run", "rung_to_fire", "pointer", "fire_rung", "apply_rung", "SYSTEM_ACTOR",
           "WARNING_TEMPLATE", "ESCALATION_TEMPLATE", "ESCALATION_FLAG"]
