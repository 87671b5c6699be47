"""User administration for the ``admin`` role: list accounts, create one, change roles, supervisor level
and OPD, disable or enable, and set a new password.

The roles offered are the console's own and every role a published definition declares, each with its
label (`workflow.services.roles`). Every change goes through `workflow.services.users` (the same rules as
``alur users``: a supervisor has one level, an OPD liaison one agency) and is audited with the signed-in
administrator as its author. Passwords are typed, never shown, and hashes never leave the store; accounts
are disabled, not deleted, so the audit trail's actor ids keep naming someone. An administrator cannot
disable their own account nor change their own roles, so the console always keeps one; and a supervisor
role, which reveals confidential complainants, is not granted here but on the server (``alur users``).
"""
from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose

from workflow.errors import AuthError
from workflow.services import passwords, users
from workflow.services.roles import role_directory
from workflow.services.users import LOCALES
from workflow.store.port import UserRecord

from ..auth import SecureBaseView, current_console_user
from .common import runtime, tr

logger = logging.getLogger(__name__)

def level_labels() -> dict[int, tuple[str, str]]:
    """Each supervisor level the definitions declare, named by its roles' labels (Indonesian, English)."""
    directory = role_directory(runtime())
    return {n: (", ".join(directory.label(r) for r in directory.at_level(n)),
                ", ".join(directory.label(r, "en") for r in directory.at_level(n))) for n in directory.levels()}


def _level(raw: str | None) -> int | None:
    """The form's supervisor level: empty means none; anything not a declared level is refused."""
    if raw in (None, "", "None"):
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) not in level_labels():
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
            "phone": values["phone"], "locale": values["locale"], "catalogs": runtime().catalogs,
            "actor_id": _me(), "actor_role": "admin", "directory": role_directory(runtime()),
            "grant_identity": False}


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
        opds = [code for code, e in catalog.entries.items() if e.extra.get("active", True)] if catalog else []
        return self.render("users/form.html", account=account, values=values,
                           all_roles=role_directory(runtime()).assignable(), levels=level_labels(),
                           locales=LOCALES, opds=opds, min_password=users.MIN_PASSWORD), status

    def _account(self, user_id: int) -> UserRecord:
        found = users.get_user(runtime().store, user_id)
        if found is None:
            abort(404)
        return found

    @expose("/")
    def index(self):
        return self.render("users/index.html", accounts=users.list_users(runtime().store), levels=level_labels())

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
            if account.username == _me() and (sorted(values["roles"]), _level(values["supervisor_level"]),
                                              values["opd"] or None) != (sorted(account.roles),
                                                                         account.supervisor_level, account.opd):
                raise AuthError(tr("Anda tidak dapat mengubah peran, tingkat, atau OPD Anda sendiri; minta "
                                   "administrator lain.", "You cannot change your own roles, level or agency; "
                                   "ask another administrator."))
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
        users.set_active(runtime().store, account.username, active, actor_id=_me())
        return _done(account.username, "enabled" if active else "disabled",
                     f"Pengguna {account.username} {'diaktifkan' if active else 'dinonaktifkan'}.",
                     f"User {account.username} {'enabled' if active else 'disabled'}.")

    @expose("/<int:user_id>/password", methods=("POST",))
    def password(self, user_id: int):
        account = self._account(user_id)
        new = request.form.get("password") or ""
        try:
            users.set_password(runtime().store, account.username, new, actor_id=_me())
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
