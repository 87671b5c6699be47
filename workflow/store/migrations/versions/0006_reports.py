"""Reports: root causes, their links to complaints, and action plans

Revision ID: 0006_reports
Revises: 0001_core
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_reports"
down_revision = "0001_core"
branch_labels = ("reports",)
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "root_causes",
        sa.Column("id", _ID, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "ticket_root_causes",
        sa.Column("id", _ID, nullable=False),
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("root_cause_id", _ID, nullable=False),
        sa.Column("linked_by", sa.String(length=100), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["root_cause_id"], ["root_causes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "root_cause_id", name="uq_ticket_root_cause"),
    )
    op.create_index("ix_ticket_root_causes_cause", "ticket_root_causes", ["root_cause_id", "ticket_id"])
    op.create_table(
        "action_plans",
        sa.Column("id", _ID, nullable=False),
        sa.Column("root_cause_id", _ID, nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["root_cause_id"], ["root_causes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_action_plans_period", "action_plans", ["period", "root_cause_id"])


def downgrade() -> None:
    op.drop_index("ix_action_plans_period", table_name="action_plans")
    op.drop_table("action_plans")
    op.drop_index("ix_ticket_root_causes_cause", table_name="ticket_root_causes")
    op.drop_table("ticket_root_causes")
    op.drop_table("root_causes")
