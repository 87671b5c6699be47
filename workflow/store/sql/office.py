"""The office profile and the office's agencies in SQL (``office_profile``, ``office_agencies``)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import func, insert, select, update

from workflow.store.models_office import office_agencies as a
from workflow.store.models_office import office_profile as p
from workflow.store.port_office import AgencyRecord, Logo, OfficeRecord
from workflow.store.sql.rows import utc

_ROW = 1  # the profile is one row
_AGENCY = (a.c.code, a.c.label, a.c.label_en, a.c.kind, a.c.email, a.c.phone, a.c.webhook_url, a.c.active,
           a.c.created_by, a.c.created_at, a.c.updated_at)


def _agency(row) -> AgencyRecord:
    return AgencyRecord(code=row.code, label=row.label, label_en=row.label_en or "", kind=row.kind or "opd",
                        email=row.email, phone=row.phone, webhook_url=row.webhook_url, active=bool(row.active),
                        created_by=row.created_by, created_at=utc(row.created_at), updated_at=utc(row.updated_at))


class SqlOffice:
    def __init__(self, conn):
        self.conn = conn

    def get(self) -> OfficeRecord | None:
        row = self.conn.execute(select(p.c.data, p.c.updated_at, p.c.updated_by, p.c.logo_type, p.c.logo_sha256)
                                .where(p.c.id == _ROW)).first()
        if row is None:
            return None
        return OfficeRecord(data=json.loads(row.data or "{}"), updated_at=utc(row.updated_at),
                            updated_by=row.updated_by, logo_type=row.logo_type, logo_sha256=row.logo_sha256)

    def _ensure(self, updated_at: datetime, updated_by: str, **values: Any) -> None:
        done = self.conn.execute(update(p).where(p.c.id == _ROW).values(
            updated_at=utc(updated_at), updated_by=updated_by, **values))
        if done.rowcount == 0:
            self.conn.execute(insert(p).values(id=_ROW, data=values.pop("data", "{}"), updated_at=utc(updated_at),
                                               updated_by=updated_by, **values))

    def put(self, data: Mapping[str, Any], updated_at: datetime, updated_by: str) -> None:
        self._ensure(updated_at, updated_by, data=json.dumps(dict(data), ensure_ascii=False, sort_keys=True))

    def logo(self) -> Logo | None:
        row = self.conn.execute(select(p.c.logo, p.c.logo_type, p.c.logo_sha256).where(p.c.id == _ROW)).first()
        if row is None or row.logo is None:
            return None
        return Logo(bytes(row.logo), row.logo_type, row.logo_sha256)

    def set_logo(self, logo: Logo | None, updated_at: datetime, updated_by: str) -> None:
        self._ensure(updated_at, updated_by, logo=logo.data if logo else None,
                     logo_type=logo.content_type if logo else None, logo_sha256=logo.sha256 if logo else None)

    def stamp(self) -> tuple:
        profile = self.conn.execute(select(p.c.updated_at, p.c.logo_sha256).where(p.c.id == _ROW)).first()
        agencies = self.conn.execute(select(func.count(), func.max(a.c.updated_at))).one()
        return (tuple(profile) if profile is not None else None, tuple(agencies))


class SqlAgencies:
    def __init__(self, conn):
        self.conn = conn

    def all(self) -> list[AgencyRecord]:
        return [_agency(r) for r in self.conn.execute(select(*_AGENCY).order_by(a.c.code)).all()]

    def get(self, code: str) -> AgencyRecord | None:
        row = self.conn.execute(select(*_AGENCY).where(a.c.code == code)).first()
        return _agency(row) if row is not None else None

    def put(self, record: AgencyRecord) -> bool:
        values = {"label": record.label, "label_en": record.label_en, "kind": record.kind, "email": record.email,
                  "phone": record.phone, "webhook_url": record.webhook_url, "active": record.active,
                  "updated_at": utc(record.updated_at or record.created_at)}
        if self.conn.execute(update(a).where(a.c.code == record.code).values(**values)).rowcount:
            return False
        self.conn.execute(insert(a).values(code=record.code, created_by=record.created_by,
                                           created_at=utc(record.created_at), **values))
        return True


__all__ = ["SqlOffice", "SqlAgencies"]
