"""Handoffs on the console: each agency's part of a ticket handed to several agencies at once.

On the ticket page (`alur/_handoffs.html`, included by ``alur/ticket.html``) the team sees every agency's
part (status, its acknowledge and answer deadlines, its answer) and may withdraw one; a liaison, on the OPD
pages, sees and answers only their own agency's part. The liaison's inbox lists the tickets on which their
agency has a part still open (`workflow.store.queries.handoffs`). Every action goes through
`workflow.services.handoffs.act`; the form carries the ticket's version, so a concurrent change is reported
and what was typed is shown again.
"""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for

from workflow.core import handoffs as core
from workflow.errors import ConcurrentUpdate, InvalidInput, TransitionRejected
from workflow.services import handoffs as service
from workflow.spec.model import Field
from workflow.store.queries import handoffs as inbox
from workflow.store.rules.at_risk import is_at_risk
from workflow.store.rules.overdue import is_overdue

from ..auth import current_actor, current_console_user
from . import common
from .common import tr

REASON = Field(name=core.REASON_FIELD, type="textarea", label="Alasan penarikan", label_en="Why it is withdrawn",
               required=True)
ACTIONS = {
    "terima": ("Konfirmasi penerimaan", "Acknowledge"),
    "jawab": ("Kirim jawaban instansi", "Send the agency's answer"),
    "tarik": ("Tarik permintaan", "Withdraw the request"),
}


def _label(pair: tuple[str, str]) -> str:
    return tr(*pair)


def _clock(ticket, definition, name: str, agency: str) -> dict[str, Any] | None:
    run = ticket.clock(name, party=agency)
    if run is None:
        return None
    spec = definition.clocks.get(name)
    now = common.utcnow()
    label = ((spec.label_en or spec.label) if common.lang() == "en" else spec.label) if spec else name
    return {"label": label, "status": run.status, "due_at": run.due_at, "overdue": is_overdue(run, now),
            "at_risk": is_at_risk(run, now) and not is_overdue(run, now)}


def panel(ticket, definition, opd_mode: bool = False) -> list[dict[str, Any]]:
    """The parts the signed-in user may see (a liaison: their agency's only), latest round of each handoff,
    with the actions they may take now."""
    if not ticket.handoffs:
        return []
    user, actor = current_console_user(), current_actor()
    latest = {}
    for part in ticket.handoffs:
        latest[part.handoff] = max(latest.get(part.handoff, 0), part.round)
    out = []
    for part in ticket.handoffs:
        h = definition.handoffs.get(part.handoff)
        if h is None or part.round != latest[part.handoff] or (opd_mode and (user is None or part.agency != user.opd)):
            continue
        actions = []
        for action in ("terima", "jawab", "tarik"):
            ok, _ = core.allowed(definition, ticket, h.key, part.agency, action, actor)
            if ok:
                inputs = h.inputs if action == "jawab" else (REASON,) if action == "tarik" else ()
                actions.append({"action": action, "label": _label(ACTIONS[action]), "inputs": inputs,
                                "key": f"{h.key}:{part.agency}:{action}"})
        fields = {f.name: f for f in h.inputs}
        out.append({"handoff": h.key, "title": (h.label_en or h.label) if common.lang() == "en" else h.label,
                    "agency": part.agency, "agency_label": common.catalog_label("opd", part.agency),
                    "status": part.status, "status_label": _label(core.STATUS_LABELS[part.status]),
                    "open": part.open, "requested_at": part.requested_at, "acknowledged_at": part.acknowledged_at,
                    "closed_at": part.closed_at, "reason": part.reason,
                    "request": ticket.fields.get(h.request) if h.request else None,
                    "answer": [(common.field_label(fields[k]) if k in fields else k,
                                common.display_value(fields.get(k), v)) for k, v in part.answer.items()],
                    "clocks": [c for c in (_clock(ticket, definition, h.acknowledge, part.agency),
                                           _clock(ticket, definition, h.answer, part.agency)) if c],
                    "actions": actions})
    return out


def agency_inbox(agency: str | None) -> list[dict[str, Any]]:
    """The liaison's open parts: ticket, stage, the clock it is on and its due time (no identity)."""
    if not agency:
        return []
    rt = common.runtime()
    rows = inbox.open_for(rt.store, agency)
    for row in rows:
        try:
            definition = rt.engine.definition(row["definition_key"], row["definition_version"])
        except Exception:  # noqa: BLE001 - a version that no longer loads still lists its ticket
            definition = None
        spec = definition.clocks.get(row["clock"]) if definition else None
        row["clock_label"] = (spec.label_en or spec.label) if spec and common.lang() == "en" else \
            (spec.label if spec else row["clock"])
        row["state_label"] = common.state_label(definition, row["state"])
        row["overdue"] = row["due_at"] is not None and row["due_at"] < common.utcnow()
    return rows


def post(view, page, ticket) -> Any:
    """One action on one part, posted from the ticket page of ``view`` (the work or the OPD view)."""
    form = request.form
    handoff, agency, action = (form.get(k, "").strip() for k in ("handoff", "agency", "action"))
    try:
        expected = int(form.get("expected_version") or 0) or None
    except ValueError:
        expected = None
    definition = common.runtime().engine.definition_of(ticket)
    h = definition.handoffs.get(handoff)
    fields = (h.inputs if action == "jawab" else (REASON,)) if h is not None else ()
    typed = common.form_values(fields, form)
    raw = {k: v for k, v in typed.items() if not (isinstance(v, bool) and v is False)}
    key = f"{handoff}:{agency}:{action}"
    try:
        service.act(common.runtime().engine, ticket.id, handoff, agency, action, current_actor(), raw,
                    expected_version=expected)
    except InvalidInput as exc:
        return page.render(ticket, typed=typed, errors=exc.errors, open_trigger=key, status=422,
                           alert=tr("Periksa isian yang ditandai.", "Check the marked fields."))
    except TransitionRejected as exc:
        return page.render(ticket, typed=typed, open_trigger=key, status=409, alert=tr("Aksi ditolak.",
                           "Action refused."), reasons=[r.reason for r in exc.reasons])
    except ConcurrentUpdate as exc:
        fresh = common.runtime().engine.load(ticket.id)
        return page.render(fresh, typed=typed, open_trigger=key, status=409, alert=tr(
            "Pengaduan ini baru saja diubah orang lain; isian Anda masih ada di formulir. Periksa lalu kirim lagi.",
            "Someone else changed this complaint just now; what you typed is still in the form. Check it and "
            "submit again.") + f" ({exc})")
    flash(tr(f"{ACTIONS.get(action, (action,))[0]}: berhasil ({common.catalog_label('opd', agency)}).",
             f"{ACTIONS.get(action, (action, action))[1]}: done ({common.catalog_label('opd', agency)})."), "success")
    return redirect(url_for(f"{view.endpoint}.ticket", ticket_id=ticket.id))


def event_label(event: dict) -> str:
    """A handoff's audit row on the timeline, as people say it: "Dinas X: jawaban dikirim"."""
    detail = event.get("detail") or {}
    label = _label(core.ACTION_LABELS.get(detail.get("action"), (detail.get("action") or "", "")))
    agency = detail.get("agency")
    return f"{label}: {common.catalog_label('opd', agency)}" if agency else label


def register(admin, app) -> None:
    """No page of its own: the ticket pages include the panel (`handoff_panel`) and name its timeline rows
    (`handoff_event`), the OPD page lists the inbox (`handoff_inbox`)."""
    app.jinja_env.globals["handoff_panel"] = panel
    app.jinja_env.globals["handoff_inbox"] = agency_inbox
    app.jinja_env.globals["handoff_event"] = event_label


__all__ = ["panel", "agency_inbox", "post", "event_label", "register", "REASON", "ACTIONS"]
