"""Complaint box sessions and the status updates owed to referring bodies (issue 16)

Revision ID: 0024_box_dispositions
Revises: 0015_security

A box session is one opening of the complaint box (the day, who opened it, the forms found when closed);
a disposition update is one status update a referring body (SP4N-LAPOR!, the Ombudsman, the DPRD) expects,
ticked off by an officer. Each (definition, channel, day) has one session; each ticket's obligation is
ticked off once.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_box_dispositions"
down_revision = "0015_security"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "box_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("definition_key", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("opened_by", sa.String(100), nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("closed_by", sa.String(100), nullable=True),
        sa.Column("forms_found", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.UniqueConstraint("definition_key", "channel", "opened_on", name="uq_box_session_day"),
    )
    op.create_table(
        "disposition_updates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False, index=True),
        sa.Column("obligation", sa.String(64), nullable=False),
        sa.Column("done_at", TS, nullable=False),
        sa.Column("done_by", sa.String(100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.UniqueConstraint("ticket_id", "obligation", name="uq_disposition_update"),
    )


def downgrade() -> None:
    op.drop_table("disposition_updates")
    op.drop_table("box_sessions")
