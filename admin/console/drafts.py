"""Draft complaints that arrived by email or WhatsApp (`workflow.services.inbound`): the list, and the page that
shows the original beside the record form an officer completes before the ticket is opened.

Who: officers who record complaints (the intake role) list, complete, file and discard drafts; supervisors
may look. The original is the complainant's own words and address, so once a draft is a ticket it follows the
ticket's identity rule (`admin.auth.can_see_identity`): a ``rahasia`` ticket's original is shown only to a
supervisor who states why, and that read is written to the audit trail (``identity_view``) as any read of a
confidential identity is. Every download of a draft's file is an audited access, as evidence downloads are.
"""
from __future__ import annotations

import io
import logging
from typing import Any

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import expose

from workflow.core.inbound import proposed_record
from workflow.errors import AlurError, AttachmentUnreadable, ConcurrentUpdate, InvalidInput, TicketNotFound
from workflow.services import inbound

from ..auth import INTAKE_ROLES, SecureBaseView, can_see_identity, current_actor, current_console_user, view_identity
from . import common, receipt_codes
from .common import tr
from .work import _chosen, _intake_definitions

logger = logging.getLogger(__name__)

CHANNELS = {"email": ("Email", "Email"), "whatsapp": ("WhatsApp", "WhatsApp")}
STATUSES = {"draft": ("Draf", "Draft"), "filed": ("Sudah dicatat", "Filed"), "discarded": ("Dibuang", "Discarded")}


def _require_intake() -> None:
    user = current_console_user()
    if user is None or not user.has(*INTAKE_ROLES):
        abort(403)


class DraftsView(SecureBaseView):
    """Incoming drafts, and each draft's page: the original message(s) beside the record form."""

    roles = frozenset(INTAKE_ROLES | {"supervisor"})

    @expose("/")
    def index(self):
        drafts = inbound.open_drafts(common.runtime().store)
        return self.render("inbound/drafts.html", drafts=drafts, channels=CHANNELS, common=common,
                           can_file=current_console_user().has(*INTAKE_ROLES))

    def _origin(self, draft_id: int, purpose: str = ""):
        """The draft with its messages, or an answer when the user may not see them (a ticket's identity rule)."""
        view = inbound.draft_view(common.runtime().store, draft_id)
        if view is None:
            abort(404)
        if view.draft.ticket_id is None:
            return view, None
        try:
            ticket = common.runtime().engine.load(view.draft.ticket_id)
        except TicketNotFound:
            abort(404)
        if not can_see_identity(ticket):
            abort(403)
        if ticket.confidentiality == "rahasia":  # the original names the complainant: an audited read, with a reason
            if not purpose:
                return view, ticket
            view_identity(ticket, purpose)
        return view, None

    @expose("/<int:draft_id>", methods=("GET", "POST"))
    def draft(self, draft_id: int):
        purpose = (request.form.get("purpose") or "").strip() if request.method == "POST" else ""
        view, locked = self._origin(draft_id, purpose)
        if locked is not None:
            return self.render("inbound/draft.html", view=None, locked=locked, draft_id=draft_id, common=common,
                               channels=CHANNELS, statuses=STATUSES), (422 if request.method == "POST" else 200)
        choices = _intake_definitions(current_actor())
        definition = _chosen(choices, request.values.get("_definisi"))
        typed: dict[str, Any] = {}
        errors: dict[str, str] = {}
        if definition is not None:
            first = view.messages[0] if view.messages else None
            typed = proposed_record(definition, kanal=view.draft.kanal, channel=view.draft.channel,
                                    contact=view.draft.contact, name=view.draft.contact_name,
                                    subject=view.draft.subject, text=first.body if first else "")
        if request.method == "POST" and request.form.get("_aksi") == "catat" and view.draft.status == "draft":
            _require_intake()
            typed = common.form_values(definition.record, request.form)
            raw = {k: v for k, v in typed.items() if not (isinstance(v, bool) and v is False)}
            try:
                opened = inbound.file_draft(common.runtime(), draft_id, raw, current_actor(),
                                            definition_key=definition.key)
            except InvalidInput as exc:
                errors = exc.errors
            except ConcurrentUpdate as exc:
                flash(str(exc), "warning")
                return redirect(url_for(".index"))
            except AlurError as exc:
                flash(str(exc), "danger")
            else:
                receipt_codes.keep(opened.ticket.id, opened.token, opened.pin)  # for the receipt that follows
                flash(tr(f"Pengaduan {opened.ticket.receipt_no} tercatat; tenggatnya dihitung sejak pesan diterima.",
                         f"Complaint {opened.ticket.receipt_no} recorded; its deadlines count from the message's "
                         "arrival."), "success")
                return redirect(url_for("work.receipt", ticket_id=opened.ticket.id))
        status = 422 if errors else 200
        return self.render("inbound/draft.html", view=view, locked=None, draft_id=draft_id, definition=definition,
                           choices=choices, typed=typed, errors=errors, common=common, channels=CHANNELS,
                           statuses=STATUSES, can_file=current_console_user().has(*INTAKE_ROLES)), status

    @expose("/tiket/<int:ticket_id>", methods=("GET", "POST"))
    def ticket(self, ticket_id: int):
        """The messages that came in about a ticket (its original and the replies threaded to it), under the
        ticket's identity rule."""
        try:
            ticket = common.runtime().engine.load(ticket_id)
        except TicketNotFound:
            abort(404)
        if not can_see_identity(ticket):
            abort(403)
        purpose = (request.form.get("purpose") or "").strip() if request.method == "POST" else ""
        if ticket.confidentiality == "rahasia" and not purpose:
            return self.render("inbound/ticket.html", ticket=ticket, view=None, locked=True, common=common), \
                (422 if request.method == "POST" else 200)
        if ticket.confidentiality == "rahasia":
            view_identity(ticket, purpose)
        view = inbound.ticket_messages(common.runtime().store, ticket_id)
        return self.render("inbound/ticket.html", ticket=ticket, view=view, locked=False, common=common)

    @expose("/<int:draft_id>/gabung", methods=("POST",))
    def add(self, draft_id: int):
        """Add the draft to the open complaint it is about (a reply the threading could not place)."""
        _require_intake()
        try:
            receipt = inbound.add_to_ticket(common.runtime(), draft_id, request.form.get("resi") or "",
                                            current_actor())
        except InvalidInput as exc:
            flash(exc.errors.get("resi", str(exc)), "danger")
            return redirect(url_for(".draft", draft_id=draft_id))
        except ConcurrentUpdate as exc:
            flash(str(exc), "warning")
            return redirect(url_for(".index"))
        flash(tr(f"Pesan ditambahkan ke pengaduan {receipt}.", f"Message added to complaint {receipt}."), "success")
        return redirect(url_for(".index"))

    @expose("/<int:draft_id>/buang", methods=("POST",))
    def discard(self, draft_id: int):
        _require_intake()
        try:
            inbound.discard_draft(common.runtime(), draft_id, current_actor(), request.form.get("alasan") or "")
        except InvalidInput:
            flash(tr("Tuliskan alasan draf ini bukan pengaduan.", "State why this draft is not a complaint."), "danger")
            return redirect(url_for(".draft", draft_id=draft_id))
        except ConcurrentUpdate as exc:
            flash(str(exc), "warning")
            return redirect(url_for(".index"))
        flash(tr("Draf dibuang; alasannya tercatat di jejak audit.", "Draft discarded; the reason is in the audit "
                 "trail."), "success")
        return redirect(url_for(".index"))

    @expose("/<int:draft_id>/berkas/<int:file_id>", methods=("GET", "POST"))
    def file(self, draft_id: int, file_id: int):
        purpose = (request.form.get("purpose") or "").strip() if request.method == "POST" else ""
        view, locked = self._origin(draft_id, purpose)
        if locked is not None:
            abort(403)
        try:
            found = inbound.file_bytes(common.runtime().store, draft_id, file_id, current_app.instance_path,
                                       actor=current_actor())
        except AttachmentUnreadable as exc:
            logger.error("inbound file %s of draft %s unreadable: %s", file_id, draft_id, exc)
            abort(500)
        if found is None:
            abort(404)
        record, data = found
        response = send_file(io.BytesIO(data), mimetype=record.content_type, as_attachment=True,
                             download_name=record.filename, max_age=0)
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "sandbox"
        return response


def register(admin, app) -> None:
    from . import Text

    admin.add_view(DraftsView(name=Text("Draf masuk", "Incoming drafts"), endpoint="drafts", url="/admin/draf"))


__all__ = ["DraftsView", "register"]
