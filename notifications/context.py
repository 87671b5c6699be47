"""What a notice may say about its ticket: the facts read once per outbox row, and the context each
template gets (the keys listed in notifications/README.md), in the recipient's language.

Complainant messages get the tracking link and (unless the complaint is anonymous or confidential)
the complainant's name; staff messages never get the complainant's identity.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from notifications.parties import OUTSIDE, handoff_facts, outside_facts
from notifications.recipients import StaffUser, Target
from workflow.store.port import UnitOfWork
from workflow.store.port_deliveries import OutboxRecord

__all__ = ["Facts", "read_facts", "template_context", "tracking_url", "ticket_url", "office_facts"]
STAFF_ROLES_EXCLUDED = {"pemohon", "system"}
# Inputs worth showing as the note of a `tugas_baru` message, by the trigger that caused it.
NOTE_INPUTS = ("catatan", "kelengkapan", "jawaban_opd", "pertanyaan_opd", "alasan_opd", "telaah",
               "alasan_buka_kembali", "klarifikasi", "arahan")
_BULLET = re.compile(r"^\s*(?:[-•*]|\d+[.)])\s*")  # the template numbers the missing items itself


@dataclass
class Facts:
    """What a message may say about its ticket, read once per outbox row."""

    ticket: Any
    definition: Any
    state_roles: tuple[str, ...]
    last_trigger: str | None
    last_inputs: dict[str, Any]
    last_actor: str | None  # display name of the staff member who fired it
    created_at: datetime


def read_facts(runtime: Any, uow: UnitOfWork, outbox: OutboxRecord, now: datetime) -> Facts:
    """The ticket, its definition, who acts in its state, and the transition that wrote the notice."""
    ticket = uow.tickets.load(outbox.ticket_id)
    definition = runtime.engine.definitions.get(uow, ticket.definition_key, ticket.definition_version)
    state = definition.states.get(ticket.state)
    roles = tuple(r for r in (state.actors if state is not None else ()) if r not in STAFF_ROLES_EXCLUDED)
    cause = uow.outbox.cause(outbox)
    actor = None
    if cause is not None and cause.actor_id not in ("pemohon", "system"):
        account = uow.users.by_name(cause.actor_id)
        actor = (account.display_name if account is not None else None) or cause.actor_id
    return Facts(ticket=ticket, definition=definition, state_roles=roles,
                 last_trigger=cause.trigger if cause else None, last_inputs=dict(cause.inputs) if cause else {},
                 last_actor=actor, created_at=outbox.created_at or now)


def tracking_url(runtime: Any, receipt_no: str, token: str | None = None) -> str:
    """The public tracking page (`workflow.core.receipts.tracking_link`: the token in the fragment).

    Only the token's hash is stored, so later messages cannot include it: their link names the receipt
    and the page asks for the PIN or the token. A caller holding the token (right after ``Engine.open``) may
    pass it in the outbox detail; it is then used once and scrubbed (see `notifications.expansion` and
    `notifications.sending`).
    """
    from workflow.core.receipts import tracking_link

    return tracking_link(runtime.public_url, receipt_no, token)


def ticket_url(runtime: Any, ticket: Any, user: StaffUser | None = None) -> str:
    """The console page of a ticket: the OPD view for liaisons, the work queue for everyone else."""
    base = (runtime.extras.get("console_url") or runtime.public_url).rstrip("/")
    view = "opd" if user is not None and user.roles == {"opd_liaison"} else "work"
    return f"{base}/admin/{view}/ticket/{ticket.id}"


def template_context(runtime: Any, facts: Facts, target: Target, detail: Mapping[str, Any],
                     now: datetime) -> dict[str, Any]:
    """Everything the templates listed in notifications/README.md may ask for, in the target's locale."""
    ctx = _ticket_facts(runtime, facts, target.locale, detail)
    if target.audience in OUTSIDE:  # a third party or an agency: the facts they may hear (notifications.parties)
        ctx.update(_answer_facts(runtime, facts, now))
        ctx.update(outside_facts(runtime, facts, target, target.locale))
        return ctx
    ctx.update(_audience_facts(runtime, facts.ticket, target, detail))
    ctx.update(_answer_facts(runtime, facts, now))
    ctx.update(_opd_facts(facts.ticket))
    ctx.update(handoff_facts(runtime, facts, detail, target.locale))
    if target.audience == "staff":
        ctx.update(_staff_facts(facts, detail))
    ctx.update(_clock_facts(facts.definition, target.locale, detail, ctx["due_at"], now))
    return ctx


def _ticket_facts(runtime: Any, facts: Facts, locale: str, detail: Mapping[str, Any]) -> dict[str, Any]:
    """What every template may name: office, receipt, title, state (and outcome), labels, deadline."""
    t = facts.ticket
    fields = t.fields
    state = facts.definition.states.get(t.state)
    state_label = _localised(state, locale) if state else t.state
    ctx = {
        **office_facts(runtime),
        "receipt_number": t.receipt_no,
        "ticket_title": fields.get("perihal") or t.receipt_no,
        "state_label": state_label,
        "category": _label(runtime, "kategori", fields.get("kategori"), locale),
        "severity": _label(runtime, "tingkat", fields.get("tingkat"), locale),
        "channel": _label(runtime, "kanal", fields.get("kanal"), locale),
        "opd_name": _label(runtime, "opd", t.opd or fields.get("opd_tujuan") or fields.get("opd"), locale),
        "received_at": t.created_at,
        "due_at": _dt(detail.get("due_at")) or _clock_due(t, detail.get("clock")) or _due(t, latest=True),
    }
    if state is not None and state.terminal:
        ctx["outcome_summary"] = state_label
    return ctx


def office_facts(runtime: Any) -> dict[str, Any]:
    """The office as its profile names it (`workflow.services.office`), and the zone its times are shown in."""
    from workflow.services.office import current_office

    office = current_office(runtime)
    return {"office_name": office.display_name, "office_timezone": office.timezone}


def _audience_facts(runtime: Any, t: Any, target: Target, detail: Mapping[str, Any]) -> dict[str, Any]:
    """The complainant gets the tracking link and their name; staff the console link and theirs."""
    if target.audience == "pemohon":
        ctx = {"tracking_url": tracking_url(runtime, t.receipt_no, detail.get("token"))}
        if detail.get("pin"):  # the receipt notice only: the PIN, like the token, is known at filing alone
            from workflow.core.receipts import spaced_pin

            ctx["tracking_pin"] = spaced_pin(str(detail["pin"]))
        if t.confidentiality == "biasa" and t.identity.get("nama"):
            ctx["complainant_name"] = t.identity["nama"]
        if t.fields.get("perihal"):
            ctx["summary"] = t.fields["perihal"]
        return ctx
    return {"ticket_url": ticket_url(runtime, t, target.user),
            "recipient_name": target.user.display_name if target.user else ""}


def _answer_facts(runtime: Any, facts: Facts, now: datetime) -> dict[str, Any]:
    """The answer, what is missing, where it was forwarded, and the closing (complainant templates)."""
    t, fields = facts.ticket, facts.ticket.fields
    ctx: dict[str, Any] = {}
    jawaban = fields.get("jawaban") or fields.get("jawaban_opd")
    if jawaban:
        ctx["answer"] = jawaban
    ctx["answered_at"] = t.entered.get("dijawab") or t.entered.get(t.state) or now
    missing = str(fields.get("kekurangan") or "")
    ctx["missing_items"] = [_BULLET.sub("", line).strip() for line in missing.splitlines()
                            if _BULLET.sub("", line).strip()] or ([missing] if missing else [])
    ctx["forwarded_at"] = t.entered.get("dialihkan") or t.updated_at
    if fields.get("alasan") and t.state == "dialihkan":
        ctx["reason"] = fields["alasan"]
    ctx["closed_at"] = t.closed_at or t.updated_at
    since = t.entered.get("menunggu_konfirmasi") or ctx["closed_at"]
    try:
        ctx["reopen_until"] = runtime.calendar.add(since, 10, "working_days")
    except Exception:  # noqa: BLE001 - a plain calendar without working days
        ctx["reopen_until"] = since + timedelta(days=14)
    return ctx


def _opd_facts(t: Any) -> dict[str, Any]:
    """When the ticket was handed to an OPD, and the OPD's deadlines and request."""
    ctx: dict[str, Any] = {"handed_at": t.entered.get("diserahkan_opd") or t.updated_at,
                           "ack_due_at": _clock_due(t, "opd_ack") or _due(t, latest=False)}
    answer_due = _clock_due(t, "opd_jawaban")
    if answer_due:
        ctx["answer_due_at"] = answer_due
    if t.fields.get("permintaan"):
        ctx["request"] = t.fields["permintaan"]
    return ctx


def _staff_facts(facts: Facts, detail: Mapping[str, Any]) -> dict[str, Any]:
    """A new task's deadline (the next one, not the overall one), its note and who assigned it."""
    ctx: dict[str, Any] = {}
    if not detail.get("clock") and not detail.get("due_at"):
        ctx["due_at"] = _due(facts.ticket, latest=False)
    note = next((facts.last_inputs[k] for k in NOTE_INPUTS if facts.last_inputs.get(k)), None)
    if note:
        ctx["note"] = str(note)
    if facts.last_actor:
        ctx["assigned_by"] = facts.last_actor
    return ctx


def _clock_facts(definition: Any, locale: str, detail: Mapping[str, Any], due_at: datetime,
                 now: datetime) -> dict[str, Any]:
    """Warning and escalation facts, from the notice's detail (written by the clock sweeper)."""
    ctx: dict[str, Any] = {}
    clock_name = detail.get("clock")
    clock = definition.clocks.get(clock_name) if clock_name else None
    if clock is not None:
        ctx["stage"] = _localised(clock, locale)
    percent = detail.get("percent")
    if percent is None and clock is not None and detail.get("rung") is not None:
        rung = next((r for r in clock.escalation if r.index == detail.get("rung")), None)
        percent = rung.at_percent if rung is not None else None
    ctx["percent"] = f"{float(percent):g}" if percent is not None else "100"
    if detail.get("overdue_seconds") is not None:  # as measured when the rung fired
        ctx["overdue_by"] = timedelta(seconds=max(0.0, float(detail["overdue_seconds"])))
    else:
        ctx["overdue_by"] = max(now - due_at, timedelta(0))
    came_from = detail.get("escalated_from")
    if came_from:
        role = definition.roles.get(came_from)
        ctx["escalated_from"] = _localised(role, locale) if role else str(came_from)
    return ctx


def _localised(item: Any, locale: str) -> str:
    """A state's, clock's or role's label in ``locale`` (English falls back to the Indonesian one)."""
    return (item.label_en or item.label) if locale == "en" else item.label


def _label(runtime: Any, catalog: str, code: str | None, locale: str) -> str:
    if not code:
        return "-"
    cat = runtime.catalogs.get(catalog) if hasattr(runtime.catalogs, "get") else None
    return cat.label_of(code, locale) if cat is not None else str(code)


def _clock_due(ticket: Any, name: str | None) -> datetime | None:
    if not name:
        return None
    run = ticket.clock(name)
    return run.due_at if run is not None else None


def _due(ticket: Any, *, latest: bool) -> datetime:
    """A running clock's due time: the latest (the overall deadline) or the earliest (the next one)."""
    running = [c.due_at for c in ticket.clocks if c.status == "running" and c.due_at is not None]
    anyone = [c.due_at for c in ticket.clocks if c.due_at is not None]
    pool = running or anyone
    if pool:
        return max(pool) if latest else min(pool)
    return ticket.created_at + timedelta(days=7)  # SOP 3.1.f: 7 calendar days, when no clock says more


def _dt(value: Any) -> datetime | None:
    """A datetime from the notice's detail (stored as ISO text), in UTC; None if it is not one."""
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
