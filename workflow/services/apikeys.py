"""API keys for integrations (SIPEKA, a LAPOR! bridge, a WhatsApp gateway): create, check, list, revoke.

A key looks like ``alur_<prefix>_<secret>``. The prefix (8 hex characters) finds the row; the whole key
is compared as ``sha256`` in constant time. The secret has 256 bits of entropy, so a fast hash is safe
(see `workflow.store.models_intake`). The key is shown once, at creation.

The key's name is the integration's identity: the audit trail records ``api:<name>`` as the actor, and
an integration may attach evidence to the complaints it filed under that name.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable

from workflow.core.guards import Actor
from workflow.errors import AuthError
from workflow.store.port import ApiKeyRecord, Store

SCOPES = ("intake", "read", "act")
# A key acting as the complainant could withdraw or confirm any complaint without its tracking token; as
# the system it could fire what only timers and the sweep may.
NEVER_ROLES = frozenset({"pemohon", "system"})
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per key


@dataclass(frozen=True)
class ApiKey:
    """An authenticated key, as the API's views see it (never its hash)."""

    id: int
    name: str
    prefix: str
    scopes: frozenset[str]
    role: str

    def actor(self) -> Actor:
        return Actor(id=f"api:{self.name}", roles=frozenset({self.role}), name=self.name)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def integration_roles(engine) -> tuple[str, ...]:
    """The roles a key may act as: every role a published definition version gives a transition to, but
    never `NEVER_ROLES` (sorted)."""
    with engine.store.unit_of_work(read_only=True) as uow:
        published = uow.definitions.published()
    declared = {role for key, version in published for t in engine.definition(key, version).transitions
                for role in t.roles}
    return tuple(sorted(declared - NEVER_ROLES))


def create_key(store: Store, name: str, scopes: Iterable[str], role: str = "petugas", *,
               now: datetime | None = None, same_integration: bool = False,
               allowed_roles: Iterable[str] | None = None) -> tuple[int, str]:
    """Store a new key; returns (id, the key in clear — show it once, it cannot be recovered).

    A second active key with the name of another's is refused unless ``same_integration`` says it is a
    new key for the same partner (rotation: create the new key, switch the partner over, revoke the old).
    The key acts as ``role``: never one of `NEVER_ROLES`, and with ``allowed_roles`` (`integration_roles`,
    as ``alur apikeys create`` passes them) one of those.
    """
    allowed = sorted(allowed_roles) if allowed_roles is not None else None
    if role in NEVER_ROLES or (allowed is not None and role not in allowed):
        choose = f"; choose one of {', '.join(allowed)}" if allowed else ""
        raise AuthError(f"a key cannot act as '{role}': an integration never acts as the complainant (pemohon) "
                        f"or the system, only as a role a published definition gives transitions to{choose}")
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise AuthError(f"unknown scope(s) {', '.join(unknown) or '(none given)'}; use {', '.join(SCOPES)}")
    if not name.strip():
        raise AuthError("give the integration a name, e.g. 'sipeka' or 'lapor-bot'")
    now = now or datetime.now(timezone.utc)
    with store.unit_of_work() as uow:
        active = uow.api_keys.active_named(name)
        if active is not None and not same_integration:
            raise AuthError(f"an active key is already named '{name}' (key {active}); the name is the "
                            "integration's identity (it owns the complaints it filed). For another partner choose "
                            "another name; to rotate this partner's key, pass --same-integration")
        key_id = None
        while key_id is None:  # a prefix taken already (1 in 4 billion per key) draws another
            prefix = secrets.token_hex(4)
            key = f"alur_{prefix}_{secrets.token_urlsafe(32)}"
            key_id = uow.api_keys.add(ApiKeyRecord(name=name, prefix=prefix, key_hash=_hash(key),
                                                   scopes=tuple(scopes), role=role, created_at=now))
        uow.commit()
    return key_id, key


def authenticate(store: Store, presented: str | None, *, now: datetime | None = None) -> ApiKey | None:
    """The active key matching ``presented``, or None (unknown, malformed and revoked look the same).

    Records the use, at most once a minute per key, in the same unit of work."""
    if not presented or not presented.startswith("alur_") or len(presented) > 200:
        return None
    parts = presented.split("_", 2)
    if len(parts) != 3:
        return None
    now = now or datetime.now(timezone.utc)
    with store.unit_of_work() as uow:
        found = uow.api_keys.by_prefix(parts[1][:16])
        if found is None or found.revoked_at is not None:
            return None
        if not hmac.compare_digest(found.key_hash.encode("ascii"), _hash(presented).encode("ascii")):
            return None
        if found.last_used_at is None or now - found.last_used_at > TOUCH_EVERY:
            uow.api_keys.touch(found.id, now)
            uow.commit()
    return ApiKey(id=found.id, name=found.name, prefix=found.prefix, scopes=frozenset(found.scopes), role=found.role)


def list_keys(store: Store) -> list[ApiKeyRecord]:
    """Every key, revoked ones too, by id (only hashes are stored; never show them)."""
    with store.unit_of_work(read_only=True) as uow:
        return uow.api_keys.all()


def revoke_key(store: Store, key_id: int, *, now: datetime | None = None) -> bool:
    """Revoke a key at once; False when there is no such active key."""
    with store.unit_of_work() as uow:
        done = uow.api_keys.revoke(key_id, now or datetime.now(timezone.utc))
        uow.commit()
    return done


__all__ = ["ApiKey", "SCOPES", "NEVER_ROLES", "create_key", "integration_roles", "authenticate", "list_keys",
           "revoke_key"]
