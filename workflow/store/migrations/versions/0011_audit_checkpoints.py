"""Signed checkpoints of the audit chain, kept append-only like the chain itself

Revision ID: 0011_audit_checkpoints
Revises: 0007_clock_at_risk

A checkpoint is the chain's head (sequence number, hash, time) signed with an Ed25519 key kept outside
the database (`workflow.core.checkpoints`). The rows here are a convenience copy: the evidence that
holds against the database's operators is the copies that left the office (reports, exports).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from workflow.store.db import append_only_statements

revision = "0011_audit_checkpoints"
down_revision = "0007_clock_at_risk"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", _ID, nullable=False),
        sa.Column("seq", _ID, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("key_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_checkpoints_seq", "audit_checkpoints", ["seq"])
    dialect = op.get_bind().dialect.name
    statements = append_only_statements(dialect, ("audit_checkpoints",))
    if dialect == "postgresql":  # the trigger function exists already (0001_core)
        statements = [s for s in statements if "CREATE OR REPLACE FUNCTION" not in s]
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
