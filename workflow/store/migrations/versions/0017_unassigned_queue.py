"""Console: the "Belum ditugaskan" (unassigned) queue and its tab count read a small partial index

Revision ID: 0017_unassigned_queue
Revises: 0015_security

Every queue page now counts its tabs (issue 14, item 8). The unassigned tab asks for open tickets with no
team, no person and no agency; no index of 0004 narrows that, so on 200,000 tickets (21,741 open) its count
walked every open ticket (170 ms) and found none. A partial index holding exactly those tickets, oldest
first, answers the page and the count from a handful of rows (`benchmarks/bench_tab_counts.py`).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_unassigned_queue"
down_revision = "0015_security"
branch_labels = None
depends_on = None

UNASSIGNED = sa.text("closed_at IS NULL AND assignee_role IS NULL AND assignee_id IS NULL AND opd IS NULL")


def upgrade() -> None:
    op.create_index("ix_tickets_open_unassigned", "tickets", ["created_at", "id"],
                    postgresql_where=UNASSIGNED, sqlite_where=UNASSIGNED)


def downgrade() -> None:
    op.drop_index("ix_tickets_open_unassigned", table_name="tickets")
