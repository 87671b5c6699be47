"""An agency's history: what its liaisons did on tickets (acknowledged, answered, asked, returned), newest first.

The liaison's inbox lists what is open; once a part is answered the ticket leaves it. This reads the
audit trail for the moves the agency's accounts (``users.opd``) made (``transition`` and ``handoff`` rows),
joined to the ticket's receipt number, subject and stage now. One statement over ``ix_audit_actor``; no
identity (an agency never sees who complained), and the inputs are the liaison's own words.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import and_, select

from workflow.store import models as m
from workflow.store.db import read_only
from workflow.store.sql.rows import utc

PAGE_SIZE = 50


def answered_by(store, agency: str, *, page: int = 1, page_size: int = PAGE_SIZE) -> tuple[list[dict[str, Any]], bool]:
    """One page of the agency's past moves (dicts: seq, at, kind, trigger, inputs, detail, actor_id, ticket_id,
    receipt_no, perihal, state, opd, closed_at, definition_key, definition_version), and whether more exist."""
    a, u, t = m.audit_log.c, m.users.c, m.tickets.c
    query = (select(a.seq, a.at, a.kind, a.trigger, a.inputs, a.detail, a.actor_id, a.ticket_id, t.receipt_no,
                    t.perihal, t.state, t.opd, t.closed_at, t.definition_key, t.definition_version)
             .select_from(m.audit_log.join(m.users, u.username == a.actor_id).join(m.tickets, t.id == a.ticket_id))
             .where(and_(u.opd == agency, a.kind.in_(("transition", "handoff")), a.actor_role != ""))
             .order_by(a.seq.desc()).limit(page_size + 1).offset((max(1, page) - 1) * page_size))
    with read_only(store.engine) as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for r in rows:
        r.update(at=utc(r["at"]), closed_at=utc(r["closed_at"]), inputs=json.loads(r["inputs"] or "{}"),
                 detail=json.loads(r["detail"] or "{}"))
    # a handoff row of another agency's part (an account moved between agencies) is not this agency's
    rows = [r for r in rows if r["kind"] != "handoff" or r["detail"].get("agency") in (None, agency)]
    return rows[:page_size], len(rows) > page_size


__all__ = ["answered_by", "PAGE_SIZE"]
