"""Tables of notification delivery: one row per concrete message, and the in-app inbox.

An ``outbox`` row (written in the fire's transaction) names a template and a recipient *spec*
(``pemohon``, ``role:tim``, ...). Expanding it writes one ``deliveries`` row per concrete address and
channel; UNIQUE(outbox_id, channel, recipient) makes a repeated expansion (a retried job, a sweep racing a
job) insert nothing new. A delivery is rendered once, so every attempt sends the same text under the same
idempotency key (its id). In-app messages are ``inbox`` rows, inserted in the same transaction that marks
their delivery sent, so they exist exactly once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.store.models import TS, Base

ID = BigInteger().with_variant(Integer, "sqlite")


class DeliveryRow(Base):
    """One message to one address over one channel, and its delivery log (attempts, last error)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("outbox_id", "channel", "recipient", name="uq_delivery_target"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ID, index=True)
    template: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook | inapp | none (skipped)
    recipient: Mapped[str] = mapped_column(String(254))  # address, phone, or user id (inapp)
    user_id: Mapped[int | None] = mapped_column(Integer)  # staff recipient, when there is one
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    locale: Mapped[str] = mapped_column(String(8), default="id")
    status: Mapped[str] = mapped_column(String(16))  # queued | sent | failed | skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(TS)
    locked_until: Mapped[datetime | None] = mapped_column(TS)  # lease of the worker sending it now
    provider_ref: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(TS)
    sent_at: Mapped[datetime | None] = mapped_column(TS)


class InboxRow(Base):
    """An in-app message for one staff user."""

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_user", "user_id", "read_at", "created_at"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    ticket_id: Mapped[int | None] = mapped_column(ID)
    delivery_id: Mapped[int | None] = mapped_column(ID, unique=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS)
    read_at: Mapped[datetime | None] = mapped_column(TS)


deliveries = DeliveryRow.__table__
inbox = InboxRow.__table__

__all__ = ["DeliveryRow", "InboxRow", "deliveries", "inbox"]
