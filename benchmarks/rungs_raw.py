"""The raw baseline of ``bench_rungs.py``: one rung's statements by hand, in SQLAlchemy Core.

`capture_ladder` fires one probe ticket's whole backlog with the real sweep and reads back what each
rung wrote; `Raw` writes the same for other tickets with the statements one rung needs, one
transaction per rung, so the baseline does the database work and the audit hashing, none of the engine.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from benchmarks.sop import KEY, OFFICER, RECORD, START
from workflow.core.audit import CONTENT_FIELDS, seal
from workflow.core.escalation import ESCALATION_TEMPLATE, WARNING_TEMPLATE
from workflow.runtime import Runtime
from workflow.services.escalation import sweep_due_rungs
from workflow.store import models as m

RUNGS_PER_TICKET = 7  # penyelesaian 50 %, 80 %, 100 %, +1 and +3 working days; tanggapan_awal 75 %, 100 %
RUNG_TEMPLATES = (WARNING_TEMPLATE, ESCALATION_TEMPLATE)


@dataclass
class Step:
    """One rung of the probe ticket's ladder: what firing it wrote, to be written again for another ticket."""

    clock: str
    rung: int
    target: str | None
    flags: list[str]
    assignee_role: str | None
    next_rung: int | None
    next_rung_at: datetime | None
    audit: dict[str, Any]  # the probe's audit row content (seq, ticket and receipt replaced per replay)
    outbox: list[dict[str, Any]]


@dataclass
class RawTicket:
    id: int
    receipt_no: str
    version: int
    clock_ids: dict[str, int]


def capture_ladder(runtime: Runtime, now: datetime) -> list[Step]:
    """Fire one ticket's whole backlog with the real sweep and read back what each rung wrote."""
    probe = runtime.engine.open(KEY, RECORD, OFFICER, now=START).ticket.id
    fired = sweep_due_rungs(runtime, now=now)
    assert fired == RUNGS_PER_TICKET, fired
    rows = [r for r in runtime.store.audit_rows(ticket_id=probe) if r["kind"] == "escalation"]
    with runtime.db.connect() as conn:
        outbox = conn.execute(sa.select(m.outbox.c.template, m.outbox.c.recipient, m.outbox.c.detail)
                              .where(m.outbox.c.ticket_id == probe, m.outbox.c.template.in_(RUNG_TEMPLATES))
                              .order_by(m.outbox.c.id)).all()
    steps = []
    for row in rows:
        d = row["detail"]
        mine = [{"template": o.template, "recipient": o.recipient, "detail": o.detail} for o in outbox
                if o.detail.get("clock") == d["clock"] and o.detail.get("rung") == d["rung"]]
        steps.append(Step(d["clock"], d["rung"], d["target_role"], list(d["flags"]),
                          d["target_role"] if d.get("reassigned") else None, d["next_rung"],
                          datetime.fromisoformat(d["next_rung_at"]) if d["next_rung_at"] else None,
                          {k: row[k] for k in CONTENT_FIELDS}, mine))
    assert sum(len(s.outbox) for s in steps) == len(outbox)
    return steps


class Raw:
    """The statements one rung needs, prepared once, in one transaction per rung."""

    def __init__(self, db: sa.Engine, steps: list[Step], tickets: list[RawTicket], now: datetime):
        self.db, self.steps, self.now = db, steps, now
        pg = db.dialect.name == "postgresql"
        t, c, e = m.tickets.c, m.clocks.c, m.escalations.c
        read = (sa.select(t.version, t.flags, t.assignee_role, t.state, c.status, c.next_rung, c.next_rung_at)
                .join_from(m.tickets, m.clocks, c.ticket_id == t.id).where(c.id == sa.bindparam("cid")))
        self.read = read.with_for_update() if pg else read
        self.fired = sa.select(e.rung).where(e.clock_run_id == sa.bindparam("cid"))
        ins = sa.dialects.postgresql.insert if pg else sa.dialects.sqlite.insert
        self.escalation = ins(m.escalations).on_conflict_do_nothing(
            index_elements=["clock_run_id", "rung"]).returning(e.id)
        self.ticket = sa.update(m.tickets).where(t.id == sa.bindparam("b_id"), t.version == sa.bindparam("b_v"))
        self.clock = sa.update(m.clocks).where(c.id == sa.bindparam("b_id"))
        head = sa.select(m.audit_head.c.seq, m.audit_head.c.hash).where(m.audit_head.c.id == 1)
        self.head = head.with_for_update() if pg else head
        self.audit = sa.insert(m.audit_log)
        self.head_update = sa.update(m.audit_head).where(m.audit_head.c.id == 1)
        self.outbox = sa.insert(m.outbox).returning(m.outbox.c.id, sort_by_parameter_order=True)
        self.todo = deque((step, ticket) for step in steps for ticket in tickets)

    def fire(self, n: int) -> int:
        done = 0
        while done < n and self.todo:
            step, t = self.todo.popleft()
            self.fire_one(step, t)
            done += 1
        return done

    def fire_one(self, step: Step, t: RawTicket) -> None:
        cid, now = t.clock_ids[step.clock], self.now
        with self.db.connect() as conn:
            conn.begin()
            row = conn.execute(self.read, {"cid": cid}).one()
            assert row.status == "running" and row.next_rung == step.rung and row.version == t.version
            conn.execute(self.fired, {"cid": cid}).all()
            assert conn.execute(self.escalation, {"ticket_id": t.id, "clock_run_id": cid, "rung": step.rung,
                                                  "target_role": step.target, "fired_at": now}).scalar() is not None
            done = conn.execute(self.ticket, {"b_id": t.id, "b_v": t.version, "version": t.version + 1,
                                              "flags": step.flags, "updated_at": now,
                                              **({"assignee_role": step.assignee_role, "assignee_id": None}
                                                 if step.assignee_role else {})})
            assert done.rowcount == 1
            conn.execute(self.clock, {"b_id": cid, "next_rung": step.next_rung, "next_rung_at": step.next_rung_at})
            seq, prev = conn.execute(self.head).one()
            content = dict(step.audit, seq=seq + 1, ticket_id=t.id, receipt_no=t.receipt_no)
            digest, inputs, detail = seal(prev, content)
            conn.execute(self.audit, dict(content, inputs=inputs, detail=detail, prev_hash=prev, hash=digest))
            conn.execute(self.head_update, {"seq": seq + 1, "hash": digest})
            if step.outbox:
                conn.execute(self.outbox, [dict(o, ticket_id=t.id, status="pending", created_at=now)
                                           for o in step.outbox]).all()
            conn.commit()
        t.version += 1


def raw_tickets(db: sa.Engine, ids: list[int]) -> list[RawTicket]:
    with db.connect() as conn:
        tickets = {r.id: RawTicket(r.id, r.receipt_no, r.version, {}) for r in conn.execute(
            sa.select(m.tickets.c.id, m.tickets.c.receipt_no, m.tickets.c.version).where(m.tickets.c.id.in_(ids)))}
        for r in conn.execute(sa.select(m.clocks.c.id, m.clocks.c.ticket_id, m.clocks.c.clock)
                              .where(m.clocks.c.ticket_id.in_(ids))):
            tickets[r.ticket_id].clock_ids[r.clock] = r.id
    return [tickets[i] for i in ids]


__all__ = ["Step", "RawTicket", "Raw", "capture_ladder", "raw_tickets", "RUNGS_PER_TICKET", "RUNG_TEMPLATES"]
