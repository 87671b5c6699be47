"""The office calendar in SQL: its edits of single days, and the clock runs a calendar change can move.

Recomputing deadlines after a calendar edit reads running clock runs in keyset pages (``id > :after``,
by id, so a page costs the same at the end as at the start) and writes each moved run back with a
conditional UPDATE: the row is rewritten only while it is still in the segment that was read, so a
fire or a sweep committed in between is never overwritten with stale values.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, func, insert, or_, select, update

from workflow.core.ticket import ClockRun
from workflow.store import models as m
from workflow.store.port import ClosureRecord, RunningClock
from workflow.store.sql.rows import clock_from_row, utc

# Count, max and sum of the ids and the latest edit time: a delete changes the count, an insert the ids
# or (SQLite reuses the highest id once its row is gone) the latest time, as every edit is stamped now.
_CLOSURE_STAMP = select(func.count(), func.coalesce(func.max(m.closures.c.id), 0),
                        func.coalesce(func.sum(m.closures.c.id), 0), func.max(m.closures.c.created_at))
_CLOSURE_COLUMNS = (m.closures.c.day, m.closures.c.kind, m.closures.c.name, m.closures.c.created_by,
                    m.closures.c.created_at)


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _closure(row) -> ClosureRecord:
    return ClosureRecord(_day(row.day), row.kind, row.name, row.created_by, utc(row.created_at))


class SqlClosures:
    """The port's `ClosureRepository`: one ``calendar_closures`` row per edited day."""

    def __init__(self, conn):
        self.conn = conn

    def all(self) -> list[ClosureRecord]:
        rows = self.conn.execute(select(*_CLOSURE_COLUMNS).order_by(m.closures.c.day)).all()
        return [_closure(r) for r in rows]

    def stamp(self) -> tuple:
        return tuple(self.conn.execute(_CLOSURE_STAMP).one())

    def get(self, day: date) -> ClosureRecord | None:
        row = self.conn.execute(select(*_CLOSURE_COLUMNS).where(m.closures.c.day == day)).first()
        return _closure(row) if row is not None else None

    def put(self, record: ClosureRecord) -> None:
        self.delete(record.day)
        self.conn.execute(insert(m.closures).values(day=record.day, kind=record.kind, name=record.name,
                                                    created_by=record.created_by, created_at=utc(record.created_at)))

    def delete(self, day: date) -> bool:
        return self.conn.execute(delete(m.closures).where(m.closures.c.day == day)).rowcount > 0


_c = m.clocks.c
_RUNNING = (select(m.clocks, m.tickets.c.receipt_no, m.tickets.c.definition_key, m.tickets.c.definition_version)
            .join(m.tickets, m.tickets.c.id == _c.ticket_id)
            .where(_c.status == "running", _c.resumed_at.is_not(None)))


class SqlClockRuns:
    """The port's `ClockRunRepository` on one connection."""

    def __init__(self, conn):
        self.conn = conn

    def running(self, *, after_id: int = 0, limit: int = 1000,
                window: tuple[datetime, datetime] | None = None) -> list[RunningClock]:
        q = _RUNNING.where(_c.id > after_id)
        if window is not None:
            lo, hi = utc(window[0]), utc(window[1])
            q = q.where(_c.resumed_at < hi, or_(_c.due_at >= lo, _c.next_rung_at >= lo))
        rows = self.conn.execute(q.order_by(_c.id).limit(limit)).all()
        fired = self._fired([r.id for r in rows])
        return [RunningClock(clock_from_row(r), r.ticket_id, r.receipt_no, r.definition_key, r.definition_version,
                             frozenset(fired.get(r.id, ()))) for r in rows]

    def _fired(self, run_ids: list[int]) -> dict[int, set[int]]:
        if not run_ids:
            return {}
        e = m.escalations.c
        out: dict[int, set[int]] = {}
        for run_id, rung in self.conn.execute(select(e.clock_run_id, e.rung).where(e.clock_run_id.in_(run_ids))):
            out.setdefault(run_id, set()).add(rung)
        return out

    def reschedule(self, run: ClockRun, read: ClockRun) -> bool:
        guard = [_c.id == read.id, _c.status == "running", _c.resumed_at == utc(read.resumed_at),
                 _c.consumed == read.consumed,
                 _c.next_rung.is_(None) if read.next_rung is None else _c.next_rung == read.next_rung]
        done = self.conn.execute(update(m.clocks).where(*guard).values(
            due_at=utc(run.due_at), next_rung=run.next_rung, next_rung_at=utc(run.next_rung_at),
            at_risk_at=utc(run.at_risk_at), calendar=run.calendar))
        return done.rowcount == 1


__all__ = ["SqlClosures", "SqlClockRuns"]
