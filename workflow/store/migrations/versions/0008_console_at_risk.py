"""Console: index for the "at risk" filter and dashboard count (running clocks by ``at_risk_at``)

Revision ID: 0008_console_at_risk
Revises: 0004_console
Depends on: 0007_clock_at_risk

A running clock is at risk when ``at_risk_at <= now <= due_at``. The index is partial (running runs
only, like ``ix_clocks_running_due``) and carries ``due_at`` and ``ticket_id``, so the filter reads the
runs whose at-risk moment has passed (the at-risk ones and the overdue ones, a small share of the open
work) from the index alone and keeps those not yet due.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_console_at_risk"
down_revision = "0004_console"
branch_labels = None
depends_on = "0007_clock_at_risk"

RUNNING = sa.text("status = 'running'")


def upgrade() -> None:
    op.create_index("ix_clocks_running_at_risk", "ticket_clocks", ["at_risk_at", "due_at", "ticket_id"],
                    postgresql_where=RUNNING, sqlite_where=RUNNING)


def downgrade() -> None:
    op.drop_index("ix_clocks_running_at_risk", table_name="ticket_clocks")
