"""What ``/healthz`` and ``/metrics`` ask the database: is it there, and how many of each thing.

Counts come from the database, not from process memory, so every web process reports the same truth.
The audit trail is counted incrementally (`audit_counts_since`): it is the biggest table, and its
sequence numbers become visible in order (each row is written under the lock on ``audit_head``, held
until commit), so a caller that remembers the last sequence it counted reads only the rows after it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, inspect, select, text

from workflow.store import models as m
from workflow.store.db import read_only


def ping(store) -> None:
    """Round-trip to the database; raises whatever the driver raises when it cannot."""
    with store.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def audit_counts_since(store, after: int) -> tuple[int, list[tuple[str, str | None, int]]]:
    """(the audit head's sequence number, (kind, trigger, count) of the ``open`` and ``transition`` rows
    after ``after`` up to that head); no rows when nothing was added since ``after``."""
    a = m.audit_log.c
    with read_only(store.engine) as conn:
        head = conn.execute(select(m.audit_head.c.seq).where(m.audit_head.c.id == 1)).scalar() or 0
        if head <= after:
            return head, []
        rows = conn.execute(select(a.kind, a.trigger, func.count())
                            .where(a.seq > after, a.seq <= head, a.kind.in_(("transition", "open")))
                            .group_by(a.kind, a.trigger)).all()
    return head, [(kind, trigger, int(count)) for kind, trigger, count in rows]


@dataclass
class Counts:
    """The gauges and counters of ``/metrics`` other than the audit trail's."""

    escalations: list[tuple[str, int]] = field(default_factory=list)   # (target role, rungs fired)
    open_tickets: list[tuple[str, int]] = field(default_factory=list)  # (state, open tickets), by state
    outbox: list[tuple[str, int]] = field(default_factory=list)        # (status, notifications), by status
    failed_deliveries: int = 0


def counts(store) -> Counts:
    """Escalations by target role, open tickets by state, the outbox by status, failed deliveries (from a
    ``deliveries`` table if the notifications part made one, else the outbox's failed rows)."""
    e, t, o = m.escalations.c, m.tickets.c, m.outbox.c
    with read_only(store.engine) as conn:
        out = Counts(
            escalations=[(r[0] or "", int(r[1])) for r in
                         conn.execute(select(e.target_role, func.count()).group_by(e.target_role)).all()],
            open_tickets=sorted((r[0], int(r[1])) for r in conn.execute(
                select(t.state, func.count()).where(t.closed_at.is_(None)).group_by(t.state)).all()),
            outbox=sorted((r[0], int(r[1])) for r in
                          conn.execute(select(o.status, func.count()).group_by(o.status)).all()))
        if inspect(conn).has_table("deliveries"):
            try:
                out.failed_deliveries = int(conn.execute(
                    text("SELECT count(*) FROM deliveries WHERE status = 'failed'")).scalar_one())
            except Exception:  # noqa: BLE001 - the table's shape belongs to another part; report what we can
                out.failed_deliveries = 0
        else:
            out.failed_deliveries = sum(n for status, n in out.outbox if status == "failed")
    return out


__all__ = ["ping", "audit_counts_since", "Counts", "counts"]
