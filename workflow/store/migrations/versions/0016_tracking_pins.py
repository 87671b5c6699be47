"""Tracking PINs: a short code a complainant reads out over the phone with the receipt number

Revision ID: 0016_tracking_pins
Revises: 0015_security

One row per complaint filed since: the PIN keyed-hashed with the instance's identity salt (never in clear),
and the wrong tries in a row with the time the PIN is locked until (issue 14, item 2).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_tracking_pins"
down_revision = "0015_security"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tracking_pins",
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("pin_hash", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tracking_pins")
