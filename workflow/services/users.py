"""Console accounts: create them, change their roles, disable them, set passwords, sign them in.

Roles (`workflow.core.roles`): the console's own (``admin`` manages accounts, ``auditor`` reads the audit
trail, ``supervisor`` with a level acts as every role the published definitions declare at that
``supervisor_level``) and every role a published definition declares (``petugas``, ``tim_lapangan``,
``kepala_seksi`` …), except the engine's ``system`` roles and ``pemohon``. Which roles exist and which are
supervisors is read from the definitions (`workflow.services.roles`); no role name is fixed here.

A console ``supervisor`` has exactly one level; an agency liaison (``opd_liaison``) is bound to exactly
one agency of the office's catalog (shipped plus the office's own, `workflow.services.agencies`); nobody
else has either. Passwords are hashed with argon2id and never leave this module; accounts are disabled,
never deleted, so the audit trail's actor ids keep naming someone.

Every change (creation, roles, level or agency, enabling, disabling, a password reset) is one unit of
work with an audit row (kind ``user``) naming who made it. Nobody changes their own roles, level or
agency (another administrator does). A role that can reveal a confidential (``rahasia``) complainant --
any supervisor role -- is granted only where ``grant_identity`` allows it: the command line on the
server does, the web console does not (a stolen administrator session must not be able to make anyone a
reader of confidential identities). Every function raises `AuthError` (also a ValueError) saying what to
fix.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from workflow.core.audit import AuditEvent
from workflow.core.roles import CONSOLE_ROLES, LIAISON, RoleDirectory
from workflow.errors import AuthError
from workflow.services import passwords
from workflow.services.roles import directory_for
from workflow.store.port import Store, UserRecord

ROLES = CONSOLE_ROLES  # the console's own roles; the definitions' come from `workflow.services.roles`
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


def check_roles(roles: Iterable[str], supervisor_level: int | None, opd: str | None, catalogs=None,
                directory: RoleDirectory | None = None) -> list[str]:
    """Validated role list for a new or changed user; AuthError says what is wrong. ``directory`` holds the
    roles of the published definitions (without one, only the console's roles are known)."""
    directory = directory or RoleDirectory()
    roles = [r.strip() for r in roles if r and r.strip()]
    allowed = directory.assignable()
    if not roles:
        raise AuthError(f"give at least one role ({', '.join(allowed)})")
    unknown = [r for r in roles if r not in allowed]
    if unknown:
        more = "" if directory.roles else "; a published definition's roles can be given once it is published"
        raise AuthError(f"unknown role(s) {', '.join(unknown)}; choose from {', '.join(allowed)}{more}")
    levels = directory.levels()
    if "supervisor" in roles and (not isinstance(supervisor_level, int) or supervisor_level < 1
                                  or (levels and supervisor_level not in levels)):
        named = ", ".join(f"{n} ({', '.join(directory.at_level(n))})" for n in levels) or "1, 2, 3 …"
        raise AuthError(f"a supervisor needs --level with a level the definitions declare: {named}")
    if "supervisor" not in roles and supervisor_level is not None:
        raise AuthError("--level is only for the supervisor role")
    if LIAISON in roles:
        if not opd:
            raise AuthError(f"an {LIAISON} must be bound to one OPD: pass --opd CODE (e.g. dinas_esdm)")
        agencies = catalogs.get("opd") if catalogs is not None else None
        if agencies is not None and opd not in agencies:
            raise AuthError(f"unknown OPD '{opd}'; codes: {', '.join(agencies.entries)} (add an agency with "
                            "'alur agencies add')")
    elif opd:
        raise AuthError(f"--opd is only for the {LIAISON} role")
    return list(dict.fromkeys(roles))


def reveals_identity(directory: RoleDirectory, roles: Iterable[str], supervisor_level: int | None) -> bool:
    """Whether holding these roles shows confidential (rahasia) complainants: any supervisor role does."""
    return directory.level_of(roles, supervisor_level) is not None


def _audit(uow, actor_id: str, actor_role: str, now: datetime, user: str, change: str, **detail) -> None:
    uow.audit.append([AuditEvent(kind="user", at=now, actor_id=actor_id or "system", actor_role=actor_role,
                                 detail={"user": user, "change": change, **detail})])


def _profile(record: UserRecord) -> dict:
    """What the audit row says about an account's rights (never its password)."""
    return {"roles": list(record.roles), "supervisor_level": record.supervisor_level, "opd": record.opd,
            "active": record.active}


def _check_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise AuthError(f"unknown language '{locale}'; choose {' or '.join(LOCALES)}")
    return locale


def create_user(store: Store, username: str, password: str, roles: Iterable[str], *,
                supervisor_level: int | None = None, opd: str | None = None, display_name: str | None = None,
                email: str | None = None, phone: str | None = None, locale: str = "id", catalogs=None,
                now: datetime | None = None, actor_id: str = "system", actor_role: str = "admin",
                directory: RoleDirectory | None = None, grant_identity: bool = True) -> UserRecord:
    """Create an active account, audited; AuthError when the name, roles or password are not acceptable or
    taken, or a supervisor role is asked for where ``grant_identity`` is False."""
    username = normalise(username)
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise AuthError("a username is 1-100 characters without spaces")
    directory = directory or directory_for(store)
    role_list = tuple(check_roles(roles, supervisor_level, opd or None, catalogs, directory))
    if not grant_identity and reveals_identity(directory, role_list, supervisor_level):
        raise AuthError(IDENTITY_REFUSAL)
    now = now or datetime.now(timezone.utc)
    record = UserRecord(username=username, display_name=(display_name or "").strip() or username,
                        roles=role_list, supervisor_level=supervisor_level, opd=opd or None, email=email or None,
                        phone=phone or None, locale=_check_locale(locale), active=True, created_at=now)
    acceptable(password, username)
    password_hash = hash_password(password)
    with store.unit_of_work() as uow:
        user_id = uow.users.add(record, password_hash)
        if user_id is None:
            raise AuthError(f"user '{username}' already exists")
        _audit(uow, actor_id, actor_role, now, username, "created", **_profile(record))
        uow.commit()
    return replace(record, id=user_id)


#: Why the web console refuses to grant a supervisor role (documented in docs/console.md).
IDENTITY_REFUSAL = ("a supervisor role shows confidential (rahasia) complainants and is not granted from the web "
                    "console; grant it on the server with 'alur users add' or 'alur users set ... --by NAME'")


def _existing(uow, username: str) -> UserRecord:
    found = uow.users.by_name(normalise(username))
    if found is None:
        raise AuthError(f"no user '{username}'; see 'alur users list'")
    return found


def change_user(store: Store, username: str, *, roles: Iterable[str], supervisor_level: int | None = None,
                opd: str | None = None, display_name: str | None = None, email: str | None = None,
                phone: str | None = None, locale: str | None = None, catalogs=None, now: datetime | None = None,
                actor_id: str = "system", actor_role: str = "admin", directory: RoleDirectory | None = None,
                grant_identity: bool = True) -> UserRecord:
    """Give an account new roles, supervisor level and OPD (checked together), and optionally a new
    display name, email, phone or language (None keeps what is stored). Audited when the rights change.
    Refused: changing one's own rights, and adding a supervisor role where ``grant_identity`` is False."""
    directory = directory or directory_for(store)
    role_list = tuple(check_roles(roles, supervisor_level, opd or None, catalogs, directory))
    now = now or datetime.now(timezone.utc)
    with store.unit_of_work() as uow:
        found = _existing(uow, username)
        changed = replace(found, roles=role_list, supervisor_level=supervisor_level, opd=opd or None,
                          display_name=(display_name or "").strip() or found.display_name,
                          email=found.email if email is None else (email.strip() or None),
                          phone=found.phone if phone is None else (phone.strip() or None),
                          locale=found.locale if locale is None else _check_locale(locale))
        before, after = _profile(found), _profile(changed)
        if before != after:
            if normalise(actor_id) == found.username:
                raise AuthError("you cannot change your own roles, level or agency; ask another administrator")
            gains = directory.actor_roles(role_list, supervisor_level) - directory.actor_roles(
                found.roles, found.supervisor_level)
            if not grant_identity and reveals_identity(directory, gains, None) or (
                    not grant_identity and "supervisor" in gains):
                raise AuthError(IDENTITY_REFUSAL)
            _audit(uow, actor_id, actor_role, now, found.username, "rights", before=before, after=after)
        uow.users.update(changed)
        uow.commit()
    return changed


def set_active(store: Store, username: str, active: bool, *, actor_id: str = "system",
               actor_role: str = "admin", now: datetime | None = None) -> UserRecord:
    """Enable or disable an account, audited (a disabled one cannot sign in; its sessions end at their next
    request, and stay ended when it is enabled again)."""
    with store.unit_of_work() as uow:
        found = _existing(uow, username)
        changed = replace(found, active=active)
        uow.users.update(changed)
        if not active:
            uow.users.end_sessions(changed.id)
        if found.active != active:
            _audit(uow, actor_id, actor_role, now or datetime.now(timezone.utc), found.username,
                   "enabled" if active else "disabled")
        uow.commit()
    return changed


def set_password(store: Store, username: str, password: str, *, actor_id: str = "system",
                 actor_role: str = "admin", now: datetime | None = None) -> None:
    """A new password, audited (not the password); every session signed in with the old one ends (whoever
    knew it is signed out)."""
    acceptable(password, normalise(username))
    password_hash = hash_password(password)
    with store.unit_of_work() as uow:
        found = _existing(uow, username)
        uow.users.set_password_hash(found.id, password_hash)
        uow.users.end_sessions(found.id)
        _audit(uow, actor_id, actor_role, now or datetime.now(timezone.utc), found.username, "password")
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


__all__ = ["ROLES", "LOCALES", "IDENTITY_REFUSAL", "acceptable", "hash_password", "verify_password", "check_roles",
           "reveals_identity", "create_user", "change_user",
           "set_active", "set_password", "end_sessions", "authenticate", "get_user", "get_user_by_name", "list_users",
           "normalise"]
