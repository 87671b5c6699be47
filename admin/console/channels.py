"""Complaints that arrive on paper and by referral (issue 16): the complaint box and dispositions.

"Kotak pengaduan" (``/admin/kotak-pengaduan``, those who record complaints): open a session for the day the
box was opened (checked against the SOP's box days), record each form found on the usual record form (its
channel and box date filled in), and close the session with the number of forms found, audited as one event
(`workflow.services.box`).

"Disposisi" (``/admin/disposisi``, case workers): the open referrals from SP4N-LAPOR!, the Ombudsman and the
DPRD with each body's reference number, its deadline and the status updates it expects, soonest first; an
update made in the body's system is ticked off here (audited), and the list exports to CSV and XLSX so an
officer can update LAPOR! in one pass (`workflow.services.dispositions`). The ticket page shows the same.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

from flask import Flask, Response, abort, flash, redirect, request, url_for
from flask_admin import expose

from workflow.core.box import box_channels, latest_box_day
from workflow.core.calendar import OFFICE_TZ
from workflow.core.dates import HARI, said
from workflow.core.dispositions import rules
from workflow.errors import BoxSessionRefused, DispositionRefused, TicketNotFound
from workflow.reports.cells import neutral
from workflow.services import box as box_service
from workflow.services import dispositions as disposition_service
from workflow.store.queries.dispositions import referrals

from ..auth import CASE_ROLES, INTAKE_ROLES, SecureBaseView, current_actor, current_console_user
from . import common
from .common import tr


def _box_definitions() -> list:
    """Live definitions the user records on that have a box channel."""
    actor = current_actor()
    rt = common.runtime()
    return [d for d in common.live_definitions()
            if actor.roles & set(box_service.intake_roles(d)) and box_channels(d, rt.catalogs)]


def _today() -> date:
    return common.utcnow().astimezone(OFFICE_TZ).date()


class BoxView(SecureBaseView):
    """Kotak pengaduan: sessions of opening the complaint box."""

    roles = frozenset(INTAKE_ROLES | {"supervisor"})

    @expose("/")
    def index(self):
        rt = common.runtime()
        choices = _box_definitions()
        suggested = {d.key: latest_box_day(d, box_channels(d, rt.catalogs)[0], _today()).isoformat()
                     for d in choices}
        titles = {d.key: common.definition_title(d) for d in common.live_definitions()}
        return self.render("alur/box_index.html", sessions=box_service.recent_sessions(rt), choices=choices,
                           suggested=suggested, titles=titles, today=_today().isoformat())

    @expose("/buka", methods=("POST",))
    def open(self):
        if not current_console_user().has(*INTAKE_ROLES):
            abort(403)
        try:
            day = date.fromisoformat(request.form.get("tanggal", ""))
        except ValueError:
            flash(tr("Isi tanggal pembukaan kotak (tttt-bb-hh).", "Enter the day the box was opened."), "danger")
            return redirect(url_for(".index"))
        try:
            session = box_service.open_session(common.runtime(), current_actor(), request.form.get("definisi", ""),
                                               day)
        except BoxSessionRefused as exc:
            flash(tr(f"Sesi tidak dapat dibuka: {exc}", f"The session cannot be opened: {exc}"), "danger")
            return redirect(url_for(".index"))
        return redirect(url_for(".session", session_id=session.id))

    @expose("/<int:session_id>")
    def session(self, session_id: int):
        rt = common.runtime()
        try:
            session, channel, recorded = box_service.session_view(rt, session_id)
        except BoxSessionRefused:
            abort(404)
        definition = rt.engine.definition(session.definition_key)
        record_url = url_for("work.record", _definisi=definition.key, kanal=channel.code,
                             **{channel.field: session.opened_on.isoformat()})
        return self.render("alur/box_session.html", session=session, channel=channel, recorded=recorded,
                           definition=definition, record_url=record_url,
                           may_record=current_console_user().has(*INTAKE_ROLES))

    @expose("/<int:session_id>/tutup", methods=("POST",))
    def close(self, session_id: int):
        if not current_console_user().has(*INTAKE_ROLES):
            abort(403)
        try:
            forms = int(request.form.get("formulir", ""))
        except ValueError:
            flash(tr("Isi jumlah formulir yang ditemukan di kotak (angka, 0 bila kosong).",
                     "Enter the number of forms found in the box (0 when empty)."), "danger")
            return redirect(url_for(".session", session_id=session_id))
        try:
            box_service.close_session(common.runtime(), current_actor(), session_id, forms,
                                      request.form.get("catatan", ""))
        except BoxSessionRefused as exc:
            flash(tr(f"Sesi belum dapat ditutup: {exc}", f"The session cannot be closed yet: {exc}"), "danger")
        else:
            flash(tr("Sesi kotak pengaduan ditutup dan dicatat di jejak audit.",
                     "The box session is closed and recorded in the audit trail."), "success")
        return redirect(url_for(".session", session_id=session_id))


def _bodies() -> dict:
    return rules(common.runtime().catalogs)


def _listed(channel: str | None):
    rt = common.runtime()
    codes = [c for c in _bodies() if not channel or c == channel]
    return disposition_service.listed(rt, referrals(rt.store, codes))


EXPORT_HEADER = ("Instansi perujuk", "Nomor rujukan", "Nomor resi", "Tahap", "Diterima", "Batas waktu instansi",
                 "Pembaruan berikutnya", "Jatuh tempo pembaruan", "Terlambat")


def _export_rows(listed) -> list[tuple]:
    now = common.utcnow()
    out = []
    for row, d in listed:
        definition = common.definition_for(row["definition_key"])
        nxt = d.next_open()
        out.append((d.rule.body, d.reference, row["receipt_no"], common.state_label(definition, row["state"]),
                    common.wib(row["created_at"], "short"), common.wib(d.body_due, "short") if d.body_due else "-",
                    nxt.obligation.label if nxt else "-", common.wib(nxt.due_at, "short") if nxt else "-",
                    "ya" if d.overdue(now) else "tidak"))
    return out


class DispositionsView(SecureBaseView):
    """Disposisi: open referrals and the status updates their bodies expect."""

    roles = frozenset(CASE_ROLES | INTAKE_ROLES)

    @expose("/")
    def index(self):
        channel = request.args.get("instansi") or None
        listed = _listed(channel)
        titles = {r["definition_key"]: common.definition_for(r["definition_key"]) for r, _ in listed}
        return self.render("alur/dispositions.html", listed=listed, bodies=_bodies(), channel=channel,
                           definitions=titles, now=common.utcnow(), state_label=common.state_label, lang=common.lang())

    @expose("/ekspor.<kind>")
    def export(self, kind: str):
        if kind not in ("csv", "xlsx"):
            abort(404)
        rows = [tuple(neutral(v) for v in r) for r in _export_rows(_listed(request.args.get("instansi") or None))]
        stamp = datetime.now(OFFICE_TZ).strftime("%Y%m%d-%H%M")
        if kind == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(EXPORT_HEADER)
            writer.writerows(rows)
            data, mime = ("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"
        else:
            from openpyxl import Workbook

            book = Workbook()
            sheet = book.active
            sheet.title = "Disposisi"
            sheet.append(EXPORT_HEADER)
            for r in rows:
                sheet.append(list(r))
            buffer = io.BytesIO()
            book.save(buffer)
            data = buffer.getvalue()
            mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(data, mimetype=mime, headers={
            "Content-Disposition": f'attachment; filename="disposisi-{stamp}.{kind}"', "Cache-Control": "no-store"})

    @expose("/<int:ticket_id>/<obligation>", methods=("POST",))
    def mark(self, ticket_id: int, obligation: str):
        try:
            disposition_service.mark_done(common.runtime(), current_actor(), ticket_id, obligation,
                                          request.form.get("catatan", ""))
        except TicketNotFound:
            abort(404)
        except DispositionRefused as exc:
            flash(str(exc), "danger")
        else:
            flash(tr("Pembaruan status dicatat.", "Status update recorded."), "success")
        back = request.form.get("kembali")
        if back == "tiket":
            return redirect(url_for("work.ticket", ticket_id=ticket_id) + "#disposisi")
        return redirect(url_for(".index", instansi=request.form.get("instansi") or None))


def disposition_for(ticket):
    """The ticket page's disposition card (None for a ticket that did not come by referral)."""
    try:
        return disposition_service.of_ticket(common.runtime(), ticket)
    except ValueError:  # a catalog declaration an office broke: the page still opens
        return None


def channel_fields() -> dict[str, list[str]]:
    """Record fields that belong to some channels only, with those channels: the box date (``collection_date``)
    and a referral's reference and deadline fields (``disposition``), from the channel catalog. The record form
    shows each beside the channel and only when one of its channels is chosen."""
    catalogs = common.runtime().catalogs
    kanal, referrals_by_channel = catalogs.get("kanal"), rules(catalogs)
    found: dict[str, list[str]] = {}
    for entry in (kanal.entries.values() if kanal is not None else ()):
        box = entry.extra.get("collection_date")
        names = [box] if isinstance(box, str) else []
        rule = referrals_by_channel.get(entry.code)
        if rule is not None:
            names += [rule.reference_field] + ([rule.due_field] if rule.due_field else [])
        for name in names:
            found.setdefault(name, []).append(entry.code)
    return found


def day_label(day: date) -> str:
    """A day as people say it: "Kamis, 26 November 2026" (English: "Thursday, 26 November 2026")."""
    if common.lang() == "en":
        return day.strftime("%A, %-d %B %Y")
    return f"{HARI[day.weekday()]}, {said(day)}"


def register(admin, app: Flask) -> None:
    from . import Text

    admin.add_view(BoxView(name=Text("Kotak pengaduan", "Complaint box"), endpoint="box",
                           url="/admin/kotak-pengaduan"))
    admin.add_view(DispositionsView(name=Text("Disposisi", "Referrals"), endpoint="dispositions",
                                    url="/admin/disposisi"))
    app.jinja_env.globals["disposition_for"] = disposition_for
    app.jinja_env.globals["channel_fields"] = channel_fields
    app.jinja_env.globals["day_label"] = day_label


__all__ = ["BoxView", "DispositionsView", "register", "disposition_for", "channel_fields"]
