"""The notification delivery log (``alur outbox list``): deliveries, newest first, with their receipt number."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from workflow.store import models as m
from workflow.store import models_notifications as mn
from workflow.store.db import read_only
from workflow.store.sql.rows import utc

_TIMES = ("next_attempt_at", "created_at", "sent_at")


def delivery_log(store, *, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Deliveries (of one status, when given), newest first: template, channel, recipient, status, attempts,
    last error, next attempt, creation and sending time, and the ticket's receipt number (None without one)."""
    d = mn.deliveries.c
    q = (select(d.id, d.outbox_id, d.template, d.channel, d.recipient, d.status, d.attempts, d.last_error,
                d.next_attempt_at, d.created_at, d.sent_at, m.tickets.c.receipt_no)
         .select_from(mn.deliveries.outerjoin(m.tickets, m.tickets.c.id == d.ticket_id))
         .order_by(d.id.desc()).limit(limit))
    if status:
        q = q.where(d.status == status)
    with read_only(store.engine) as conn:
        rows = [dict(r._mapping) for r in conn.execute(q)]
    for row in rows:
        for name in _TIMES:
            row[name] = utc(row[name])
    return rows


__all__ = ["delivery_log"]
