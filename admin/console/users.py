"""User administration for the ``admin`` role (a Flask-Admin model view on the ``users`` table).

Passwords are never shown or edited as hashes: the form has a "new password" field that is hashed
with argon2 on save. Users are disabled, not deleted, so the audit trail's actor ids stay meaningful.
"""
from __future__ import annotations

import warnings
from datetime import datetime, timezone

from sqlalchemy.orm import scoped_session, sessionmaker
from wtforms import PasswordField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from workflow.store.models import UserRow

from ..auth import ROLES, SUPERVISOR_LEVELS, AuthError, SecureModelView, check_roles, hash_password


class UsersView(SecureModelView):
    roles = frozenset({"admin"})
    can_delete = False
    can_view_details = True
    column_list = ("username", "display_name", "roles", "supervisor_level", "opd", "email", "active", "created_at")
    column_searchable_list = ("username", "display_name", "email")
    column_filters = ("active", "opd")
    column_default_sort = "username"
    form_columns = ("username", "display_name", "role_list", "supervisor_level", "opd", "email", "phone", "locale",
                    "active", "new_password")
    column_labels = {"username": "Nama pengguna", "display_name": "Nama", "roles": "Peran",
                     "supervisor_level": "Tingkat pimpinan", "opd": "OPD", "active": "Aktif",
                     "created_at": "Dibuat", "new_password": "Kata sandi baru", "role_list": "Peran",
                     "phone": "Telepon", "locale": "Bahasa"}
    form_extra_fields = {
        "role_list": SelectMultipleField("Peran", choices=[SelectChoice(r, r) for r in ROLES]),
        "new_password": PasswordField("Kata sandi baru", validators=[Optional()]),
    }

    def scaffold_form(self):
        form = super().scaffold_form()
        form.supervisor_level = SelectField(
            "Tingkat pimpinan", choices=[SelectChoice("", "–")] + [SelectChoice(str(k), v) for k, v in SUPERVISOR_LEVELS.items()],
            validators=[Optional()], coerce=lambda v: int(v) if v not in (None, "", "None") else None)
        form.locale = SelectField("Bahasa", choices=[SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")])
        return form

    def on_form_prefill(self, form, id):  # noqa: A002 - Flask-Admin's signature
        model = self.get_one(id)
        form.role_list.data = [r for r in (model.roles or "").split(",") if r]

    def on_model_change(self, form, model, is_created):
        try:
            roles = check_roles(form.role_list.data or [], model.supervisor_level, model.opd or None,
                                self.catalogs)
        except AuthError as exc:
            raise ValidationError(str(exc)) from exc
        model.roles = ",".join(roles)
        model.opd = model.opd or None
        model.username = (model.username or "").strip().lower()
        if form.new_password.data:
            try:
                model.password_hash = hash_password(form.new_password.data)
            except AuthError as exc:
                raise ValidationError(str(exc)) from exc
        elif is_created:
            raise ValidationError("Kata sandi wajib diisi untuk pengguna baru (minimal 8 karakter).")
        if is_created:
            model.created_at = datetime.now(timezone.utc)
            model.display_name = model.display_name or model.username

    def __init__(self, session, catalogs, **kwargs):
        self.catalogs = catalogs
        super().__init__(UserRow, session, **kwargs)


def register(admin, app) -> None:
    from . import Text

    rt = app.extensions["alur"]
    session = scoped_session(sessionmaker(bind=rt.db))
    app.teardown_appcontext(lambda exc: session.remove())
    with warnings.catch_warnings():
        # Flask-Admin 2.2 wants Flask-SQLAlchemy's ``db`` here and warns about a plain session; alur does
        # not use Flask-SQLAlchemy, and a scoped session removed at teardown is what that ``db`` holds.
        warnings.simplefilter("ignore", DeprecationWarning)
        view = UsersView(session, rt.catalogs, name=Text("Pengguna", "Users"), endpoint="users",
                         url="/admin/users")
    admin.add_view(view)


__all__ = ["UsersView", "register"]
