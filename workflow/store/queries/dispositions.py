"""Referrals read for the list of dispositions and its export: tickets that came on a referring body's
channel (SP4N-LAPOR!, Ombudsman, DPRD), with the case fields the disposition rules read. No identity is
read: the list is for updating the body's own system, not for contacting the complainant."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from workflow.store import models as m
from workflow.store.db import read_only
from workflow.store.sql.rows import utc

LIMIT = 2000


def referrals(store, channels: list[str], *, open_only: bool = True, since: datetime | None = None,
              until: datetime | None = None, limit: int = LIMIT) -> list[dict[str, Any]]:
    """Tickets on ``channels``, oldest first: open ones only unless ``open_only`` is False; created in
    [``since``, ``until``) when given (the report's period)."""
    if not channels:
        return []
    t = m.tickets.c
    query = select(t.id, t.receipt_no, t.state, t.definition_key, t.definition_version, t.kanal, t.fields,
                   t.created_at, t.closed_at, t.outcome).where(t.kanal.in_(channels))
    if open_only:
        query = query.where(t.closed_at.is_(None))
    if since is not None:
        query = query.where(t.created_at >= since)
    if until is not None:
        query = query.where(t.created_at < until)
    with read_only(store.engine) as conn:
        rows = conn.execute(query.order_by(t.created_at, t.id).limit(limit)).all()
    return [{"id": r.id, "receipt_no": r.receipt_no, "state": r.state, "definition_key": r.definition_key,
             "definition_version": r.definition_version, "kanal": r.kanal, "fields": dict(r.fields or {}),
             "created_at": utc(r.created_at), "closed_at": utc(r.closed_at), "outcome": r.outcome} for r in rows]


__all__ = ["referrals", "LIMIT"]
