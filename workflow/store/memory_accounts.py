"""Console accounts, API keys and Idempotency-Keys in memory: the twins of `workflow.store.sql.users` and
`workflow.store.sql.apikeys`, kept to the same contract (``tests/store/test_port_accounts.py``).

Each repository works on the unit of work's copy of the tables (`workflow.store.memory`), whose
``users``, ``api_keys`` and ``idempotency`` dicts map ids to frozen records, so a record is replaced,
never changed in place, and discarding the copy is the rollback.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from workflow.store.port import ApiKeyRecord, IdempotencyRecord, UserRecord


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class MemoryUsers:
    """``tables.users`` maps an id to (the record, its password hash)."""

    def __init__(self, tables):
        self.t = tables

    def get(self, user_id: int) -> UserRecord | None:
        found = self.t.users.get(user_id)
        return found[0] if found is not None else None

    def by_name(self, username: str) -> UserRecord | None:
        return next((record for record, _ in self.t.users.values() if record.username == username), None)

    def all(self) -> list[UserRecord]:
        return sorted((record for record, _ in self.t.users.values()), key=lambda r: r.username)

    def add(self, record: UserRecord, password_hash: str) -> int | None:
        if self.by_name(record.username) is not None:
            return None
        user_id = self.t.next_id("users")
        self.t.users[user_id] = (replace(record, id=user_id, created_at=_utc(record.created_at)), password_hash)
        return user_id

    def update(self, record: UserRecord) -> bool:
        found = self.t.users.get(record.id)
        if found is None:
            return False
        stored, password_hash = found
        self.t.users[record.id] = (replace(record, username=stored.username, created_at=stored.created_at,
                                           session_epoch=stored.session_epoch), password_hash)
        return True

    def password_hash(self, user_id: int) -> str | None:
        found = self.t.users.get(user_id)
        return found[1] if found is not None else None

    def set_password_hash(self, user_id: int, password_hash: str) -> bool:
        found = self.t.users.get(user_id)
        if found is None:
            return False
        self.t.users[user_id] = (found[0], password_hash)
        return True

    def end_sessions(self, user_id: int) -> bool:
        found = self.t.users.get(user_id)
        if found is None:
            return False
        self.t.users[user_id] = (replace(found[0], session_epoch=found[0].session_epoch + 1), found[1])
        return True


class MemoryApiKeys:
    def __init__(self, tables):
        self.t = tables

    def add(self, record: ApiKeyRecord) -> int | None:
        if self.by_prefix(record.prefix) is not None:
            return None
        key_id = self.t.next_id("api_keys")
        self.t.api_keys[key_id] = replace(record, id=key_id, created_at=_utc(record.created_at))
        return key_id

    def by_prefix(self, prefix: str) -> ApiKeyRecord | None:
        return next((k for k in self.t.api_keys.values() if k.prefix == prefix), None)

    def active_named(self, name: str) -> int | None:
        return next((k.id for k in self.all() if k.name == name and k.revoked_at is None), None)

    def all(self) -> list[ApiKeyRecord]:
        return [self.t.api_keys[key_id] for key_id in sorted(self.t.api_keys)]

    def touch(self, key_id: int, at: datetime) -> None:
        if key_id in self.t.api_keys:
            self.t.api_keys[key_id] = replace(self.t.api_keys[key_id], last_used_at=_utc(at))

    def revoke(self, key_id: int, at: datetime) -> bool:
        found = self.t.api_keys.get(key_id)
        if found is None or found.revoked_at is not None:
            return False
        self.t.api_keys[key_id] = replace(found, revoked_at=_utc(at))
        return True


class MemoryIdempotency:
    def __init__(self, tables):
        self.t = tables

    def claim(self, api_key_id: int, key: str, request_hash: str, now: datetime, *,
              forget_before: datetime) -> int | None:
        for claim_id, row in list(self.t.idempotency.items()):
            if row.api_key_id == api_key_id and row.created_at < forget_before:
                del self.t.idempotency[claim_id]
        if self.find(api_key_id, key) is not None:
            return None
        claim_id = self.t.next_id("idempotency")
        self.t.idempotency[claim_id] = IdempotencyRecord(id=claim_id, api_key_id=api_key_id, key=key,
                                                         request_hash=request_hash, created_at=_utc(now))
        return claim_id

    def find(self, api_key_id: int, key: str) -> IdempotencyRecord | None:
        return next((r for r in self.t.idempotency.values() if r.api_key_id == api_key_id and r.key == key), None)

    def release(self, claim_id: int) -> None:
        self.t.idempotency.pop(claim_id, None)

    def remember(self, claim_id: int, ticket_id: int, status_code: int, response: str) -> None:
        if claim_id in self.t.idempotency:
            self.t.idempotency[claim_id] = replace(self.t.idempotency[claim_id], ticket_id=ticket_id,
                                                   status_code=status_code, response=response)


__all__ = ["MemoryUsers", "MemoryApiKeys", "MemoryIdempotency"]
