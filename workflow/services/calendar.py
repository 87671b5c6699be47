"""The office's own calendar edits: close a day, reopen a listed holiday, undo either, and what follows.

Decrees move holidays and add *cuti bersama* mid-year, so supervisors correct the `holidays` package's
list themselves (``alur calendar …`` and the console's calendar editor call these functions). Each edit:

1. replaces the office's edit of the day (``uow.closures``: ``add`` closes it, ``remove`` reopens a
   listed holiday; resetting withdraws it) and writes an audit row (kind ``calendar``) naming who did
   it, in one unit of work; an edit that makes no sense raises CalendarEditError and writes nothing;
2. reloads the runtime's calendar;
3. recomputes the due time, at-risk moment and next rung of every open clock run the day can affect
   (running runs whose current segment starts before the day and whose due time or next rung lies after
   it; paused runs keep their consumed time and are recomputed when they resume), in batches of one
   unit of work each, writing for every clock whose due time moved an audit row (kind ``calendar``,
   actor ``system``; detail: clock, from, to, why), and hands the moved runs to the runtime's rung
   schedulers (rq jobs when Redis is used).

A clock run is only rewritten if it still is in the segment that was recomputed (same status,
``resumed_at``, ``consumed`` and next rung; `ClockRunRepository.reschedule`), so an officer's fire or a
sweep running at the same time is never overwritten with stale values; such a run was just recomputed
by that fire anyway.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from workflow.core.audit import AuditEvent
from workflow.core.calendar import DEFAULT_TIMEZONE
from workflow.core.clocks import reschedule
from workflow.core.ticket import ClockRun
from workflow.errors import CalendarEditError
from workflow.store.port import ClosureRecord, RunningClock, UnitOfWork

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"
DEFAULT_BATCH = 1000


@dataclass(frozen=True)
class CalendarDay:
    """A day that differs from an ordinary weekday: closed (holiday, cuti bersama, office closure) or a
    listed holiday the office reopened (``status="opened"``)."""

    day: date
    name: str
    source: str  # holidays | office
    status: str  # closed | opened


@dataclass
class Recomputed:
    """What an edit changed: clock runs looked at, runs whose due time moved, tickets concerned."""

    checked: int = 0
    moved: int = 0
    tickets: set[int] = field(default_factory=set)


def _check_day(day: date) -> date:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise ValueError(f"day must be a datetime.date such as date(2026, 12, 24), got {day!r}")
    return day


def _listed_holiday(day: date) -> str | None:
    """The package's name for ``day`` if it lists it (whatever the office did with it), else None."""
    import holidays

    listed = holidays.country_holidays("ID", years=day.year, categories=("public", "government"), language="id")
    return listed.get(day)


#: Decides an edit from the office's current edit of the day: (the day's new edit or None, audit name).
#: Raises CalendarEditError, before anything is written, when the edit makes no sense.
Decide = Callable[[ClosureRecord | None], tuple[ClosureRecord | None, str]]


def _edit(runtime, day: date, *, actor_id: str, now: datetime, op: str, decide: Decide) -> str:
    """Replace the office's edit of ``day`` as ``decide`` says and audit who did it, in one unit of work;
    then reload the runtime's calendar. Returns the name the audit row gives the edit."""
    with runtime.store.unit_of_work() as uow:
        record, name = decide(uow.closures.get(day))
        if record is None:
            uow.closures.delete(day)
        else:
            uow.closures.put(record)
        uow.audit.append([AuditEvent(kind="calendar", at=now, actor_id=actor_id, actor_role="supervisor",
                                     detail={"op": op, "day": day.isoformat(), "name": name})])
        uow.commit()
    runtime.reload_calendar()
    return name


def add_closure(runtime, day: date, name: str, actor_id: str, now: datetime | None = None, *,
                progress: Callable[[int], None] | None = None) -> Recomputed:
    """Close the office on ``day`` (a decree, a local event) and move the deadlines it affects."""
    day, now = _check_day(day), now or datetime.now(timezone.utc)
    name = (name or "").strip()
    if not name:
        raise CalendarEditError("give the closure a name (e.g. 'Cuti bersama Natal, SK Gubernur 123/2026'); "
                                "staff see it")
    _edit(runtime, day, actor_id=actor_id, now=now, op="close",
          decide=lambda _: (ClosureRecord(day, "add", name[:200], actor_id, now), name))
    return recompute_open_clocks(runtime, why=f"hari {day.isoformat()} ditutup: {name}", now=now, day=day,
                                 progress=progress)


def remove_holiday(runtime, day: date, name: str, actor_id: str, now: datetime | None = None, *,
                   progress: Callable[[int], None] | None = None) -> Recomputed:
    """Open the office on a day the calendar has closed (a revoked cuti bersama, a moved holiday).

    A closure the office added itself is simply withdrawn; a holiday listed by the package is marked
    removed. ``name`` says why (shown in the audit), e.g. the decree that revoked it.
    """
    day, now = _check_day(day), now or datetime.now(timezone.utc)
    listed = _listed_holiday(day)
    why = (name or "").strip() or "dibuka kembali"

    def decide(existing: ClosureRecord | None) -> tuple[ClosureRecord | None, str]:
        if existing is not None and existing.kind == "remove":
            raise CalendarEditError(f"{day.isoformat()} is already open (reopened by {existing.created_by}); "
                             f"use 'alur calendar reset {day.isoformat()}' to undo that")
        if existing is None and listed is None:
            raise CalendarEditError(f"{day.isoformat()} is not a holiday or closure, so there is nothing to open; "
                             "'alur calendar list' shows the closed days")
        return (ClosureRecord(day, "remove", why[:200], actor_id, now) if listed is not None else None), why

    _edit(runtime, day, actor_id=actor_id, now=now, op="open", decide=decide)
    return recompute_open_clocks(runtime, why=f"hari {day.isoformat()} dibuka: {why}", now=now, day=day,
                                 progress=progress)


def reset_day(runtime, day: date, actor_id: str, now: datetime | None = None, *,
              progress: Callable[[int], None] | None = None) -> Recomputed:
    """Undo the office's edit of ``day``: it follows the package's holiday list again."""
    day, now = _check_day(day), now or datetime.now(timezone.utc)

    def decide(existing: ClosureRecord | None) -> tuple[ClosureRecord | None, str]:
        if existing is None:
            raise CalendarEditError(f"{day.isoformat()} has no office edit to reset")
        return None, existing.name

    undone = _edit(runtime, day, actor_id=actor_id, now=now, op="reset", decide=decide)
    return recompute_open_clocks(runtime, why=f"perubahan hari {day.isoformat()} dibatalkan ({undone})",
                                 now=now, day=day, progress=progress)


def list_days(runtime, start: date, end: date) -> list[CalendarDay]:
    """Closed days between ``start`` and ``end`` (weekends left out) plus listed holidays the office reopened."""
    start, end = _check_day(start), _check_day(end)
    out = [CalendarDay(c.day, c.name, c.source, "closed") for c in runtime.calendar.closures(start, end)]
    with runtime.store.unit_of_work(read_only=True) as uow:
        opened = [r for r in uow.closures.all() if r.kind == "remove" and start <= r.day <= end]
    for row in opened:
        listed = _listed_holiday(row.day)
        out.append(CalendarDay(row.day, f"{listed or ''} (dibuka: {row.name})".strip(), "holidays", "opened"))
    return sorted(out, key=lambda d: d.day)


# -- keeping every process' calendar current -------------------------------------------------------
def calendar_is_current(runtime, uow) -> bool:
    """Whether the runtime's calendar was loaded from the closure rows ``uow`` sees now.

    A rung job asks inside its own transaction (one connection, one transaction per rung); when the
    answer is no, it calls `refresh_calendar` outside that transaction and starts again.
    """
    return runtime.extras.get("calendar_stamp") == _stamp(uow)


def _stamp(uow) -> tuple:
    """The closure rows and the office profile (its zone and hours) the calendar is built from."""
    return uow.closures.stamp(), uow.office.stamp()


def refresh_calendar(runtime) -> bool:
    """Reload the runtime's calendar if the office's closure rows changed since it was loaded.

    Calendar edits are made in one process (console, CLI); sweepers and workers notice them here, with
    one cheap query per sweep or job, so a due time is never computed on a stale calendar for long.
    """
    try:
        with runtime.store.unit_of_work(read_only=True) as uow:
            stamp = _stamp(uow)
    except Exception:  # noqa: BLE001 - no schema yet: nothing to refresh
        return False
    known = runtime.extras.get("calendar_stamp")
    runtime.extras["calendar_stamp"] = stamp
    if known == stamp:
        return False  # (the first call reloads: an edit may have come between build and now)
    runtime.reload_calendar()
    if known is not None:
        logger.info("office calendar changed; reloaded")
    return True


# -- recomputing deadlines -------------------------------------------------------------------------
def _window(runtime, day: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(getattr(runtime.calendar, "timezone", DEFAULT_TIMEZONE))
    # A day either side absorbs clamping to office hours and zone offsets.
    start = datetime.combine(day - timedelta(days=1), time(0), tzinfo=zone).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=2), time(0), tzinfo=zone).astimezone(timezone.utc)
    return start, end


def recompute_open_clocks(runtime, *, why: str, now: datetime | None = None, day: date | None = None,
                          progress: Callable[[int], None] | None = None, batch: int = DEFAULT_BATCH) -> Recomputed:
    """Recompute due times and next rungs of running clock runs with the runtime's current calendar.

    ``day`` limits the work to runs the day can affect; None recomputes every running run (after a
    change of office hours or of the holidays package). ``progress`` is called with the number of runs
    checked per batch. One unit of work per batch (keyset pages by run id), so a large office is not
    locked for the whole recomputation and a failure keeps the batches already done.
    """
    now = now or datetime.now(timezone.utc)
    window = _window(runtime, day) if day is not None else None
    result = Recomputed()
    moved_runs: list[tuple[ClockRun, int]] = []
    after = 0
    while True:
        with runtime.store.unit_of_work() as uow:
            running = uow.clock_runs.running(after_id=after, limit=batch, window=window)
            if not running:
                break
            after = running[-1].run.id
            moved_runs += _recompute_batch(runtime, uow, running, why=why, now=now, result=result)
            uow.commit()
        result.checked += len(running)
        if progress is not None:
            progress(len(running))
    runtime.schedule_rungs(moved_runs)  # their rung jobs move (rq); the sweep fires them in any case
    logger.info("calendar change (%s): %d clock run(s) checked, %d due time(s) moved", why, result.checked,
                result.moved)
    return result


def _recompute_batch(runtime, uow: UnitOfWork, running: list[RunningClock], *, why: str, now: datetime,
                     result: Recomputed) -> list[tuple[ClockRun, int]]:
    """Reschedule each run of one batch on the current calendar; audit every due time that moved.

    Returns (run, ticket id) of the runs rewritten, for their rung jobs to move.
    """
    calendar = runtime.calendar
    rescheduled, events = [], []
    for item in running:
        old = item.run
        spec = runtime.engine.definitions.get(uow, item.definition_key, item.definition_version).clocks.get(old.clock)
        if spec is None:
            continue
        new = replace(old)
        reschedule(new, spec, calendar, item.fired)
        if (new.due_at, new.next_rung, new.next_rung_at, new.at_risk_at) == \
                (old.due_at, old.next_rung, old.next_rung_at, old.at_risk_at):
            continue
        if not uow.clock_runs.reschedule(new, old):
            continue  # changed by a fire or a sweep since it was read: that one recomputed it
        rescheduled.append((new, item.ticket_id))
        if new.due_at != old.due_at:
            result.moved += 1
            result.tickets.add(item.ticket_id)
            events.append(AuditEvent(
                kind="calendar", at=now, actor_id=SYSTEM_ACTOR, actor_role="system", ticket_id=item.ticket_id,
                receipt_no=item.receipt_no, definition_key=item.definition_key,
                definition_version=item.definition_version,
                detail={"clock": old.clock, "run": old.run, "from": old.due_at, "to": new.due_at, "why": why,
                        "next_rung": new.next_rung, "next_rung_at": new.next_rung_at}))
    uow.audit.append(events)
    return rescheduled


__all__ = ["calendar_is_current", "refresh_calendar", "add_closure", "remove_holiday", "reset_day", "list_days",
           "recompute_open_clocks", "CalendarDay", "Recomputed"]
