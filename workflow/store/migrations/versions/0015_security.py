"""Users: a session epoch, so sign-out, a new password and disabling end sessions on the server

Revision ID: 0015_security
Revises: 0012_on_time_budget

The console's session is a signed cookie: signing out only deleted it in that browser, and a copy of it
(a shared computer, a stolen cookie) stayed valid for its whole lifetime. Each account now carries an
epoch that its sessions record at sign-in (`admin.auth`); sign-out, a new password and disabling move it
on (`workflow.services.users`), and a session whose epoch is not the account's is refused.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_security"
down_revision = "0012_on_time_budget"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_epoch")
