"""What a store holds, read alike on every adapter: tests look at outbox and escalation rows as a DBA
would, without a port method of their own (the memory store lists its rows, the SQL stores are queried)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from workflow.store import models as m
from workflow.store.memory import MemoryStore
from workflow.store.sql import utc


def outbox_rows(store, ticket_id: int | None = None) -> list[dict[str, Any]]:
    """Outbox rows (id, ticket_id, template, recipient, detail, status, created_at), oldest first."""
    if isinstance(store, MemoryStore):
        rows = store.outbox()
    else:
        rows = _table(store, m.outbox, "id", "ticket_id", "template", "recipient", "detail", "status", "created_at")
    return [r for r in rows if ticket_id is None or r["ticket_id"] == ticket_id]


def escalation_rows(store, ticket_id: int | None = None) -> list[dict[str, Any]]:
    """Recorded rungs (id, ticket_id, clock_run_id, rung, target_role, fired_at), oldest first."""
    if isinstance(store, MemoryStore):
        rows = store.escalations()
    else:
        rows = _table(store, m.escalations, "id", "ticket_id", "clock_run_id", "rung", "target_role", "fired_at")
    return [r for r in rows if ticket_id is None or r["ticket_id"] == ticket_id]


def _table(store, table, *names: str) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(*(table.c[n] for n in names)).order_by(table.c.id)).all()
    return [{n: utc(v) if n.endswith("_at") else v for n, v in zip(names, row)} for row in rows]
