"""The at-risk rule: a running clock run that has used `AT_RISK_PERCENT` of its budget and is not yet due.

Net office time counts, like the SOP's 80 % warning rung, so a one-day triage clock opened on Friday
afternoon is not at risk over the weekend, and a paused run never is. The moment a run becomes at risk
(``at_risk_at``, `workflow.core.clocks.at_risk_time`) is stored with its due time, so "at risk now?" is
``at_risk_at <= now <= due_at`` in both forms: `is_at_risk` for code that holds a run, `condition` for
queries. A run past its due time is overdue instead (`workflow.store.rules.overdue`).
``tests/store/test_rules.py`` holds the two forms equal on generated runs.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_
from sqlalchemy.sql import ColumnElement

from workflow.core.clocks import AT_RISK_PERCENT
from workflow.core.ticket import ClockRun
from workflow.store import models as m


def is_at_risk(run: ClockRun, now: datetime) -> bool:
    """Whether ``run`` is at risk at ``now`` (Python form)."""
    return (run.status == "running" and run.at_risk_at is not None and run.due_at is not None
            and run.at_risk_at <= now <= run.due_at)


def condition(now: datetime) -> ColumnElement[bool]:
    """The same test on ``ticket_clocks`` rows (SQL form), a range scan of ``ix_clocks_running_at_risk``
    (migration 0008) or ``ix_clocks_running_clock`` (0010); keep the wording those indexes expect."""
    c = m.clocks.c
    return and_(c.status == "running", c.at_risk_at <= now, c.due_at >= now)


__all__ = ["is_at_risk", "condition", "AT_RISK_PERCENT"]
