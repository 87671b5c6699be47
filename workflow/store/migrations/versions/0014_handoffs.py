"""Handoffs to several agencies at once: each agency's part on the ticket, and clock runs per agency

Revision ID: 0014_handoffs
Revises: 0012_on_time_budget

A handoff (``handoffs:`` in a definition, `workflow.core.handoffs`) hands one ticket to several agencies
in parallel. Each agency's part (asked, acknowledged, answered, withdrawn) is kept with the ticket, in
``tickets.handoffs`` (JSON, read with the row: no extra statement on a fire), and each part runs its own
acknowledge and answer clocks: rows of ``ticket_clocks`` whose new ``party`` column names the agency.
An agency's inbox asks for its open parts by ``party`` (``ix_clocks_party``: a running or paused run of
an agency's clock is an open part).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_handoffs"
down_revision = "0012_on_time_budget"
branch_labels = None
depends_on = None

PARTY = sa.text("party IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("handoffs", sa.JSON(), nullable=True))
    with op.batch_alter_table("ticket_clocks") as batch:
        batch.add_column(sa.Column("party", sa.String(length=64), nullable=True))
    op.create_index("ix_clocks_party", "ticket_clocks", ["party", "status"], postgresql_where=PARTY,
                    sqlite_where=PARTY)


def downgrade() -> None:
    op.drop_index("ix_clocks_party", table_name="ticket_clocks")
    with op.batch_alter_table("ticket_clocks") as batch:
        batch.drop_column("party")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("handoffs")
