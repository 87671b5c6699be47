"""The on-time rule: whether a clock run kept its budget, per run, per clock and overall.

A stopped run is **on time** when it stopped by its due time, or when its net time stayed within its
budget. The second test matters for a run stopped while paused: it keeps the due time computed before
the pause, so a complaint closed during a long wait on the complainant stops "after" that due time
without the office having used more than its budget. A stopped run that is not on time is **late**.
An unstopped run is **late while running** when it is overdue (`workflow.store.rules.overdue`), or
paused after using up its budget; otherwise it is still **running** (not yet decided).

Every figure of this kind comes from here: the quarterly report's SLA tables (per clock, per OPD) and
the supervisor dashboard's on-time rates of the month and the quarter, so the two give the same
figures for the same runs. "Overall" is the sum over clocks (the dashboard's "all clocks" row).

Python form: `outcome`, `is_on_time` and `tally` for code that holds runs. SQL form: `on_time_condition`
and `outcome_columns` (0/1 per run, to ``sum``) for queries over ``ticket_clocks``. Both are NULL-safe
the same way (a running run without a due time is running, not late). ``tests/store/test_rules.py``
holds them equal on generated runs.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import and_, case, func, or_
from sqlalchemy.sql import ColumnElement

from workflow.core.ticket import ClockRun
from workflow.store import models as m
from workflow.store.rules import overdue

#: Float noise allowed when net time is compared with the budget.
TOLERANCE = 1e-9

ON_TIME, LATE, RUNNING, LATE_RUNNING = "on_time", "late", "running", "late_running"


# -- Python form ----------------------------------------------------------------------------------
def within_budget(run: ClockRun) -> bool:
    return run.consumed <= run.budget + TOLERANCE


def _kept(run: ClockRun) -> bool:
    """A stopped run kept its deadline: no due time, stopped by it, or net time within the budget."""
    return run.due_at is None or run.stopped_at <= run.due_at or within_budget(run)


def outcome(run: ClockRun, now: datetime) -> str:
    """`ON_TIME`, `LATE` (stopped), `LATE_RUNNING` or `RUNNING` (not stopped) at ``now``."""
    if run.stopped_at is not None:
        return ON_TIME if _kept(run) else LATE
    if overdue.is_overdue(run, now):
        return LATE_RUNNING
    if run.status == "paused" and not within_budget(run):
        return LATE_RUNNING
    return RUNNING


def is_on_time(run: ClockRun) -> bool:
    """Whether a run stopped on time (a run that has not stopped is not, yet)."""
    return run.stopped_at is not None and _kept(run)


@dataclass
class Tally:
    """Runs counted by outcome. ``late`` includes ``late_running`` (both are decided against the office)."""

    runs: int = 0
    on_time: int = 0
    late: int = 0
    running: int = 0
    late_running: int = 0

    def add(self, kind: str) -> None:
        self.runs += 1
        if kind == ON_TIME:
            self.on_time += 1
        elif kind == RUNNING:
            self.running += 1
        else:
            self.late += 1
            self.late_running += kind == LATE_RUNNING


def tally(runs: Iterable[ClockRun], now: datetime) -> tuple[dict[str, Tally], Tally]:
    """Per clock and overall: how many runs, on time, late, running and late while running."""
    per_clock: dict[str, Tally] = {}
    overall = Tally()
    for run in runs:
        kind = outcome(run, now)
        per_clock.setdefault(run.clock, Tally()).add(kind)
        overall.add(kind)
    return per_clock, overall


# -- SQL form -------------------------------------------------------------------------------------
def _within_budget_sql() -> ColumnElement[bool]:
    c = m.clocks.c
    return c.consumed <= c.budget + TOLERANCE


def _kept_sql() -> ColumnElement[bool]:
    c = m.clocks.c
    return or_(c.due_at.is_(None), c.stopped_at <= c.due_at, _within_budget_sql())


def on_time_condition() -> ColumnElement[bool]:
    """`is_on_time` on ``ticket_clocks`` rows. Reads stopped_at, due_at, consumed and budget only, which
    ``ix_clocks_stopped_at`` carries (migration 0012), so the dashboard's count stays index-only."""
    return and_(m.clocks.c.stopped_at.isnot(None), _kept_sql())


def _late_running_sql(now: datetime) -> ColumnElement[bool]:
    c = m.clocks.c
    return and_(c.stopped_at.is_(None), or_(overdue.condition(now), and_(c.status == "paused", ~_within_budget_sql())))


def outcome_columns(now: datetime) -> dict[str, ColumnElement[int]]:
    """`outcome` as four 0/1 columns per run (on_time, late, running, late_running), to ``sum``.

    CASE branches are tried in order and a NULL test falls through, as `outcome`'s ``if`` chain does.
    """
    stopped = m.clocks.c.stopped_at.isnot(None)
    kept = and_(stopped, _kept_sql())
    late_running = _late_running_sql(now)
    return {
        ON_TIME: case((kept, 1), else_=0),
        LATE: case((kept, 0), (stopped, 1), (late_running, 1), else_=0),
        RUNNING: case((stopped, 0), (late_running, 0), else_=1),
        LATE_RUNNING: case((late_running, 1), else_=0),
    }


def tally_columns(now: datetime) -> list[ColumnElement[int]]:
    """The columns of a `Tally` as aggregates (labelled runs, on_time, late, running, late_running):
    grouped by clock they are the per-clock figures, ungrouped the overall ones."""
    return [func.count().label("runs")] + [func.sum(column).label(name)
                                           for name, column in outcome_columns(now).items()]


__all__ = ["TOLERANCE", "ON_TIME", "LATE", "RUNNING", "LATE_RUNNING", "within_budget", "outcome", "is_on_time",
           "Tally", "tally", "on_time_condition", "outcome_columns", "tally_columns"]
