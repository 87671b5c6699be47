"""An agency's inbox of handoffs: the tickets on which it has a part still open, by the nearest deadline.

A part is open while one of the agency's clock runs on the ticket is (``ticket_clocks.party``, migration
0014_handoffs): the acknowledge clock until it acknowledges, the answer clock until it answers. One
statement over ``ix_clocks_party``; closed parts are read from the ticket itself (`workflow.core.handoffs`).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from workflow.store import models as m
from workflow.store.db import read_only
from workflow.store.sql.rows import utc


def open_for(store, agency: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """Tickets with an open part for ``agency``: each once, with the clock it is on and its due time, the
    nearest due first (no identity: an agency's inbox never shows who complained)."""
    t, c = m.tickets.c, m.clocks.c
    query = (select(t.id, t.receipt_no, t.perihal, t.state, t.definition_key, t.definition_version, t.kerahasiaan,
                    t.created_at, c.clock, c.status, c.due_at)
             .join(m.clocks, c.ticket_id == t.id)
             .where(c.party == agency, c.party.is_not(None), c.status != "stopped")
             .order_by(c.due_at, t.id).limit(limit))
    with read_only(store.engine) as conn:
        rows = conn.execute(query).all()
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        out.setdefault(row.id, {**row._asdict(), "due_at": utc(row.due_at), "created_at": utc(row.created_at)})
    return list(out.values())


__all__ = ["open_for"]
