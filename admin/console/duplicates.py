"""The petugas' page of likely duplicate complaints: link them, or merge one into the other.

A ticket is listed while it is open and carries a ``duplikat:<receipt>`` flag (set at intake by
`workflow.services.intake`). Linking keeps both running; merging fires the definition's
``gabungkan`` trigger (its refusal, if any, is shown as the engine explains it). No identity is shown.
"""
from __future__ import annotations

import logging

from flask import flash, redirect, request, url_for
from flask_admin import expose

from workflow.errors import AlurError, InvalidInput, TransitionRejected
from workflow.services import duplicates
from workflow.store.queries.duplicates import flagged

from ..auth import INTAKE_ROLES, SecureBaseView, current_actor
from .common import runtime, tr

logger = logging.getLogger(__name__)


class DuplicatesView(SecureBaseView):
    roles = INTAKE_ROLES | {"supervisor"}

    @expose("/")
    def index(self):
        return self.render("public/console_duplicates.html", rows=flagged(runtime().store))

    @expose("/<int:ticket_id>/<action>", methods=("POST",))
    def act(self, ticket_id: int, action: str):
        other = (request.form.get("other") or "").strip()
        actor = current_actor()
        try:
            if action == "link":
                duplicates.link(runtime(), ticket_id, other, actor)
                flash(tr(f"Pengaduan ditautkan dengan {other}.", f"Complaint linked to {other}."), "success")
            elif action == "merge":
                saved = duplicates.merge(runtime(), ticket_id, other, actor)
                flash(tr(f"{saved.receipt_no} digabung ke {other}.", f"{saved.receipt_no} merged into {other}."),
                      "success")
            else:
                flash(tr("Aksi tidak dikenal.", "Unknown action."), "danger")
        except TransitionRejected as exc:
            flash("; ".join(r.reason for r in exc.reasons), "danger")
        except InvalidInput as exc:
            flash("; ".join(f"{k}: {v}" for k, v in exc.errors.items()), "danger")
        except AlurError as exc:
            flash(str(exc), "danger")
        return redirect(url_for(".index"))


def register(admin, app) -> None:
    from . import Text

    admin.add_view(DuplicatesView(name=Text("Duplikat", "Duplicates"), endpoint="duplicates",
                                  url="/admin/duplikat"))


__all__ = ["DuplicatesView", "register"]
