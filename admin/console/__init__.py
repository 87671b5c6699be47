"""The operator console: one Flask-Admin instance with a page set per role.

This package builds the `Admin` (Bootstrap 4 theme, our Indonesian catalog through
``translations_path``, a role-checked index), then each page module adds its views through
``register(admin, app)``, in menu order (`pages`): the work pages of petugas and tim, the OPD liaison
pages, user administration, the supervisor's dashboard, definitions and calendar, the SOP diagram route,
auditor pages, duplicates, reports and the inbox.
"""
from __future__ import annotations

import logging

from flask import Flask, url_for
from flask_admin import Admin, expose
from flask_admin.theme import Bootstrap4Theme

from ..auth import ROLES, SecureIndexView, current_console_user
from . import common

logger = logging.getLogger(__name__)



class Text:
    """A menu label that follows the session's language (Flask-Admin keeps view names for the process)."""

    def __init__(self, id_text: str, en_text: str):
        self.id_text, self.en_text = id_text, en_text

    def __str__(self) -> str:
        try:
            return common.tr(self.id_text, self.en_text)
        except RuntimeError:  # outside a request
            return self.id_text

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.id_text)


class HomeView(SecureIndexView):
    """The console's front page: what the signed-in user can open, with their queue counts."""

    roles = frozenset(ROLES)

    @expose("/")
    def index(self):
        user = current_console_user()
        links = []
        for view in self.admin._views:
            if view is self or not getattr(view, "roles", None):
                continue
            if user is not None and user.roles & set(view.roles) and view.is_visible():
                try:
                    links.append((str(view.name), url_for(f"{view.endpoint}.index"), view))
                except Exception:  # noqa: BLE001 - a view without an index page is not a menu entry
                    continue
        return self.render("alur/home.html", links=links)


def pages() -> tuple:
    """The console's page modules, each with ``register(admin, app)``, in menu order."""
    from admin.console import (
        auditor,
        calendar,
        channels,
        dashboard,
        definitions,
        drafts,
        duplicates,
        handoffs,
        inbox,
        office,
        opd,
        reports,
        sop,
        stages,
        users,
        work,
    )

    return (work, drafts, opd, users, dashboard, stages, definitions, calendar, office, sop, auditor, duplicates,
            reports, inbox, handoffs, channels)


def init_app(app: Flask) -> Admin:

    admin = Admin(
        app,
        name="alur",
        url="/admin",
        theme=Bootstrap4Theme(base_template="alur/base.html", swatch="default", fluid=True),
        translations_path=app.config["ALUR_ADMIN_TRANSLATIONS"],
        index_view=HomeView(name=Text("Beranda", "Home"), url="/admin", endpoint="admin"),
    )
    app.extensions["alur_admin"] = admin
    for page in pages():
        page.register(admin, app)

    app.jinja_env.filters["wib"] = common.wib
    app.jinja_env.filters["duration"] = common.duration
    app.jinja_env.globals["catalog_label"] = common.catalog_label
    app.jinja_env.globals["at_risk_percent"] = common.AT_RISK_PERCENT  # the one at-risk rule, for its labels
    return admin


__all__ = ["init_app", "Text", "HomeView", "pages"]
