"""Duplicate complaints: find the open ticket a new one repeats, and let a petugas link or merge them.

Detection happens at intake (`workflow.services.intake`), in the transaction that opens the ticket; the
rule is `workflow.store.rules.duplicates`, the flags `workflow.core.duplicates`. Here are the petugas'
decisions, each one transaction:

- `link` records that the two belong together (``ticket_links`` kind ``terkait``), the flag becomes
  ``terkait:<receipt>``; both keep running.
- `merge` fires the definition's ``gabungkan`` trigger with ``nomor_induk`` (the ticket closes as
  ``digabung``) and records the link (kind ``digabung``).

Flag changes bump the ticket's version, so they cannot be lost to, or hide, a concurrent fire.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from workflow.core.audit import AuditEvent
from workflow.core.decide import acting_role
from workflow.core.duplicates import FLAG, LINKED, MERGE_TRIGGER, linked_flags
from workflow.core.guards import Actor
from workflow.core.ticket import Ticket
from workflow.errors import InvalidInput
from workflow.store.port import TicketRef, UnitOfWork

logger = logging.getLogger(__name__)


def find_open_duplicates(runtime, ticket_id: int) -> list[TicketRef]:
    """Other open tickets the ticket repeats (same registration number and category), oldest first."""
    with runtime.store.unit_of_work(read_only=True) as uow:
        ticket = uow.tickets.load(ticket_id)
        return original_of(uow, ticket)


def original_of(uow: UnitOfWork, ticket: Ticket) -> list[TicketRef]:
    return uow.tickets.open_duplicates(ticket.fields.get("no_registrasi"), ticket.fields.get("kategori"),
                                       exclude=ticket.id)


def link(runtime, ticket_id: int, other_receipt: str, actor: Actor, *, now: datetime | None = None) -> None:
    """Record that ``ticket_id`` belongs with ``other_receipt``; both keep running."""
    now = now or runtime.engine.now()
    with runtime.store.unit_of_work() as uow:
        other_id = uow.tickets.id_by_receipt(other_receipt)
        ticket = uow.tickets.load(ticket_id)
        uow.tickets.set_flags(ticket_id, linked_flags(ticket.flags, other_receipt), ticket.version)
        uow.audit.append([AuditEvent(kind="merge", at=now, actor_id=actor.id,
                                     actor_role=acting_role(actor, ("petugas",)), ticket_id=ticket_id,
                                     receipt_no=ticket.receipt_no, detail={"event": "link", "other": other_receipt})])
        uow.links.add(ticket_id, other_id, "terkait", actor.id, now)
        uow.commit()


def merge(runtime, ticket_id: int, into_receipt: str, actor: Actor, *, now: datetime | None = None) -> Ticket:
    """Merge ``ticket_id`` into ``into_receipt`` by firing ``gabungkan``, and link them; returns the closed ticket.

    Raises `TransitionRejected` when the definition does not allow it now (the petugas sees why)."""
    now = now or runtime.engine.now()
    engine = runtime.engine
    with runtime.store.unit_of_work() as uow:
        other_id = uow.tickets.id_by_receipt(into_receipt)
        if other_id == ticket_id:
            raise InvalidInput({"nomor_induk": "pengaduan tidak dapat digabung dengan dirinya sendiri"})
        change = engine.decide_fire(uow, ticket_id, MERGE_TRIGGER, actor, {"nomor_induk": into_receipt}, now=now)
        saved = uow.tickets.save(change)
        uow.links.add(ticket_id, other_id, "digabung", actor.id, now)
        uow.commit()
    engine.run_after_commit(saved)
    return saved


def links_of(runtime, ticket_id: int) -> list[dict[str, Any]]:
    with runtime.store.unit_of_work(read_only=True) as uow:
        return [{"kind": kind, "receipt_no": receipt} for kind, receipt in uow.links.of(ticket_id)]


__all__ = ["find_open_duplicates", "original_of", "link", "merge", "links_of", "FLAG", "LINKED"]
