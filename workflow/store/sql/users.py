"""Console accounts in SQL (the ``users`` table): roles are stored comma-separated, the password as argon2."""
from __future__ import annotations

from sqlalchemy import select, update

from workflow.store import models as m
from workflow.store.port import UserRecord
from workflow.store.sql.records import upsert
from workflow.store.sql.rows import utc

_PROFILE = (m.users.c.id, m.users.c.username, m.users.c.display_name, m.users.c.roles, m.users.c.supervisor_level,
            m.users.c.opd, m.users.c.email, m.users.c.phone, m.users.c.locale, m.users.c.active, m.users.c.created_at,
            m.users.c.session_epoch)


def _record(row) -> UserRecord:
    return UserRecord(username=row.username, display_name=row.display_name,
                      roles=tuple(r for r in (row.roles or "").split(",") if r), supervisor_level=row.supervisor_level,
                      opd=row.opd, email=row.email, phone=row.phone, locale=row.locale or "id",
                      active=bool(row.active), created_at=utc(row.created_at), id=row.id,
                      session_epoch=row.session_epoch or 0)


def _profile(record: UserRecord) -> dict:
    return {"display_name": record.display_name, "roles": ",".join(record.roles),
            "supervisor_level": record.supervisor_level, "opd": record.opd, "email": record.email,
            "phone": record.phone, "locale": record.locale, "active": record.active}


class SqlUsers:
    def __init__(self, conn):
        self.conn = conn

    def _one(self, condition) -> UserRecord | None:
        row = self.conn.execute(select(*_PROFILE).where(condition)).first()
        return _record(row) if row is not None else None

    def get(self, user_id: int) -> UserRecord | None:
        return self._one(m.users.c.id == user_id)

    def by_name(self, username: str) -> UserRecord | None:
        return self._one(m.users.c.username == username)

    def all(self) -> list[UserRecord]:
        return [_record(r) for r in self.conn.execute(select(*_PROFILE).order_by(m.users.c.username)).all()]

    def add(self, record: UserRecord, password_hash: str) -> int | None:
        # ON CONFLICT DO NOTHING: a username taken by a concurrent insert is an answer, not an error
        stmt = upsert(self.conn)(m.users).values(
            username=record.username, password_hash=password_hash, created_at=utc(record.created_at),
            **_profile(record)).on_conflict_do_nothing(index_elements=[m.users.c.username]).returning(m.users.c.id)
        return self.conn.execute(stmt).scalar()

    def update(self, record: UserRecord) -> bool:
        done = self.conn.execute(update(m.users).where(m.users.c.id == record.id).values(**_profile(record)))
        return done.rowcount == 1

    def password_hash(self, user_id: int) -> str | None:
        return self.conn.execute(select(m.users.c.password_hash).where(m.users.c.id == user_id)).scalar()

    def set_password_hash(self, user_id: int, password_hash: str) -> bool:
        done = self.conn.execute(update(m.users).where(m.users.c.id == user_id).values(password_hash=password_hash))
        return done.rowcount == 1

    def end_sessions(self, user_id: int) -> bool:
        done = self.conn.execute(update(m.users).where(m.users.c.id == user_id)
                                 .values(session_epoch=m.users.c.session_epoch + 1))
        return done.rowcount == 1


__all__ = ["SqlUsers"]
