"""The office profile and the office's agencies in memory: the twins of `workflow.store.sql.office`, kept to
the same contract (``tests/store/test_port_office.py``).

They work on the unit of work's copy of the tables (`workflow.store.memory`): ``office`` is a dict with the
profile under ``"profile"`` (an `OfficeRecord`) and the logo under ``"logo"``; ``agencies`` maps a code to
its frozen record. Records are replaced, never changed in place, so discarding the copy is the rollback.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Mapping

from workflow.store.port_office import AgencyRecord, Logo, OfficeRecord


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class MemoryOffice:
    def __init__(self, tables):
        self.t = tables

    def get(self) -> OfficeRecord | None:
        return self.t.office.get("profile")

    def _touch(self, updated_at: datetime, updated_by: str, **changes: Any) -> None:
        found = self.t.office.get("profile") or OfficeRecord(data={}, updated_at=updated_at, updated_by=updated_by)
        self.t.office["profile"] = replace(found, updated_at=_utc(updated_at), updated_by=updated_by, **changes)

    def put(self, data: Mapping[str, Any], updated_at: datetime, updated_by: str) -> None:
        self._touch(updated_at, updated_by, data=dict(data))

    def logo(self) -> Logo | None:
        return self.t.office.get("logo")

    def set_logo(self, logo: Logo | None, updated_at: datetime, updated_by: str) -> None:
        self.t.office["logo"] = logo
        self._touch(updated_at, updated_by, logo_type=logo.content_type if logo else None,
                    logo_sha256=logo.sha256 if logo else None)

    def stamp(self) -> tuple:
        profile = self.t.office.get("profile")
        times = [r.updated_at for r in self.t.agencies.values()]
        return ((profile.updated_at, profile.logo_sha256) if profile else None,
                (len(self.t.agencies), max(times) if times else None))


class MemoryAgencies:
    def __init__(self, tables):
        self.t = tables

    def all(self) -> list[AgencyRecord]:
        return [self.t.agencies[code] for code in sorted(self.t.agencies)]

    def get(self, code: str) -> AgencyRecord | None:
        return self.t.agencies.get(code)

    def put(self, record: AgencyRecord) -> bool:
        found = self.t.agencies.get(record.code)
        stamped = replace(record, created_at=_utc(record.created_at),
                          updated_at=_utc(record.updated_at or record.created_at))
        if found is not None:
            stamped = replace(stamped, created_by=found.created_by, created_at=found.created_at)
        self.t.agencies[record.code] = stamped
        return found is None


__all__ = ["MemoryOffice", "MemoryAgencies"]
