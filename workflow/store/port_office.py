"""The store port's part for the office itself: its profile (with its logo) and its own agencies.

The profile is one row whose settings travel as plain data (`workflow.core.office.OfficeProfile.to_data`),
so a new setting needs no migration; the logo is kept beside it, bytes and type, limited in size by
the service that stores it (`workflow.services.office`). Agencies are the office's additions to the
shipped agency catalog (``definitions/catalog/opd.yaml``): a camat, a kepala desa, the inspektorat, or
contact details for a shipped agency (a row with the same code amends it).

Both adapters implement these (`workflow.store.sql.office`, `workflow.store.memory_office`) and pass the
same contract suite (``tests/store/test_port_office.py``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Protocol


@dataclass(frozen=True)
class OfficeRecord:
    """The stored profile: its settings as plain data, and who set them when."""

    data: Mapping[str, Any]
    updated_at: datetime
    updated_by: str
    logo_type: str | None = None
    logo_sha256: str | None = None


@dataclass(frozen=True)
class Logo:
    data: bytes
    content_type: str
    sha256: str


@dataclass(frozen=True)
class AgencyRecord:
    """One agency the office added (or a shipped one it amended): a code, names, kind and contacts."""

    code: str
    label: str
    created_by: str
    created_at: datetime
    label_en: str = ""
    kind: str = "opd"
    email: str | None = None
    phone: str | None = None
    webhook_url: str | None = None
    active: bool = True
    updated_at: datetime | None = None


class OfficeRepository(Protocol):
    def get(self) -> OfficeRecord | None:
        """The stored profile; None until an office sets one."""

    def put(self, data: Mapping[str, Any], updated_at: datetime, updated_by: str) -> None:
        """Replace the profile's settings (the logo stays)."""

    def logo(self) -> Logo | None: ...

    def set_logo(self, logo: Logo | None, updated_at: datetime, updated_by: str) -> None:
        """Store the logo (None removes it); creates the profile row if there is none yet."""

    def stamp(self) -> tuple:
        """What identifies the profile and the agencies now: any change of either changes it, so processes
        notice an edit made elsewhere with one cheap query (`workflow.services.office.refresh_office`)."""


class AgencyRepository(Protocol):
    def all(self) -> list[AgencyRecord]:
        """Every agency the office added or amended, active or not, by code."""

    def get(self, code: str) -> AgencyRecord | None: ...

    def put(self, record: AgencyRecord) -> bool:
        """Add the agency, or replace the one with its code (keeping ``created_*``); True when added."""


__all__ = ["OfficeRecord", "Logo", "AgencyRecord", "OfficeRepository", "AgencyRepository"]
