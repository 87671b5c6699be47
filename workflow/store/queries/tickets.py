"""Small questions about tickets as a whole (how many there are, per definition version)."""
from __future__ import annotations

from sqlalchemy import func, select

from workflow.store import models as m
from workflow.store.db import read_only


def ticket_count(store) -> int:
    with read_only(store.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(m.tickets)).scalar_one())


def counts_by_definition(store) -> dict[tuple[str, int], int]:
    """Tickets per (definition key, version)."""
    t = m.tickets.c
    with read_only(store.engine) as conn:
        rows = conn.execute(select(t.definition_key, t.definition_version, func.count())
                            .group_by(t.definition_key, t.definition_version)).all()
    return {(k, v): int(n) for k, v, n in rows}


__all__ = ["ticket_count", "counts_by_definition"]
