"""Tables of the office itself: its profile (one row) and the agencies it adds to the shipped catalog.

Migration ``0013_office`` creates them.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workflow.store.models import TS, Base


class OfficeProfileRow(Base):
    """The office profile: settings as JSON text (`workflow.core.office`), the logo beside them."""

    __tablename__ = "office_profile"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    data: Mapped[str] = mapped_column(Text, default="{}")
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_type: Mapped[str | None] = mapped_column(String(40))
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(TS)
    updated_by: Mapped[str] = mapped_column(String(100))


class OfficeAgencyRow(Base):
    """An agency the office added to its catalog, or a shipped one it amended (same code)."""

    __tablename__ = "office_agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(32), default="opd")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS)


office_profile = OfficeProfileRow.__table__
office_agencies = OfficeAgencyRow.__table__

__all__ = ["OfficeProfileRow", "OfficeAgencyRow", "office_profile", "office_agencies"]
