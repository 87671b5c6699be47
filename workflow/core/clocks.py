"""Clock arithmetic (pure): start, pause, resume and stop runs, and when each ladder rung falls due.

A clock's net time (office time) excludes pauses; its gross time (what the complainant lived) does
not. Both are derivable from a run: gross = stop (or now) - started_at; net = consumed plus the
current running segment. Due times are recomputed from the net time left whenever a run resumes or
the calendar changes, so a paused span pushes the due time by exactly that span in the clock's unit.

*At risk* has one meaning everywhere (dashboard, work queue filter, ticket page): a running clock has
used at least `AT_RISK_PERCENT` of its budget in net office time and is not yet due. It is the usual
SLA warning (and what an ``at: 80%`` ladder rung measures), so a one-day triage clock opened on Friday
afternoon is not at risk over the weekend, and a paused clock never is. The moment it starts,
``at_risk_at``, is computed with ``due_at`` (same calendar, same net time left) and stored, so the
question "at risk now?" is ``at_risk_at <= now <= due_at``: the rule's Python and SQL forms live side by
side in `workflow.store.rules.at_risk` (overdue beside it, in `workflow.store.rules.overdue`).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable, Protocol
from zoneinfo import ZoneInfo

from workflow.core.calendar import DEFAULT_TIMEZONE
from workflow.core.ticket import ClockRun, Ticket
from workflow.spec.model import Clock, Definition, Rung

AT_RISK_PERCENT = 80  # share of the budget (net office time) after which a running clock is at risk
_EPSILON = 1e-9  # of a unit: a date-anchored deadline ends at the close of its last day, not the next opening


class Calendar(Protocol):
    def add(self, start: datetime, amount: float, unit: str) -> datetime: ...
    def elapsed(self, start: datetime, end: datetime, unit: str) -> float: ...
    def fingerprint(self) -> str: ...


def start_run(ticket: Ticket, spec: Clock, now: datetime, calendar: Calendar, party: str | None = None) -> ClockRun:
    """A new running run of ``spec`` (for one agency: ``party``), counting from now or from its date.

    Run numbers count every run of the clock on the ticket, whatever its agency, so (clock, run) names one
    run (fired rungs are kept by it). A clock with ``from_date`` counts from the date the ticket carries
    (`anchor`); before that date comes nothing is used, so nothing is late or at risk.
    """
    previous = max((r.run for r in ticket.clocks if r.clock == spec.key), default=0)
    origin = anchor(ticket, spec, calendar) or now
    run = ClockRun(clock=spec.key, run=previous + 1, unit=spec.budget.unit, budget=spec.budget.amount,
                   status="running", started_at=now, resumed_at=origin, due_at=None,
                   calendar=calendar.fingerprint(), party=party)
    reschedule(run, spec, calendar, fired=())
    return run


def anchor(ticket: Ticket, spec: Clock, calendar: Calendar) -> datetime | None:
    """Where a ``from_date`` clock counts from: the moment of a datetime field, or the end of the day of a
    date field (the office's midnight after it, so "3 working days after 2 March" ends with the third
    working day after it); None when the clock has no ``from_date`` or the ticket has no such date."""
    raw = ticket.fields.get(spec.from_date) if spec.from_date else None
    if not raw:
        return None
    text = str(raw)
    if len(text) == 10:  # a date field, stored as YYYY-MM-DD
        zone = ZoneInfo(getattr(calendar, "timezone", DEFAULT_TIMEZONE))
        return datetime.combine(date.fromisoformat(text) + timedelta(days=1), time(0), tzinfo=zone)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _add(calendar: Calendar, start: datetime, amount: float, unit: str, anchored: bool) -> datetime:
    """``calendar.add``; for a clock counted from a date, the end of the last office day rather than the
    next opening (the same office time): "due Thursday 16:00", not "Friday 08:00"."""
    if not anchored or amount <= _EPSILON:
        return calendar.add(start, amount, unit)
    moment = calendar.add(start, amount - _EPSILON, unit)
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)


def net(run: ClockRun, now: datetime, calendar: Calendar) -> float:
    """Net time used, in the clock's unit."""
    if run.status == "running" and run.resumed_at is not None:
        return run.consumed + calendar.elapsed(run.resumed_at, now, run.unit)
    return run.consumed


def gross_seconds(run: ClockRun, now: datetime) -> float:
    end = run.stopped_at or now
    return max(0.0, (end - run.started_at).total_seconds())


def pause(run: ClockRun, now: datetime, calendar: Calendar) -> None:
    if run.status != "running":
        return
    run.consumed = net(run, now, calendar)
    run.status, run.paused_at, run.resumed_at, run.dirty = "paused", now, None, True
    run.next_rung_at = None  # nothing escalates while the office waits on the complainant
    run.at_risk_at = None  # nor is anything at risk: resume() computes it again from the time left


def resume(run: ClockRun, spec: Clock, now: datetime, calendar: Calendar, fired: Iterable[int] = ()) -> None:
    if run.status != "paused":
        return
    if run.paused_at is not None:
        run.paused_seconds += max(0.0, (now - run.paused_at).total_seconds())
    run.status, run.paused_at, run.resumed_at, run.dirty = "running", None, now, True
    reschedule(run, spec, calendar, fired)


def stop(run: ClockRun, now: datetime, calendar: Calendar) -> None:
    if run.status == "stopped":
        return
    if run.status == "running":
        run.consumed = net(run, now, calendar)
    elif run.paused_at is not None:
        run.paused_seconds += max(0.0, (now - run.paused_at).total_seconds())
    run.status, run.stopped_at, run.resumed_at, run.paused_at = "stopped", now, None, None
    run.next_rung, run.next_rung_at, run.at_risk_at, run.dirty = None, None, None, True


def reschedule(run: ClockRun, spec: Clock, calendar: Calendar, fired: Iterable[int]) -> None:
    """Recompute due_at, at_risk_at and the next unfired rung from the net time left (running runs only)."""
    if run.status != "running" or run.resumed_at is None:
        return
    left = max(0.0, run.budget - run.consumed)
    anchored = bool(spec.from_date)
    run.due_at = _add(calendar, run.resumed_at, left, run.unit, anchored) if left > 0 else run.resumed_at
    run.at_risk_at = at_risk_time(run, calendar, anchored)
    run.calendar = calendar.fingerprint()
    run.next_rung, run.next_rung_at = next_rung(run, spec, calendar, set(fired))
    run.dirty = True


def at_risk_time(run: ClockRun, calendar: Calendar, anchored: bool = False) -> datetime:
    """When a running segment reaches `AT_RISK_PERCENT` of the budget (``resumed_at`` if it already has).

    Counted like an ``at_percent`` rung, from the segment's start and the net time consumed before it.
    """
    assert run.resumed_at is not None
    target = run.budget * AT_RISK_PERCENT / 100.0 - run.consumed
    return _add(calendar, run.resumed_at, target, run.unit, anchored) if target > 0 else run.resumed_at


def rung_time(run: ClockRun, rung: Rung, calendar: Calendar, anchored: bool = False) -> datetime:
    assert run.resumed_at is not None and run.due_at is not None
    if rung.at_percent is not None:
        target = run.budget * rung.at_percent / 100.0 - run.consumed
        return _add(calendar, run.resumed_at, target, run.unit, anchored) if target > 0 else run.resumed_at
    assert rung.after is not None
    return calendar.add(run.due_at, rung.after.amount, rung.after.unit)


def next_rung(run: ClockRun, spec: Clock, calendar: Calendar, fired: set[int]) -> tuple[int | None, datetime | None]:
    for rung in spec.escalation:
        if rung.index not in fired:
            return rung.index, rung_time(run, rung, calendar, bool(spec.from_date))
    return None, None


def apply_clock_rules(definition: Definition, ticket: Ticket, *, trigger: str | None, source: str | None,
                      dest: str, explicit: list[tuple[str, str]], now: datetime, calendar: Calendar,
                      fired: dict[tuple[str, int], set[int]] | None = None) -> list[dict]:
    """Start, stop, pause and resume the ticket's clocks for one move; returns audit details.

    Rules come from each clock's start/stop/pause declarations (open, triggers, entered states) and
    from the transition's explicit ``clock`` effects (``explicit`` = [(op, clock)]). Order: stops,
    then pauses/resumes, then starts, so a restart in one move works.
    """
    fired = fired or {}
    notes: list[dict] = []
    ops: list[tuple[str, str]] = []
    latest: dict[str, ClockRun] = {}  # ticket.clock(key) for every key in one pass (it runs on every move)
    for run in ticket.clocks:
        if run.party is None:
            found = latest.get(run.clock)
            if found is None or run.run > found.run:
                latest[run.clock] = run
    for key, spec in definition.clocks.items():
        run = latest.get(key)
        active = run is not None and run.status != "stopped"
        if active and (trigger in spec.stop.triggers or (dest in spec.stop.states and dest != source)):
            ops.append(("stop", key))
            active = False
        if active and dest in spec.pause.states and run.status == "running":
            ops.append(("pause", key))
        elif active and run.status == "paused" and dest not in spec.pause.states:
            ops.append(("resume", key))
        if not active and ((trigger is None and spec.start.open) or trigger in spec.start.triggers or
                           (dest in spec.start.states and dest != source)):
            ops.append(("start", key))
    ops.extend(explicit)
    for op, key in ops:
        spec = definition.clocks[key]
        run = ticket.clock(key)
        if op in ("stop", "restart") and run is not None and run.status != "stopped":
            stop(run, now, calendar)
            notes.append({"clock": key, "op": "stop", "run": run.run, "net": round(run.consumed, 6),
                          "gross_seconds": round(gross_seconds(run, now), 3)})
        if op == "pause" and run is not None:
            pause(run, now, calendar)
            notes.append({"clock": key, "op": "pause", "run": run.run})
        if op == "resume" and run is not None:
            resume(run, spec, now, calendar, fired.get((key, run.run), set()))
            notes.append({"clock": key, "op": "resume", "run": run.run, "due_at": run.due_at})
        if op in ("start", "restart"):
            current = ticket.clock(key)
            if op == "start" and current is not None and current.status != "stopped":
                continue
            new = start_run(ticket, spec, now, calendar)
            ticket.clocks.append(new)
            notes.append({"clock": key, "op": "start", "run": new.run, "due_at": new.due_at,
                          **({"counted_from": new.resumed_at} if new.resumed_at != now else {})})
    return notes


def rebudget(run: ClockRun, spec: Clock, calendar: Calendar, fired: Iterable[int] = ()) -> ClockRun:
    """``run`` as if its clock had ``spec``'s budget and ladder (a ticket moved to another definition version).

    The net time already used is kept, measured in the new unit when the unit changes: the stretch from the
    run's start that the old unit counted as used is counted again in the new one (exact for a run that was
    never paused; for one that was, its pauses are taken to have come after that stretch). A running run's
    due time, at-risk moment and next rung are recomputed from what is left; a paused one gets them when it
    resumes. Returns a copy; ``run`` is not changed.
    """
    new = run.copy()
    if run.unit != spec.budget.unit and run.consumed > 0:
        used_until = calendar.add(run.started_at, run.consumed, run.unit)
        new.consumed = calendar.elapsed(run.started_at, used_until, spec.budget.unit)
    new.unit, new.budget, new.dirty = spec.budget.unit, spec.budget.amount, True
    reschedule(new, spec, calendar, fired)
    return new


class SimpleCalendar:
    """Calendar-time arithmetic for tests and drafts: every day is a working day, all day."""

    def add(self, start: datetime, amount: float, unit: str) -> datetime:
        return start + (timedelta(hours=amount) if unit == "working_hours" else timedelta(days=amount))

    def elapsed(self, start: datetime, end: datetime, unit: str) -> float:
        seconds = max(0.0, (end - start).total_seconds())
        return seconds / 3600.0 if unit == "working_hours" else seconds / 86400.0

    def fingerprint(self) -> str:
        return "simple"


__all__ = ["start_run", "pause", "resume", "stop", "net", "gross_seconds", "reschedule", "next_rung",
           "rung_time", "apply_clock_rules", "SimpleCalendar", "Calendar", "AT_RISK_PERCENT", "at_risk_time", "anchor",
           "rebudget"]
