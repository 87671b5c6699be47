"""Tables of the public intake and the integration API: API keys, idempotency keys, attachments, links.

API keys are stored as ``sha256(secret)``: the secret is 32 random bytes (256 bits) from `secrets`, so
a slow password hash (argon2) would add nothing — nobody can brute-force a 256-bit preimage, and a fast
hash keeps every API request cheap. Only the prefix (to find the row) is kept in clear.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.store.models import TS, Base

ID = BigInteger().with_variant(Integer, "sqlite")


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(100))  # comma-separated: intake, read, act
    role: Mapped[str] = mapped_column(String(64), default="petugas")  # the role the integration acts as
    created_at: Mapped[datetime] = mapped_column(TS)
    revoked_at: Mapped[datetime | None] = mapped_column(TS)
    last_used_at: Mapped[datetime | None] = mapped_column(TS)


class IdempotencyKeyRow(Base):
    """One Idempotency-Key per API key: the first request claims it, retries get its stored answer."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("api_key_id", "key", name="uq_idempotency_key"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[str | None] = mapped_column(Text)  # JSON, without the tracking token
    created_at: Mapped[datetime] = mapped_column(TS)


class AttachmentRow(Base):
    """Evidence (bukti awal) uploaded with a complaint; the file lives under the instance folder by hash."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_sha256", "sha256"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    stored_path: Mapped[str] = mapped_column(String(500))  # relative to the instance folder
    created_at: Mapped[datetime] = mapped_column(TS)


class TicketLinkRow(Base):
    """A petugas' decision that two complaints belong together (linked, or merged into a parent)."""

    __tablename__ = "ticket_links"
    __table_args__ = (UniqueConstraint("ticket_id", "other_id", "kind", name="uq_ticket_link"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # terkait | digabung
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(TS)


class TrackingPinRow(Base):
    """A complaint's tracking PIN, keyed-hashed (`workflow.core.receipts.hash_pin`), and its wrong tries: after a
    few in a row it locks until ``locked_until`` (`workflow.services.tracking`)."""

    __tablename__ = "tracking_pins"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    pin_hash: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(TS)
    created_at: Mapped[datetime] = mapped_column(TS)


api_keys = ApiKeyRow.__table__
idempotency_keys = IdempotencyKeyRow.__table__
attachments = AttachmentRow.__table__
ticket_links = TicketLinkRow.__table__
tracking_pins = TrackingPinRow.__table__

__all__ = ["ApiKeyRow", "IdempotencyKeyRow", "AttachmentRow", "TicketLinkRow", "TrackingPinRow", "api_keys",
           "idempotency_keys", "attachments", "ticket_links", "tracking_pins"]
