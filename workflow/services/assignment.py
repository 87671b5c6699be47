"""Ownership of tickets and internal notes, one transaction each (`workflow.core.assignment` decides).

* `take`, `assign`, `release`: the ticket's ``assignee_id`` changes (a version-checked write, so a
  page showing an older version gets `ConcurrentUpdate`), with an ``assignment`` audit row and, for a
  colleague given the ticket by someone else, a ``tugas_baru`` notice when the definition declares it.
* `add_note`: an ``note`` audit row on the ticket, which neither moves it nor changes its version.
* `colleagues`: the active accounts of the ticket's lane, to choose from.
"""
from __future__ import annotations

import logging
from datetime import datetime

from workflow.core import assignment
from workflow.core.assignment import Colleague
from workflow.core.guards import Actor
from workflow.core.ticket import Ticket
from workflow.errors import AssignmentRefused
from workflow.services.engine import ensure_version
from workflow.services.roles import role_directory

logger = logging.getLogger(__name__)


def people(runtime) -> list[Colleague]:
    """Every active console account, with the definition roles it acts as."""
    directory = role_directory(runtime)
    with runtime.store.unit_of_work(read_only=True) as uow:
        records = uow.users.all()
    return [Colleague(r.username, r.display_name or r.username, directory.actor_roles(r.roles, r.supervisor_level))
            for r in records if r.active]


def colleagues(runtime, ticket: Ticket) -> list[Colleague]:
    """The active accounts the ticket may be assigned to now (holding a role of its stage)."""
    return assignment.colleagues(runtime.engine.definition_of(ticket), ticket, people(runtime))


def _change(runtime, ticket_id: int, actor: Actor, to: str | None, action: str, expected_version: int | None,
            now: datetime | None) -> Ticket:
    engine = runtime.engine
    now = now or engine.now()
    target = None
    if to is not None:
        target = next((p for p in people(runtime) if p.username == to), None)
        if target is None:
            raise AssignmentRefused(f"Tidak ada pengguna aktif bernama '{to}'; pilih rekan dari daftar.",
                                    f"There is no active user '{to}'; choose a colleague from the list.")
    with runtime.store.unit_of_work() as uow:
        before = uow.tickets.load(ticket_id)
        ensure_version(before, expected_version)
        definition = engine.definitions.get(uow, before.definition_key, before.definition_version)
        change = assignment.assign(definition, before, actor, target, now=now, action=action)
        saved = uow.tickets.save(change)
        uow.commit()
    logger.info("ticket %s %s by %s", saved.receipt_no, action, actor.id)
    engine.run_after_commit(saved)
    return saved


def take(runtime, ticket_id: int, actor: Actor, *, expected_version: int | None = None,
         now: datetime | None = None) -> Ticket:
    """Make the ticket the actor's own ("Ambil")."""
    return _change(runtime, ticket_id, actor, actor.id, "take", expected_version, now)


def assign(runtime, ticket_id: int, actor: Actor, to: str, *, expected_version: int | None = None,
           now: datetime | None = None) -> Ticket:
    """Give the ticket to a colleague of its lane (username ``to``)."""
    return _change(runtime, ticket_id, actor, to, "assign", expected_version, now)


def release(runtime, ticket_id: int, actor: Actor, *, expected_version: int | None = None,
            now: datetime | None = None) -> Ticket:
    """Let go of the ticket: nobody holds it, and it shows under "Belum ditugaskan" again (if no team has it)."""
    return _change(runtime, ticket_id, actor, None, "release", expected_version, now)


def add_note(runtime, ticket_id: int, actor: Actor, text: str, *, now: datetime | None = None) -> None:
    """Write an internal note on the ticket (audited; never shown to the complainant)."""
    engine = runtime.engine
    with runtime.store.unit_of_work() as uow:
        ticket = uow.tickets.load(ticket_id)
        definition = engine.definitions.get(uow, ticket.definition_key, ticket.definition_version)
        uow.audit.append([assignment.note(definition, ticket, actor, text, now=now or engine.now())])
        uow.commit()
    logger.info("note on %s by %s", ticket.receipt_no, actor.id)


__all__ = ["add_note", "assign", "colleagues", "people", "release", "take"]
