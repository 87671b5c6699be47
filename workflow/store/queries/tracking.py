"""How a complainant's receipt number finds its ticket on the tracking page and the API's status call."""
from __future__ import annotations

from sqlalchemy import select

from workflow.store import models as m
from workflow.store.db import read_only


def token_hash(store, receipt_no: str) -> tuple[int, str] | None:
    """(ticket id, stored tracking-token hash) of the receipt number, or None when there is no such ticket.

    Only the hash is read, so the caller compares it (in constant time) before loading anything else."""
    t = m.tickets.c
    with read_only(store.engine) as conn:
        row = conn.execute(select(t.id, t.token_hash).where(t.receipt_no == receipt_no)).first()
    return (row.id, row.token_hash) if row is not None else None


__all__ = ["token_hash"]
