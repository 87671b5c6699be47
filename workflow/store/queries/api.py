"""The integration API's reads: the ticket list with its filters, one ticket's row, and who filed a ticket.

Rows come back as dicts of the ``tickets`` columns with aware UTC times; the API decides what of them
leaves the office (`admin.api.tickets.summary`: identity only for ``biasa`` complaints).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import and_, func, select

from workflow.store import models as m
from workflow.store.db import read_only
from workflow.store.sql.rows import utc

#: Ticket columns the list may be filtered on, by equality.
FILTERS = ("state", "kategori", "sektor", "kanal", "opd", "kerahasiaan", "definition_key")
_TIMES = ("created_at", "updated_at", "closed_at")


def _row(row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for name in _TIMES:
        if name in out:
            out[name] = utc(out[name])
    return out


def ticket_page(store, filters: Mapping[str, Any], *, created_from: datetime | None = None,
                created_before: datetime | None = None, limit: int = 50,
                offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """(how many tickets match, the page of them newest first with their ``identity``).

    ``filters`` maps names of `FILTERS` to the value a ticket must have (empty values are ignored);
    ``created_from`` is inclusive and ``created_before`` exclusive."""
    t = m.tickets.c
    conds = [getattr(t, name) == filters[name] for name in FILTERS if filters.get(name)]
    if created_from is not None:
        conds.append(t.created_at >= created_from)
    if created_before is not None:
        conds.append(t.created_at < created_before)
    count_q = select(func.count()).select_from(m.tickets)
    rows_q = select(m.tickets, m.identities.c.data.label("identity")).outerjoin(
        m.identities, m.identities.c.ticket_id == t.id)
    if conds:
        count_q, rows_q = count_q.where(and_(*conds)), rows_q.where(and_(*conds))
    with read_only(store.engine) as conn:
        total = conn.execute(count_q).scalar_one()
        rows = conn.execute(rows_q.order_by(t.id.desc()).limit(limit).offset(offset)).mappings().all()
    return int(total), [_row(r) for r in rows]


def ticket_row(store, ticket_id: int) -> dict[str, Any] | None:
    """The ticket's columns (no identity), or None."""
    with read_only(store.engine) as conn:
        row = conn.execute(select(m.tickets).where(m.tickets.c.id == ticket_id)).mappings().first()
    return _row(row) if row is not None else None


def ticket_with_filer(store, receipt_no: str) -> tuple[dict[str, Any] | None, str | None]:
    """(the ticket's id, receipt, state, definition, kerahasiaan and created_at; the actor of its ``open``
    audit row), or (None, None) for an unknown number.

    Both statements run for unknown numbers too, so the two answers take the same time and receipt
    numbers cannot be probed by timing."""
    t = m.tickets.c
    a = m.audit_log.c
    with read_only(store.engine) as conn:
        row = conn.execute(select(t.id, t.receipt_no, t.state, t.definition_key, t.definition_version,
                                  t.kerahasiaan, t.created_at).where(t.receipt_no == receipt_no)).mappings().first()
        filer = conn.execute(select(a.actor_id).where(a.ticket_id == (row["id"] if row is not None else -1),
                                                      a.kind == "open").order_by(a.seq).limit(1)).scalar()
    return (_row(row) if row is not None else None), filer


__all__ = ["FILTERS", "ticket_page", "ticket_row", "ticket_with_filer"]
