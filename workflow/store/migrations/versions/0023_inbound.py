"""Inbound: drafts opened by email and WhatsApp messages, the messages and their files

Revision ID: 0023_inbound
Revises: 0015_security

A message that arrives by itself opens a draft (``inbound_drafts``) that an officer completes into a
ticket, or joins a draft or ticket it answers. ``inbound_messages`` keeps each message once, by
(source, Message-ID) and (source, UIDVALIDITY, UID), written in the same transaction as what it made, so a
poll that dies half-way neither loses nor doubles a message (`workflow.store.port_inbound`).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_inbound"
down_revision = "0015_security"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbound_drafts",
        sa.Column("id", ID, primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("kanal", sa.String(64), nullable=True),
        sa.Column("contact", sa.String(254), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True),
        sa.Column("receipt_no", sa.String(24), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("closed_by", sa.String(100), nullable=True),
        sa.Column("closed_at", TS, nullable=True),
    )
    op.create_index("ix_inbound_drafts_status", "inbound_drafts", ["status", "received_at"])
    op.create_index("ix_inbound_drafts_contact", "inbound_drafts", ["channel", "contact"])
    op.create_index("ix_inbound_drafts_ticket_id", "inbound_drafts", ["ticket_id"])
    op.create_table(
        "inbound_messages",
        sa.Column("id", ID, primary_key=True),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("external_id", sa.String(300), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("uid", sa.BigInteger(), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("disposition", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("draft_id", ID, sa.ForeignKey("inbound_drafts.id", ondelete="CASCADE"), nullable=True),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True),
        sa.Column("sender", sa.String(254), nullable=False),
        sa.Column("sender_name", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("refused", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("source", "external_id", name="uq_inbound_message_id"),
        sa.UniqueConstraint("source", "uidvalidity", "uid", name="uq_inbound_message_uid"),
    )
    op.create_index("ix_inbound_messages_external", "inbound_messages", ["external_id"])
    op.create_index("ix_inbound_messages_draft_id", "inbound_messages", ["draft_id"])
    op.create_index("ix_inbound_messages_ticket_id", "inbound_messages", ["ticket_id"])
    op.create_table(
        "inbound_files",
        sa.Column("id", ID, primary_key=True),
        sa.Column("message_id", ID, sa.ForeignKey("inbound_messages.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("stored_path", sa.String(500), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_inbound_files_message_id", "inbound_files", ["message_id"])


def downgrade() -> None:
    op.drop_table("inbound_files")
    op.drop_table("inbound_messages")
    op.drop_table("inbound_drafts")
