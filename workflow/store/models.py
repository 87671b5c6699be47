"""Database tables (SQLAlchemy 2 declarative). Schema changes go through Alembic migrations.

The hot path (fire) writes through SQLAlchemy Core against these tables' ``__table__``; the console
reads them through the ORM. ``audit_log`` and ``definitions`` are append-only in the database itself
(triggers installed by the migration), not just by convention.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


TS = DateTime(timezone=True)


class DefinitionRow(Base):
    """A published, immutable definition version (its YAML text is the source of truth)."""

    __tablename__ = "definitions"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_definitions_key_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(Text)
    source_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(TS)
    published_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")


class TicketRow(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_state", "definition_key", "state"),
        Index("ix_tickets_opd_state", "opd", "state"),
        Index("ix_tickets_assignee", "assignee_role", "state"),
        Index("ix_tickets_created", "created_at"),
        Index("ix_tickets_registration", "no_registrasi", "kategori"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(24), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), index=True)
    definition_key: Mapped[str] = mapped_column(String(100))
    definition_version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic lock, +1 per fire
    kanal: Mapped[str | None] = mapped_column(String(64))
    tingkat: Mapped[str | None] = mapped_column(String(32))
    kategori: Mapped[str | None] = mapped_column(String(64), index=True)
    sektor: Mapped[str | None] = mapped_column(String(64), index=True)
    jenis_izin: Mapped[str | None] = mapped_column(String(100))
    kerahasiaan: Mapped[str] = mapped_column(String(16), default="biasa")
    perihal: Mapped[str | None] = mapped_column(String(300))
    no_registrasi: Mapped[str | None] = mapped_column(String(100))
    opd: Mapped[str | None] = mapped_column(String(64))
    assignee_role: Mapped[str | None] = mapped_column(String(64))
    assignee_id: Mapped[str | None] = mapped_column(String(100))
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    entered: Mapped[dict] = mapped_column(JSON, default=dict)
    flags: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS)
    closed_at: Mapped[datetime | None] = mapped_column(TS)
    outcome: Mapped[str | None] = mapped_column(String(32))
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    # each agency's part of a handoff (workflow.core.handoffs), kept with the row (migration 0014_handoffs)
    handoffs: Mapped[list | None] = mapped_column(JSON)


class IdentityRow(Base):
    """Complainant identity, kept apart so every read of it can be controlled and logged."""

    __tablename__ = "ticket_identities"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class ClockRow(Base):
    __tablename__ = "ticket_clocks"
    __table_args__ = (
        UniqueConstraint("ticket_id", "clock", "run", name="uq_clock_run"),
        Index("ix_clocks_due_rung", "next_rung_at"),
        Index("ix_clocks_party", "party", "status", sqlite_where=text("party IS NOT NULL"),
              postgresql_where=text("party IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    clock: Mapped[str] = mapped_column(String(64))
    run: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16))
    budget: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(TS)
    resumed_at: Mapped[datetime | None] = mapped_column(TS)
    due_at: Mapped[datetime | None] = mapped_column(TS)
    consumed: Mapped[float] = mapped_column(Float, default=0.0)
    paused_at: Mapped[datetime | None] = mapped_column(TS)
    paused_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    stopped_at: Mapped[datetime | None] = mapped_column(TS)
    next_rung: Mapped[int | None] = mapped_column(Integer)
    next_rung_at: Mapped[datetime | None] = mapped_column(TS)
    calendar: Mapped[str] = mapped_column(String(64), default="")
    # When the running segment reaches workflow.clocks.AT_RISK_PERCENT of the budget (None unless running);
    # stored so "at risk" is an indexed range test (migrations 0007_clock_at_risk, 0008_console_at_risk).
    at_risk_at: Mapped[datetime | None] = mapped_column(TS)
    party: Mapped[str | None] = mapped_column(String(64))  # the agency a handoff's run counts for (0014_handoffs)


class EscalationRow(Base):
    """A fired ladder rung; the unique constraint makes each rung fire once per clock run."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("clock_run_id", "rung", name="uq_escalation_rung"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    clock_run_id: Mapped[int] = mapped_column(ForeignKey("ticket_clocks.id", ondelete="CASCADE"))
    rung: Mapped[int] = mapped_column(Integer)
    target_role: Mapped[str | None] = mapped_column(String(64))
    fired_at: Mapped[datetime] = mapped_column(TS)


class OutboxRow(Base):
    """A notification written in the same transaction as the move that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    template: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(TS)


class AuditRow(Base):
    """The hash-chained, append-only audit trail."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_ticket", "ticket_id", "seq"),
        Index("ix_audit_at", "at"),
        Index("ix_audit_actor", "actor_id"),
    )

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(TS)
    actor_id: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(64), default="")
    ticket_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    receipt_no: Mapped[str | None] = mapped_column(String(24), index=True)
    trigger: Mapped[str | None] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(64))
    to_state: Mapped[str | None] = mapped_column(String(64))
    inputs: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON text, hashed as written
    definition_key: Mapped[str | None] = mapped_column(String(100))
    definition_version: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the last sequence number and hash. Locked by each writer to extend the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    hash: Mapped[str] = mapped_column(String(64))


class ReceiptCounter(Base):
    __tablename__ = "receipt_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    roles: Mapped[str] = mapped_column(String(300))  # comma-separated role keys
    supervisor_level: Mapped[int | None] = mapped_column(Integer)
    opd: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8), default="id")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(TS)
    # sessions carry the epoch they signed in under; moving it on ends them all (migration 0015_security)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ClosureRow(Base):
    """Closure days the office adds, and listed holidays it removes (decrees change mid-year)."""

    __tablename__ = "calendar_closures"
    __table_args__ = (UniqueConstraint("day", name="uq_closure_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8))  # add | remove
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(TS)


class AuditCheckpointRow(Base):
    """A signed head of the audit chain (`workflow.core.checkpoints`); append-only in the database."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (Index("ix_audit_checkpoints_seq", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC, exactly the signed text
    signature: Mapped[str] = mapped_column(String(128))
    key_fingerprint: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(String(64))


metadata = Base.metadata
tickets = TicketRow.__table__
identities = IdentityRow.__table__
clocks = ClockRow.__table__
escalations = EscalationRow.__table__
outbox = OutboxRow.__table__
audit_log = AuditRow.__table__
audit_head = AuditHead.__table__
receipt_counters = ReceiptCounter.__table__
definitions = DefinitionRow.__table__
users = UserRow.__table__
closures = ClosureRow.__table__
audit_checkpoints = AuditCheckpointRow.__table__

APPEND_ONLY_TABLES = ("audit_log", "definitions", "audit_checkpoints")
