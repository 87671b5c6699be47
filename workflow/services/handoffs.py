"""Act on one agency's part of a handoff (acknowledge, answer, withdraw), one transaction each.

The decision is `workflow.core.handoffs.act`; this use case loads the ticket and its definition version,
asks it, saves the change (the ticket with its parts and per-agency clock runs, the audit rows, the
outbox rows) and commits once, as `Engine.fire` does, then runs the engine's after-commit hooks (rung
jobs, notification dispatch).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from workflow.core import handoffs
from workflow.core.guards import Actor
from workflow.core.ticket import Ticket
from workflow.services.engine import ensure_version


def act(engine: Any, ticket_id: int, handoff: str, agency: str, action: str, actor: Actor,
        inputs: Mapping[str, Any] | None = None, *, expected_version: int | None = None,
        now: datetime | None = None) -> Ticket:
    """Take ``action`` (terima, jawab, tarik) on ``agency``'s part of ``handoff``; returns the saved ticket."""
    now = now or engine.now()
    with engine.store.unit_of_work() as uow:
        before = uow.tickets.load(ticket_id)
        ensure_version(before, expected_version)
        definition = engine.definitions.get(uow, before.definition_key, before.definition_version)
        change = handoffs.act(definition, before, handoff, agency, action, actor, dict(inputs or {}), now=now,
                              calendar=engine.calendar, catalogs=engine.catalogs)
        saved = uow.tickets.save(change)
        uow.commit()
    engine.run_after_commit(saved)
    return saved


__all__ = ["act"]
