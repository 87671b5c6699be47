"""Escalation ladders at run time: find clock runs whose next rung is due and fire each rung once.

The database is the source of truth: each clock run's next-rung pointer (kept by `workflow.core.clocks`)
says which rung falls due when, and the store records each fired rung once (``uow.escalations``,
`workflow.store.sql.escalations`). Two paths fire rungs, both through `_fire`, so they behave the same:

* `sweep_due_rungs` -- the periodic sweep (``alur sweep``, or the in-process sweeper of ``alur serve``).
  It is the safety net for lost rq jobs: Redis here keeps nothing on disk.
* `fire_rung` -- one rung, the work of the rq job (`workflow.jobs.rungs`) scheduled for the moment it
  falls due. `hand_over_due_rungs` claims due rungs for a caller that queues them instead
  (`workflow.jobs.queues.claim_and_enqueue`).

Firing a rung, in one transaction: re-check that it is still due under the lock, ask the core
(`workflow.core.escalation.fire_rung`) what it changes, and hand that to ``uow.escalations.fire``:
the rung is recorded (already recorded: another sweeper, job or retry fired it; skip quietly), the
ticket's flags, assignee and version change (an officer holding an old page gets `ConcurrentUpdate`),
the run points at its next unfired rung, one audit row (kind ``escalation``, actor ``system``) and
the outbox rows are written. Delivery and the next rung's job come after commit, through the
runtime's hooks (``on_outbox``, ``rung_schedulers``).

A sweep commits per batch of claims and fires each rung in a savepoint: one broken ticket is logged
and skipped, and the sweep goes on. Cost (``benchmarks/bench_rungs.py``): a batch reads its tickets,
their clock runs and the runs' fired rungs together (`_Batch`) and holds the audit head to commit
(``uow.audit.hold``), so a rung costs its savepoint and five writes. A job reads the office calendar's
stamp in its own transaction: one connection and one transaction per rung.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from workflow.core import escalation as core
from workflow.core.escalation import DueRung
from workflow.core.ticket import ClockRun, Ticket
from workflow.services.calendar import calendar_is_current, refresh_calendar
from workflow.store.port import UnitOfWork

logger = logging.getLogger(__name__)

DEFAULT_BATCH = 100


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    return now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now.astimezone(timezone.utc)


@dataclass
class Fired:
    """What one fired rung changed, for the after-commit work (next job, deliveries)."""

    ticket_id: int
    clock_run_id: int
    clock: str
    rung: int
    next_run: ClockRun | None
    outbox_ids: list[int] = field(default_factory=list)


class _Batch:
    """The tickets (with their clock runs) and fired rungs a batch of claims needs, read together.

    One read for the whole batch instead of one per rung. Kept current as rungs fire: a ticket with two
    due clocks sees the first rung's flags and version when its second rung fires. After a failed rung
    its ticket is forgotten and read again if needed, so a rolled-back savepoint never leaves a stale
    copy behind. ``lock`` (a job) waits for the ticket's rows; a sweep's claim has locked them already.
    """

    def __init__(self, uow: UnitOfWork, claims: list[DueRung], *, lock: bool = False):
        self.uow, self.lock = uow, lock
        self.tickets, self.fired = uow.escalations.load(claims, lock=lock)

    def ticket(self, claim: DueRung) -> Ticket | None:
        if claim.ticket_id not in self.tickets or claim.clock_run_id not in self.fired:
            tickets, fired = self.uow.escalations.load([claim], lock=self.lock)
            self.tickets.update(tickets)
            self.fired.update(fired)
        return self.tickets.get(claim.ticket_id)

    def forget(self, claim: DueRung) -> None:
        self.tickets.pop(claim.ticket_id, None)
        self.fired.pop(claim.clock_run_id, None)


def _fire(runtime, uow: UnitOfWork, batch: _Batch, claim: DueRung, now: datetime) -> Fired | None:
    """Fire ``claim`` inside the caller's transaction (after re-checking it under the lock).

    Returns None when there is nothing to fire: the ticket or run is gone, the run stopped, paused or
    moved since it was found, or the rung already fired (then the run is pointed at its next unfired
    rung, healing a stale pointer).
    """
    ticket = batch.ticket(claim)
    run = core.due_run(ticket, claim, now)
    if run is None:
        return None
    definition = runtime.engine.definitions.get(uow, ticket.definition_key, ticket.definition_version)
    calendar = runtime.engine.calendar
    spec = definition.clocks.get(run.clock)
    fired = batch.fired[run.id]
    rung = core.rung_to_fire(spec, claim.rung, fired)
    if rung is not None:
        change = core.fire_rung(ticket, run, spec, rung, fired, now, calendar)
        outbox_ids = uow.escalations.fire(change)
        fired.add(rung.index)
        if outbox_ids is not None:
            batch.tickets[ticket.id] = change.ticket
            moved = change.run
            return Fired(ticket.id, run.id, run.clock, rung.index, moved if moved.next_rung_at else None, outbox_ids)
    # Nothing to fire (no such clock or rung, or it fired already): move the pointer on.
    run.next_rung, run.next_rung_at = core.pointer(run, spec, calendar, fired)
    uow.escalations.set_next(ticket.id, run)
    return None


def _after_commit(runtime, fired: list[Fired], *, due_by: datetime | None = None) -> dict[int, tuple[ClockRun, int]]:
    """Schedule next rungs and hand new outbox rows to delivery; never fails the (committed) fire.

    With ``due_by`` (the sweep's ``now``) a next rung already due by then gets no job: the sweep
    claims it in a later batch. Those are returned (run id -> (run, ticket id)) instead, for the sweep
    to schedule whatever it did not fire in the end.
    """
    if not fired:
        return {}
    deferred = {item.clock_run_id: (item.next_run, item.ticket_id) for item in fired
                if item.next_run is not None and due_by is not None and item.next_run.next_rung_at <= due_by}
    runtime.schedule_rungs([(item.next_run, item.ticket_id) for item in fired
                            if item.next_run is not None and item.clock_run_id not in deferred])
    ids = [i for item in fired for i in item.outbox_ids]
    # Without Redis the periodic run delivers them: the outbox sweep runs after this one in the same run
    # (workflow.jobs.periodic), so the escalation sweep never waits on SMTP.
    if ids and runtime.redis_url:
        for hand_over in runtime.on_outbox:
            try:
                hand_over(runtime, ids)
            except Exception:  # noqa: BLE001 - the outbox sweep delivers pending rows later
                logger.warning("could not hand over %d notifications; the outbox sweep will send them", len(ids),
                               exc_info=True)
    return deferred


# -- the sweep -------------------------------------------------------------------------------------
def sweep_due_rungs(runtime, now: datetime | None = None, limit: int = 10_000, *, batch: int = DEFAULT_BATCH) -> int:
    """Fire every due rung (at most ``limit``); returns how many fired.

    Claims batches of due clock runs, fires each rung in its own savepoint (one broken ticket is logged
    and skipped, the others commit), and commits per batch. A run whose following rung is also due
    (the sweeper was down for a while) comes back in a later batch and fires again, one rung at a time,
    so every warning and escalation is recorded once, in order; such a rung gets an rq job only if this
    sweep ends without firing it.
    """
    now = _utc(now)
    count = 0
    skip: set[int] = set()  # failed or found-stale runs: not claimed again in this sweep
    # Runs whose next rung was due already when their last rung fired: no rq job for it (after an
    # outage that would be one redundant job per rung for the workers), this sweep fires it.
    deferred: dict[int, tuple[ClockRun, int]] = {}
    try:
        while count < limit:
            with runtime.store.unit_of_work() as uow:
                claims = uow.escalations.claim_due(now, min(batch, limit - count), exclude=skip)
                if not claims:
                    break
                fired = _fire_batch(runtime, uow, claims, now, skip)
                uow.commit()
            count += len(fired)
            for item in fired:
                deferred.pop(item.clock_run_id, None)
            deferred.update(_after_commit(runtime, fired, due_by=now))
    finally:
        # Left unfired (the limit was reached, the rung failed and was skipped, the database went
        # away): scheduled after all, as every other next rung is, so a worker tries it before the
        # next sweep does.
        runtime.schedule_rungs(list(deferred.values()))
    if count:
        logger.info("escalation sweep fired %d rung(s)", count)
    return count


def _fire_batch(runtime, uow: UnitOfWork, claims: list[DueRung], now: datetime, skip: set[int]) -> list[Fired]:
    """Fire each claim in its own savepoint; runs that failed or had nothing to fire go into ``skip``."""
    batch = _Batch(uow, claims)
    uow.audit.hold()  # one read and one write of the audit head for the whole batch
    fired: list[Fired] = []
    for claim in claims:
        try:
            with uow.savepoint():
                result = _fire(runtime, uow, batch, claim, now)
        except Exception:  # noqa: BLE001 - one broken ticket must not stop the sweep
            logger.exception("escalation of ticket %s (clock run %s, rung %s) failed; skipped until the next sweep",
                             claim.ticket_id, claim.clock_run_id, claim.rung)
            batch.forget(claim)
            skip.add(claim.clock_run_id)
            continue
        if result is None:
            skip.add(claim.clock_run_id)
        else:
            fired.append(result)
    return fired


def hand_over_due_rungs(runtime, hand_over: Callable[[list[DueRung]], object], now: datetime | None = None, *,
                        batch: int = 1000) -> int:
    """Claim every due rung and pass each batch to ``hand_over`` instead of firing it; returns how many.

    The same claim as `sweep_due_rungs` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), walked by keyset,
    one transaction per batch; ``hand_over`` runs while the batch is claimed (it queues one job per
    rung: `workflow.jobs.queues.claim_and_enqueue`).
    """
    now = _utc(now)
    total, after = 0, None
    while True:
        with runtime.store.unit_of_work() as uow:
            claims = uow.escalations.claim_due(now, batch, after=after)
            if not claims:
                break
            hand_over(claims)
            uow.commit()
        total += len(claims)
        last = claims[-1]
        after = (last.due_at, last.clock_run_id)
    return total


# -- one rung (the rq job) -------------------------------------------------------------------------
def fire_rung(runtime, ticket_id: int, clock_run_id: int, rung: int, now: datetime | None = None) -> bool:
    """Fire one rung if it is still due and not yet fired (idempotent, safe to retry): the rq job's work.

    One connection and one transaction: the office calendar's stamp is read in it (`calendar_is_current`);
    only after a calendar edit does the job roll back, reload the calendar and start again.
    """
    now = _utc(now)
    claim = DueRung(clock_run_id, ticket_id, rung)
    with runtime.store.unit_of_work() as uow:
        current = calendar_is_current(runtime, uow)
        result = _fire_alone(runtime, uow, claim, now) if current else None
    if not current:
        # Reloaded outside that transaction (on SQLite another connection's read would wait for its
        # write lock), then the rung is fired on the new calendar.
        refresh_calendar(runtime)
        with runtime.store.unit_of_work() as uow:
            result = _fire_alone(runtime, uow, claim, now)
    if result is not None:
        _after_commit(runtime, [result])
    return result is not None


def _fire_alone(runtime, uow: UnitOfWork, claim: DueRung, now: datetime) -> Fired | None:
    """A job's rung in its own transaction; it waits for the ticket's and its clocks' locks."""
    result = _fire(runtime, uow, _Batch(uow, [claim], lock=True), claim, now)
    uow.commit()
    return result


__all__ = ["sweep_due_rungs", "fire_rung", "hand_over_due_rungs", "Fired", "DEFAULT_BATCH"]
