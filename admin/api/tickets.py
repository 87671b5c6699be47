"""/api/v1/tickets: file a complaint, follow its public status, list and read tickets, fire transitions.

Identity leaves the office only for ``biasa`` complaints (`summary`); anonim and rahasia complainants
never do. A tracking token is returned once, at filing, and never stored in clear.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from typing import Any

from flask import Blueprint, current_app, g, jsonify
from flask_limiter.util import get_remote_address

from admin.public import limits
from admin.public.status import find_by_token, iso, jsonable, public_status
from workflow.core.calendar import OFFICE_TZ
from workflow.errors import TicketNotFound, UnknownDefinition
from workflow.services.engine import Opened
from workflow.services.intake import file_complaint
from workflow.services.offered import offered, offered_definitions
from workflow.store.queries import api as queries

from . import idempotency
from .errors import ApiProblem
from .operations import IDEMPOTENCY_KEY, RECEIPT, operation, runtime
from .schema import Operation, Param, field_doc, fields_schema

SUMMARY_FIELDS = ("receipt_no", "definition_key", "definition_version", "state", "version", "kanal", "kategori",
                  "sektor", "jenis_izin", "tingkat", "perihal", "no_registrasi", "opd", "assignee_role", "outcome")
DAY = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
FILTERS = (
    Param("state", "query", {"type": "string", "maxLength": 64}, "state key"),
    Param("kategori", "query", {"type": "string", "maxLength": 64}),
    Param("sektor", "query", {"type": "string", "maxLength": 64}),
    Param("kanal", "query", {"type": "string", "maxLength": 64}),
    Param("opd", "query", {"type": "string", "maxLength": 64}),
    Param("kerahasiaan", "query", {"type": "string", "enum": ["biasa", "anonim", "rahasia"]}),
    Param("definition_key", "query", {"type": "string", "maxLength": 100}),
    Param("created_from", "query", DAY, "first day (WIB), YYYY-MM-DD"),
    Param("created_to", "query", DAY, "last day (WIB), YYYY-MM-DD"),
    Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}),
    Param("offset", "query", {"type": "integer", "minimum": 0, "maximum": 10**9, "default": 0}),
)


def intake_key(asked: str | None = None) -> str:
    """The definition a complaint is filed on: ``asked`` (``?definition=``) when it is a service on offer
    (`workflow.services.offered`), else the default intake definition; 422 naming the services otherwise."""
    default = current_app.config.get("ALUR_INTAKE_DEFINITION")
    try:
        return offered(runtime(), asked, default).key
    except UnknownDefinition as exc:
        raise ApiProblem(422, "Layanan tidak dikenal", str(exc), errors={"definition": str(exc)}) from None


def record_schema(rt) -> dict:
    """The intake record's schema: of the one service on offer, or one of each (``oneOf``, titled by key)."""
    services = offered_definitions(rt, current_app.config.get("ALUR_INTAKE_DEFINITION"))
    if len(services) == 1:
        return fields_schema(services[0].record, rt.catalogs)
    return {"oneOf": [{**fields_schema(d.record, rt.catalogs), "title": d.key,
                       "description": f"{d.title}: POST /tickets?definition={d.key}"} for d in services]}


def fire_schema(rt) -> dict:
    return {"type": "object", "additionalProperties": False, "properties": {
        "inputs": {"type": "object", "additionalProperties": True,
                   "description": "the transition's inputs (see GET …/transitions for their fields)"},
        "expected_version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1,
                             "description": "the ticket version you read; a stale one answers 409"}}}


def tracking_url(rt, receipt: str, token: str) -> str:
    from workflow.core.receipts import tracking_link

    return tracking_link(rt.public_url, receipt, token)


def ticket_id(rt, receipt_no: str) -> int:
    try:
        with rt.store.unit_of_work(read_only=True) as uow:
            return uow.tickets.id_by_receipt(receipt_no)
    except TicketNotFound:
        raise ApiProblem(404, "Pengaduan tidak ditemukan", f"Tidak ada pengaduan bernomor {receipt_no}.") from None


def summary(rt, row: dict[str, Any], identity: dict | None, clocks=None) -> dict[str, Any]:
    """A ticket as the API shows it; the identity only for ``biasa`` complaints."""
    definition = rt.engine.definition(row["definition_key"], row["definition_version"])
    state = definition.states.get(row["state"])
    out = {name: row.get(name) for name in SUMMARY_FIELDS}
    out["state_label"] = state.label if state else row["state"]
    out["kerahasiaan"] = row.get("kerahasiaan") or "biasa"
    out["flags"] = list(row.get("flags") or [])
    out["created_at"], out["updated_at"] = iso(row["created_at"]), iso(row["updated_at"])
    out["closed_at"] = iso(row.get("closed_at"))
    # identity only for "biasa": anonim and rahasia complainants never leave the office through the API
    out["identity"] = dict(identity or {}) if out["kerahasiaan"] == "biasa" and identity is not None else None
    if clocks is not None:
        out["clocks"] = clocks
    return out


def _created_bounds(q: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """The list's created_from (inclusive) and created_to (whole WIB day, so exclusive of the next) in UTC."""
    bounds: list[datetime | None] = []
    for name, shift in (("created_from", 0), ("created_to", 1)):
        if not q.get(name):
            bounds.append(None)
            continue
        try:
            day = date.fromisoformat(q[name]) + timedelta(days=shift)
        except ValueError:
            raise ApiProblem(422, "Parameter tidak sah", "Tanggal harus YYYY-MM-DD.",
                             errors={name: "tanggal tidak sah"}) from None
        bounds.append(datetime.combine(day, dtime(0), OFFICE_TZ).astimezone(timezone.utc))
    return bounds[0], bounds[1]


def create_ticket(rt, body, definition=None, **headers):
    key = g.api_key

    def answer(t) -> dict:  # what a retry with the same Idempotency-Key gets (no token: it is shown once)
        return {"receipt_no": t.receipt_no, "state": t.state, "created_at": iso(t.created_at),
                "token": None, "tracking_pin": None, "tracking_url": None, "replayed": False}

    claim = idempotency.key_claim(key, headers.get("Idempotency-Key"), idempotency.request_hash(body), answer)
    opened = file_complaint(rt, body, key.actor(), definition_key=intake_key(definition), key=claim)
    if not isinstance(opened, Opened):
        return idempotency.replay(opened, claim)
    t = opened.ticket
    response = jsonify({**answer(t), "token": opened.token, "tracking_pin": getattr(opened, "pin", None),
                        "tracking_url": tracking_url(rt, t.receipt_no, opened.token)})
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response


def public_status_view(rt, receipt_no, **headers):
    ticket = find_by_token(rt, receipt_no, headers.get("X-Tracking-Token") or "")
    if ticket is None:
        raise ApiProblem(404, "Pengaduan tidak ditemukan", "Nomor pengaduan atau token pelacakan tidak cocok.")
    return jsonify(jsonable(public_status(rt, ticket)))


def list_tickets(rt, **q):
    created_from, created_before = _created_bounds(q)
    total, rows = queries.ticket_page(rt.store, q, created_from=created_from, created_before=created_before,
                                      limit=q["limit"], offset=q["offset"])
    items = [summary(rt, r, r["identity"]) for r in rows]
    return jsonify({"items": items, "total": total, "limit": q["limit"], "offset": q["offset"]})


def get_ticket(rt, receipt_no):
    ticket = rt.engine.load(ticket_id(rt, receipt_no))
    status = jsonable(public_status(rt, ticket))
    return jsonify(summary(rt, queries.ticket_row(rt.store, ticket.id), ticket.identity, status["clocks"]))


def list_transitions(rt, receipt_no):
    ticket = rt.engine.load(ticket_id(rt, receipt_no))
    options = rt.engine.available_transitions(ticket, g.api_key.actor())
    return jsonify({"receipt_no": ticket.receipt_no, "state": ticket.state, "version": ticket.version,
                    "items": [{"trigger": o.trigger, "label": o.label, "label_en": o.label_en, "dest": o.dest,
                               "allowed": o.allowed, "reasons": list(o.reasons),
                               "inputs": [field_doc(f) for f in o.inputs]} for o in options]})


def fire_transition(rt, receipt_no, trigger, body):
    found = ticket_id(rt, receipt_no)
    saved = rt.engine.fire(found, trigger, g.api_key.actor(), body.get("inputs") or {},
                           expected_version=body.get("expected_version"))
    return jsonify(summary(rt, queries.ticket_row(rt.store, found), saved.identity))


CREATE = Operation(
    "POST", "/tickets", "createTicket", "File a complaint", ("intake",), body=record_schema, check_body=False,
    response="TicketCreated", status=201, tags=("tickets",),
    params=(Param("definition", "query", {"type": "string", "pattern": r"^[a-z][a-z0-9-]{0,99}$"},
                  "the service (a public definition's key); default: the office's default intake definition"),),
    headers=(Param("Idempotency-Key", "header", IDEMPOTENCY_KEY,
                   "retries with the same key and body return the same ticket; another body answers 422. "
                   "A key is remembered for 24 hours (ALUR_IDEMPOTENCY_HOURS), then it is free again"),),
    description="The body is the intake record of the definition named by ?definition= (fields and catalog "
                "codes as in GET /definitions/{key}; several services: one schema each, titled by key). "
                "The tracking token is returned once; a replay (same "
                "Idempotency-Key and body) answers the same ticket with replayed=true and token null.")
STATUS = Operation(
    "GET", "/tickets/{receipt_no}/status", "getPublicStatus", "A ticket's public status (receipt + token)",
    ("intake", "read"), params=(RECEIPT,), response="PublicStatus", tags=("tracking",),
    headers=(Param("X-Tracking-Token", "header", {"type": "string", "maxLength": 200},
                   "the tracking token given at intake", required=True),),
    description="What the complainant sees on the tracking page. A wrong token and an unknown receipt "
                "give the same 404.")
LIST = Operation("GET", "/tickets", "listTickets", "List and filter tickets", ("read",), params=FILTERS,
                 response="TicketList", tags=("tickets",),
                 description="Newest first. Identity only for kerahasiaan = biasa.")
GET = Operation("GET", "/tickets/{receipt_no}", "getTicket", "One ticket", ("read",), params=(RECEIPT,),
                response="TicketSummary", tags=("tickets",))
TRANSITIONS = Operation("GET", "/tickets/{receipt_no}/transitions", "listTransitions",
                        "Transitions leaving the ticket's state, as the key's role sees them", ("read", "act"),
                        params=(RECEIPT,), response="TransitionList", tags=("tickets",))
FIRE = Operation("POST", "/tickets/{receipt_no}/transitions/{trigger}", "fireTransition",
                 "Fire a transition as the key's role", ("act",),
                 params=(RECEIPT, Param("trigger", "path", {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,63}$"},
                                        required=True)),
                 body=fire_schema, response="TicketSummary", tags=("tickets",),
                 description="Refusals (role, guards, state) answer 409 with 'reasons'; bad inputs 422 "
                             "with 'errors'; a stale expected_version 409.")


def register(bp: Blueprint, limiter) -> None:
    # guessing tokens through the API is limited like the tracking page (per client address)
    track_limited = limiter.limit(limits.track_limit, key_func=get_remote_address) if limiter is not None else None
    operation(bp, CREATE)(create_ticket)
    operation(bp, STATUS, wrap=track_limited)(public_status_view)
    operation(bp, LIST)(list_tickets)
    operation(bp, GET)(get_ticket)
    operation(bp, TRANSITIONS)(list_transitions)
    operation(bp, FIRE)(fire_transition)


__all__ = ["register", "summary", "ticket_id", "intake_key"]
