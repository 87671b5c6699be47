"""Tables of the reports part: root causes, the complaints linked to them, and action plans.

A supervisor names a root cause once (``root_causes``), links the period's complaints to it
(``ticket_root_causes``, one row per pair) and writes action plans against it for a period
(``action_plans``). The quarterly report reads them back, and checks last period's plans by counting
this period's complaints linked to the same root cause.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.store.models import TS, Base

_ID = BigInteger().with_variant(Integer, "sqlite")


class RootCauseRow(Base):
    __tablename__ = "root_causes"

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(TS)


class TicketRootCauseRow(Base):
    __tablename__ = "ticket_root_causes"
    __table_args__ = (
        UniqueConstraint("ticket_id", "root_cause_id", name="uq_ticket_root_cause"),
        Index("ix_ticket_root_causes_cause", "root_cause_id", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    root_cause_id: Mapped[int] = mapped_column(ForeignKey("root_causes.id", ondelete="CASCADE"))
    linked_by: Mapped[str] = mapped_column(String(100))
    linked_at: Mapped[datetime] = mapped_column(TS)


class ActionPlanRow(Base):
    __tablename__ = "action_plans"
    __table_args__ = (Index("ix_action_plans_period", "period", "root_cause_id"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    root_cause_id: Mapped[int] = mapped_column(ForeignKey("root_causes.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(32))  # a period key, e.g. "2021-Q1" (workflow.core.period)
    title: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="direncanakan")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(TS)


root_causes = RootCauseRow.__table__
ticket_root_causes = TicketRootCauseRow.__table__
action_plans = ActionPlanRow.__table__

__all__ = ["root_causes", "ticket_root_causes", "action_plans", "RootCauseRow", "TicketRootCauseRow",
           "ActionPlanRow"]
