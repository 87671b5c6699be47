"""Escalation rungs in memory (`workflow.store.port.EscalationRepository`), beside `workflow.store.memory`.

It works on the unit of work's copy of the tables (``tickets``, ``escalations``, ``outbox``, the audit
log) and, like the rest of the memory store, never changes a stored record in place: a ticket whose
rung fired is a new copy, so a rolled-back unit of work or savepoint leaves nothing behind. Units of
work take turns (the store's lock), so a claim needs no row locks here; ``(clock run, rung)`` is
recorded once, as the SQL store's unique index has it.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from workflow.core.escalation import DueRung, RungChange
from workflow.core.ticket import ClockRun, Ticket
from workflow.errors import ConcurrentUpdate


class MemoryEscalations:
    def __init__(self, tables, audit):
        self.t, self.audit = tables, audit

    def fired(self, ticket_id: int) -> dict[tuple[str, int], set[int]]:
        ticket = self.t.tickets.get(ticket_id)
        runs = {c.id: (c.clock, c.run) for c in ticket.clocks} if ticket is not None else {}
        out: dict[tuple[str, int], set[int]] = {}
        for row in self.t.escalations:
            if row["ticket_id"] == ticket_id and row["clock_run_id"] in runs:
                out.setdefault(runs[row["clock_run_id"]], set()).add(row["rung"])
        return out

    def claim_due(self, now: datetime, limit: int, *, exclude: Iterable[int] = (),
                  after: tuple[datetime, int] | None = None) -> list[DueRung]:
        skip = set(exclude)
        due = sorted((run.next_rung_at, run.id, ticket.id, run.next_rung) for ticket in self.t.tickets.values()
                     for run in ticket.clocks
                     if run.status == "running" and run.next_rung is not None and run.next_rung_at is not None
                     and run.next_rung_at <= now and run.id not in skip
                     and (after is None or (run.next_rung_at, run.id) > after))
        return [DueRung(run_id, ticket_id, rung, at) for at, run_id, ticket_id, rung in due[:limit]]

    def load(self, claims: Iterable[DueRung], *, lock: bool = False) -> tuple[dict[int, Ticket],
                                                                              dict[int, set[int]]]:
        claims = list(claims)
        tickets = {}
        for claim in claims:
            stored = self.t.tickets.get(claim.ticket_id)
            if stored is not None:
                tickets[stored.id] = ticket = stored.copy()
                ticket.identity = {}  # as the SQL store: a rung needs no identity
        fired: dict[int, set[int]] = {c.clock_run_id: set() for c in claims}
        for row in self.t.escalations:
            if row["clock_run_id"] in fired:
                fired[row["clock_run_id"]].add(row["rung"])
        return tickets, fired

    def set_next(self, ticket_id: int, run: ClockRun) -> None:
        stored = self.t.tickets.get(ticket_id)
        if stored is not None:
            self.t.tickets[ticket_id] = _pointed(stored.copy(), run)
        run.dirty = False

    def fire(self, change: RungChange) -> list[int] | None:
        t, at = change.ticket, change.fired_at.astimezone(timezone.utc)
        if any(row["clock_run_id"] == change.run.id and row["rung"] == change.rung for row in self.t.escalations):
            return None
        stored = self.t.tickets.get(t.id)
        if stored is None or stored.version != change.expected_version:
            raise ConcurrentUpdate(f"ticket {t.receipt_no} changed while its escalation held the lock; "
                                   "the rung stays due and the next sweep fires it")
        self.t.escalations.append({"id": self.t.next_id("escalations"), "ticket_id": t.id,
                                   "clock_run_id": change.run.id, "rung": change.rung,
                                   "target_role": change.target_role, "fired_at": at})
        new = stored.copy()
        new.flags, new.assignee_role, new.assignee_id = list(t.flags), t.assignee_role, t.assignee_id
        new.updated_at, new.version = at, change.expected_version + 1
        self.t.tickets[t.id] = _pointed(new, change.run)
        t.version, change.run.dirty = new.version, False
        self.audit.append([change.audit])
        ids = []
        for notice in change.notices:
            ids.append(self.t.next_id("outbox"))
            self.t.outbox.append({"id": ids[-1], "ticket_id": t.id, "template": notice.template,
                                  "recipient": notice.recipient, "detail": dict(notice.detail), "status": "pending",
                                  "created_at": at})
        return ids


def _pointed(ticket: Ticket, run: ClockRun) -> Ticket:
    """``ticket`` (a copy) with ``run``'s next-rung pointer written into its run of the same id."""
    for stored in ticket.clocks:
        if stored.id == run.id:
            stored.next_rung, stored.next_rung_at = run.next_rung, run.next_rung_at
    return ticket


__all__ = ["MemoryEscalations"]
