"""Console accounts: create them, change their roles, disable them, set passwords, sign them in.

Console roles (``users.roles``) and what they become for the engine (`workflow.core.guards.actor_roles`):

    admin         manages users; no case work          -> {"admin"}
    supervisor    kepala seksi / bidang / dinas        -> {"supervisor", "kepala_seksi" | "kepala_bidang" | "kepala_dinas"}
    petugas       complaint officer                    -> {"petugas"}
    tim           handling team                        -> {"tim"}
    opd_liaison   bound to one OPD (users.opd)         -> {"opd_liaison"} with Actor.opd
    auditor       read-only audit trail                -> {"auditor"}

A supervisor has exactly one level (1-3); an OPD liaison is bound to exactly one OPD; nobody else has
either. Passwords are hashed with argon2id and never leave this module; accounts are disabled, never
deleted, so the audit trail's actor ids keep naming someone. Every function is one unit of work and
raises `AuthError` (also a ValueError) with what to fix.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from workflow.core.guards import SUPERVISOR_LEVELS
from workflow.errors import AuthError
from workflow.services import passwords
from workflow.store.port import Store, UserRecord

ROLES = ("admin", "supervisor", "petugas", "tim", "opd_liaison", "auditor")
LOCALES = ("id", "en")
MIN_PASSWORD = passwords.MIN_LENGTH  # and not common, nor holding the username (workflow.services.passwords)

_hasher = PasswordHasher()  # argon2id with the library's current defaults


def acceptable(password: str, username: str | None = None) -> None:
    """AuthError saying what is wrong with ``password`` for ``username`` (`workflow.services.passwords`)."""
    refused = passwords.problem(password, username)
    if refused is not None:
        raise AuthError(refused.en)


def hash_password(password: str) -> str:
    """The argon2id hash of an acceptable password; AuthError says what is wrong with another."""
    acceptable(password)
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = _hasher.hash("not-a-real-password")


def normalise(username: str) -> str:
    """Usernames are compared lower-case and without surrounding spaces."""
    return (username or "").strip().lower()


def check_roles(roles: Iterable[str], supervisor_level: int | None, opd: str | None, catalogs=None) -> list[str]:
    """Validated role list for a new or changed user; AuthError says what is wrong."""
    roles = [r.strip() for r in roles if r and r.strip()]
    if not roles:
        raise AuthError(f"give at least one role ({', '.join(ROLES)})")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise AuthError(f"unknown role(s) {', '.join(unknown)}; choose from {', '.join(ROLES)}")
    if "supervisor" in roles and supervisor_level not in SUPERVISOR_LEVELS:
        raise AuthError("a supervisor needs --level 1 (kepala seksi), 2 (kepala bidang) or 3 (kepala dinas)")
    if "supervisor" not in roles and supervisor_level is not None:
        raise AuthError("--level is only for the supervisor role")
    if "opd_liaison" in roles:
        if not opd:
            raise AuthError("an opd_liaison must be bound to one OPD: pass --opd CODE (e.g. dinas_esdm)")
        if catalogs is not None and "opd" in catalogs and opd not in catalogs["opd"]:
            raise AuthError(f"unknown OPD '{opd}'; codes: {', '.join(catalogs['opd'].entries)}")
    elif opd:
        raise AuthError("--opd is only for the opd_liaison role")
    return list(dict.fromkeys(roles))


def _check_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise AuthError(f"unknown language '{locale}'; choose {' or '.join(LOCALES)}")
    return locale


def create_user(store: Store, username: str, password: str, roles: Iterable[str], *,
                supervisor_level: int | None = None, opd: str | None = None, display_name: str | None = None,
                email: str | None = None, phone: str | None = None, locale: str = "id", catalogs=None,
                now: datetime | None = None) -> UserRecord:
    """Create an active account; AuthError when the name, roles or password are not acceptable or taken."""
    username = normalise(username)
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise AuthError("a username is 1-100 characters without spaces")
    record = UserRecord(username=username, display_name=(display_name or "").strip() or username,
                        roles=tuple(check_roles(roles, supervisor_level, opd or None, catalogs)),
                        supervisor_level=supervisor_level, opd=opd or None, email=email or None, phone=phone or None,
                        locale=_check_locale(locale), active=True, created_at=now or datetime.now(timezone.utc))
    acceptable(password, username)
    password_hash = hash_password(password)
    with store.unit_of_work() as uow:
        user_id = uow.users.add(record, password_hash)
        if user_id is None:
            raise AuthError(f"user '{username}' already exists")
        uow.commit()
    return replace(record, id=user_id)


def _existing(uow, username: str) -> UserRecord:
    found = uow.users.by_name(normalise(username))
    if found is None:
        raise AuthError(f"no user '{username}'; see 'alur users list'")
    return found


def change_user(store: Store, username: str, *, roles: Iterable[str], supervisor_level: int | None = None,
                opd: str | None = None, display_name: str | None = None, email: str | None = None,
                phone: str | None = None, locale: str | None = None, catalogs=None) -> UserRecord:
    """Give an account new roles, supervisor level and OPD (checked together), and optionally a new
    display name, email, phone or language (None keeps what is stored)."""
    role_list = tuple(check_roles(roles, supervisor_level, opd or None, catalogs))
    with store.unit_of_work() as uow:
        found = _existing(uow, username)
        changed = replace(found, roles=role_list, supervisor_level=supervisor_level, opd=opd or None,
                          display_name=(display_name or "").strip() or found.display_name,
                          email=found.email if email is None else (email.strip() or None),
                          phone=found.phone if phone is None else (phone.strip() or None),
                          locale=found.locale if locale is None else _check_locale(locale))
        uow.users.update(changed)
        uow.commit()
    return changed


def set_active(store: Store, username: str, active: bool) -> UserRecord:
    """Enable or disable an account (a disabled one cannot sign in; its sessions end at their next request,
    and stay ended when it is enabled again)."""
    with store.unit_of_work() as uow:
        changed = replace(_existing(uow, username), active=active)
        uow.users.update(changed)
        if not active:
            uow.users.end_sessions(changed.id)
        uow.commit()
    return changed


def set_password(store: Store, username: str, password: str) -> None:
    """A new password; every session signed in with the old one ends (whoever knew it is signed out)."""
    acceptable(password, normalise(username))
    password_hash = hash_password(password)
    with store.unit_of_work() as uow:
        user_id = _existing(uow, username).id
        uow.users.set_password_hash(user_id, password_hash)
        uow.users.end_sessions(user_id)
        uow.commit()


def end_sessions(store: Store, user_id: int) -> None:
    """End every console session of the account (sign-out ends them on the server, not only in the browser)."""
    with store.unit_of_work() as uow:
        uow.users.end_sessions(user_id)
        uow.commit()


def authenticate(store: Store, username: str, password: str) -> UserRecord | None:
    """The active account with this username and password, else None; the same cost whether or not the
    account exists, so timing does not tell which usernames do."""
    with store.unit_of_work(read_only=True) as uow:
        found = uow.users.by_name(normalise(username))
        stored = uow.users.password_hash(found.id) if found is not None else None
    if found is None or stored is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(stored, password) or not found.active:
        return None
    return found


def get_user(store: Store, user_id: int) -> UserRecord | None:
    with store.unit_of_work(read_only=True) as uow:
        return uow.users.get(user_id)


def get_user_by_name(store: Store, username: str) -> UserRecord | None:
    with store.unit_of_work(read_only=True) as uow:
        return uow.users.by_name(normalise(username))


def list_users(store: Store) -> list[UserRecord]:
    """Every account, by username (never a password hash)."""
    with store.unit_of_work(read_only=True) as uow:
        return uow.users.all()


__all__ = ["ROLES", "LOCALES", "acceptable", "hash_password", "verify_password", "check_roles", "create_user", "change_user",
           "set_active", "set_password", "end_sessions", "authenticate", "get_user", "get_user_by_name", "list_users",
           "normalise"]
