"""Clock runs: ``at_risk_at``, the moment a running segment reaches AT_RISK_PERCENT of its budget

Revision ID: 0007_clock_at_risk
Revises: 0001_core

Part of the core line (the engine writes the column, in `workflow.clocks.reschedule`, next to
``due_at``); the console's index on it is ``0008_console_at_risk``. Existing running runs are filled in
with the office calendar as it is now, the way a calendar edit recomputes them; paused and stopped
runs keep NULL (a paused run gets its moment when it resumes).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0007_clock_at_risk"
down_revision = "0001_core"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BATCH = 5000


def upgrade() -> None:
    op.add_column("ticket_clocks", sa.Column("at_risk_at", TS, nullable=True))
    backfill(op.get_bind())


def backfill(conn) -> int:
    """Set ``at_risk_at`` of every running run that has none; returns how many were set."""
    from workflow.core.clocks import at_risk_time
    from workflow.core.calendar import office_calendar
    from workflow.store.sql import utc
    from workflow.store.sql.calendar import SqlClosures
    from workflow.core.ticket import ClockRun

    clocks = sa.table("ticket_clocks", sa.column("id", sa.BigInteger), sa.column("status", sa.String),
                      sa.column("unit", sa.String), sa.column("budget", sa.Float), sa.column("consumed", sa.Float),
                      sa.column("started_at", TS), sa.column("resumed_at", TS), sa.column("at_risk_at", TS))
    c = clocks.c
    calendar = office_calendar(SqlClosures(conn).all())
    write = sa.update(clocks).where(c.id == sa.bindparam("b_id")).values(at_risk_at=sa.bindparam("b_at"))
    done, last = 0, 0
    while True:
        rows = conn.execute(
            sa.select(c.id, c.unit, c.budget, c.consumed, c.started_at, c.resumed_at)
            .where(c.status == "running", c.resumed_at.is_not(None), c.at_risk_at.is_(None), c.id > last)
            .order_by(c.id).limit(BATCH)).all()
        if not rows:
            return done
        values = []
        for row in rows:
            resumed: datetime = utc(row.resumed_at)
            run = ClockRun(clock="", run=0, unit=row.unit, budget=row.budget, status="running",
                           started_at=utc(row.started_at), resumed_at=resumed, due_at=None,
                           consumed=row.consumed or 0.0)
            values.append({"b_id": row.id, "b_at": at_risk_time(run, calendar)})
        conn.execute(write, values)
        done += len(values)
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("ticket_clocks") as batch:
        batch.drop_column("at_risk_at")
