"""Tables of complaints that arrive by themselves (email, WhatsApp): drafts, their messages and files.

Migration ``0023_inbound`` creates them; `workflow.store.port_inbound` says why drafts are rows of their
own and how the unique keys keep a message from being read twice.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.store.models import TS, Base

ID = BigInteger().with_variant(Integer, "sqlite")


class InboundDraftRow(Base):
    __tablename__ = "inbound_drafts"
    __table_args__ = (Index("ix_inbound_drafts_status", "status", "received_at"),
                      Index("ix_inbound_drafts_contact", "channel", "contact"))

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    kanal: Mapped[str | None] = mapped_column(String(64))
    contact: Mapped[str] = mapped_column(String(254))
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    received_at: Mapped[datetime] = mapped_column(TS)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    note: Mapped[str] = mapped_column(Text, default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    receipt_no: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS)
    closed_by: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime | None] = mapped_column(TS)


class InboundMessageRow(Base):
    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_inbound_message_id"),
                      UniqueConstraint("source", "uidvalidity", "uid", name="uq_inbound_message_uid"),
                      Index("ix_inbound_messages_external", "external_id"))

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    source: Mapped[str] = mapped_column(String(300))
    external_id: Mapped[str] = mapped_column(String(300))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(16))
    disposition: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_drafts.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    sender: Mapped[str] = mapped_column(String(254))
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    refused: Mapped[str] = mapped_column(Text, default="[]")  # JSON: files refused, with the reason
    notes: Mapped[str] = mapped_column(Text, default="[]")  # JSON: what parsing gave up
    received_at: Mapped[datetime] = mapped_column(TS)
    created_at: Mapped[datetime] = mapped_column(TS)


class InboundFileRow(Base):
    __tablename__ = "inbound_files"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    stored_path: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(TS)


inbound_drafts = InboundDraftRow.__table__
inbound_messages = InboundMessageRow.__table__
inbound_files = InboundFileRow.__table__

__all__ = ["InboundDraftRow", "InboundMessageRow", "InboundFileRow", "inbound_drafts", "inbound_messages",
           "inbound_files"]
