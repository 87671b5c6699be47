"""Close answered complaints the complainant never confirmed (as SP4N-LAPOR! does after 10 working days).

`close_unconfirmed` is called by the periodic sweeper. It fires the definition's ``tutup_otomatis``
trigger as the system actor on every ticket waiting in a state that trigger leaves, when its guard
(``within … negate``) now passes. Firing goes through the engine, so the guard, the audit row, the
clock stop and the notification are exactly those of any other move. It is idempotent: a ticket closed
by a concurrent sweep (or confirmed by its complainant a moment earlier) is skipped, and one broken
ticket must not block the whole sweep.
"""
from __future__ import annotations

import logging
from datetime import datetime

from workflow.core.guards import Actor
from workflow.errors import AlurError, ConcurrentUpdate, TransitionRejected

logger = logging.getLogger(__name__)

TRIGGER = "tutup_otomatis"


def _waiting(runtime) -> list[tuple[int, int]]:
    """(ticket id, version) of tickets in a state some definition's ``tutup_otomatis`` leaves."""
    out: list[tuple[int, int]] = []
    with runtime.store.unit_of_work(read_only=True) as uow:
        for key, version in uow.tickets.open_versions():
            definition = runtime.engine.definitions.get(uow, key, version)
            sources = sorted({s for tr in definition.transitions_named(TRIGGER) for s in tr.sources})
            if sources:
                out.extend((ref.id, ref.version) for ref in uow.tickets.waiting_in(key, version, sources))
    return out


def close_unconfirmed(runtime, now: datetime | None = None) -> int:
    """Fire ``tutup_otomatis`` on every waiting ticket whose guard passes; returns how many closed."""
    now = now or runtime.engine.now()
    system = Actor.system()
    closed = 0
    for ticket_id, version in _waiting(runtime):
        try:
            ticket = runtime.engine.load(ticket_id)
            options = [o for o in runtime.engine.available_transitions(ticket, system, now) if o.trigger == TRIGGER]
            if not any(o.allowed for o in options):
                continue  # still inside the confirmation window
            runtime.engine.fire(ticket_id, TRIGGER, system, {}, expected_version=ticket.version, now=now)
            closed += 1
        except (ConcurrentUpdate, TransitionRejected) as exc:
            logger.info("autoclose skipped ticket %s: %s", ticket_id, exc)
        except AlurError:  # one broken ticket must not block the sweep
            logger.exception("autoclose failed on ticket %s", ticket_id)
    return closed


__all__ = ["close_unconfirmed", "TRIGGER"]
