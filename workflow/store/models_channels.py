"""Tables of complaint box sessions and of the status updates owed to referring bodies.

Migration ``0024_box_dispositions`` creates them.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.store.models import TS, Base


class BoxSessionRow(Base):
    """One opening of the complaint box (`workflow.core.box`)."""

    __tablename__ = "box_sessions"
    __table_args__ = (UniqueConstraint("definition_key", "channel", "opened_on", name="uq_box_session_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_key: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(64))
    opened_on: Mapped[date] = mapped_column(Date)
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(TS)
    closed_at: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    forms_found: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class DispositionUpdateRow(Base):
    """A status update owed to a referring body, ticked off (`workflow.core.dispositions`)."""

    __tablename__ = "disposition_updates"
    __table_args__ = (UniqueConstraint("ticket_id", "obligation", name="uq_disposition_update"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger, index=True)
    obligation: Mapped[str] = mapped_column(String(64))
    done_at: Mapped[datetime] = mapped_column(TS)
    done_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")


box_sessions = BoxSessionRow.__table__
disposition_updates = DispositionUpdateRow.__table__

__all__ = ["BoxSessionRow", "DispositionUpdateRow", "box_sessions", "disposition_updates"]
