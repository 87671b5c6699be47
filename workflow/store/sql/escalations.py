"""Escalation rungs in SQL: claiming due rungs, reading a batch of them, recording each fired rung once.

The database is the source of truth for what is due: ``ticket_clocks.next_rung`` / ``next_rung_at``
(indexed by ``ix_clocks_due_rung``) say which rung of which clock run falls due when, and the
``escalations`` table, with ``UNIQUE(clock_run_id, rung)``, holds the rungs that fired. A rung is
recorded with ``INSERT … ON CONFLICT DO NOTHING``: a conflict means another sweeper, job or retry
fired it already, and nothing else is written.

Locks. On PostgreSQL `SqlEscalations.claim_due` takes the claimed clock rows *and* their tickets
``FOR UPDATE SKIP LOCKED``, so several sweepers split the due rows and none waits on a ticket an officer
is firing; `SqlEscalations.load` with ``lock`` (a rung job) waits for the ticket's row, then its clock
rows: the order a fire takes them in, so the two cannot deadlock. On SQLite the unit of work's ``BEGIN
IMMEDIATE`` already serialises writers (and SQLAlchemy drops ``FOR UPDATE`` there).

Cost (``benchmarks/bench_rungs.py``): statements are built once (building a Core statement and its
cache key for every rung cost more than running it); values travel as execution parameters, and an
UPDATE without ``.values()`` sets exactly the columns named in its parameters. A batch is read with
three queries however many rungs it holds, and a rung's ticket update writes only the columns a rung
changes.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Iterable

from sqlalchemy import bindparam, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from workflow.core.escalation import DueRung, RungChange
from workflow.core.ticket import ClockRun, Ticket
from workflow.errors import ConcurrentUpdate
from workflow.store import models as m
from workflow.store.sql.rows import ticket_from_row, utc

_TICKET_IDS = bindparam("b_ticket_ids", expanding=True)
_SELECT_TICKETS = select(m.tickets).where(m.tickets.c.id.in_(_TICKET_IDS))
_SELECT_CLOCKS = select(m.clocks).where(m.clocks.c.ticket_id.in_(_TICKET_IDS)).order_by(m.clocks.c.id)
_LOCK_TICKETS, _LOCK_CLOCKS = _SELECT_TICKETS.with_for_update(), _SELECT_CLOCKS.with_for_update()
# Only the claimed runs' fired rungs: the next-rung rule needs nothing else, and the unique index on
# (clock_run_id, rung) answers it.
_SELECT_RUNS_FIRED = select(m.escalations.c.clock_run_id, m.escalations.c.rung).where(
    m.escalations.c.clock_run_id.in_(bindparam("b_run_ids", expanding=True)))
_SELECT_TICKET_FIRED = (select(m.clocks.c.clock, m.clocks.c.run, m.escalations.c.rung)
                        .join(m.escalations, m.escalations.c.clock_run_id == m.clocks.c.id)
                        .where(m.clocks.c.ticket_id == bindparam("b_id")))
_BY_ID = bindparam("b_id")
_UPDATE_TICKET = update(m.tickets).where(m.tickets.c.id == _BY_ID, m.tickets.c.version == bindparam("b_expected"))
_UPDATE_NEXT = update(m.clocks).where(m.clocks.c.id == _BY_ID)
_INSERT_ESCALATION = {
    name: ins(m.escalations).on_conflict_do_nothing(index_elements=["clock_run_id", "rung"])
    .returning(m.escalations.c.id)
    for name, ins in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_INSERT_OUTBOX = insert(m.outbox).returning(m.outbox.c.id)  # several rows: one INSERT … VALUES …, … RETURNING


def due_query(now: datetime, limit: int | None = None, *, exclude: Iterable[int] = (),
              after: tuple[datetime, int] | None = None):
    """The indexed query for due rungs (``ix_clocks_due_rung`` on ``next_rung_at``), oldest first.

    ``after`` = (due time, clock run id) continues a keyset walk after that row.
    """
    c = m.clocks.c
    q = select(c.id, c.ticket_id, c.next_rung, c.next_rung_at).where(
        c.next_rung_at <= utc(now), c.status == "running", c.next_rung.is_not(None))
    exclude = list(exclude)
    if exclude:
        q = q.where(c.id.not_in(exclude))
    if after is not None:
        q = q.where(tuple_(c.next_rung_at, c.id) > tuple_(utc(after[0]), after[1]))
    q = q.order_by(c.next_rung_at, c.id)
    return q.limit(limit) if limit is not None else q


class SqlEscalations:
    """The port's `EscalationRepository` on one connection of a unit of work."""

    def __init__(self, conn, audit):
        self.conn, self.audit = conn, audit
        self.dialect = conn.dialect.name

    def fired(self, ticket_id: int) -> dict[tuple[str, int], set[int]]:
        out: dict[tuple[str, int], set[int]] = {}
        for row in self.conn.execute(_SELECT_TICKET_FIRED, {"b_id": ticket_id}).all():
            out.setdefault((row.clock, row.run), set()).add(row.rung)
        return out

    def claim_due(self, now: datetime, limit: int, *, exclude: Iterable[int] = (),
                  after: tuple[datetime, int] | None = None) -> list[DueRung]:
        q = due_query(now, limit, exclude=exclude, after=after)
        if self.dialect == "postgresql":
            q = q.join(m.tickets, m.tickets.c.id == m.clocks.c.ticket_id).with_for_update(skip_locked=True)
        return [DueRung(r.id, r.ticket_id, r.next_rung, utc(r.next_rung_at)) for r in self.conn.execute(q).all()]

    def load(self, claims: Iterable[DueRung], *, lock: bool = False) -> tuple[dict[int, Ticket],
                                                                              dict[int, set[int]]]:
        claims = list(claims)
        lock = lock and self.dialect == "postgresql"
        params = {"b_ticket_ids": sorted({c.ticket_id for c in claims})}
        rows = self.conn.execute(_LOCK_TICKETS if lock else _SELECT_TICKETS, params).all()
        runs: dict[int, list] = defaultdict(list)
        for row in self.conn.execute(_LOCK_CLOCKS if lock else _SELECT_CLOCKS, params):
            runs[row.ticket_id].append(row)
        tickets = {row.id: ticket_from_row(row, None, runs.get(row.id, ())) for row in rows}  # no identity
        run_ids = sorted({c.clock_run_id for c in claims})
        fired: dict[int, set[int]] = {run_id: set() for run_id in run_ids}
        for run_id, rung in self.conn.execute(_SELECT_RUNS_FIRED, {"b_run_ids": run_ids}):
            fired[run_id].add(rung)
        return tickets, fired

    def set_next(self, ticket_id: int, run: ClockRun) -> None:
        self.conn.execute(_UPDATE_NEXT, {"b_id": run.id, "next_rung": run.next_rung,
                                         "next_rung_at": utc(run.next_rung_at)})
        run.dirty = False

    def fire(self, change: RungChange) -> list[int] | None:
        t = change.ticket
        if self.conn.execute(_INSERT_ESCALATION[self.dialect], {
                "ticket_id": t.id, "clock_run_id": change.run.id, "rung": change.rung,
                "target_role": change.target_role, "fired_at": change.fired_at}).scalar() is None:
            return None  # fired already: the unique constraint is the final word
        # The version guard stays, although the claim's or the job's lock means no one else can have
        # moved the ticket.
        if self.conn.execute(_UPDATE_TICKET, {
                "b_id": t.id, "b_expected": change.expected_version, "version": change.expected_version + 1,
                "flags": t.flags, "assignee_role": t.assignee_role, "assignee_id": t.assignee_id,
                "updated_at": change.fired_at}).rowcount != 1:
            raise ConcurrentUpdate(f"ticket {t.receipt_no} changed while its escalation held the lock; "
                                   "the rung stays due and the next sweep fires it")
        t.version = change.expected_version + 1
        self.set_next(t.id, change.run)
        self.audit.append([change.audit])
        if not change.notices:
            return []
        return [row[0] for row in self.conn.execute(_INSERT_OUTBOX, [
            {"ticket_id": t.id, "template": n.template, "recipient": n.recipient, "detail": n.detail,
             "status": "pending", "created_at": change.fired_at} for n in change.notices])]


__all__ = ["SqlEscalations", "due_query"]
