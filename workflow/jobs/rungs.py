"""The rq job that fires one escalation rung when it falls due (scheduled by `workflow.jobs.queues`)."""
from __future__ import annotations

from datetime import datetime

from workflow.jobs.context import current_runtime
from workflow.services import escalation


def fire_rung_job(ticket_id: int, clock_run_id: int, rung: int, now: datetime | None = None) -> bool:
    """Fire the rung if it is still due and not yet fired; idempotent, so rq may retry it freely."""
    return escalation.fire_rung(current_runtime(), ticket_id, clock_run_id, rung, now)


__all__ = ["fire_rung_job"]
