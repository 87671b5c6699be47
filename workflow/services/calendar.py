"""The office's own calendar edits: close a day, reopen a listed holiday, undo either, and what follows.

Decrees move holidays and add *cuti bersama* mid-year, so supervisors correct the `holidays` package's
list themselves (``alur calendar …`` and the console's calendar editor call these functions). Each edit:

1. writes ``calendar_closures`` (one row per day: ``add`` closes it, ``remove`` reopens a listed
   holiday; resetting deletes the row) and an audit row (kind ``calendar``) naming who did it, in one
   transaction;
2. reloads the runtime's calendar;
3. recomputes the due time, at-risk moment and next rung of every open clock run the day can affect
   (running runs whose current segment starts before the day and whose due time or next rung lies after
   it; paused runs keep their consumed time and are recomputed when they resume), in batches of one transaction
   each, writing for every clock whose due time moved an audit row (kind ``calendar``, actor
   ``system``; detail: clock, from, to, why), and rescheduling the rung jobs when Redis is used.

A clock row is only rewritten if it still is in the segment that was recomputed (same status,
``resumed_at``, ``consumed`` and next rung), so an officer's fire or a sweep running at the same time
is never overwritten with stale values; such a run was just recomputed by that fire anyway.
"""
from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, or_, select, update

from workflow.core.audit import AuditEvent
from workflow.core.clocks import reschedule
from workflow.store import models as m
from workflow.store.sql import clock_from_row, utc

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


def _now(now: datetime | None) -> datetime:
    return utc(now) if now is not None else datetime.now(timezone.utc)


def _check_day(day: date) -> date:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise ValueError(f"day must be a datetime.date such as date(2026, 12, 24), got {day!r}")
    return day


def _row_for(conn, day: date):
    return conn.execute(select(m.closures).where(m.closures.c.day == day)).first()


def _listed_holiday(runtime, day: date) -> str | None:
    """The package's name for ``day`` if it lists it (whatever the office did with it), else None."""
    import holidays

    listed = holidays.country_holidays("ID", years=day.year, categories=("public", "government"), language="id")
    return listed.get(day)


def _edit(runtime, *, actor_id: str, now: datetime, op: str, day: date, name: str, write) -> None:
    with runtime.store.unit_of_work() as uow:
        write(uow.conn)
        uow.audit.append([AuditEvent(kind="calendar", at=now, actor_id=actor_id, actor_role="supervisor",
                                     detail={"op": op, "day": day.isoformat(), "name": name})])
        uow.commit()
    runtime.reload_calendar()


def add_closure(runtime, day: date, name: str, actor_id: str, now: datetime | None = None, *,
                progress: Callable[[int], None] | None = None) -> Recomputed:
    """Close the office on ``day`` (a decree, a local event) and move the deadlines it affects."""
    day, now = _check_day(day), _now(now)
    name = (name or "").strip()
    if not name:
        raise ValueError("give the closure a name (e.g. 'Cuti bersama Natal, SK Gubernur 123/2026'); staff see it")

    def write(conn):
        conn.execute(delete(m.closures).where(m.closures.c.day == day))
        conn.execute(insert(m.closures).values(day=day, kind="add", name=name[:200], created_by=actor_id,
                                               created_at=now))

    _edit(runtime, actor_id=actor_id, now=now, op="close", day=day, name=name, write=write)
    return recompute_open_clocks(runtime, why=f"hari {day.isoformat()} ditutup: {name}", now=now, day=day,
                                 progress=progress)


def remove_holiday(runtime, day: date, name: str, actor_id: str, now: datetime | None = None, *,
                   progress: Callable[[int], None] | None = None) -> Recomputed:
    """Open the office on a day the calendar has closed (a revoked cuti bersama, a moved holiday).

    A closure the office added itself is simply withdrawn; a holiday listed by the package is marked
    removed. ``name`` says why (shown in the audit), e.g. the decree that revoked it.
    """
    day, now = _check_day(day), _now(now)
    with runtime.db.connect() as conn:
        existing = _row_for(conn, day)
    listed = _listed_holiday(runtime, day)
    why = (name or "").strip() or "dibuka kembali"
    if existing is not None and existing.kind == "remove":
        raise ValueError(f"{day.isoformat()} is already open (reopened by {existing.created_by}); "
                         f"use 'alur calendar reset {day.isoformat()}' to undo that")
    if existing is None and listed is None:
        raise ValueError(f"{day.isoformat()} is not a holiday or closure, so there is nothing to open; "
                         "'alur calendar list' shows the closed days")

    def write(conn):
        conn.execute(delete(m.closures).where(m.closures.c.day == day))
        if listed is not None:
            conn.execute(insert(m.closures).values(day=day, kind="remove", name=why[:200], created_by=actor_id,
                                                   created_at=now))

    _edit(runtime, actor_id=actor_id, now=now, op="open", day=day, name=why, write=write)
    return recompute_open_clocks(runtime, why=f"hari {day.isoformat()} dibuka: {why}", now=now, day=day,
                                 progress=progress)


def reset_day(runtime, day: date, actor_id: str, now: datetime | None = None, *,
              progress: Callable[[int], None] | None = None) -> Recomputed:
    """Undo the office's edit of ``day``: it follows the package's holiday list again."""
    day, now = _check_day(day), _now(now)
    with runtime.db.connect() as conn:
        existing = _row_for(conn, day)
    if existing is None:
        raise ValueError(f"{day.isoformat()} has no office edit to reset")

    def write(conn):
        conn.execute(delete(m.closures).where(m.closures.c.day == day))

    _edit(runtime, actor_id=actor_id, now=now, op="reset", day=day, name=existing.name, write=write)
    return recompute_open_clocks(runtime, why=f"perubahan hari {day.isoformat()} dibatalkan ({existing.name})",
                                 now=now, day=day, progress=progress)


def list_days(runtime, start: date, end: date) -> list[CalendarDay]:
    """Closed days between ``start`` and ``end`` (weekends left out) plus listed holidays the office reopened."""
    start, end = _check_day(start), _check_day(end)
    out = [CalendarDay(c.day, c.name, c.source, "closed") for c in runtime.calendar.closures(start, end)]
    with runtime.db.connect() as conn:
        opened = conn.execute(select(m.closures).where(m.closures.c.kind == "remove", m.closures.c.day >= start,
                                                       m.closures.c.day <= end)).all()
    for row in opened:
        listed = _listed_holiday(runtime, row.day)
        out.append(CalendarDay(row.day, f"{listed or ''} (dibuka: {row.name})".strip(), "holidays", "opened"))
    return sorted(out, key=lambda d: d.day)


# -- keeping every process' calendar current -------------------------------------------------------
def calendar_is_current(runtime, uow) -> bool:
    """Whether the runtime's calendar was loaded from the closure rows ``uow`` sees now.

    A rung job asks inside its own transaction (one connection, one transaction per rung); when the
    answer is no, it calls `refresh_calendar` outside that transaction and starts again.
    """
    return runtime.extras.get("calendar_stamp") == uow.closures.stamp()


def refresh_calendar(runtime) -> bool:
    """Reload the runtime's calendar if the office's closure rows changed since it was loaded.

    Calendar edits are made in one process (console, CLI); sweepers and workers notice them here, with
    one cheap query per sweep or job, so a due time is never computed on a stale calendar for long.
    """
    try:
        with runtime.store.unit_of_work() as uow:
            stamp = uow.closures.stamp()
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
    zone = ZoneInfo(getattr(runtime.calendar, "timezone", "Asia/Jakarta"))
    # A day either side absorbs clamping to office hours and zone offsets.
    start = datetime.combine(day - timedelta(days=1), time(0), tzinfo=zone).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=2), time(0), tzinfo=zone).astimezone(timezone.utc)
    return start, end


def _terminal_progress() -> Callable[[int], None] | None:
    if not sys.stderr.isatty():
        return None
    seen = [0]

    def report(k: int) -> None:
        seen[0] += k
        print(f"\r  menghitung ulang tenggat: {seen[0]:,} jam tugas diperiksa", end="", file=sys.stderr, flush=True)

    return report


def recompute_open_clocks(runtime, *, why: str, now: datetime | None = None, day: date | None = None,
                          progress: Callable[[int], None] | None = None, batch: int = DEFAULT_BATCH) -> Recomputed:
    """Recompute due times and next rungs of running clock runs with the runtime's current calendar.

    ``day`` limits the work to runs the day can affect; None recomputes every running run (after a
    change of office hours or of the holidays package). ``progress`` is called with the number of runs
    checked per batch (on a terminal a counter is printed when none is given).
    """
    now = _now(now)
    calendar = runtime.calendar
    fingerprint = calendar.fingerprint()
    if progress is None:
        progress = _terminal_progress()
    c = m.clocks.c
    base = select(m.clocks, m.tickets.c.receipt_no, m.tickets.c.definition_key, m.tickets.c.definition_version) \
        .join(m.tickets, m.tickets.c.id == c.ticket_id).where(c.status == "running", c.resumed_at.is_not(None))
    if day is not None:
        lo, hi = _window(runtime, day)
        base = base.where(c.resumed_at < hi, or_(c.due_at >= lo, c.next_rung_at >= lo))
    result = Recomputed()
    reschedule_jobs: list[tuple[int, object]] = []
    last = 0
    while True:
        with runtime.store.unit_of_work() as uow:
            rows = uow.conn.execute(base.where(c.id > last).order_by(c.id).limit(batch)).all()
            if not rows:
                break
            last = rows[-1].id
            fired: dict[int, set[int]] = {}
            for rid, rung in uow.conn.execute(select(m.escalations.c.clock_run_id, m.escalations.c.rung)
                                              .where(m.escalations.c.clock_run_id.in_([r.id for r in rows]))):
                fired.setdefault(rid, set()).add(rung)
            events: list[AuditEvent] = []
            for row in rows:
                old = clock_from_row(row)
                definition = runtime.engine.definitions.get(uow, row.definition_key, row.definition_version)
                spec = definition.clocks.get(old.clock)
                if spec is None:
                    continue
                new = replace(old)
                reschedule(new, spec, calendar, fired.get(old.id, set()))
                if new.due_at == old.due_at and new.next_rung == old.next_rung and \
                        new.next_rung_at == old.next_rung_at and new.at_risk_at == old.at_risk_at:
                    continue
                guard = [c.id == old.id, c.status == "running", c.resumed_at == utc(old.resumed_at),
                         c.consumed == old.consumed,
                         c.next_rung.is_(None) if old.next_rung is None else c.next_rung == old.next_rung]
                done = uow.conn.execute(update(m.clocks).where(*guard).values(
                    due_at=utc(new.due_at), next_rung=new.next_rung, next_rung_at=utc(new.next_rung_at),
                    at_risk_at=utc(new.at_risk_at), calendar=fingerprint)).rowcount
                if done != 1:
                    continue  # changed by a fire or a sweep since it was read: that one recomputed it
                reschedule_jobs.append((row.ticket_id, new))
                if new.due_at != old.due_at:
                    result.moved += 1
                    result.tickets.add(row.ticket_id)
                    events.append(AuditEvent(
                        kind="calendar", at=now, actor_id=SYSTEM_ACTOR, actor_role="system", ticket_id=row.ticket_id,
                        receipt_no=row.receipt_no, definition_key=row.definition_key,
                        definition_version=row.definition_version,
                        detail={"clock": old.clock, "run": old.run, "from": old.due_at, "to": new.due_at, "why": why,
                                "next_rung": new.next_rung, "next_rung_at": new.next_rung_at}))
            uow.audit.append(events)
            uow.commit()
        result.checked += len(rows)
        if progress is not None:
            progress(len(rows))
    if progress is not None and progress.__name__ == "report":
        print(file=sys.stderr)
    _reschedule(runtime, reschedule_jobs)
    logger.info("calendar change (%s): %d clock run(s) checked, %d due time(s) moved", why, result.checked,
                result.moved)
    return result


def _reschedule(runtime, runs) -> None:
    if not runtime.redis_url or not runs:
        return
    try:
        from workflow.jobs.queues import enqueue_rung

        for ticket_id, run in runs:
            enqueue_rung(runtime, run, ticket_id)
    except Exception:  # noqa: BLE001 - the periodic sweep fires them anyway
        logger.warning("could not reschedule rung jobs after a calendar change; the sweep will fire them",
                       exc_info=True)


__all__ = ["calendar_is_current", "refresh_calendar", "add_closure", "remove_holiday", "reset_day", "list_days", "recompute_open_clocks", "CalendarDay",
           "Recomputed"]
