"""Office: the office profile (one row, settings as JSON, the logo) and the agencies it adds

Revision ID: 0013_office
Revises: 0012_on_time_budget

Nothing in code names an office any more: the name, level, address, contacts, time zone and office
hours (with dated hours such as Ramadan's) live in ``office_profile``, and the office extends the shipped
agency catalog with ``office_agencies`` (a camat, a kepala desa, the inspektorat; or contacts for a
shipped agency). An existing installation starts with no profile: ``alur office load FILE.yaml`` or the
console's Profil kantor page fills it in.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_office"
down_revision = "0012_on_time_budget"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "office_profile",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_type", sa.String(40), nullable=True),
        sa.Column("logo_sha256", sa.String(64), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "office_agencies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("label_en", sa.String(300), nullable=False, server_default=""),
        sa.Column("kind", sa.String(32), nullable=False, server_default="opd"),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("webhook_url", sa.String(500), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("office_agencies")
    op.drop_table("office_profile")
