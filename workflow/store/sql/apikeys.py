"""Integration API keys and their Idempotency-Keys in SQL (``api_keys``, ``idempotency_keys``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, select, update

from workflow.store import models_intake as mi
from workflow.store.port import ApiKeyRecord, IdempotencyRecord
from workflow.store.sql.records import upsert
from workflow.store.sql.rows import utc

_KEY = mi.api_keys.c
_IDEM = mi.idempotency_keys.c


def _key(row) -> ApiKeyRecord:
    return ApiKeyRecord(name=row.name, prefix=row.prefix, key_hash=row.key_hash,
                        scopes=tuple(s for s in row.scopes.split(",") if s), role=row.role,
                        created_at=utc(row.created_at), revoked_at=utc(row.revoked_at),
                        last_used_at=utc(row.last_used_at), id=row.id)


class SqlApiKeys:
    def __init__(self, conn):
        self.conn = conn

    def add(self, record: ApiKeyRecord) -> int | None:
        stmt = upsert(self.conn)(mi.api_keys).values(
            name=record.name, prefix=record.prefix, key_hash=record.key_hash, scopes=",".join(record.scopes),
            role=record.role, created_at=utc(record.created_at), revoked_at=utc(record.revoked_at),
            last_used_at=utc(record.last_used_at)).on_conflict_do_nothing(index_elements=[_KEY.prefix]) \
            .returning(_KEY.id)
        return self.conn.execute(stmt).scalar()

    def by_prefix(self, prefix: str) -> ApiKeyRecord | None:
        row = self.conn.execute(select(mi.api_keys).where(_KEY.prefix == prefix)).first()
        return _key(row) if row is not None else None

    def active_named(self, name: str) -> int | None:
        return self.conn.execute(select(_KEY.id).where(_KEY.name == name, _KEY.revoked_at.is_(None))
                                 .order_by(_KEY.id).limit(1)).scalar()

    def all(self) -> list[ApiKeyRecord]:
        return [_key(r) for r in self.conn.execute(select(mi.api_keys).order_by(_KEY.id)).all()]

    def touch(self, key_id: int, at: datetime) -> None:
        self.conn.execute(update(mi.api_keys).where(_KEY.id == key_id).values(last_used_at=utc(at)))

    def revoke(self, key_id: int, at: datetime) -> bool:
        done = self.conn.execute(update(mi.api_keys).where(_KEY.id == key_id, _KEY.revoked_at.is_(None))
                                 .values(revoked_at=utc(at)))
        return done.rowcount == 1


class SqlIdempotency:
    def __init__(self, conn):
        self.conn = conn

    def claim(self, api_key_id: int, key: str, request_hash: str, now: datetime, *,
              forget_before: datetime) -> int | None:
        # the client's own expired rows only, through the (api_key_id, key) index: the table holds about
        # one window of requests per client, and an expired key is claimed afresh
        self.conn.execute(delete(mi.idempotency_keys).where(and_(_IDEM.api_key_id == api_key_id,
                                                                 _IDEM.created_at < utc(forget_before))))
        stmt = upsert(self.conn)(mi.idempotency_keys).values(
            api_key_id=api_key_id, key=key, request_hash=request_hash, created_at=utc(now)) \
            .on_conflict_do_nothing(index_elements=[_IDEM.api_key_id, _IDEM.key]).returning(_IDEM.id)
        return self.conn.execute(stmt).scalar()

    def find(self, api_key_id: int, key: str) -> IdempotencyRecord | None:
        row = self.conn.execute(select(mi.idempotency_keys).where(_IDEM.api_key_id == api_key_id,
                                                                  _IDEM.key == key)).first()
        if row is None:
            return None
        return IdempotencyRecord(id=row.id, api_key_id=row.api_key_id, key=row.key, request_hash=row.request_hash,
                                 created_at=utc(row.created_at), ticket_id=row.ticket_id,
                                 status_code=row.status_code, response=row.response)

    def release(self, claim_id: int) -> None:
        self.conn.execute(delete(mi.idempotency_keys).where(_IDEM.id == claim_id))

    def remember(self, claim_id: int, ticket_id: int, status_code: int, response: str) -> None:
        self.conn.execute(update(mi.idempotency_keys).where(_IDEM.id == claim_id).values(
            ticket_id=ticket_id, status_code=status_code, response=response))


__all__ = ["SqlApiKeys", "SqlIdempotency"]
