"""Handoffs to several agencies at once, decided without IO: hand over, acknowledge, answer, withdraw.

A definition's handoff (`workflow.spec.model.Handoff`) waits in one state. Entering it hands the ticket
to each agency named in the handoff's field: one `HandoffPart` per agency (status ``menunggu``) and a run
of the ``acknowledge`` clock for it (``party`` = the agency). The agency's liaison acknowledges
(``terima``: the acknowledge run stops, an ``answer`` run starts) and answers (``jawab``: it stops, the
answer is kept on the part); the team may withdraw a part (``tarik``, with a reason). When no part of
the round is open any more, the ticket moves on to the handoff's ``then`` state by itself. Leaving the
waiting state by a transition (a withdrawal of the whole complaint, say) cancels the open parts.

Each action returns a `Change` (the ticket, its audit rows, its notices) that the service
(`workflow.services.handoffs`) saves in one transaction, as a fire does. Refusals say why, in Indonesian.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from workflow.core.audit import AuditEvent
from workflow.core.calendar import OFFICE_TZ
from workflow.core.clocks import Calendar, apply_clock_rules, gross_seconds, start_run, stop
from workflow.core.guards import Actor
from workflow.core.inputs import validate_fields
from workflow.core.ticket import Change, HandoffPart, Notice, Ticket
from workflow.errors import InvalidInput, Refusal, TransitionRejected
from workflow.spec.catalog import Catalogs
from workflow.spec.model import Definition, Handoff

ACTIONS = ("terima", "jawab", "tarik")
REASON_FIELD = "alasan"  # what a withdrawal must say
STATUS_LABELS = {
    "menunggu": ("Menunggu konfirmasi", "Awaiting acknowledgement"),
    "diproses": ("Sedang diproses", "Being handled"),
    "dijawab": ("Sudah dijawab", "Answered"),
    "ditarik": ("Ditarik", "Withdrawn"),
    "dibatalkan": ("Dibatalkan", "Cancelled"),
}
ACTION_LABELS = {
    "serah": ("Diserahkan ke instansi", "Handed to the agency"),
    "terima": ("Instansi mengonfirmasi penerimaan", "Agency acknowledged"),
    "jawab": ("Instansi mengirim jawaban", "Agency answered"),
    "tarik": ("Permintaan kepada instansi ditarik", "Request to the agency withdrawn"),
    "batal": ("Permintaan kepada instansi dibatalkan", "Request to the agency cancelled"),
    "selesai": ("Semua instansi telah menjawab", "Every agency has answered"),
}


def agencies_of(value: Any) -> list[str]:
    """The agency codes a field holds (one code, or a list of them), in order, each once."""
    items = value if isinstance(value, (list, tuple)) else [value] if value else []
    return list(dict.fromkeys(str(v) for v in items if v))


# -- moves of the ticket ---------------------------------------------------------------------------------
def on_move(definition: Definition, ticket: Ticket, source: str, values: Mapping[str, Any], actor: Actor,
            now: datetime, calendar: Calendar) -> tuple[list[AuditEvent], list[Notice]]:
    """What a fire from ``source`` to ``ticket.state`` does to handoffs: cancel the parts of the state it
    leaves, hand over to the agencies of the state it enters. ``ticket`` is the fire's copy, changed here."""
    events: list[AuditEvent] = []
    notices: list[Notice] = []
    if source == ticket.state:
        return events, notices
    left = definition.handoff_in(source)
    if left is not None:
        for part in _open_parts(ticket, left.key):
            _close(ticket, left, part, "dibatalkan", now, calendar, actor, reason=f"pengaduan berpindah ke tahap "
                   f"'{definition.states[ticket.state].label}'")
            events.append(_event(ticket, left, part, "batal", actor, now, detail={"reason": part.reason}))
    entered = definition.handoff_in(ticket.state)
    if entered is not None:
        codes = agencies_of(values.get(entered.agencies) or ticket.fields.get(entered.agencies))
        if not codes:
            raise TransitionRejected(entered.key, [Refusal("input", f"{entered.agencies}: pilih setidaknya satu "
                                                           "instansi yang diminta menindaklanjuti")])
        events.extend(_hand_over(definition, ticket, entered, codes, actor, now, calendar, notices))
    return events, notices


def _hand_over(definition: Definition, ticket: Ticket, h: Handoff, codes: list[str], actor: Actor,
               now: datetime, calendar: Calendar, notices: list[Notice]) -> list[AuditEvent]:
    round_no = max((p.round for p in ticket.handoffs if p.handoff == h.key), default=0) + 1
    events = []
    for code in codes:
        part = HandoffPart(handoff=h.key, agency=code, round=round_no, status="menunggu", requested_at=now,
                           by=actor.id)
        ticket.handoffs.append(part)
        run = start_run(ticket, definition.clocks[h.acknowledge], now, calendar, party=code)
        ticket.clocks.append(run)
        if h.template:
            notices.append(Notice(h.template, f"opd:{code}", {"handoff": h.key, "agency": code,
                                                              "clock": h.acknowledge}))
        events.append(_event(ticket, h, part, "serah", actor, now, detail={"due_at": run.due_at}))
    return events


# -- an agency's part --------------------------------------------------------------------------------
def act(definition: Definition, ticket: Ticket, handoff: str, agency: str, action: str, actor: Actor,
        inputs: Mapping[str, Any], *, now: datetime, calendar: Calendar, catalogs: Catalogs) -> Change:
    """The change one action on one agency's part makes; `TransitionRejected` / `InvalidInput` otherwise."""
    h, part = _checked(definition, ticket, handoff, agency, action, actor)
    after = ticket.copy()
    part = after.part(h.key, agency)
    assert part is not None
    values: dict[str, Any] = {}
    if action == "terima":
        _stop_party(after, h.acknowledge, agency, now, calendar)
        after.clocks.append(start_run(after, definition.clocks[h.answer], now, calendar, party=agency))
        part.status, part.acknowledged_at, part.by = "diproses", now, actor.id
    elif action == "jawab":
        values, errors = validate_fields(h.inputs, inputs, catalogs, today=now.astimezone(OFFICE_TZ).date())
        if errors:
            raise InvalidInput(errors)
        part.answer = dict(values)
        _close(after, h, part, "dijawab", now, calendar, actor)
    else:
        reason = str(inputs.get(REASON_FIELD) or "").strip()
        if not reason:
            raise InvalidInput({REASON_FIELD: "wajib diisi: tuliskan mengapa permintaan kepada instansi ini ditarik"})
        values = {REASON_FIELD: reason}
        _close(after, h, part, "ditarik", now, calendar, actor, reason=reason)
    after.updated_at = now
    events = [_event(after, h, part, action, actor, now, inputs=values)]
    notices: list[Notice] = []
    if not _open_parts(after, h.key):
        events.append(_move_on(definition, after, h, actor, now, calendar))
        if h.done:
            notices.extend(Notice(h.done[0], who, {"handoff": h.key}) for who in h.done[1:])
    return Change(ticket=after, expected_version=ticket.version, audit=events, notices=notices)


def allowed(definition: Definition, ticket: Ticket, handoff: str, agency: str, action: str,
            actor: Actor) -> tuple[bool, str]:
    """Whether ``actor`` may take ``action`` on the part now, and if not, why (for buttons and the CLI)."""
    try:
        _checked(definition, ticket, handoff, agency, action, actor)
    except TransitionRejected as exc:
        return False, "; ".join(r.reason for r in exc.reasons)
    return True, ""


def _checked(definition: Definition, ticket: Ticket, handoff: str, agency: str, action: str,
             actor: Actor) -> tuple[Handoff, HandoffPart]:
    def refuse(kind: str, reason: str):
        raise TransitionRejected(f"{handoff}:{action}", [Refusal(kind, reason)])

    h = definition.handoffs.get(handoff)
    if h is None or action not in ACTIONS:
        refuse("unknown_trigger", f"tindakan '{action}' pada serah terima '{handoff}' tidak ada dalam definisi "
               f"{definition.key} v{definition.version}")
    part = ticket.part(h.key, agency)
    if ticket.state != h.state or part is None or not part.open:
        refuse("state", f"permintaan kepada {agency} sudah tidak berjalan"
               + (f" ({STATUS_LABELS[part.status][0].lower()})" if part is not None else ""))
    if action == "tarik":
        if not actor.roles & set(h.withdraw):
            refuse("role", f"hanya {', '.join(h.withdraw) or 'tidak ada peran'} yang dapat menarik permintaan")
        return h, part
    if not actor.roles & set(h.roles) or actor.opd != agency:
        refuse("role", f"hanya penghubung {agency} yang dapat menanggapi bagian instansi ini")
    if action == "terima" and part.status != "menunggu":
        refuse("state", "penerimaan sudah dikonfirmasi")
    return h, part


def _close(ticket: Ticket, h: Handoff, part: HandoffPart, status: str, now: datetime, calendar: Calendar,
           actor: Actor, reason: str = "") -> None:
    for clock in (h.acknowledge, h.answer):
        _stop_party(ticket, clock, part.agency, now, calendar)
    part.status, part.closed_at, part.by = status, now, actor.id
    if reason:
        part.reason = reason


def _stop_party(ticket: Ticket, clock: str, agency: str, now: datetime, calendar: Calendar) -> None:
    run = ticket.clock(clock, party=agency)
    if run is not None and run.status != "stopped":
        stop(run, now, calendar)


def _open_parts(ticket: Ticket, handoff: str) -> list[HandoffPart]:
    return [p for p in ticket.handoffs if p.handoff == handoff and p.open]


def _move_on(definition: Definition, ticket: Ticket, h: Handoff, actor: Actor, now: datetime,
             calendar: Calendar) -> AuditEvent:
    """Every part is closed: the ticket goes to ``then``, its clocks following the usual rules."""
    source, dest = ticket.state, h.then
    ticket.state = dest
    ticket.entered[dest] = now
    explicit: list[tuple[str, str]] = []
    state = definition.states[dest]
    if state.terminal:
        ticket.outcome, ticket.closed_at = state.outcome, now
        explicit.extend(("stop", c.clock) for c in ticket.clocks if c.status != "stopped" and c.party is None)
    notes = apply_clock_rules(definition, ticket, trigger=f"handoff:{h.key}", source=source, dest=dest,
                              explicit=explicit, now=now, calendar=calendar)
    answered = [p.agency for p in ticket.handoffs if p.handoff == h.key and p.status == "dijawab"]
    return AuditEvent(kind="handoff", at=now, actor_id=actor.id, actor_role="", ticket_id=ticket.id,
                      receipt_no=ticket.receipt_no, trigger=f"handoff:{h.key}", from_state=source, to_state=dest,
                      definition_key=definition.key, definition_version=definition.version,
                      detail={"handoff": h.key, "action": "selesai", "answered": answered,
                              **({"clocks": notes} if notes else {})})


def _event(ticket: Ticket, h: Handoff, part: HandoffPart, action: str, actor: Actor, now: datetime, *,
           inputs: Mapping[str, Any] | None = None, detail: Mapping[str, Any] | None = None) -> AuditEvent:
    role = next(iter(sorted(actor.roles & set(h.roles if action in ("terima", "jawab") else h.withdraw))), "")
    return AuditEvent(kind="handoff", at=now, actor_id=actor.id, actor_role=role, ticket_id=ticket.id,
                      receipt_no=ticket.receipt_no, trigger=f"handoff:{h.key}", from_state=ticket.state,
                      to_state=ticket.state, inputs=dict(inputs or {}), definition_key=ticket.definition_key,
                      definition_version=ticket.definition_version,
                      detail={"handoff": h.key, "agency": part.agency, "action": action, "round": part.round,
                              **dict(detail or {})})


def waiting_seconds(part: HandoffPart, ticket: Ticket, clock: str, now: datetime) -> float:
    """How long the agency has had its current phase (gross), for lists."""
    run = ticket.clock(clock, party=part.agency)
    return gross_seconds(run, now) if run is not None else 0.0


__all__ = ["ACTIONS", "STATUS_LABELS", "ACTION_LABELS", "agencies_of", "on_move", "act", "allowed",
           "waiting_seconds"]
