"""Tickets in SQL: load, save one open or fire, flags, duplicate candidates, identity.

Writes on the fire path use SQLAlchemy Core (no ORM identity map or flush machinery), so a fire costs
the statements it needs and little more; `benchmarks/bench_fire.py` compares it with raw Core. The
ticket row is updated ``WHERE version = :expected``: a lost update changes no row and raises
`ConcurrentUpdate`. Statements are built once: building a Core statement and its cache key on every
call cost more than executing it. Values travel as execution parameters; an UPDATE without
``.values()`` sets exactly the columns named in its parameters.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable

from sqlalchemy import and_, bindparam, insert, or_, select, update

from workflow.core.audit import AuditEvent
from workflow.core.ticket import Change, Ticket
from workflow.errors import ConcurrentUpdate, TicketNotFound
from workflow.store import models as m
from workflow.store.port import TicketRef
from workflow.store.rules import duplicates
from workflow.store.sql.rows import clock_values, iso_map, mirror, ticket_from_row, utc

_BY_ID = bindparam("b_id")
_SELECT_TICKET = (select(m.tickets, m.identities.c.data.label("identity_data"))  # one round trip, not two
                  .outerjoin(m.identities, m.identities.c.ticket_id == m.tickets.c.id)
                  .where(m.tickets.c.id == _BY_ID))
_SELECT_CLOCKS = select(m.clocks).where(m.clocks.c.ticket_id == _BY_ID).order_by(m.clocks.c.id)
_UPDATE_TICKET = update(m.tickets).where(and_(m.tickets.c.id == _BY_ID,
                                             m.tickets.c.version == bindparam("b_expected")))
_UPDATE_CLOCK = update(m.clocks).where(m.clocks.c.id == _BY_ID)
_INSERT_OUTBOX = insert(m.outbox).returning(m.outbox.c.id, sort_by_parameter_order=True)
_LOCK = select(m.tickets.c.id).where(m.tickets.c.id == _BY_ID).with_for_update()


class SqlTickets:
    """The port's `TicketRepository` on one connection of a unit of work."""

    def __init__(self, conn, audit):
        self.conn = conn
        self.audit = audit

    def load(self, ticket_id: int) -> Ticket:
        by_id = {"b_id": ticket_id}
        row = self.conn.execute(_SELECT_TICKET, by_id).first()
        if row is None:
            raise TicketNotFound(f"no ticket with id {ticket_id}")
        clocks = self.conn.execute(_SELECT_CLOCKS, by_id).all()
        return ticket_from_row(row, row[-1], clocks)  # identity_data, the last column

    def id_by_receipt(self, receipt_no: str) -> int:
        found = self.conn.execute(select(m.tickets.c.id).where(m.tickets.c.receipt_no == receipt_no)).scalar()
        if found is None:
            raise TicketNotFound(f"no ticket with receipt number {receipt_no}")
        return found

    def save(self, change: Change) -> Ticket:
        t = change.ticket
        values = {
            "state": t.state, "definition_version": t.definition_version, "opd": t.opd,
            "assignee_role": t.assignee_role, "assignee_id": t.assignee_id, "fields": t.fields,
            "entered": iso_map(t.entered), "flags": t.flags, "updated_at": utc(t.updated_at),
            "closed_at": utc(t.closed_at), "outcome": t.outcome, **mirror(t.fields),
            "handoffs": [p.as_json() for p in t.handoffs] or None,
        }
        if change.expected_version is None:
            t.id = self.conn.execute(insert(m.tickets).values(
                receipt_no=t.receipt_no, token_hash=t.token_hash, definition_key=t.definition_key,
                version=t.version, created_at=utc(t.created_at), imported=t.imported, **values,
            ).returning(m.tickets.c.id)).scalar_one()
            self.conn.execute(insert(m.identities).values(ticket_id=t.id, data=t.identity))
        else:
            result = self.conn.execute(_UPDATE_TICKET, {
                "b_id": t.id, "b_expected": change.expected_version,
                "version": change.expected_version + 1, **values})
            if result.rowcount != 1:
                raise ConcurrentUpdate(f"Pengaduan {t.receipt_no} sudah diubah orang lain sejak dibuka. "
                                       "Muat ulang lalu ulangi; tidak ada yang tersimpan.")
            t.version = change.expected_version + 1
        self._save_clocks(t)
        self.audit.append([e if e.ticket_id is not None else _with_ticket(e, t.id) for e in change.audit])
        t.notices_written = []
        if change.notices:
            now = utc(t.updated_at)
            t.notices_written = list(self.conn.execute(_INSERT_OUTBOX, [
                {"ticket_id": t.id, "template": n.template, "recipient": n.recipient, "detail": n.detail,
                 "status": "pending", "created_at": now} for n in change.notices]).scalars())
        return t

    def _save_clocks(self, t: Ticket) -> None:
        changed = []  # updates of existing runs go in one executemany
        for run in t.clocks:
            if not run.dirty:
                continue
            if run.id is None:
                run.id = self.conn.execute(insert(m.clocks).values(ticket_id=t.id, **clock_values(run))
                                           .returning(m.clocks.c.id)).scalar_one()
            else:
                changed.append({"b_id": run.id, **clock_values(run)})
            run.dirty = False
        if changed:
            self.conn.execute(_UPDATE_CLOCK, changed)

    def lock(self, ticket_id: int) -> None:
        # PostgreSQL: a row lock held to commit. SQLite writers already hold the database's write lock
        # from BEGIN IMMEDIATE (and SQLAlchemy drops FOR UPDATE there).
        self.conn.execute(_LOCK, {"b_id": ticket_id})

    def set_flags(self, ticket_id: int, flags: list[str], expected_version: int) -> int:
        done = self.conn.execute(update(m.tickets).where(and_(m.tickets.c.id == ticket_id,
                                                              m.tickets.c.version == expected_version))
                                 .values(flags=list(flags), version=expected_version + 1))
        if done.rowcount != 1:
            receipt = self.conn.execute(select(m.tickets.c.receipt_no).where(m.tickets.c.id == ticket_id)).scalar()
            if receipt is None:
                raise TicketNotFound(f"no ticket with id {ticket_id}")
            raise ConcurrentUpdate(f"Pengaduan {receipt} sudah diubah orang lain; muat ulang lalu ulangi.")
        return expected_version + 1

    def open_duplicates(self, no_registrasi: str | None, kategori: str | None, *,
                        exclude: int | None = None) -> list[TicketRef]:
        t = m.tickets.c
        q = select(t.id, t.receipt_no, t.state, t.definition_key, t.definition_version, t.version).where(
            duplicates.condition(no_registrasi, kategori))
        if exclude is not None:
            q = q.where(t.id != exclude)
        return [TicketRef(*row) for row in self.conn.execute(q.order_by(t.id)).all()]

    def identity(self, ticket_id: int) -> dict[str, Any]:
        found = self.conn.execute(select(m.identities.c.data).where(m.identities.c.ticket_id == ticket_id)).scalar()
        return dict(found or {})

    def refs(self, *, ids: Iterable[int] = (), receipts: Iterable[str] = ()) -> list[TicketRef]:
        ids, receipts = list(ids), list(receipts)
        if not ids and not receipts:
            return []
        t = m.tickets.c
        return self._refs(or_(t.id.in_(ids), t.receipt_no.in_(receipts)))

    def open_on(self, key: str, *, not_version: int, version: int | None = None) -> list[TicketRef]:
        t = m.tickets.c
        where = [t.definition_key == key, t.definition_version != not_version, t.closed_at.is_(None)]
        if version is not None:
            where.append(t.definition_version == version)
        return self._refs(*where)

    def open_versions(self) -> list[tuple[str, int]]:
        t = m.tickets.c
        q = select(t.definition_key, t.definition_version).where(t.closed_at.is_(None)).distinct()
        return [(k, v) for k, v in self.conn.execute(q.order_by(t.definition_key, t.definition_version)).all()]

    def waiting_in(self, key: str, version: int, states: Iterable[str]) -> list[TicketRef]:
        t = m.tickets.c
        return self._refs(t.definition_key == key, t.definition_version == version, t.state.in_(list(states)))

    def _refs(self, *where) -> list[TicketRef]:
        t = m.tickets.c
        q = select(t.id, t.receipt_no, t.state, t.definition_key, t.definition_version, t.version).where(*where)
        return [TicketRef(*row) for row in self.conn.execute(q.order_by(t.id)).all()]


def _with_ticket(event: AuditEvent, ticket_id: int | None) -> AuditEvent:
    return replace(event, ticket_id=ticket_id)


__all__ = ["SqlTickets"]
