"""API keys for integrations (SIPEKA, a LAPOR! bridge, a WhatsApp gateway): create, check, list, revoke.

A key looks like ``alur_<prefix>_<secret>``. The prefix (8 hex characters) finds the row; the whole key
is compared as ``sha256`` in constant time. The secret has 256 bits of entropy, so a fast hash is safe
(see `workflow.store.models_intake`). The key is shown once, at creation.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, insert, select, update

from workflow.core.guards import Actor
from workflow.store import models_intake as mi
from workflow.store.db import read_only
from workflow.store.sql import utc

SCOPES = ("intake", "read", "act")
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per key


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    prefix: str
    scopes: frozenset[str]
    role: str

    def actor(self) -> Actor:
        return Actor(id=f"api:{self.name}", roles=frozenset({self.role}), name=self.name)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(db: Engine, name: str, scopes, role: str = "petugas", *, now: datetime | None = None,
               same_integration: bool = False) -> tuple[int, str]:
    """Store a new key; returns (id, the key in clear — show it once, it cannot be recovered).

    The name is the integration's identity, not a label: the audit trail records ``api:<name>`` as the
    actor, and an integration may attach evidence to the complaints it filed under that name. A second
    active key with the name of another's is therefore refused unless ``same_integration`` says it is
    a new key for the same partner (rotation: create the new key, switch the partner over, revoke the old).
    """
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise ValueError(f"unknown scope(s) {', '.join(unknown) or '(none given)'}; use {', '.join(SCOPES)}")
    if not name.strip():
        raise ValueError("give the integration a name, e.g. 'sipeka' or 'lapor-bot'")
    now = now or datetime.now(timezone.utc)
    with db.begin() as conn:
        active = conn.execute(select(mi.api_keys.c.id).where(mi.api_keys.c.name == name,
                                                             mi.api_keys.c.revoked_at.is_(None))).first()
        if active is not None and not same_integration:
            raise ValueError(f"an active key is already named '{name}' (key {active.id}); the name is the "
                             "integration's identity (it owns the complaints it filed). For another partner choose "
                             "another name; to rotate this partner's key, pass --same-integration")
        while True:
            prefix = secrets.token_hex(4)
            if conn.execute(select(mi.api_keys.c.id).where(mi.api_keys.c.prefix == prefix)).first() is None:
                break
        key = f"alur_{prefix}_{secrets.token_urlsafe(32)}"
        key_id = conn.execute(insert(mi.api_keys).values(
            name=name, prefix=prefix, key_hash=_hash(key), scopes=",".join(scopes), role=role,
            created_at=utc(now)).returning(mi.api_keys.c.id)).scalar_one()
    return key_id, key


def authenticate(db: Engine, presented: str | None, *, now: datetime | None = None) -> ApiKey | None:
    """The active key matching ``presented``, or None (unknown, malformed and revoked look the same)."""
    if not presented or not presented.startswith("alur_") or len(presented) > 200:
        return None
    parts = presented.split("_", 2)
    if len(parts) != 3:
        return None
    with read_only(db) as conn:
        row = conn.execute(select(mi.api_keys).where(mi.api_keys.c.prefix == parts[1][:16])).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.key_hash.encode("ascii"), _hash(presented).encode("ascii")):
        return None
    now = now or datetime.now(timezone.utc)
    last = utc(row.last_used_at)
    if last is None or now - last > TOUCH_EVERY:
        with db.begin() as conn:
            conn.execute(update(mi.api_keys).where(mi.api_keys.c.id == row.id).values(last_used_at=utc(now)))
    return ApiKey(id=row.id, name=row.name, prefix=row.prefix,
                  scopes=frozenset(s for s in row.scopes.split(",") if s), role=row.role)


def list_keys(db: Engine) -> list[dict]:
    with read_only(db) as conn:
        rows = conn.execute(select(mi.api_keys.c.id, mi.api_keys.c.name, mi.api_keys.c.prefix, mi.api_keys.c.scopes,
                                   mi.api_keys.c.role, mi.api_keys.c.created_at, mi.api_keys.c.revoked_at,
                                   mi.api_keys.c.last_used_at).order_by(mi.api_keys.c.id)).mappings().all()
    return [dict(r) for r in rows]


def revoke_key(db: Engine, key_id: int, *, now: datetime | None = None) -> bool:
    """Revoke a key at once; False when there is no such active key."""
    now = now or datetime.now(timezone.utc)
    with db.begin() as conn:
        done = conn.execute(update(mi.api_keys).where(mi.api_keys.c.id == key_id, mi.api_keys.c.revoked_at.is_(None))
                            .values(revoked_at=utc(now)))
    return done.rowcount == 1


__all__ = ["ApiKey", "SCOPES", "create_key", "authenticate", "list_keys", "revoke_key"]
