"""Console: indexes for the work queues (open tickets by team, by assignee, oldest first) and deadlines

Revision ID: 0004_console
Revises: 0001_core

The console lists open tickets oldest first, per team (``assignee_role``), per person (``assignee_id``)
or all of them, and filters by running clocks that are overdue or nearly due. Closed tickets are most of
the table after a year or two, so the indexes are partial (``WHERE closed_at IS NULL``) and stay small.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_console"
down_revision = "0001_core"
branch_labels = ("console",)
depends_on = None

OPEN = sa.text("closed_at IS NULL")
RUNNING = sa.text("status = 'running'")


def upgrade() -> None:
    op.create_index("ix_tickets_open_created", "tickets", ["created_at", "id"],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_tickets_open_team", "tickets", ["assignee_role", "created_at", "id"],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_tickets_open_assignee", "tickets", ["assignee_id", "created_at", "id"],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_tickets_open_opd", "tickets", ["opd", "created_at", "id"],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_tickets_open_kategori", "tickets", ["kategori", "created_at", "id"],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    # sector and category are the filters offices combine most; both in one index, read without the heap
    op.create_index("ix_tickets_open_sektor_kategori", "tickets", ["sektor", "kategori", "created_at", "id"],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    # overdue / at-risk filters start from the few running clocks whose due time is in range
    op.create_index("ix_clocks_running_due", "ticket_clocks", ["due_at", "ticket_id"],
                    postgresql_where=RUNNING, sqlite_where=RUNNING)


def downgrade() -> None:
    op.drop_index("ix_clocks_running_due", table_name="ticket_clocks")
    op.drop_index("ix_tickets_open_sektor_kategori", table_name="tickets")
    op.drop_index("ix_tickets_open_kategori", table_name="tickets")
    op.drop_index("ix_tickets_open_opd", table_name="tickets")
    op.drop_index("ix_tickets_open_assignee", table_name="tickets")
    op.drop_index("ix_tickets_open_team", table_name="tickets")
    op.drop_index("ix_tickets_open_created", table_name="tickets")
