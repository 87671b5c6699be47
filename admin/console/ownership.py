"""Ownership and internal notes on the officers' ticket page (`workflow.services.assignment`).

The card *Penanganan* says who holds the ticket and offers, to those who may: *Ambil* (take it),
*Tugaskan* to a colleague of the ticket's lane, *Lepaskan* (release). Below it, *Catatan internal*: a note
written on the ticket without moving it, kept in the audit trail and listed on the timeline; notes are
never shown on the OPD liaison pages, the public tracking page or the API's public views. Each form
carries the CSRF token (and the assignment forms the ticket version: a stale page is told to reload).
"""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for

from workflow.core import assignment as core
from workflow.errors import AssignmentRefused, ConcurrentUpdate
from workflow.services import assignment

from ..auth import current_actor
from . import common
from .common import tr

ACTIONS = ("take", "assign", "release")


def _role_label(definition, key: str) -> str:
    role = definition.roles.get(key)
    if role is None:
        return key
    return (role.label_en or role.label) if common.lang() == "en" else role.label


def context(ticket, definition) -> dict[str, Any]:
    """What the ownership card shows: the holder, the actions the user may take, the colleagues to choose."""
    rt = common.runtime()
    actor = current_actor()
    people = assignment.people(rt)
    names = {p.username: p.name for p in people}
    may = core.may_own(definition, ticket, actor)
    boss = core.supervises(definition, actor)
    lane = core.lane_roles(definition, ticket.state)
    return {
        "holder": ticket.assignee_id, "holder_name": names.get(ticket.assignee_id or "", ticket.assignee_id),
        "team": _role_label(definition, ticket.assignee_role) if ticket.assignee_role else "",
        "lane": ", ".join(_role_label(definition, r) for r in sorted(lane)),
        "can_take": may and ticket.assignee_id != actor.id and bool(actor.roles & lane),
        "can_release": ticket.closed_at is None and ticket.assignee_id is not None
        and (ticket.assignee_id == actor.id or boss),
        "colleagues": [p for p in core.colleagues(definition, ticket, people) if p.username != ticket.assignee_id]
        if may else [],
        "mine": ticket.assignee_id == actor.id,
        "can_note": bool(actor.roles & {r for r, role in definition.roles.items() if not role.system}),
        "note_max": core.NOTE_MAX,
    }


def post_assign(view, page, ticket):
    """Take, assign or release (``action``), then back to the ticket with what happened."""
    action = request.form.get("action") or ""
    if action not in ACTIONS:
        return page.render(ticket, status=400, alert=tr("Aksi penugasan tidak dikenal.", "Unknown assignment action."))
    try:
        expected = int(request.form.get("expected_version") or 0) or None
    except ValueError:
        expected = None
    rt, actor = common.runtime(), current_actor()
    try:
        if action == "take":
            saved = assignment.take(rt, ticket.id, actor, expected_version=expected)
        elif action == "release":
            saved = assignment.release(rt, ticket.id, actor, expected_version=expected)
        else:
            saved = assignment.assign(rt, ticket.id, actor, (request.form.get("to") or "").strip(),
                                      expected_version=expected)
    except ConcurrentUpdate:
        fresh = common.runtime().engine.load(ticket.id)
        return page.render(fresh, status=409, alert=tr(
            "Pengaduan ini baru saja diubah orang lain; penugasan belum diubah. Halaman sudah dimuat ulang: periksa "
            "lalu ulangi.", "Someone else changed this complaint just now; the assignment was not changed. The page "
            "has been reloaded: check it and try again."))
    except AssignmentRefused as exc:
        return page.render(ticket, status=409, alert=tr(exc.reason, exc.reason_en))
    holder = saved.assignee_id
    flash({"take": tr("Pengaduan ini sekarang Anda pegang.", "You now hold this complaint."),
           "release": tr("Pengaduan dilepas; sekarang tidak dipegang siapa pun.",
                         "Complaint released; nobody holds it now."),
           "assign": tr(f"Pengaduan ditugaskan kepada {holder}.", f"Complaint assigned to {holder}.")}[action],
          "success")
    return redirect(url_for(f"{view.endpoint}.ticket", ticket_id=ticket.id))


def post_note(view, page, ticket):
    """Save an internal note; on a refusal the page comes back with the text still in the box."""
    text = request.form.get("note") or ""
    try:
        assignment.add_note(common.runtime(), ticket.id, current_actor(), text)
    except AssignmentRefused as exc:
        return page.render(ticket, status=422, note_text=text, note_error=tr(exc.reason, exc.reason_en))
    flash(tr("Catatan internal disimpan (tidak terlihat oleh pengadu).",
             "Internal note saved (not visible to the complainant)."), "success")
    return redirect(url_for(f"{view.endpoint}.ticket", ticket_id=ticket.id) + "#timeline")


__all__ = ["context", "post_assign", "post_note", "ACTIONS"]
