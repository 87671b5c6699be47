"""The overdue rule: a clock run that is running and past its due time.

One meaning on every page: the ticket page's red clock, the work queue's deadline filter and row colour,
and the supervisor dashboard's count. A paused run that had already used its budget when the office
started waiting on the complainant is late (its page says by how much) but not overdue: nothing is due
from the office until the complainant answers.

The two forms stand side by side: `is_overdue` for code that holds a run, `condition` for queries over
``ticket_clocks``. ``tests/store/test_rules.py`` holds them equal on generated runs.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_
from sqlalchemy.sql import ColumnElement

from workflow.core.ticket import ClockRun
from workflow.store import models as m


def is_overdue(run: ClockRun, now: datetime) -> bool:
    """Whether ``run`` is overdue at ``now`` (Python form)."""
    return run.status == "running" and run.due_at is not None and now > run.due_at


def condition(now: datetime) -> ColumnElement[bool]:
    """The same test on ``ticket_clocks`` rows (SQL form).

    Written exactly as the partial indexes of running runs expect (``status = 'running'`` and a range
    on ``due_at``: ``ix_clocks_running_due``, ``ix_clocks_running_clock``, migrations 0004 and 0010),
    so a count or a filter stays an index range scan; reword it and PostgreSQL reads the table.
    """
    c = m.clocks.c
    return and_(c.status == "running", c.due_at < now)


__all__ = ["is_overdue", "condition"]
