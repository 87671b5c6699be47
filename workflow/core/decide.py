"""The decisions: turn (definition, ticket, actor, inputs, now, calendar) into a change or a refusal.

Nothing here reads or writes storage, the network or the wall clock: every fact comes in as an
argument and the result is a `Change` (the ticket's new state, its clock runs, the audit event, the
outbox notices) that a service hands to the store in one transaction. That is what lets the same
decisions run on the SQL store, the in-memory store, and a replay of history.

`fire` checks, in this order, that the trigger exists, that it leaves the ticket's current state, that
the actor holds an allowed role, that the inputs are valid and that the guards pass; any failure raises
`TransitionRejected` carrying every reason (or `InvalidInput` when only inputs are wrong).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Iterable, Mapping

from workflow.core import handoffs
from workflow.core.audit import AuditEvent, identity_digest
from workflow.core.calendar import OFFICE_TZ
from workflow.core.clocks import Calendar, apply_clock_rules
from workflow.core.dispositions import record_problems
from workflow.core.guards import Actor, GuardContext, Verdict, evaluate
from workflow.core.inputs import validate_fields
from workflow.core.machine import move
from workflow.core.reasons import Wording
from workflow.core.receipts import hash_token
from workflow.core.ticket import Change, Notice, Ticket
from workflow.errors import InvalidInput, MachineError, Refusal, TransitionRejected
from workflow.spec.catalog import Catalogs
from workflow.spec.model import Definition, Field, Transition

RECEIPT_TEMPLATE = "tanda_terima"  # the complainant's receipt, sent when the definition declares it


@dataclass(frozen=True)
class Option:
    """One transition as an actor sees it: allowed or not, and why."""

    trigger: str
    label: str
    label_en: str
    dest: str
    allowed: bool
    role_ok: bool
    verdicts: tuple[Verdict, ...]
    inputs: tuple[Field, ...]
    reasons: tuple[str, ...] = ()
    index: int = 0
    reasons_en: tuple[str, ...] = ()


def acting_role(actor: Actor, allowed) -> str:
    """The role an actor acts in for a move: the first allowed role they hold."""
    for role in allowed:
        if role in actor.roles:
            return role
    return sorted(actor.roles)[0] if actor.roles else ""


# -- opening ---------------------------------------------------------------------------------------
def check_record(definition: Definition, record: Mapping[str, Any], catalogs: Catalogs,
                 today: date | None = None) -> dict[str, Any]:
    """The record's values, typed and normalised; `InvalidInput` naming every bad field (``today``, the office's
    date, for date rules that refuse days still to come)."""
    values, errors = validate_fields(definition.record, record, catalogs, today=today)
    errors.update(channel_rules(values, catalogs, [f.name for f in definition.record]))
    if errors:
        raise InvalidInput(errors)
    return values


def channel_rules(values: Mapping[str, Any], catalogs: Catalogs, declared: Iterable[str] = ()) -> dict[str, str]:
    """Rules a catalog attaches to a channel: the complaint box needs the day it was opened (in the field its
    ``collection_date`` names), a referral its body's reference number (`workflow.core.dispositions`); each
    applies when the definition declares the field (``declared``)."""
    channel = catalogs.get("kanal").get(values.get("kanal", "")) if "kanal" in catalogs else None
    box_field = channel.extra.get("collection_date") if channel is not None else None
    errors = {}
    if isinstance(box_field, str) and box_field in declared and not values.get(box_field):
        errors[box_field] = f"wajib diisi untuk pengaduan dari {channel.label.lower()}"
    errors.update(record_problems(values, catalogs, declared))
    return errors


def open_ticket(definition: Definition, values: Mapping[str, Any], actor: Actor, *, now: datetime,
                calendar: Calendar, receipt_no: str, token: str, identity_salt: str, record: bool = True) -> Change:
    """A new ticket in the definition's initial state, its clocks started, its audit row and receipt notice.

    ``values`` come from `check_record`. Identity fields are kept apart from the case fields, and enter
    the audit trail only as salted digests. ``record=False`` (a replay, which writes nothing) leaves the
    audit row and the notice out: the ticket is the same.
    """
    identity_names = set(definition.identity_fields())
    ticket = Ticket(
        id=None, receipt_no=receipt_no, definition_key=definition.key,
        definition_version=definition.version or 0, state=definition.initial, version=1,
        created_at=now, updated_at=now,
        fields={k: v for k, v in values.items() if k not in identity_names},
        identity={k: v for k, v in values.items() if k in identity_names},
        entered={definition.initial: now}, token_hash=hash_token(token),
    )
    notes = apply_clock_rules(definition, ticket, trigger=None, source=None, dest=ticket.state,
                              explicit=[], now=now, calendar=calendar)
    if not record:
        return Change(ticket=ticket, expected_version=None, audit=[])
    event = AuditEvent(kind="open", at=now, actor_id=actor.id, actor_role=acting_role(actor, list(definition.roles)),
                       receipt_no=receipt_no, to_state=ticket.state,
                       inputs={k: (identity_digest(v, identity_salt) if k in identity_names else v)
                               for k, v in values.items()},
                       definition_key=definition.key, definition_version=definition.version,
                       detail={"clocks": notes} if notes else {})
    # The receipt carries the tracking token once; delivery strips it from the row when sent.
    notices = [Notice(RECEIPT_TEMPLATE, "pemohon", {"token": token})] \
        if RECEIPT_TEMPLATE in definition.notifications else []
    return Change(ticket=ticket, expected_version=None, audit=[event], notices=notices)


# -- explaining ------------------------------------------------------------------------------------
def guard_context(ticket: Ticket, actor: Actor, inputs: Mapping[str, Any], now: datetime,
                  calendar: Calendar) -> GuardContext:
    return GuardContext(state=ticket.state, fields=ticket.fields, actor=actor, inputs=inputs, opd=ticket.opd,
                        assignee=ticket.assignee_id, entered=ticket.entered, now=now, elapsed=calendar.elapsed)


def options(definition: Definition, ticket: Ticket, actor: Actor, now: datetime, calendar: Calendar,
            catalogs: Catalogs | None = None) -> list[Option]:
    """Every transition leaving the ticket's state, with role and guard verdicts for this actor, each refusal
    said in Indonesian (``reasons``) and English (``reasons_en``) with the definition's labels.

    A guard that reads a field this transition asks for is decided when the form is submitted, so it
    is reported as passing here with a note."""
    ctx = guard_context(ticket, actor, {}, now, calendar)
    out = []
    for t in definition.transitions_from(ticket.state):
        words = Wording(definition, catalogs, t)
        role_ok = bool(actor.roles & set(t.roles))
        asked = {f.name for f in t.inputs}
        verdicts = []
        for g in t.guards:
            if g.params.get("field") in asked:
                verdicts.append(Verdict(g.describe(), True, "diperiksa saat formulir dikirim"))
            else:
                verdicts.append(evaluate(g, ctx, words))
        said = [] if role_ok else [words.role_refusal(t.roles)]
        said += [(v.reason, v.reason_en) for v in verdicts if not v.passed]
        out.append(Option(trigger=t.trigger, label=t.label, label_en=t.label_en, dest=t.dest,
                          allowed=role_ok and all(v.passed for v in verdicts), role_ok=role_ok,
                          verdicts=tuple(verdicts), inputs=t.inputs, reasons=tuple(r for r, _ in said), index=t.index,
                          reasons_en=tuple(e for _, e in said)))
    return out


# -- firing ----------------------------------------------------------------------------------------
def plan(definition: Definition, ticket: Ticket, trigger: str, actor: Actor, inputs: Mapping[str, Any],
         now: datetime, calendar: Calendar, catalogs: Catalogs,
         validate: Callable[..., tuple[dict[str, Any], dict[str, str]]] = validate_fields,
         ) -> tuple[Transition, dict[str, Any]]:
    """Choose the transition to fire and validate its inputs; `TransitionRejected` otherwise.

    ``validate`` is `validate_fields` or a function giving the same answers (a replay remembers them)."""
    named = definition.transitions_named(trigger)
    if not named:
        raise TransitionRejected(trigger, [Refusal("unknown_trigger",
                                 f"aksi '{trigger}' tidak ada dalam definisi {definition.key} v{definition.version}")])
    here = [t for t in named if ticket.state in t.sources]
    if not here:
        possible = sorted({t.trigger for t in definition.transitions_from(ticket.state)})
        state = definition.states[ticket.state]
        raise TransitionRejected(trigger, [Refusal("state", f"aksi '{trigger}' tidak dapat dilakukan pada tahap "
                                 f"'{state.label}'; aksi yang mungkin: {', '.join(possible) or 'tidak ada'}")])
    mine = [t for t in here if actor.roles & set(t.roles)]
    if not mine:
        roles = sorted({r for t in here for r in t.roles})
        said, said_en = Wording(definition, catalogs, here[0]).role_refusal(roles)
        raise TransitionRejected(trigger, [Refusal("role", said, reason_en=said_en)])
    refusals: list[Refusal] = []
    field_errors: dict[str, str] = {}
    for t in mine:
        values, errors = validate(t.inputs, inputs, catalogs, today=now.astimezone(OFFICE_TZ).date())
        if errors:
            field_errors.update(errors)
            continue
        ctx = guard_context(ticket, actor, values, now, calendar)
        words = Wording(definition, catalogs, t)
        failed = [v for v in (evaluate(g, ctx, words) for g in t.guards) if not v.passed]
        if not failed:
            return t, values
        refusals.extend(Refusal("guard", v.reason, v.guard, v.reason_en) for v in failed)
    if field_errors and not refusals:
        raise InvalidInput(field_errors)
    if field_errors:
        refusals.extend(Refusal("input", f"{k}: {v}") for k, v in field_errors.items())
    raise TransitionRejected(trigger, refusals)


def fire(definition: Definition, ticket: Ticket, trigger: str, actor: Actor, inputs: Mapping[str, Any], *,
         now: datetime, calendar: Calendar, catalogs: Catalogs, fired: Any = None, record: bool = True,
         validate: Callable[..., tuple[dict[str, Any], dict[str, str]]] = validate_fields,
         in_place: bool = False) -> Change:
    """`plan` the move, then `apply` it: the whole decision of one fire."""
    chosen, values = plan(definition, ticket, trigger, actor, inputs, now, calendar, catalogs, validate)
    return apply(definition, ticket, chosen, actor, values, now=now, calendar=calendar, fired=fired, record=record,
                 in_place=in_place)


def apply(definition: Definition, before: Ticket, t: Transition, actor: Actor, values: dict[str, Any], *,
          now: datetime, calendar: Calendar, fired: Any = None, record: bool = True, in_place: bool = False) -> Change:
    """The change firing transition ``t`` makes: state, fields, effects, clocks, audit row, notices.

    ``fired`` answers ``.get((clock, run), default)`` with the rungs already fired; it is consulted only
    when a clock resumes, so a service may pass a lazy reader (most moves never look). ``record=False`` (a
    replay, which writes nothing) leaves this move's own audit row and the notices out: the ticket is the
    same, and a handoff's rows stay (they are how a replay sees what the move did to each agency).
    ``in_place=True`` (a replay, which throws the ticket before away) changes ``before`` itself rather than a
    copy; a refusal raised half way (a handoff with no agency) then leaves it half changed."""
    source, version = before.state, before.version
    try:
        dest = move(definition, source, t.trigger, t.index)
    except MachineError as exc:  # the definition and the machine disagree: a bug, not a user error
        raise TransitionRejected(t.trigger, [Refusal("state", str(exc))]) from exc
    ticket = before if in_place else before.copy()
    ticket.state, ticket.updated_at = dest, now
    ticket.entered[dest] = now
    ticket.fields.update(values)
    notices, explicit = _effects(t, ticket, values)
    handed, handoff_notices = handoffs.on_move(definition, ticket, source, values, actor, now, calendar) \
        if definition.handoffs else ([], [])
    state = definition.states[dest]
    if state.terminal:
        ticket.outcome, ticket.closed_at = state.outcome, now
        explicit.extend(("stop", c.clock) for c in ticket.clocks if c.status != "stopped")
    else:
        ticket.outcome, ticket.closed_at = None, None
    notes = apply_clock_rules(definition, ticket, trigger=t.trigger, source=source, dest=dest,
                              explicit=explicit, now=now, calendar=calendar, fired=fired or {})
    if not record:
        return Change(ticket=ticket, expected_version=version, audit=handed)
    event = AuditEvent(kind="transition", at=now, actor_id=actor.id, actor_role=acting_role(actor, t.roles),
                       ticket_id=ticket.id, receipt_no=ticket.receipt_no, trigger=t.trigger,
                       from_state=source, to_state=dest, inputs=values, definition_key=definition.key,
                       definition_version=definition.version, detail={"clocks": notes} if notes else {})
    return Change(ticket=ticket, expected_version=version, audit=[event, *handed],
                  notices=notices + handoff_notices)


def _effects(t: Transition, ticket: Ticket, values: Mapping[str, Any]) -> tuple[list[Notice], list[tuple[str, str]]]:
    """Apply a transition's declared effects to ``ticket``; returns its notices and explicit clock ops."""
    notices: list[Notice] = []
    explicit: list[tuple[str, str]] = []
    for effect in t.effects:
        p = effect.params
        if effect.kind == "assign":
            if "role" in p:
                ticket.assignee_role, ticket.assignee_id = p["role"], None
            elif "input" in p:
                ticket.assignee_id = values.get(p["input"]) or ticket.fields.get(p["input"])
            else:
                ticket.assignee_role, ticket.assignee_id = None, None
        elif effect.kind == "assign_opd":
            ticket.opd = None if p.get("clear") else (values.get(p["field"]) or ticket.fields.get(p["field"]))
        elif effect.kind == "clock":
            op, name = next(iter(p.items()))
            explicit.append((op, str(name)))
        elif effect.kind == "notify":
            targets = p["to"] if isinstance(p["to"], list) else [p["to"]]
            notices.extend(Notice(str(p["template"]), str(who)) for who in targets)
        elif effect.kind == "set":
            ticket.fields[str(p["field"])] = p["value"]
    return notices, explicit


__all__ = ["Option", "acting_role", "check_record", "channel_rules", "open_ticket", "guard_context", "options",
           "plan", "fire", "apply", "RECEIPT_TEMPLATE"]
