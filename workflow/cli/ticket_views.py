"""What ``alur tickets show`` and ``list`` print, and who a ``--as USERNAME`` acts as.

Read through services and read models only (`workflow.services.users`, `workflow.services.roles`,
`workflow.store.queries`), as the console is. People see labels and office time: states, clocks and
transitions by their labels, moments in the office's zone. The complainant's identity is never printed.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from workflow.core.calendar import OFFICE_TZ
from workflow.core.clocks import net
from workflow.core.guards import Actor
from workflow.core.handoffs import STATUS_LABELS, allowed
from workflow.core.ticket import Ticket
from workflow.errors import AuthError
from workflow.spec.model import Definition, Span
from workflow.store.rules.at_risk import is_at_risk
from workflow.store.rules.overdue import is_overdue

CLOCK_STATUS = {"running": "berjalan", "paused": "dijeda", "stopped": "selesai"}


def actor_for(rt, username: str) -> Actor:
    """The account ``username`` as the engine sees it (its definition roles, its agency, its position)."""
    from workflow.services.roles import role_directory
    from workflow.services.users import get_user_by_name, normalise

    record = get_user_by_name(rt.store, normalise(username))
    if record is None or not record.active:
        raise AuthError(f"no active account '{username}'; list them with 'alur users list'")
    directory = role_directory(rt)
    roles = directory.actor_roles(record.roles, record.supervisor_level)
    return Actor(id=record.username, roles=roles, name=record.display_name,
                 opd=record.opd if "opd_liaison" in roles else None,
                 position=directory.position(record.roles, record.supervisor_level))


def local(moment: datetime | None) -> str:
    """A moment in the office's zone, as the console writes it ("30/11/2026 09.00 WIB")."""
    if moment is None:
        return "-"
    here = moment.astimezone(OFFICE_TZ)
    return f"{here:%d/%m/%Y %H.%M} {here.tzname() or 'WIB'}"


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def clocks_of(definition: Definition, ticket: Ticket, calendar, now: datetime) -> list[dict[str, Any]]:
    """Every clock run not stopped, and each clock's last stopped run, with label, budget and state."""
    latest: dict[tuple[str, str | None], Any] = {}
    for run in ticket.clocks:
        key = (run.clock, run.party)
        if key not in latest or run.run > latest[key].run:
            latest[key] = run
    out = []
    for (name, party), run in latest.items():
        spec = definition.clocks.get(name)
        out.append({"clock": name, "label": spec.label if spec else name, "agency": party, "status": run.status,
                    "budget": Span(run.budget, run.unit).describe(), "used": round(net(run, now, calendar), 3),
                    "unit": run.unit, "due_at": run.due_at, "overdue": is_overdue(run, now),
                    "at_risk": is_at_risk(run, now) and not is_overdue(run, now)})
    return out


def transitions_of(rt, definition: Definition, ticket: Ticket, actor: Actor | None, now: datetime) -> list[dict]:
    """The moves leaving the ticket's state, each guard with its verdict; with no actor, as someone holding
    every role of the definition would see them (so only the guards speak)."""
    seen = actor or Actor(id="cli", roles=frozenset(definition.roles), name="cli")
    out = []
    for o in rt.engine.options(definition, ticket, seen, now):
        out.append({"trigger": o.trigger, "label": o.label, "to": o.dest, "to_label": definition.states[o.dest].label,
                    "allowed": o.allowed, "reasons": list(o.reasons),
                    "guards": [{"guard": v.guard, "passed": v.passed, "reason": v.reason} for v in o.verdicts]})
    handoff = definition.handoff_in(ticket.state)
    for part in ticket.handoffs if handoff is not None else ():
        if part.handoff != handoff.key or not part.open:
            continue
        for action in ("terima", "jawab", "tarik"):
            ok, why = allowed(definition, ticket, handoff.key, part.agency, action, seen) if actor else (True, "")
            out.append({"trigger": f"{handoff.key}:{action}", "label": f"{action} ({part.agency})",
                        "agency": part.agency, "to": ticket.state, "to_label": definition.states[ticket.state].label,
                        "allowed": ok, "reasons": [why] if why else [], "guards": []})
    return out


def parts_of(rt, definition: Definition, ticket: Ticket) -> list[dict[str, Any]]:
    catalog = rt.catalogs.get("opd")
    return [{"handoff": p.handoff, "agency": p.agency, "round": p.round, "status": p.status,
             "status_label": STATUS_LABELS.get(p.status, (p.status,))[0],
             "agency_label": catalog.label_of(p.agency) if catalog is not None else p.agency,
             "requested_at": p.requested_at, "acknowledged_at": p.acknowledged_at, "closed_at": p.closed_at,
             "answer": p.answer, "reason": p.reason} for p in ticket.handoffs]


def timeline_of(rt, definition: Definition, ticket: Ticket) -> list[dict[str, Any]]:
    """The ticket's audit rows as people read them: when, who, what, from where to where (no identity)."""
    from workflow.store.queries.audit_log import timeline

    out = []
    for e in timeline(rt.store, ticket.id, include_identity_views=False):
        named = definition.transitions_named(e["trigger"] or "")
        what = named[0].label if named else {"open": "Pengaduan dicatat", "escalation": "Eskalasi",
                                             "migrate": "Dipindah ke versi lain"}.get(e["kind"], e["kind"])
        if e["kind"] == "handoff":
            what = f"{e['detail'].get('action')} {e['detail'].get('agency') or ''}".strip()
        label = {k: s.label for k, s in definition.states.items()}
        out.append({"at": e["at"], "kind": e["kind"], "what": what, "actor": e["actor_id"],
                    "from": label.get(e["from_state"], e["from_state"]), "to": label.get(e["to_state"], e["to_state"]),
                    "inputs": {} if e["kind"] == "open" else e["inputs"]})
    return out


def ticket_view(rt, ticket: Ticket, actor: Actor | None, now: datetime) -> dict[str, Any]:
    definition = rt.engine.definition_of(ticket)
    state = definition.states[ticket.state]
    return {"receipt_no": ticket.receipt_no, "definition": ticket.definition_key,
            "version": ticket.definition_version, "state": ticket.state, "state_label": state.label,
            "outcome": ticket.outcome, "created_at": ticket.created_at, "closed_at": ticket.closed_at,
            "fields": {k: v for k, v in ticket.fields.items() if k not in definition.identity_fields()},
            "opd": ticket.opd, "assignee_role": ticket.assignee_role, "assignee_id": ticket.assignee_id,
            "flags": list(ticket.flags), "clocks": clocks_of(definition, ticket, rt.calendar, now),
            "handoffs": parts_of(rt, definition, ticket),
            "transitions": transitions_of(rt, definition, ticket, actor, now),
            "timeline": timeline_of(rt, definition, ticket)}


def jsonable(value: Any) -> Any:
    """Datetimes as ISO text, recursively (for --json)."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def print_view(echo, view: dict[str, Any]) -> None:
    """``alur tickets show`` as text."""
    echo(f"{view['receipt_no']}  {view['definition']} v{view['version']}  {view['state_label']} [{view['state']}]"
         + (f"  selesai: {view['outcome']}" if view["outcome"] else ""))
    echo(f"  dicatat {local(view['created_at'])}" + (f"; ditangani {view['assignee_role']}" if view['assignee_role']
                                                       else "") + (f"; bendera {', '.join(view['flags'])}"
                                                                   if view["flags"] else ""))
    echo("tenggat:")
    for c in view["clocks"]:
        mark = " TERLAMBAT" if c["overdue"] else " berisiko" if c["at_risk"] else ""
        who = f" [{c['agency']}]" if c["agency"] else ""
        status = CLOCK_STATUS.get(c["status"], c["status"])
        echo(f"  {c['label']}{who}: {c['budget']}, {status}, jatuh tempo {local(c['due_at'])}{mark}")
    if view["handoffs"]:
        echo("instansi:")
        for p in view["handoffs"]:
            echo(f"  {p['agency_label']} ({p['agency']}): {p['status_label']}"
                 + (f" — {p['reason']}" if p["reason"] else ""))
    echo("tindakan:")
    for t in view["transitions"]:
        echo(f"  {'+' if t['allowed'] else '-'} {t['trigger']}: {t['label']} -> {t['to_label']}")
        for g in t["guards"]:
            echo(f"      {'lulus' if g['passed'] else 'GAGAL'} {g['guard']}: {g['reason']}")
        for reason in t["reasons"]:
            if reason not in {g["reason"] for g in t["guards"]}:
                echo(f"      {reason}")
    echo("riwayat:")
    for e in view["timeline"]:
        moved = f" ({e['from']} -> {e['to']})" if e["from"] and e["to"] and e["from"] != e["to"] else ""
        echo(f"  {local(e['at'])}  {e['what']}{moved}  oleh {e['actor']}")


__all__ = ["actor_for", "ticket_view", "print_view", "jsonable", "local"]
