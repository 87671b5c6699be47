"""What the public may see of a ticket, and how a complainant proves it is theirs (receipt + token).

One function builds the public view for the tracking page and the API alike, from an allow-list:
state labels and dates from the audit trail, the clocks' due dates, what the office asked for
(``kekurangan``, addressed to the complainant) and the answer (``jawaban``) once delivered. Never
identities, internal notes, other inputs or actor names — anything not listed here stays out.
"""
from __future__ import annotations

import hmac
from datetime import datetime, timezone
from typing import Any

from workflow.core.guards import Actor
from workflow.core.receipts import hash_token
from workflow.core.ticket import Ticket
from workflow.store.queries.tracking import token_hash

PEMOHON = Actor("pemohon", frozenset({"pemohon"}), "Pemohon")
ANSWER_STATE = "menunggu_konfirmasi"  # the answer is public once the ticket has been delivered to here
PUBLIC_ACTIONS = ("lengkapi", "konfirmasi_puas", "buka_kembali")
_DUMMY_HASH = hash_token("no such ticket")


def find_by_token(runtime, receipt_no: str, token: str) -> Ticket | None:
    """The ticket when receipt number and token match, else None — the same for a wrong token and an
    unknown receipt, with the token hash compared in constant time either way."""
    receipt_no = (receipt_no or "").strip().upper()[:24]
    presented = hash_token((token or "").strip()[:200])
    found = token_hash(runtime.store, receipt_no)
    stored = found[1] if found is not None else _DUMMY_HASH
    matches = hmac.compare_digest(stored.encode("ascii"), presented.encode("ascii"))
    if found is None or not matches or not token:
        return None
    return runtime.engine.load(found[0])


def _label(obj: Any, locale: str) -> str:
    return (getattr(obj, "label_en", "") or obj.label) if locale == "en" else obj.label


def answer_visible(definition, ticket: Ticket) -> bool:
    state = definition.states.get(ticket.state)
    return ticket.state == ANSWER_STATE or bool(state and state.terminal and ANSWER_STATE in ticket.entered)


def timeline(runtime, definition, ticket: Ticket, locale: str = "id") -> list[dict[str, Any]]:
    out = []
    for row in runtime.store.audit_rows(ticket_id=ticket.id):
        if row["kind"] not in ("open", "transition") or not row["to_state"]:
            continue
        state = definition.states.get(row["to_state"])
        out.append({"at": row["at"], "state": row["to_state"],
                    "label": _label(state, locale) if state else row["to_state"]})
    return out


def confirm_until(runtime, definition, ticket: Ticket) -> datetime | None:
    """When the complainant's window to reopen closes (the ``within`` guard of ``buka_kembali``)."""
    if ticket.state != ANSWER_STATE or ANSWER_STATE not in ticket.entered:
        return None
    for t in definition.transitions_named("buka_kembali"):
        for g in t.guards:
            if g.name == "within" and not g.negate and g.params.get("since") == ANSWER_STATE:
                return runtime.engine.calendar.add(ticket.entered[ANSWER_STATE], float(g.params["amount"]),
                                                   str(g.params["unit"]))
    return None


def actions(runtime, ticket: Ticket) -> list[str]:
    """The complainant's moves that are open right now (lengkapi, konfirmasi_puas, buka_kembali)."""
    options = runtime.engine.available_transitions(ticket, PEMOHON)
    allowed = {o.trigger for o in options if o.allowed}
    return [a for a in PUBLIC_ACTIONS if a in allowed]


def public_status(runtime, ticket: Ticket, locale: str = "id") -> dict[str, Any]:
    definition = runtime.engine.definition_of(ticket)
    state = definition.states[ticket.state]
    clocks = []
    for run in sorted(ticket.clocks, key=lambda c: (c.clock, c.run)):
        spec = definition.clocks.get(run.clock)
        if spec is None or run.status == "stopped" or run is not ticket.clock(run.clock):
            continue
        clocks.append({"clock": run.clock, "label": _label(spec, locale), "status": run.status,
                       "due_at": run.due_at})
    return {
        "receipt_no": ticket.receipt_no,
        "state": ticket.state,
        "state_label": _label(state, locale),
        "terminal": state.terminal,
        "outcome": ticket.outcome,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "closed_at": ticket.closed_at,
        "timeline": timeline(runtime, definition, ticket, locale),
        "clocks": clocks,
        "requested_information": (str(ticket.fields.get("kekurangan") or "") or None)
        if ticket.state == "menunggu_kelengkapan" else None,
        "answer": (str(ticket.fields.get("jawaban") or "") or None) if answer_visible(definition, ticket) else None,
        "confirm_until": confirm_until(runtime, definition, ticket),
        "actions": actions(runtime, ticket),
    }


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, as the API answers every time (stored times are UTC, naive or not)."""
    if value is None:
        return None
    value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return value.isoformat().replace("+00:00", "Z")


def jsonable(status: dict[str, Any]) -> dict[str, Any]:
    out = dict(status)
    for key in ("created_at", "updated_at", "closed_at", "confirm_until"):
        out[key] = iso(out[key])
    out["timeline"] = [{**e, "at": iso(e["at"])} for e in out["timeline"]]
    out["clocks"] = [{**c, "due_at": iso(c["due_at"])} for c in out["clocks"]]
    return out


__all__ = ["find_by_token", "public_status", "jsonable", "iso", "PEMOHON", "timeline", "actions", "confirm_until"]
