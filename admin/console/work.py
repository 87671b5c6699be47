"""Pages of the complaint officers and the handling team: the work queue, recording a complaint, the
printable receipt, and the ticket page with its timeline, clocks, transitions and evidence.

Evidence (bukti) filed on the public form or through the API is listed on the officers' ticket page
and downloaded from it, its bytes checked against the sha256 the audit trail holds; every download is
an audited access, and a ``rahasia`` ticket's files go only to those who may reveal its identity, with a
purpose (an ``identity_view``). Uploaded file
names are shown only where the identity is (`admin.auth.can_see_identity`, and never for ``rahasia``,
whose identity is revealed per purpose); elsewhere a neutral name (`workflow.attachments.neutral_name`).
OPD liaison pages do not list evidence: files often carry the complainant's identity (a KTP scan).

Every state change goes through `Engine.fire`; forms carry the ticket version they were rendered from,
so a concurrent change is reported ("muat ulang") and the text the user typed is shown again, not lost.
"""
from __future__ import annotations

import io
import logging
from typing import Any

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import expose

from workflow.core import evidence
from workflow.errors import (
    AlurError,
    AttachmentUnreadable,
    ConcurrentUpdate,
    InvalidInput,
    TicketNotFound,
    TransitionRejected,
    UnknownDefinition,
)
from workflow.services import attachments
from workflow.services.intake import file_complaint
from workflow.store.queries import audit_log
from workflow.store.queries.worklist import Filters, Queue
from workflow.store.rules import my_turn

from ..auth import (
    CASE_ROLES,
    INTAKE_ROLES,
    SecureBaseView,
    can_see_identity,
    current_actor,
    current_console_user,
    view_identity,
)
from . import common, evidence_upload, ownership, receipt_codes
from .common import tr
from .forms import FormHelpers, canned_for, destructive_triggers, sector_agencies, with_canned

logger = logging.getLogger(__name__)

PREFILLED_TYPES = ("choice", "date")  # what a link may fill in on the record form (never identity or text)
RECORD_CHANNELS = ("langsung", "telepon", "whatsapp", "sms", "email", "kotak", "surat", "sipeka", "website")


def _require(*roles: str) -> None:
    user = current_console_user()
    if user is None or not user.has(*roles):
        abort(403)


def load_ticket_or_404(ticket_id: int):
    try:
        return common.runtime().engine.load(ticket_id)
    except TicketNotFound:
        abort(404)


class TicketPage:
    """Renders a ticket for a view; shared by the officer/team page and the OPD liaison page."""

    template = "alur/ticket.html"

    def __init__(self, view, *, opd_mode: bool = False, allowed_triggers: frozenset[str] | None = None):
        self.view = view
        self.opd_mode = opd_mode
        self.allowed_triggers = allowed_triggers

    def options(self, definition, ticket):
        options = common.runtime().engine.options(definition, ticket, current_actor())
        if self.allowed_triggers is not None:
            options = [o for o in options if o.trigger in self.allowed_triggers]
        # the pemohon/system transitions are not for console users unless they hold a role for them
        return [o for o in options if o.role_ok or not set(self._roles_of(definition, o)) <= {"pemohon", "system"}]

    @staticmethod
    def _roles_of(definition, option):
        return next((t.roles for t in definition.transitions if t.index == option.index), ())

    def render(self, ticket, *, typed: dict | None = None, errors: dict | None = None, open_trigger: str | None = None,
               alert: str | None = None, reasons: list[str] | None = None, identity: dict | None = None,
               status: int = 200, note_text: str = "", note_error: str = "", confirm_missing: bool = False):
        rt = common.runtime()
        definition = rt.engine.definition_of(ticket)
        user = current_console_user()
        show_identity = can_see_identity(ticket, user)
        confidential = ticket.confidentiality == "rahasia"
        if identity is None and show_identity and not confidential:
            identity = view_identity(ticket, "halaman pengaduan", user)
        record_fields = [f for f in definition.record if not f.identity]
        extra = {k: v for k, v in ticket.fields.items() if definition.record_field(k) is None}
        events = audit_log.timeline(rt.store, ticket.id, include_identity_views=bool(user and user.has("supervisor")))
        if self.opd_mode:  # internal notes and the office's assignments stay inside the office
            events = [e for e in events if e["kind"] not in ("note", "assignment")]
        by_trigger = {t.trigger: {f.name: f for f in t.inputs} for t in reversed(definition.transitions)}
        input_fields = {}  # a field name -> the input that last set it (several transitions share "catatan")
        for e in events:
            for name in e["inputs"]:
                if name in by_trigger.get(e["trigger"] or "", {}):
                    input_fields[name] = by_trigger[e["trigger"]][name]
        page = self.view.render(
            self.template, ticket=ticket, definition=definition, options=self.options(definition, ticket),
            evidence=None if self.opd_mode else self.evidence(ticket, user),
            clocks=common.clock_views(definition, ticket, rt.calendar),
            timeline=events, inputs_by_trigger=by_trigger,
            record_fields=record_fields, extra=extra, input_fields=input_fields,
            identity_fields=[definition.record_field(n) for n in definition.identity_fields()],
            identity=identity or {}, show_identity=show_identity, confidential=confidential,
            typed=typed or {}, errors=errors or {}, open_trigger=open_trigger, alert=alert, reasons=reasons or [],
            opd_mode=self.opd_mode, endpoint=self.view.endpoint, common=common,
            upload_limits=evidence_upload.limits(),
            ownership=None if self.opd_mode else ownership.context(ticket, definition),
            canned=lambda trigger, f: canned_for(definition, trigger, f),
            destructive=destructive_triggers(definition), confirm_missing=confirm_missing,
            form_common=FormHelpers(sector_agencies(rt.catalogs, ticket.fields.get("sektor"))),
            note_text=note_text, note_error=note_error,
            diagram_url=url_for("sop.diagram", key=ticket.definition_key, version=ticket.definition_version,
                                highlight=ticket.state) if "sop.diagram" in current_app.view_functions else None,
        )
        return page, status

    @staticmethod
    def _names_shown(ticket, user) -> bool:
        return can_see_identity(ticket, user) and ticket.confidentiality != "rahasia"

    def evidence(self, ticket, user) -> list[dict[str, Any]]:
        """The ticket's attachments as the page lists them (name, type, size, hash, time, download link).

        A rahasia ticket's files follow the identity rule: only those who may reveal the identity get a
        link (``url``), and theirs asks for a purpose first (``purpose``); everyone else sees the list only."""
        shown = self._names_shown(ticket, user)
        confidential = ticket.confidentiality == "rahasia"
        may = not confidential or can_see_identity(ticket, user)
        return [{**row, "name": row["filename"] if shown else evidence.neutral_name(row["content_type"], n),
                 "purpose": confidential and may,
                 "url": url_for(f"{self.view.endpoint}.attachment", ticket_id=ticket.id, attachment_id=row["id"])
                 if may else None}
                for n, row in enumerate(attachments.list_for(common.runtime().store, ticket.id), start=1)]

    def attachment(self, ticket, attachment_id: int):
        """One file, as a download (never rendered inline: the bytes came from outside the office).

        Every download is an audited access (`workflow.services.attachments.download`); a rahasia
        ticket's file is handed out on a POST that states its purpose (an identity access)."""
        found = next((e for e in self.evidence(ticket, current_console_user()) if e["id"] == attachment_id), None)
        if found is None:
            abort(404)
        if found["url"] is None:
            abort(403)
        purpose = (request.form.get("purpose") or "").strip() if request.method == "POST" else ""
        if found["purpose"] and not purpose:
            return self.render(ticket, status=422, alert=tr(
                "Tuliskan keperluan mengunduh bukti pengaduan rahasia; unduhan ini dicatat di jejak audit.",
                "State why you need this confidential complaint's evidence; the download is recorded in the "
                "audit trail."))
        try:
            data = attachments.download(common.runtime().store, found, current_app.instance_path,
                                        actor=current_actor(), ticket_id=ticket.id, receipt_no=ticket.receipt_no,
                                        confidential=found["purpose"], purpose=purpose or None)
        except AttachmentUnreadable as exc:
            logger.error("evidence of %s unreadable: %s", ticket.receipt_no, exc)
            return self.render(ticket, status=500, alert=tr(
                f"Berkas bukti '{found['name']}' tidak dapat dibaca atau isinya tidak cocok dengan sha256 yang "
                "tercatat di jejak audit. Hubungi admin untuk memulihkannya dari cadangan.",
                f"Evidence file '{found['name']}' cannot be read or no longer matches the sha256 recorded in the "
                "audit trail. Ask the admin to restore it from the backup."))
        response = send_file(io.BytesIO(data), mimetype=found["content_type"], as_attachment=True,
                             download_name=found["name"], max_age=0)
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "sandbox"
        return response

    def fire(self, ticket_id: int):
        ticket = load_ticket_or_404(ticket_id)
        trigger = (request.form.get("trigger") or "").strip()
        try:
            expected = int(request.form.get("expected_version") or 0)
        except ValueError:
            expected = 0
        rt = common.runtime()
        definition = rt.engine.definition_of(ticket)
        named = definition.transitions_named(trigger)
        if not named or (self.allowed_triggers is not None and trigger not in self.allowed_triggers):
            abort(400)
        fields = {f.name: f for t in named for f in t.inputs}.values()
        typed = common.form_values(fields, request.form)
        insert = request.form.get("_insert")
        if insert:  # "Sisipkan" without JavaScript: the form again, the canned answer added, nothing fired
            return self.render(ticket, typed=with_canned(definition, trigger, typed, insert,
                                                         request.form.get(f"_canned_{insert}")), open_trigger=trigger)
        raw = {k: v for k, v in typed.items() if not (isinstance(v, bool) and v is False)}
        if trigger in destructive_triggers(definition) and request.form.get("_confirm") != "ya":
            return self.render(ticket, typed=typed, open_trigger=trigger, status=422, confirm_missing=True, alert=tr(
                "Aksi ini menutup pengaduan dan tidak dapat dibatalkan. Centang konfirmasi di formulir lalu kirim "
                "lagi; isian Anda masih ada.", "This action closes the complaint and cannot be undone. Tick the "
                "confirmation in the form and submit again; what you typed is still there."))
        try:
            saved = rt.engine.fire(ticket_id, trigger, current_actor(), raw, expected_version=expected or None)
        except ConcurrentUpdate as exc:
            fresh = load_ticket_or_404(ticket_id)
            return self.render(fresh, typed=typed, open_trigger=trigger, status=409, alert=tr(
                "Pengaduan ini baru saja diubah orang lain, sehingga aksi Anda belum disimpan. Halaman sudah dimuat "
                "ulang dengan data terbaru; isian Anda masih ada di formulir di bawah. Periksa lalu kirim lagi.",
                "Someone else changed this complaint just now, so your action was not saved. The page has been "
                "reloaded with the latest data; what you typed is still in the form below. Check it and submit "
                "again.") + f" ({exc})")
        except InvalidInput as exc:
            return self.render(ticket, typed=typed, errors=exc.errors, open_trigger=trigger, status=422,
                               alert=tr("Periksa isian yang ditandai.", "Check the marked fields."))
        except TransitionRejected as exc:
            return self.render(ticket, typed=typed, open_trigger=trigger, status=409,
                               alert=tr("Aksi ditolak.", "Action refused."),
                               reasons=[tr(r.reason, r.reason_en or r.reason) for r in exc.reasons])
        label = next((t.label_en or t.label) if common.lang() == "en" else t.label for t in named)
        flash(tr(f"{label}: berhasil. Tahap sekarang: {common.state_label(definition, saved.state)}.",
                 f"{label}: done. Stage now: {common.state_label(definition, saved.state)}."), "success")
        user = current_console_user()
        if self.opd_mode and (user is None or saved.opd != user.opd):
            return redirect(url_for(f"{self.view.endpoint}.index"))  # handed back: no longer this agency's
        return redirect(url_for(f"{self.view.endpoint}.ticket", ticket_id=ticket_id))


class WorkView(SecureBaseView):
    """Work queue, ticket page, recording and receipt for petugas, tim and supervisors."""

    roles = CASE_ROLES

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.page = TicketPage(self)

    # -- queue --------------------------------------------------------------------------------------
    @expose("/")
    def index(self):
        user = current_console_user()
        tab = request.args.get("tab") or "turn"
        definition = common.definition_for()
        definitions = common.live_definitions()
        queue = self.queue(tab, user, current_actor())
        tab = queue.kind
        filters = Filters.from_args(request.args)
        order = "newest" if request.args.get("order") == "newest" else "oldest"
        rows, more = common.list_tickets(queue, filters, identity_search=user.has(*CASE_ROLES),
                                         include_secret_names=user.has("supervisor"), order=order,
                                         searcher=current_actor())
        tabs = [("turn", tr("Giliran saya", "My move")), ("mine", tr("Ditugaskan kepada saya", "Assigned to me")),
                ("team", tr("Tim saya", "My team")), ("unassigned", tr("Belum ditugaskan", "Unassigned")),
                ("all", tr("Semua terbuka", "All open"))]
        counts = common.tab_counts({key: self.queue(key, user, current_actor()) for key, _ in tabs}, filters,
                                   identity_search=user.has(*CASE_ROLES), include_secret_names=user.has("supervisor"))
        return self.render("alur/queue.html", rows=rows, more=more, filters=filters, tab=tab, order=order,
                           definition=definition, common=common, endpoint=self.endpoint, counts=counts,
                           tabs=tabs,
                           states=common.state_options(definitions), definitions=definitions,
                           catalogs=common.runtime().catalogs, can_record=user.has(*INTAKE_ROLES))

    @staticmethod
    def queue(tab: str, user, actor) -> Queue:
        """The tickets of a tab; an unknown tab is the unassigned ones."""
        if tab == "turn":
            # states where my roles act, in every definition version (e.g. petugas: diterima, dijawab, ...)
            return Queue("turn", turns=my_turn.turns(common.published_definitions(), actor.roles))
        if tab == "mine":
            return Queue("mine", assignee=user.username)
        if tab == "team":
            return Queue("team", roles=tuple(sorted(actor.roles - {"supervisor", "admin", "auditor"})))
        if tab == "all":
            return Queue("all")
        return Queue("unassigned")

    # -- ticket -----------------------------------------------------------------------------------
    @expose("/ticket/<int:ticket_id>")
    def ticket(self, ticket_id: int):
        return self.page.render(load_ticket_or_404(ticket_id))

    @expose("/ticket/<int:ticket_id>/fire", methods=("POST",))
    def fire(self, ticket_id: int):
        return self.page.fire(ticket_id)

    @expose("/ticket/<int:ticket_id>/assign", methods=("POST",))
    def assign(self, ticket_id: int):
        """Take the ticket, give it to a colleague of its lane, or release it (`admin.console.ownership`)."""
        return ownership.post_assign(self, self.page, load_ticket_or_404(ticket_id))

    @expose("/ticket/<int:ticket_id>/note", methods=("POST",))
    def note(self, ticket_id: int):
        """An internal note on the ticket, without moving it (audited; never shown to the complainant)."""
        return ownership.post_note(self, self.page, load_ticket_or_404(ticket_id))

    @expose("/ticket/<int:ticket_id>/handoff", methods=("POST",))
    def handoff(self, ticket_id: int):
        """Withdraw (or, for someone who is also a liaison, answer) one agency's part of a handoff."""
        from . import handoffs

        return handoffs.post(self, self.page, load_ticket_or_404(ticket_id))

    @expose("/ticket/<int:ticket_id>/bukti", methods=("POST",))
    def upload(self, ticket_id: int):
        """Add evidence to an open complaint (`admin.console.evidence_upload`), audited."""
        return evidence_upload.post(self, self.page, load_ticket_or_404(ticket_id))

    @expose("/ticket/<int:ticket_id>/attachment/<int:attachment_id>", methods=("GET", "POST"))
    def attachment(self, ticket_id: int, attachment_id: int):
        return self.page.attachment(load_ticket_or_404(ticket_id), attachment_id)

    @expose("/ticket/<int:ticket_id>/identity", methods=("POST",))
    def identity(self, ticket_id: int):
        """Reveal a confidential identity to a supervisor; the read and its purpose go into the audit."""
        _require("supervisor")
        ticket = load_ticket_or_404(ticket_id)
        purpose = (request.form.get("purpose") or "").strip()
        if not purpose:
            return self.page.render(ticket, status=422, alert=tr("Tuliskan keperluan melihat identitas.",
                                                                 "State why you need to see the identity."))
        if not can_see_identity(ticket):
            abort(403)
        return self.page.render(ticket, identity=view_identity(ticket, purpose))

    # -- record -----------------------------------------------------------------------------------
    @expose("/new", methods=("GET", "POST"))
    def record(self):
        _require(*INTAKE_ROLES)
        rt = common.runtime()
        choices = _intake_definitions(current_actor())
        definition = _chosen(choices, request.values.get("_definisi"))  # "_": no record field can be named so
        if definition is None:
            flash(tr("Belum ada definisi SOP yang diterbitkan.", "No SOP definition has been published."), "danger")
            return redirect(url_for(".index"))
        typed: dict[str, Any] = {}
        errors: dict[str, str] = {}
        if request.method == "GET":  # prefilled from a link (a complaint box session: its channel and day)
            typed = {f.name: request.args[f.name] for f in definition.record
                     if f.name in request.args and not f.identity and f.type in PREFILLED_TYPES}
        if request.method == "POST":
            typed = common.form_values(definition.record, request.form)
            raw = {k: v for k, v in typed.items() if not (isinstance(v, bool) and v is False)}
            uploads = evidence_upload.checked(errors)  # the desk's scans: checked like the public form's
            try:
                if errors:
                    raise InvalidInput(errors)
                opened = file_complaint(rt, raw, current_actor(), definition_key=definition.key, uploads=uploads,
                                        instance_path=current_app.instance_path)
            except InvalidInput as exc:
                errors = exc.errors
            except (UnknownDefinition, AlurError) as exc:
                flash(str(exc), "danger")
            else:
                # the tracking token and PIN exist only now: keep them for the receipt (reloads and reprints)
                receipt_codes.keep(opened.ticket.id, opened.token, opened.pin)
                flash(tr(f"Pengaduan {opened.ticket.receipt_no} tercatat.",
                         f"Complaint {opened.ticket.receipt_no} recorded."), "success")
                return redirect(url_for(".receipt", ticket_id=opened.ticket.id))
        kanal = rt.catalogs.get("kanal")
        channels = [(e.code, (e.label_en or e.label) if common.lang() == "en" else e.label,
                     bool(e.extra.get("collection_date")))
                    for e in kanal.entries.values()] if kanal is not None else []
        return self.render("alur/record.html", definition=definition, typed=typed, errors=errors, common=common,
                           channels=channels, choices=choices, upload_limits=evidence_upload.limits(),
                           status=422 if errors else 200), 422 if errors else 200

    @expose("/receipt/<int:ticket_id>")
    def receipt(self, ticket_id: int):
        _require(*INTAKE_ROLES, "supervisor")
        ticket = load_ticket_or_404(ticket_id)
        rt = common.runtime()
        definition = rt.engine.definition_of(ticket)
        kept = receipt_codes.codes(ticket_id, ticket.receipt_no, rt.public_url)
        promise = common.promise_clock(definition)
        due = next((c.due_at for c in sorted(ticket.clocks, key=lambda c: -c.run)
                    if promise is not None and c.clock == promise.key), None)
        identity = view_identity(ticket, "resi pengaduan") if ticket.confidentiality != "rahasia" else {}
        return self.render("alur/receipt.html", ticket=ticket, definition=definition, token=kept["token"],
                           tracking=kept["tracking"], pin=kept["pin"], qr=kept["qr"], due=due, promise=promise,
                           identity=identity, common=common)


def _intake_definitions(actor) -> list:
    """The live definitions this user records complaints on: those where one of their roles acts in the
    initial state (the default intake definition first)."""
    default = common.definition_for()
    found = [d for d in common.live_definitions() if actor.roles & set(d.states[d.initial].actors)]
    return sorted(found, key=lambda d: (default is None or d.key != default.key, d.key))


def _chosen(choices: list, key: str | None):
    """The definition asked for (``_definisi``) among ``choices``, else the first; None when there is none."""
    return next((d for d in choices if d.key == key), choices[0] if choices else None)


def register(admin, app) -> None:
    from . import Text

    admin.add_view(WorkView(name=Text("Antrean kerja", "Work queue"), endpoint="work", url="/admin/work"))


__all__ = ["WorkView", "TicketPage", "register", "load_ticket_or_404"]
