"""Login, users and roles for the console: who may see and do what, checked on the server.

Console roles (``users.roles``) and what they become for the engine (`workflow.guards.Actor`):

    admin         manages users; no case work          -> {"admin"}
    supervisor    kepala seksi / bidang / dinas        -> {"supervisor", "kepala_seksi" | "kepala_bidang" | "kepala_dinas"}
    petugas       complaint officer                    -> {"petugas"}
    tim           handling team                        -> {"tim"}
    opd_liaison   bound to one OPD (users.opd)         -> {"opd_liaison"} with Actor.opd
    auditor       read-only audit trail                -> {"auditor"}

Identity rules (`can_see_identity`): ``biasa`` tickets show the complainant to case workers and to the
liaison of the ticket's OPD; ``anonim`` hides it from OPD liaisons (and the public); ``rahasia`` shows it
to supervisors only, and `view_identity` writes an ``identity_view`` audit row for every such read.

Login: passwords hashed with argon2id (argon2-cffi); attempts are throttled per address, failures lock
the (username, address) pair, and a high per-account limit applies to browsers the account never signed
in on (`admin.login_throttle` explains why; Redis storage when ``ALUR_REDIS_URL`` is set, memory
otherwise). Flask-Admin views inherit `SecureBaseView` / `SecureModelView`,
whose ``roles`` set is enforced in ``is_accessible`` (anonymous: redirect to the login page; wrong
role: 403). Flask-Admin forms inherit `AdminForm`, which carries Flask-WTF's CSRF token (the global
`CSRFProtect` checks it) and keeps Flask-Admin's ``_obj`` for the unique-field validator.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import (Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import insert, select, update
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from workflow.core.audit import AuditEvent
from workflow.core.guards import SUPERVISOR_LEVELS, Actor, actor_roles
from workflow.store import models as m

from . import login_throttle

logger = logging.getLogger(__name__)

ROLES = ("admin", "supervisor", "petugas", "tim", "opd_liaison", "auditor")
CASE_ROLES = frozenset({"petugas", "tim", "supervisor"})  # who works on tickets in the console
ROLE_LABELS = {
    "admin": ("Administrator", "Administrator"),
    "supervisor": ("Pimpinan", "Supervisor"),
    "petugas": ("Petugas Layanan Pengaduan", "Complaint officer"),
    "tim": ("Tim Penanganan Pengaduan", "Handling team"),
    "opd_liaison": ("Penghubung OPD", "Agency liaison"),
    "auditor": ("Auditor", "Auditor"),
}

# Tables whose rows change only through the engine: no generic model form may be built on them.
ENGINE_OWNED_TABLES = frozenset({"tickets", "ticket_identities", "ticket_clocks", "audit_log", "audit_head",
                                 "definitions", "escalations", "outbox"})

_hasher = PasswordHasher()  # argon2id with the library's current defaults


class AuthError(ValueError):
    """A user record cannot be created or changed as asked; the message says what to fix."""


# -- passwords ------------------------------------------------------------------------------------
def hash_password(password: str) -> str:
    if len(password) < 8:
        raise AuthError("password must have at least 8 characters")
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# -- users ----------------------------------------------------------------------------------------
@dataclass
class User(UserMixin):
    """A console user as loaded from the ``users`` table (no password hash kept in memory)."""

    id: int
    username: str
    display_name: str
    roles: frozenset[str]
    supervisor_level: int | None = None
    opd: str | None = None
    email: str | None = None
    locale: str = "id"
    active: bool = True

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def actor(self) -> Actor:
        return Actor(id=self.username, roles=actor_roles(self.roles, self.supervisor_level),
                     name=self.display_name, opd=self.opd if "opd_liaison" in self.roles else None)


def _user_from_row(row: Any) -> User:
    return User(id=row.id, username=row.username, display_name=row.display_name,
                roles=frozenset(r for r in (row.roles or "").split(",") if r), supervisor_level=row.supervisor_level,
                opd=row.opd, email=row.email, locale=row.locale or "id", active=bool(row.active))


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
    return roles


def create_user(db, username: str, password: str, roles: Iterable[str], *, supervisor_level: int | None = None,
                opd: str | None = None, display_name: str | None = None, email: str | None = None,
                phone: str | None = None, locale: str = "id", catalogs=None) -> User:
    username = username.strip().lower()
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise AuthError("a username is 1-100 characters without spaces")
    role_list = check_roles(roles, supervisor_level, opd, catalogs)
    with db.begin() as conn:
        if conn.execute(select(m.users.c.id).where(m.users.c.username == username)).first() is not None:
            raise AuthError(f"user '{username}' already exists")
        conn.execute(insert(m.users).values(
            username=username, display_name=display_name or username, password_hash=hash_password(password),
            roles=",".join(role_list), supervisor_level=supervisor_level, opd=opd, email=email, phone=phone,
            locale=locale, active=True, created_at=datetime.now(timezone.utc)))
    found = get_user_by_name(db, username)
    assert found is not None
    return found


def get_user(db, user_id: int) -> User | None:
    with db.connect() as conn:
        row = conn.execute(select(m.users).where(m.users.c.id == user_id)).first()
    return _user_from_row(row) if row is not None else None


def get_user_by_name(db, username: str) -> User | None:
    with db.connect() as conn:
        row = conn.execute(select(m.users).where(m.users.c.username == username.strip().lower())).first()
    return _user_from_row(row) if row is not None else None


def list_users(db) -> list[User]:
    with db.connect() as conn:
        return [_user_from_row(r) for r in conn.execute(select(m.users).order_by(m.users.c.username)).all()]


def set_active(db, username: str, active: bool) -> None:
    with db.begin() as conn:
        result = conn.execute(update(m.users).where(m.users.c.username == username.strip().lower())
                              .values(active=active))
    if result.rowcount != 1:
        raise AuthError(f"no user '{username}'; see 'alur users list'")


def set_password(db, username: str, password: str) -> None:
    with db.begin() as conn:
        result = conn.execute(update(m.users).where(m.users.c.username == username.strip().lower())
                              .values(password_hash=hash_password(password)))
    if result.rowcount != 1:
        raise AuthError(f"no user '{username}'; see 'alur users list'")


def authenticate(db, username: str, password: str) -> User | None:
    with db.connect() as conn:
        row = conn.execute(select(m.users).where(m.users.c.username == username.strip().lower())).first()
    if row is None:
        verify_password(_DUMMY_HASH, password)  # same cost whether or not the user exists
        return None
    if not verify_password(row.password_hash, password) or not row.active:
        return None
    return _user_from_row(row)


_DUMMY_HASH = _hasher.hash("not-a-real-password")


# -- the current user -----------------------------------------------------------------------------
def runtime():
    return current_app.extensions["alur"]


def current_console_user() -> User | None:
    user = current_user._get_current_object() if current_user else None
    return user if isinstance(user, User) and user.is_authenticated else None


def current_actor() -> Actor:
    """The logged-in user as the engine sees them (roles mapped to the definition's role names)."""
    user = current_console_user()
    if user is None:
        return Actor(id="anonymous", roles=frozenset(), name="")
    return user.actor()


def has_role(*roles: str) -> bool:
    user = current_console_user()
    return user is not None and user.has(*roles)


def _login_redirect():
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def roles_required(*roles: str) -> Callable:
    """Plain Flask views: anonymous -> login page, a user without one of ``roles`` -> 403."""
    wanted = set(roles)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = current_console_user()
            if user is None:
                return _login_redirect()
            if not user.roles & wanted:
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_roles = frozenset(wanted)  # type: ignore[attr-defined]
        return wrapper

    return decorate


# -- identity -------------------------------------------------------------------------------------
def _ticket_attr(ticket: Any, name: str) -> Any:
    if isinstance(ticket, Mapping):
        return ticket.get(name)
    return getattr(ticket, name, None)


def _confidentiality(ticket: Any) -> str:
    value = _ticket_attr(ticket, "kerahasiaan")
    if value is None:
        fields = _ticket_attr(ticket, "fields") or {}
        value = fields.get("kerahasiaan")
    return str(value or "biasa")


def can_see_identity(ticket: Any, user: User | None = None) -> bool:
    """Whether the current user may see who complained (see the module docstring for the rules)."""
    user = user or current_console_user()
    if user is None:
        return False
    level = _confidentiality(ticket)
    if level == "rahasia":
        return user.has("supervisor")
    if user.has("petugas", "tim", "supervisor"):
        return True
    if user.has("opd_liaison") and level == "biasa":
        return user.opd is not None and user.opd == _ticket_attr(ticket, "opd")
    return False


def view_identity(ticket: Any, purpose: str, user: User | None = None) -> dict:
    """The complainant identity for the current user, or {} if they may not see it.

    Every read of a ``rahasia`` identity appends an ``identity_view`` audit row (who, when, why) in the
    same database as the ticket, so the log cannot drift from the reads."""
    user = user or current_console_user()
    if user is None or not can_see_identity(ticket, user):
        return {}
    ticket_id = _ticket_attr(ticket, "id")
    identity = _ticket_attr(ticket, "identity")
    rt = runtime()
    with rt.store.unit_of_work() as uow:
        if not identity:
            identity = uow.conn.execute(select(m.identities.c.data)
                                        .where(m.identities.c.ticket_id == ticket_id)).scalar() or {}
        if _confidentiality(ticket) == "rahasia":
            actor = user.actor()
            role = next((r for r in ("kepala_dinas", "kepala_bidang", "kepala_seksi") if r in actor.roles), "supervisor")
            uow.audit.append([AuditEvent(
                kind="identity_view", at=datetime.now(timezone.utc), actor_id=user.username, actor_role=role,
                ticket_id=ticket_id, receipt_no=_ticket_attr(ticket, "receipt_no"),
                detail={"purpose": (purpose or "").strip()[:500], "fields": sorted(identity)})])
            uow.commit()
            logger.info("identity of %s viewed by %s", _ticket_attr(ticket, "receipt_no"), user.username)
    return dict(identity)


# -- Flask-Admin integration ----------------------------------------------------------------------
class AdminForm(FlaskForm):
    """Base form for Flask-Admin model views under the global CSRFProtect.

    Flask-Admin's SecureForm has its own token (refused by CSRFProtect) and plain FlaskForm drops the
    ``_obj`` that Flask-Admin's Unique validator reads; this keeps both working."""

    def __init__(self, formdata=None, obj=None, prefix="", **kwargs):
        self._obj = obj
        if formdata is None:
            super().__init__(obj=obj, prefix=prefix, **kwargs)
        else:
            super().__init__(formdata=formdata, obj=obj, prefix=prefix, **kwargs)


def _view_accessible(view) -> bool:
    user = current_console_user()
    return user is not None and bool(user.roles & set(view.roles))


def _view_refused(view, name, **kwargs):
    if current_console_user() is None:
        return _login_redirect()
    abort(403)


def _base_view_classes():
    from flask_admin import AdminIndexView, BaseView
    from flask_admin.contrib.sqla import ModelView

    class SecureBaseView(BaseView):
        """A Flask-Admin page open only to users holding one of ``roles``."""

        roles: frozenset[str] | set[str] = frozenset()

        def is_accessible(self) -> bool:
            return _view_accessible(self)

        def inaccessible_callback(self, name, **kwargs):
            return _view_refused(self, name, **kwargs)

    class SecureIndexView(AdminIndexView):
        roles: frozenset[str] | set[str] = frozenset(ROLES)

        def is_accessible(self) -> bool:
            return _view_accessible(self)

        def inaccessible_callback(self, name, **kwargs):
            return _view_refused(self, name, **kwargs)

    class SecureModelView(ModelView):
        """A Flask-Admin model view open only to ``roles``, with CSRF-protected forms.

        Subclasses must keep ticket state, audit rows and published definitions out of their forms:
        those change only through the engine (`Engine.fire`, `publish`)."""

        roles: frozenset[str] | set[str] = frozenset()
        form_base_class = AdminForm
        can_delete = False

        def __init__(self, model, *args, **kwargs):
            table = getattr(model, "__tablename__", None)
            if table in ENGINE_OWNED_TABLES:
                raise TypeError(f"'{table}' changes only through the engine (Engine.fire, publish, the audit "
                                "chain); it must not get a generic Flask-Admin form")
            super().__init__(model, *args, **kwargs)

        def is_accessible(self) -> bool:
            return _view_accessible(self)

        def inaccessible_callback(self, name, **kwargs):
            return _view_refused(self, name, **kwargs)

    return SecureBaseView, SecureIndexView, SecureModelView


SecureBaseView, SecureIndexView, SecureModelView = _base_view_classes()


# -- login, logout, language ----------------------------------------------------------------------
class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired(), Length(max=100)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=500)])


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("admin.index")


def login():
    """The sign-in form; every POST passes `admin.login_throttle` before its password is checked."""
    form = LoginForm()
    if request.method == "POST" and form.validate_on_submit():
        username = form.username.data.strip().lower()[:100]
        address = login_throttle.client_address()
        throttle: login_throttle.LoginThrottle = current_app.extensions["alur_login_throttle"]
        refusal = throttle.check(username, address, known_browser=login_throttle.is_known_browser(username))
        if refusal is not None:
            logger.warning("login refused (%s) for %s from %s", refusal.reason, username, address)
            flash(refusal.message(_lang()), "danger")
            response = current_app.make_response((render_template("alur/login.html", form=form), 429))
            response.headers["Retry-After"] = str(refusal.retry_after())
            return response
        user = authenticate(runtime().db, username, form.password.data)
        if user is None:
            throttle.failed(username, address)
            logger.warning("failed login for %s from %s", username, address)
            flash(_t("Nama pengguna atau kata sandi salah, atau akun dinonaktifkan.",
                     "Wrong username or password, or the account is disabled."), "danger")
            return render_template("alur/login.html", form=form), 401
        throttle.succeeded(username, address)
        session.clear()  # no session fixation: a fresh session for the new login
        login_user(user)
        session.permanent = True
        session["locale"] = user.locale if user.locale in ("id", "en") else "id"
        return login_throttle.remember_browser(redirect(_safe_next(request.args.get("next"))), username)
    return render_template("alur/login.html", form=form)


def logout():
    logout_user()
    session.clear()
    flash(_t("Anda telah keluar.", "You have signed out."), "info")
    return redirect(url_for("auth.login"))


def set_locale(code: str):
    if code in ("id", "en"):
        session["locale"] = code
    return redirect(_safe_next(request.args.get("next") or request.referrer and urlsplit(request.referrer).path))


def _lang() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "id"


def _t(id_text: str, en_text: str) -> str:
    """Pick the Indonesian or English text for the current locale (UI strings live beside each other)."""
    return en_text if _lang() == "en" else id_text


def init_app(app: Flask) -> None:
    """Login manager, the /login /logout /locale routes, the limiter and the sign-in throttle."""
    storage = app.config.get("ALUR_RATELIMIT_STORAGE") or app.config.get("ALUR_REDIS_URL") or "memory://"
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage, key_prefix="alur",
                      default_limits=[], headers_enabled=False)
    app.extensions["alur_limiter"] = limiter
    login_throttle.init_app(app, limiter)

    manager = LoginManager()
    manager.session_protection = "basic"

    @manager.user_loader
    def load_user(user_id: str):
        try:
            user = get_user(app.extensions["alur"].db, int(user_id))
        except (TypeError, ValueError):
            return None
        return user if user is not None and user.active else None

    @manager.unauthorized_handler
    def unauthorized():
        return _login_redirect()

    manager.init_app(app)

    bp = Blueprint("auth", __name__)
    bp.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    bp.add_url_rule("/logout", "logout", logout, methods=["POST"])
    bp.add_url_rule("/locale/<code>", "locale", set_locale, methods=["GET"])
    app.register_blueprint(bp)

    @app.before_request
    def _user_locale():
        user = current_console_user()
        if user is not None:
            g.user_locale = user.locale

    @app.context_processor
    def _helpers():
        from flask_babel import get_locale

        locale = get_locale()
        lang = locale.language if locale is not None else "id"
        return {"tr": lambda id_text, en_text="": (en_text or id_text) if lang == "en" else id_text,
                "lang": lang, "console_user": current_console_user(), "role_labels": ROLE_LABELS}



__all__ = [
    "ROLES", "SUPERVISOR_LEVELS", "User", "AuthError", "current_actor", "current_console_user", "has_role",
    "roles_required", "can_see_identity", "view_identity", "SecureBaseView", "SecureModelView", "SecureIndexView",
    "AdminForm", "hash_password", "verify_password", "create_user", "list_users", "set_active", "set_password",
    "authenticate", "get_user", "get_user_by_name", "actor_roles", "init_app",
]
