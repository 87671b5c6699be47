"""Where a complaint was handed over: its outbox rows to another agency (``agency:<field>`` recipients) and how
each delivery went, for the complainant's tracking page and the API."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from workflow.store import models as m
from workflow.store import models_notifications as mn
from workflow.store.db import read_only
from workflow.store.sql.rows import utc

PREFIX = "agency:"


def handed_over(store, ticket_id: int) -> list[dict[str, Any]]:
    """Each hand-over of the ticket to an agency, oldest first: the field naming the agency, when it was
    written, and its deliveries (channel, status, sent_at; none yet before the outbox row is expanded)."""
    o, d = m.outbox.c, mn.deliveries.c
    query = (select(o.id, o.recipient, o.created_at, d.channel, d.status, d.sent_at)
             .select_from(m.outbox.outerjoin(mn.deliveries, d.outbox_id == o.id))
             .where(o.ticket_id == ticket_id, o.recipient.like(PREFIX + "%"))
             .order_by(o.id, d.id))
    with read_only(store.engine) as conn:
        rows = conn.execute(query).all()
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        item = out.setdefault(row.id, {"field": row.recipient[len(PREFIX):], "at": utc(row.created_at),
                                       "deliveries": []})
        if row.channel is not None:
            item["deliveries"].append({"channel": row.channel, "status": row.status, "sent_at": utc(row.sent_at)})
    return list(out.values())


__all__ = ["handed_over"]
