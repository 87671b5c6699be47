"""Duplicate complaints: flag a new ticket that repeats an open one, and let a petugas link or merge.

A complaint is a likely duplicate when another ticket that is still open (not in a terminal state of
its definition) has the same permit registration number (``no_registrasi``) and category. The check
only *flags* (``tickets.flags`` gets ``duplikat:<receipt>``): deciding is the petugas' job, because two
people can rightly complain about the same permit. Then:

- `link` records that the two belong together (``ticket_links`` kind ``terkait``), flag becomes
  ``terkait:<receipt>``; both keep running.
- `merge` fires the definition's ``gabungkan`` trigger with ``nomor_induk`` (the ticket closes as
  ``digabung``) and records the link (kind ``digabung``).

Flag changes bump the ticket's version (``WHERE version = :v``) so they cannot be lost to, or hide, a
concurrent fire.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, insert, select, update

from workflow.core.audit import AuditEvent
from workflow.errors import ConcurrentUpdate, TicketNotFound
from workflow.core.guards import Actor
from workflow.store import models as m
from workflow.store import models_intake as mi
from workflow.store.db import read_only
from workflow.store.sql import utc

logger = logging.getLogger(__name__)

FLAG = "duplikat:"
LINKED = "terkait:"
MERGE_TRIGGER = "gabungkan"


def _terminal_states(runtime, definition_key: str, version: int) -> set[str]:
    definition = runtime.engine.definition(definition_key, version)
    return {s.key for s in definition.states.values() if s.terminal}


def find_open_duplicates(runtime, ticket_id: int) -> list[dict[str, Any]]:
    """Other open tickets with the same no_registrasi and kategori as ``ticket_id`` (oldest first)."""
    t = m.tickets.c
    with read_only(runtime.db) as conn:
        me = conn.execute(select(t.id, t.no_registrasi, t.kategori).where(t.id == ticket_id)).first()
        if me is None:
            raise TicketNotFound(f"no ticket with id {ticket_id}")
        if not (me.no_registrasi and me.kategori):
            return []
        rows = conn.execute(select(t.id, t.receipt_no, t.state, t.definition_key, t.definition_version)
                            .where(and_(t.no_registrasi == me.no_registrasi, t.kategori == me.kategori,
                                        t.id != ticket_id, t.closed_at.is_(None)))
                            .order_by(t.id)).mappings().all()
    out = []
    for row in rows:
        if row["state"] not in _terminal_states(runtime, row["definition_key"], row["definition_version"]):
            out.append(dict(row))
    return out


def _update_flags(runtime, ticket_id: int, change, event: AuditEvent) -> list[str]:
    """Apply ``change(flags) -> flags`` under the ticket's version, with an audit row, in one transaction."""
    with runtime.store.unit_of_work() as uow:
        row = uow.conn.execute(select(m.tickets.c.flags, m.tickets.c.version, m.tickets.c.receipt_no)
                               .where(m.tickets.c.id == ticket_id)).first()
        if row is None:
            raise TicketNotFound(f"no ticket with id {ticket_id}")
        flags = change(list(row.flags or []))
        done = uow.conn.execute(update(m.tickets).where(and_(m.tickets.c.id == ticket_id,
                                                             m.tickets.c.version == row.version))
                                .values(flags=flags, version=row.version + 1))
        if done.rowcount != 1:
            raise ConcurrentUpdate(f"Pengaduan {row.receipt_no} sudah diubah orang lain; muat ulang lalu ulangi.")
        uow.append_audit([event])
        uow.commit()
    return flags


def flag_if_duplicate(runtime, ticket_id: int, *, now: datetime | None = None) -> str | None:
    """Flag a just-opened ticket that repeats an open one; returns the receipt it duplicates, if any."""
    found = find_open_duplicates(runtime, ticket_id)
    if not found:
        return None
    original = found[0]["receipt_no"]
    now = now or datetime.now(timezone.utc)
    ticket = runtime.engine.load(ticket_id)
    event = AuditEvent(kind="system", at=now, actor_id="system", actor_role="system", ticket_id=ticket_id,
                       receipt_no=ticket.receipt_no, detail={"event": "duplicate_flag", "of": original})
    _update_flags(runtime, ticket_id, lambda flags: flags + [FLAG + original] if FLAG + original not in flags
                  else flags, event)
    logger.info("ticket %s flagged as a possible duplicate of %s", ticket.receipt_no, original)
    return original


def flagged(runtime) -> list[dict[str, Any]]:
    """Open tickets carrying a duplicate flag, for the petugas' page (no identity)."""
    t = m.tickets.c
    with read_only(runtime.db) as conn:
        rows = conn.execute(select(t.id, t.receipt_no, t.state, t.kategori, t.no_registrasi, t.perihal, t.flags,
                                   t.created_at).where(t.closed_at.is_(None)).order_by(t.id)).mappings().all()
    out = []
    for row in rows:
        dups = [f[len(FLAG):] for f in (row["flags"] or []) if f.startswith(FLAG)]
        if dups:
            item = dict(row)
            item["duplicates_of"] = dups
            item["created_at"] = utc(item["created_at"])
            out.append(item)
    return out


def _ids(runtime, receipt_no: str) -> int:
    with runtime.store.unit_of_work() as uow:
        return uow.ticket_id_by_receipt(receipt_no)


def _insert_link(runtime, ticket_id: int, other_id: int, kind: str, actor: Actor, now: datetime) -> None:
    with runtime.db.begin() as conn:
        exists = conn.execute(select(mi.ticket_links.c.id).where(and_(
            mi.ticket_links.c.ticket_id == ticket_id, mi.ticket_links.c.other_id == other_id,
            mi.ticket_links.c.kind == kind))).first()
        if exists is None:
            conn.execute(insert(mi.ticket_links).values(ticket_id=ticket_id, other_id=other_id, kind=kind,
                                                        created_by=actor.id, created_at=utc(now)))


def link(runtime, ticket_id: int, other_receipt: str, actor: Actor, *, now: datetime | None = None) -> None:
    """Record that ``ticket_id`` belongs with ``other_receipt``; both keep running."""
    now = now or datetime.now(timezone.utc)
    other_id = _ids(runtime, other_receipt)
    ticket = runtime.engine.load(ticket_id)
    event = AuditEvent(kind="merge", at=now, actor_id=actor.id, actor_role=_role(actor), ticket_id=ticket_id,
                       receipt_no=ticket.receipt_no, detail={"event": "link", "other": other_receipt})
    _update_flags(runtime, ticket_id, lambda flags: [f for f in flags if f != FLAG + other_receipt]
                  + ([LINKED + other_receipt] if LINKED + other_receipt not in flags else []), event)
    _insert_link(runtime, ticket_id, other_id, "terkait", actor, now)


def merge(runtime, ticket_id: int, into_receipt: str, actor: Actor, *, now: datetime | None = None):
    """Merge ``ticket_id`` into ``into_receipt`` by firing ``gabungkan``; returns the closed ticket.

    Raises `TransitionRejected` when the definition does not allow it now (the petugas sees why)."""
    now = now or datetime.now(timezone.utc)
    other_id = _ids(runtime, into_receipt)
    if other_id == ticket_id:
        from workflow.errors import InvalidInput
        raise InvalidInput({"nomor_induk": "pengaduan tidak dapat digabung dengan dirinya sendiri"})
    saved = runtime.engine.fire(ticket_id, MERGE_TRIGGER, actor, {"nomor_induk": into_receipt}, now=now)
    _insert_link(runtime, ticket_id, other_id, "digabung", actor, now)
    return saved


def links_of(runtime, ticket_id: int) -> list[dict[str, Any]]:
    with read_only(runtime.db) as conn:
        rows = conn.execute(select(mi.ticket_links.c.kind, m.tickets.c.receipt_no)
                            .join(m.tickets, m.tickets.c.id == mi.ticket_links.c.other_id)
                            .where(mi.ticket_links.c.ticket_id == ticket_id)).mappings().all()
    return [dict(r) for r in rows]


def _role(actor: Actor) -> str:
    return "petugas" if "petugas" in actor.roles else (sorted(actor.roles)[0] if actor.roles else "")


__all__ = ["find_open_duplicates", "flag_if_duplicate", "flagged", "link", "merge", "links_of", "FLAG", "LINKED"]
