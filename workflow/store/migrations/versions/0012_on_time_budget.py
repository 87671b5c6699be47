"""Console: the stopped-runs index carries net time and budget, for the one on-time rule

Revision ID: 0012_on_time_budget
Revises: 0010_console_dashboard

The supervisor dashboard's on-time rates now count by the rule the quarterly report counts by
(`workflow.store.rules.on_time`): a run is on time when it stopped by its due time *or* its net time
stayed within its budget (a run stopped while paused keeps the due time computed before the pause).
The second test reads ``consumed`` and ``budget``; ``ix_clocks_stopped_at`` (migration 0010) did not
hold them, so PostgreSQL would have read every stopped run of the quarter from the table instead of
answering from the index. The index is rebuilt under the same name and predicate (``status =
'stopped'``, the words the dashboard's query uses) with the two columns carried along: INCLUDE on
PostgreSQL, trailing key columns on SQLite (which has no INCLUDE and needs the columns to cover).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_on_time_budget"
down_revision = "0010_console_dashboard"
branch_labels = None
depends_on = None

STOPPED = sa.text("status = 'stopped'")
KEYS = ["stopped_at", "clock", "due_at"]
RULE = ["consumed", "budget"]


def _create(with_rule: bool) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    columns = KEYS + (RULE if with_rule and not postgresql else [])
    op.create_index("ix_clocks_stopped_at", "ticket_clocks", columns, postgresql_where=STOPPED,
                    sqlite_where=STOPPED, postgresql_include=RULE if with_rule else [])


def upgrade() -> None:
    op.drop_index("ix_clocks_stopped_at", table_name="ticket_clocks")
    _create(with_rule=True)


def downgrade() -> None:
    op.drop_index("ix_clocks_stopped_at", table_name="ticket_clocks")
    _create(with_rule=False)
