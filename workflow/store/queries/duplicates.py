"""The petugas' list of likely duplicates: open tickets flagged ``duplikat:<receipt>`` (no identity)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, select

from workflow.core.duplicates import FLAG, duplicates_of
from workflow.store import models as m
from workflow.store.db import read_only
from workflow.store.sql.rows import utc


def flagged(store) -> list[dict[str, Any]]:
    """Open tickets carrying a duplicate flag, oldest first, with the receipts they may repeat."""
    t = m.tickets.c
    q = (select(t.id, t.receipt_no, t.state, t.kategori, t.no_registrasi, t.perihal, t.flags, t.created_at)
         .where(t.closed_at.is_(None), cast(t.flags, String).like(f'%"{FLAG}%'))
         .order_by(t.id))
    with read_only(store.engine) as conn:
        rows = conn.execute(q).mappings().all()
    out = []
    for row in rows:
        dups = duplicates_of(row["flags"])
        if dups:
            out.append({**row, "duplicates_of": dups, "created_at": utc(row["created_at"])})
    return out


__all__ = ["flagged"]
