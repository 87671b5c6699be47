"""User administration for the ``admin`` role: list accounts, create one, change roles, supervisor level
and OPD, disable or enable, and set a new password.

Every change goes through `workflow.services.users` (the same rules as ``alur users``: a supervisor has
one level, an OPD liaison one OPD). Passwords are typed, never shown, and hashes never leave the store;
accounts are disabled, not deleted, so the audit trail's actor ids keep naming someone. An administrator
cannot disable their own account or take away their own admin role, so the console always keeps one.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose

from workflow.core.guards import SUPERVISOR_LEVELS
from workflow.errors import AuthError
from workflow.services import passwords, users
from workflow.services.users import LOCALES, ROLES
from workflow.store.port import UserRecord

from ..auth import SecureBaseView, current_console_user
from .common import runtime, tr

logger = logging.getLogger(__name__)

LEVEL_LABELS = {1: ("Kepala Seksi", "Section head"), 2: ("Kepala Bidang", "Division head"),
                3: ("Kepala Dinas", "Head of office")}


def _level(raw: str | None) -> int | None:
    """The form's supervisor level: empty means none; anything not a known level is refused."""
    if raw in (None, "", "None"):
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) not in SUPERVISOR_LEVELS:
        raise AuthError(tr("Tingkat pimpinan tidak dikenal.", "Unknown supervisor level."))
    return int(raw)


def _posted() -> dict[str, Any]:
    """The posted account fields as typed, to show the form again with them."""
    form = request.form
    return {"username": (form.get("username") or "").strip(), "roles": form.getlist("roles"),
            "supervisor_level": form.get("supervisor_level") or "", "opd": (form.get("opd") or "").strip(),
            "display_name": (form.get("display_name") or "").strip(), "email": (form.get("email") or "").strip(),
            "phone": (form.get("phone") or "").strip(), "locale": form.get("locale") or "id"}


def _changes(values: dict[str, Any]) -> dict[str, Any]:
    """The account fields as `workflow.services.users` takes them; AuthError for a level it cannot be."""
    return {"roles": values["roles"], "supervisor_level": _level(values["supervisor_level"]),
            "opd": values["opd"] or None, "display_name": values["display_name"], "email": values["email"],
            "phone": values["phone"], "locale": values["locale"], "catalogs": runtime().catalogs}


def _stored(account: UserRecord) -> dict[str, Any]:
    return {"username": account.username, "roles": list(account.roles),
            "supervisor_level": str(account.supervisor_level or ""), "opd": account.opd or "",
            "display_name": account.display_name, "email": account.email or "", "phone": account.phone or "",
            "locale": account.locale}


def _me() -> str:
    user = current_console_user()
    return user.username if user is not None else ""


def _done(account: str, change: str, id_text: str, en_text: str):
    """Log who changed which account, say so on the list, and go back to it."""
    logger.info("user %s: %s by %s", account, change, _me())
    flash(tr(id_text, en_text), "success")
    return redirect(url_for(".index"))


class UsersView(SecureBaseView):
    roles = frozenset({"admin"})

    def _form(self, account: UserRecord | None, values: dict[str, Any], status: int = 200):
        catalog = runtime().catalogs.get("opd")
        opds = list(catalog.entries) if catalog is not None else []
        return self.render("users/form.html", account=account, values=values, all_roles=ROLES, levels=LEVEL_LABELS,
                           locales=LOCALES, opds=opds, min_password=users.MIN_PASSWORD), status

    def _account(self, user_id: int) -> UserRecord:
        found = users.get_user(runtime().store, user_id)
        if found is None:
            abort(404)
        return found

    @expose("/")
    def index(self):
        return self.render("users/index.html", accounts=users.list_users(runtime().store), levels=LEVEL_LABELS)

    @expose("/new", methods=("GET", "POST"))
    def create(self):
        if request.method == "GET":
            return self._form(None, {"roles": [], "locale": "id"})
        values = _posted()
        try:
            if not request.form.get("password"):
                raise AuthError(tr(f"Kata sandi wajib diisi untuk pengguna baru (minimal {users.MIN_PASSWORD} "
                                   "karakter).", f"A new user needs a password (at least {users.MIN_PASSWORD} "
                                   "characters)."))
            refused = passwords.problem(request.form["password"], values["username"])
            if refused is not None:
                raise AuthError(tr(refused.id, refused.en))
            created = users.create_user(runtime().store, values["username"], request.form["password"],
                                        **_changes(values))
        except AuthError as exc:
            flash(str(exc), "danger")
            return self._form(None, values, 422)
        return _done(created.username, "created", f"Pengguna {created.username} dibuat.",
                     f"User {created.username} created.")

    @expose("/<int:user_id>", methods=("GET", "POST"))
    def edit(self, user_id: int):
        account = self._account(user_id)
        if request.method == "GET":
            return self._form(account, _stored(account))
        values = {**_posted(), "username": account.username}
        try:
            if account.username == _me() and "admin" not in values["roles"]:
                raise AuthError(tr("Anda tidak dapat mencabut peran administrator Anda sendiri.",
                                   "You cannot take away your own administrator role."))
            users.change_user(runtime().store, account.username, **_changes(values))
        except AuthError as exc:
            flash(str(exc), "danger")
            return self._form(account, values, 422)
        return _done(account.username, "changed", f"Pengguna {account.username} disimpan.",
                     f"User {account.username} saved.")

    @expose("/<int:user_id>/active", methods=("POST",))
    def set_active(self, user_id: int):
        account = self._account(user_id)
        active = request.form.get("active") == "1"
        if not active and account.username == _me():
            flash(tr("Anda tidak dapat menonaktifkan akun Anda sendiri.", "You cannot disable your own account."),
                  "danger")
            return redirect(url_for(".edit", user_id=user_id))
        users.set_active(runtime().store, account.username, active)
        return _done(account.username, "enabled" if active else "disabled",
                     f"Pengguna {account.username} {'diaktifkan' if active else 'dinonaktifkan'}.",
                     f"User {account.username} {'enabled' if active else 'disabled'}.")

    @expose("/<int:user_id>/password", methods=("POST",))
    def password(self, user_id: int):
        account = self._account(user_id)
        new = request.form.get("password") or ""
        try:
            users.set_password(runtime().store, account.username, new)
        except AuthError as exc:
            refused = passwords.problem(new, account.username)
            flash(tr(f"{refused.id} Tidak ada yang diubah.", f"{exc}; nothing was changed.") if refused else str(exc),
                  "danger")
            return redirect(url_for(".edit", user_id=user_id))
        return _done(account.username, "password set", f"Kata sandi {account.username} diganti.",
                     f"Password of {account.username} changed.")


def register(admin, app) -> None:
    from . import Text

    admin.add_view(UsersView(name=Text("Pengguna", "Users"), endpoint="users", url="/admin/users"))


__all__ = ["UsersView", "register"]
