"""Console: indexes for the supervisor dashboard (open work by stage, running clocks, on-time, escalations)

Revision ID: 0010_console_dashboard
Revises: 0009_search_trigram

The dashboard counts open tickets per stage, running clock runs per clock (with the overdue and at-risk
ones), clock runs stopped this month and quarter, and escalations whose ticket is still open and flagged
(`admin.console.supervisor`). Each count gets a partial index holding exactly the rows it reads and the
columns it needs, so PostgreSQL answers from the index alone (an index-only scan, once autovacuum has
marked the pages all-visible) and the cost follows the open work and one quarter's history, not the
size of the tables:

* ``ix_tickets_open_state``: open tickets by (definition, version, state); also the definitions
  editor's "open tickets per state" of one definition;
* ``ix_clocks_running_clock``: running runs by clock, with ``due_at``, ``at_risk_at`` and ``status``
  for the overdue and at-risk tests (`admin.console.common.deadline_clause`);
* ``ix_clocks_stopped_at``: stopped runs by stop time, with clock and due time (on-time rates);
* ``ix_tickets_open_flagged``: the ids of open tickets that carry a flag, where escalations wait.

Index-only scans skip the table only for pages the visibility map marks all-visible, and only VACUUM
sets those marks. With PostgreSQL's default (vacuum a table once a fifth of its rows are dead) a
million-ticket office vacuums ``tickets`` every 200,000 updates, weeks apart, while every move of an
open ticket clears the mark of its page: the open tickets are then read from the table after all
(measured on 1,000,000 tickets, 109,000 open: 60-80 ms for the dashboard with the marks set, 430-490 ms
with every open ticket and running clock changed since the last vacuum). So on PostgreSQL this also
asks autovacuum to visit ``tickets`` and ``ticket_clocks`` after 1 % of their rows changed or were
added (about a day of work for such an office); a vacuum reads only the pages changed since the last.
A DBA's own per-table settings for these two parameters are replaced (downgrade resets them).

Trade-off: each fire that changes a clock row also updates the clock indexes whose predicate the row
meets (two at most of the three running/stopped ones), and an escalation or a close updates the
flagged-ticket index; the indexes are small because they are partial. Built with plain CREATE INDEX as
the other migrations are (writes to the table wait while it builds: seconds on a million tickets).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_console_dashboard"
down_revision = "0009_search_trigram"
branch_labels = None
depends_on = None

OPEN = sa.text("closed_at IS NULL")
RUNNING = sa.text("status = 'running'")
STOPPED = sa.text("status = 'stopped'")
# the very test `admin.console.supervisor.escalations_waiting` makes, so PostgreSQL can prove the index applies
OPEN_FLAGGED = sa.text("closed_at IS NULL AND flags IS NOT NULL AND CAST(flags AS TEXT) != '[]'")
# visit these tables after 1 % of their rows changed (or were added) instead of PostgreSQL's 20 %
AUTOVACUUM = ("autovacuum_vacuum_scale_factor", "autovacuum_vacuum_insert_scale_factor")
VACUUMED = ("tickets", "ticket_clocks")


def upgrade() -> None:
    op.create_index("ix_tickets_open_state", "tickets", ["definition_key", "definition_version", "state"],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_tickets_open_flagged", "tickets", ["id"],
                    postgresql_where=OPEN_FLAGGED, sqlite_where=OPEN_FLAGGED)
    # status is carried (INCLUDE) because the deadline test names it: without it in the index, PostgreSQL
    # reads every running row from the table instead of answering from the index
    op.create_index("ix_clocks_running_clock", "ticket_clocks", ["clock", "due_at", "at_risk_at"],
                    postgresql_where=RUNNING, postgresql_include=["status"], sqlite_where=RUNNING)
    op.create_index("ix_clocks_stopped_at", "ticket_clocks", ["stopped_at", "clock", "due_at"],
                    postgresql_where=STOPPED, sqlite_where=STOPPED)
    if op.get_bind().dialect.name == "postgresql":
        for table in VACUUMED:
            op.execute(f"ALTER TABLE {table} SET ({', '.join(f'{name} = 0.01' for name in AUTOVACUUM)})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in VACUUMED:
            op.execute(f"ALTER TABLE {table} RESET ({', '.join(AUTOVACUUM)})")
    op.drop_index("ix_clocks_stopped_at", table_name="ticket_clocks")
    op.drop_index("ix_clocks_running_clock", table_name="ticket_clocks")
    op.drop_index("ix_tickets_open_flagged", table_name="tickets")
    op.drop_index("ix_tickets_open_state", table_name="tickets")
