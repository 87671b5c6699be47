"""Who owns a ticket inside its lane, and internal notes: the decisions, pure.

A ticket's stage names the roles that act in it (``states.<key>.actors``): its *lane*. Anyone of the
lane may **take** an open ticket (it becomes theirs: "Ditugaskan kepada saya"), **assign** it to a
colleague who holds one of the lane's roles, or **release** their own; a supervisor (a role with a
``supervisor_level``) may do all three on any open ticket. The team a ticket is with
(``assignee_role``) is left as the SOP's ``assign`` effects set it: ownership names a person within it.

An **internal note** is an audit row (kind ``note``) on the ticket, written without moving it or
changing its version (so nobody's open form goes stale). Notes are for the office: the public tracking
page and the API's public views read only ``open`` and ``transition`` rows, and OPD liaison pages leave
them out.

Each refusal says what to do, in Indonesian and English (`AssignmentRefused`).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from workflow.core.audit import AuditEvent
from workflow.core.guards import Actor
from workflow.core.roles import COMPLAINANT
from workflow.core.ticket import Change, Notice, Ticket
from workflow.errors import AssignmentRefused
from workflow.spec.model import Definition

NOTE_MAX = 2000  # characters of one internal note
ASSIGNED_TEMPLATE = "tugas_baru"  # told to the colleague a ticket is assigned to, when the definition has it


@dataclass(frozen=True)
class Colleague:
    """Someone a ticket may be assigned to: a console user holding a role of the ticket's lane."""

    username: str
    name: str
    roles: frozenset[str]


def lane_roles(definition: Definition, state: str) -> frozenset[str]:
    """The people's roles acting in ``state`` (the complainant and system roles left out)."""
    found = definition.states.get(state)
    if found is None:
        return frozenset()
    return frozenset(r for r in found.actors if r in definition.roles and r != COMPLAINANT
                     and not definition.roles[r].system)


def supervises(definition: Definition, actor: Actor) -> bool:
    """True when the actor holds one of the definition's supervisor roles."""
    return any(definition.roles[r].supervisor_level is not None for r in actor.roles if r in definition.roles)


def may_own(definition: Definition, ticket: Ticket, actor: Actor) -> bool:
    """Whether ``actor`` may take this ticket or assign it: open, and of its lane or a supervisor."""
    return ticket.closed_at is None and (bool(actor.roles & lane_roles(definition, ticket.state))
                                         or supervises(definition, actor))


def colleagues(definition: Definition, ticket: Ticket, people: Iterable[Colleague]) -> list[Colleague]:
    """The people the ticket may be assigned to: those holding a role of its lane, by name."""
    lane = lane_roles(definition, ticket.state)
    return sorted((p for p in people if p.roles & lane), key=lambda p: (p.name.lower(), p.username))


def _refuse(reason: str, reason_en: str) -> AssignmentRefused:
    return AssignmentRefused(reason, reason_en)


def _event(ticket: Ticket, actor: Actor, now: datetime, role: str, **detail) -> AuditEvent:
    return AuditEvent(kind="assignment", at=now, actor_id=actor.id, actor_role=role, ticket_id=ticket.id,
                      receipt_no=ticket.receipt_no, definition_key=ticket.definition_key,
                      definition_version=ticket.definition_version,
                      detail={"from": ticket.assignee_id, **detail})


def _role(definition: Definition, ticket: Ticket, actor: Actor) -> str:
    lane = sorted(actor.roles & lane_roles(definition, ticket.state))
    return lane[0] if lane else (actor.position or min(actor.roles, default=""))


def assign(definition: Definition, ticket: Ticket, actor: Actor, to: Colleague | None, *, now: datetime,
           action: str) -> Change:
    """The change that gives the ticket to ``to`` (None: nobody), ``action`` being take, assign or release.

    Refused (`AssignmentRefused`) when the ticket is closed, the actor is not of its lane (nor a
    supervisor), ``to`` is not of the lane, or a release comes from someone who neither owns it nor
    supervises."""
    if ticket.closed_at is not None:
        raise _refuse("Pengaduan ini sudah selesai; penugasan tidak dapat diubah.",
                      "This complaint is closed; its assignment cannot be changed.")
    boss = supervises(definition, actor)
    if action == "release":
        if ticket.assignee_id is None:
            raise _refuse("Pengaduan ini belum ditugaskan kepada siapa pun.",
                          "This complaint is not assigned to anyone.")
        if ticket.assignee_id != actor.id and not boss:
            raise _refuse(f"Hanya {ticket.assignee_id} (yang memegang pengaduan ini) atau pimpinan yang dapat "
                          "melepasnya.", f"Only {ticket.assignee_id} (who holds it) or a supervisor can release it.")
    elif not may_own(definition, ticket, actor):
        labels = ", ".join(definition.roles[r].label for r in sorted(lane_roles(definition, ticket.state)))
        labels_en = ", ".join(definition.roles[r].label_en or definition.roles[r].label
                              for r in sorted(lane_roles(definition, ticket.state)))
        raise _refuse(f"Pada tahap ini pengaduan dipegang oleh {labels or 'pihak lain'}; peran Anda tidak termasuk.",
                      f"At this stage the complaint is held by {labels_en or 'someone else'}; your role is not one.")
    if to is not None:
        if not to.roles & lane_roles(definition, ticket.state):
            raise _refuse(f"{to.name or to.username} tidak memegang peran yang bekerja pada tahap ini; pilih rekan "
                          "dari daftar.", f"{to.name or to.username} holds no role of this stage; choose a colleague "
                          "from the list.")
        if to.username == ticket.assignee_id:
            raise _refuse(f"Pengaduan ini sudah ditugaskan kepada {to.name or to.username}.",
                          f"This complaint is already assigned to {to.name or to.username}.")
    changed = ticket.copy()
    changed.assignee_id = to.username if to is not None else None
    changed.updated_at = now
    event = _event(ticket, actor, now, _role(definition, ticket, actor), action=action,
                   to=to.username if to is not None else None)
    notices = [Notice(ASSIGNED_TEMPLATE, f"user:{to.username}")] \
        if to is not None and to.username != actor.id and ASSIGNED_TEMPLATE in definition.notifications else []
    return Change(ticket=changed, expected_version=ticket.version, audit=[event], notices=notices)


def note(definition: Definition, ticket: Ticket, actor: Actor, text: str, *, now: datetime) -> AuditEvent:
    """The audit row of an internal note; `AssignmentRefused` when it is empty or too long, or the actor
    works neither the ticket's definition nor supervises."""
    text = (text or "").strip()
    if not text:
        raise _refuse("Tuliskan isi catatan.", "Write the note.")
    if len(text) > NOTE_MAX:
        raise _refuse(f"Catatan paling panjang {NOTE_MAX} karakter (sekarang {len(text)}); persingkat lalu simpan.",
                      f"A note holds at most {NOTE_MAX} characters (this one {len(text)}); shorten it and save.")
    people_roles = {r for r, role in definition.roles.items() if r != COMPLAINANT and not role.system}
    if not actor.roles & people_roles:
        raise _refuse("Peran Anda tidak bekerja pada pengaduan ini.", "Your role does not work on this complaint.")
    return AuditEvent(kind="note", at=now, actor_id=actor.id, actor_role=_role(definition, ticket, actor),
                      ticket_id=ticket.id, receipt_no=ticket.receipt_no,
                      definition_key=ticket.definition_key, definition_version=ticket.definition_version,
                      detail={"text": text, "state": ticket.state})


__all__ = [
    "ASSIGNED_TEMPLATE",
    "NOTE_MAX",
    "Colleague",
    "assign",
    "colleagues",
    "lane_roles",
    "may_own",
    "note",
    "supervises",
]
