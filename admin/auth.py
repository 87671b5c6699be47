"""Sign-in, the signed-in user and their roles: who may see and do what, checked on the server.

Accounts live in the store and change through `workflow.services.users` (which lists the console roles
and what each becomes for the engine); this module turns an account into the Flask-Login `User` of a
request and enforces roles on every view.

Identity rules (`can_see_identity`): ``biasa`` tickets show the complainant to case workers and to the
liaison of the ticket's OPD; ``anonim`` hides it from OPD liaisons (and the public); ``rahasia`` shows it
to supervisors only, and `view_identity` reads it through `workflow.services.identity.reveal_identity`,
which writes an ``identity_view`` audit row for every such read in the same transaction.

Sessions end on the server (`session_current`): sign-out, a new password and disabling move the account's
session epoch on, and a session lasts at most ``ALUR_SESSION_MAX_HOURS`` (12) however active it is.

Login: passwords hashed with argon2id (`workflow.services.users`); attempts are throttled per address,
failures lock the (username, address) pair, and a high per-account limit applies to browsers the
account never signed in on (`admin.login_throttle` explains why; Redis storage when ``ALUR_REDIS_URL`` is
set, memory otherwise). Console pages inherit `SecureBaseView`, whose ``roles`` set is enforced in
``is_accessible`` (anonymous: redirect to the login page; wrong role: 403); their forms carry the
global `CSRFProtect` token.
"""
from __future__ import annotations

import functools
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_admin import AdminIndexView, BaseView
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from workflow.core.guards import Actor
from workflow.core.roles import LIAISON
from workflow.services import users
from workflow.services.identity import reveal_identity
from workflow.services.roles import role_directory
from workflow.store.port import UserRecord

from . import login_throttle
from .public import limits
from .roles import ANY_ROLE, CASE, INTAKE, access, role_labels, shown_roles

logger = logging.getLogger(__name__)

ROLES = ANY_ROLE  # the console roles a signed-in user can have (admin/roles.py): pages open to everyone
CASE_ROLES = frozenset({CASE, "supervisor"})  # who works on tickets in the console
INTAKE_ROLES = frozenset({INTAKE})  # who records complaints at the desk


# -- users ----------------------------------------------------------------------------------------
@dataclass
class User(UserMixin):
    """A console user for Flask-Login, made from the stored account (no password hash kept in memory)."""

    id: int
    username: str
    display_name: str
    roles: frozenset[str]
    supervisor_level: int | None = None
    opd: str | None = None
    email: str | None = None
    locale: str = "id"
    active: bool = True
    acts_as: frozenset[str] = frozenset()  # the roles the engine sees (the definitions' names)
    position: str | None = None  # the supervisor role named in audit rows
    top_supervisor: bool = False  # supervisor of the highest level the definitions declare

    @classmethod
    def from_record(cls, record: UserRecord, directory=None) -> "User":
        """The account as the console sees it: console roles derived from the stored roles and the
        published definitions (`admin.roles.access`)."""
        got = access(record.roles, record.supervisor_level, directory or role_directory(runtime()))
        return cls(id=record.id, username=record.username, display_name=record.display_name, roles=got.roles,
                   supervisor_level=got.level, opd=record.opd, email=record.email, locale=record.locale or "id",
                   active=record.active, acts_as=got.acts_as, position=got.position,
                   top_supervisor=got.top_supervisor)

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def actor(self) -> Actor:
        return Actor(id=self.username, roles=self.acts_as, name=self.display_name,
                     opd=self.opd if LIAISON in self.acts_as else None, position=self.position)


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
    if user.has(*CASE_ROLES):
        return True
    if user.has("opd_liaison") and level == "biasa":
        return user.opd is not None and user.opd == _ticket_attr(ticket, "opd")
    return False


def view_identity(ticket: Any, purpose: str, user: User | None = None) -> dict:
    """The complainant identity for the current user, or {} if they may not see it.

    Every read of a ``rahasia`` identity appends an ``identity_view`` audit row (who, when, why) in the
    same transaction as the read (`workflow.services.identity.reveal_identity`)."""
    user = user or current_console_user()
    if user is None or not can_see_identity(ticket, user):
        return {}
    return reveal_identity(runtime().store, _ticket_attr(ticket, "id"), user.actor(), purpose,
                           datetime.now(timezone.utc), receipt_no=_ticket_attr(ticket, "receipt_no"),
                           confidential=_confidentiality(ticket) == "rahasia", known=_ticket_attr(ticket, "identity"))


# -- console pages (Flask-Admin) -----------------------------------------------------------------
def _view_accessible(view) -> bool:
    user = current_console_user()
    return user is not None and bool(user.roles & set(view.roles))


def _view_refused(view, name, **kwargs):
    if current_console_user() is None:
        return _login_redirect()
    abort(403)


class SecureBaseView(BaseView):
    """A console page open only to users holding one of ``roles``.

    Its data comes from read models and services, never from a generic model form: the console has no
    Flask-Admin model views (a form on a table would write past the services and the audit trail)."""

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


# -- sessions -------------------------------------------------------------------------------------
EPOCH_KEY = "session_epoch"  # the account's session epoch at sign-in (workflow.services.users.end_sessions)
SIGNED_IN_KEY = "signed_in_at"  # seconds since the epoch, for the absolute lifetime


def session_current(record: UserRecord) -> bool:
    """Whether the request's session still stands for ``record``: signed in under the account's current
    session epoch (sign-out, a new password or disabling moved it on) and less than
    ``ALUR_SESSION_MAX_HOURS`` ago. The cookie's idle lifetime (``PERMANENT_SESSION_LIFETIME``) renews on
    every request; this one does not, so a session kept busy still ends."""
    signed_in = session.get(SIGNED_IN_KEY)
    if session.get(EPOCH_KEY) != record.session_epoch or not isinstance(signed_in, (int, float)):
        return False
    return time.time() - signed_in < float(current_app.config["ALUR_SESSION_MAX_HOURS"]) * 3600


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
        record = users.authenticate(runtime().store, username, form.password.data)
        if record is None:
            throttle.failed(username, address)
            logger.warning("failed login for %s from %s", username, address)
            flash(_t("Nama pengguna atau kata sandi salah, atau akun dinonaktifkan.",
                     "Wrong username or password, or the account is disabled."), "danger")
            return render_template("alur/login.html", form=form), 401
        throttle.succeeded(username, address)
        user = User.from_record(record)
        session.clear()  # no session fixation: a fresh session for the new login
        login_user(user)
        session[EPOCH_KEY] = record.session_epoch
        session[SIGNED_IN_KEY] = int(time.time())
        session.permanent = True
        session["locale"] = user.locale if user.locale in ("id", "en") else "id"
        return login_throttle.remember_browser(redirect(_safe_next(request.args.get("next"))), username)
    return render_template("alur/login.html", form=form)


def logout():
    user = current_console_user()
    if user is not None:  # on the server: a copy of this session cookie ends too
        users.end_sessions(runtime().store, user.id)
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
    login_throttle.init_app(app, limits.init(app))

    manager = LoginManager()
    manager.session_protection = "basic"

    app.config.setdefault("ALUR_SESSION_MAX_HOURS", float(os.environ.get("ALUR_SESSION_MAX_HOURS") or 12))

    @manager.user_loader
    def load_user(user_id: str):
        try:
            record = users.get_user(app.extensions["alur"].store, int(user_id))
        except (TypeError, ValueError):
            return None
        if record is None or not record.active or not session_current(record):
            return None
        return User.from_record(record)

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
                "lang": lang, "console_user": current_console_user(),
                "role_labels": role_labels(role_directory(runtime())), "shown_roles": shown_roles}



__all__ = [
    "ROLES", "CASE_ROLES", "INTAKE_ROLES", "User", "current_actor", "current_console_user", "has_role",
    "roles_required", "can_see_identity", "view_identity", "SecureBaseView", "SecureIndexView", "runtime",
    "init_app",
]
