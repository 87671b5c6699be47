"""Escalation ladders at run time: find clock runs whose next rung is due and fire each rung once.

The database is the source of truth. ``ticket_clocks.next_rung`` / ``next_rung_at`` (kept by
`workflow.clocks`) say which rung of which clock run falls due when; the ``escalations`` table, with
``UNIQUE(clock_run_id, rung)``, records the rungs that fired. Two paths fire rungs, both through
`_fire_claimed`, so they behave the same:

* `sweep_due_rungs` -- the periodic sweep (``alur sweep``, or the in-process sweeper of ``alur serve``).
  It is the safety net for lost rq jobs: Redis here keeps nothing on disk.
* `fire_rung_job` -- the rq job scheduled with ``enqueue_at`` for the moment a rung falls due
  (`workflow.jobs.enqueue_rung`).

Firing a rung, in one transaction: insert the ``escalations`` row (a conflict means another sweeper,
job or retry already fired it: skip quietly), apply the rung (warnings notify; escalations flag the
ticket, optionally reassign it to the target role, and notify), write the outbox rows and one audit
row (kind ``escalation``, actor ``system``), point the clock at its next unfired rung, and bump the
ticket's version so an officer holding an old page gets `ConcurrentUpdate`. Delivery of the outbox
rows and scheduling of the next rung happen after commit.

Concurrency: on PostgreSQL the sweep claims rows with ``SELECT … FOR UPDATE SKIP LOCKED`` on the
clock run *and* its ticket, so several sweepers split the due rows and never wait on a ticket an
officer is firing (that ticket is skipped and picked up by the next sweep); a job locks its one clock
run and ticket and waits. On SQLite ``BEGIN IMMEDIATE`` already serialises writers. Each rung fires
inside a savepoint: one broken ticket is logged and skipped, and the sweep goes on.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from sqlalchemy import and_, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .audit import AuditEvent
from .clocks import net, next_rung
from .plugins import optional_module
from .spec import Clock, Rung
from .store import models as m
from .store.sql import utc
from .ticket import Change, ClockRun

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"
WARNING_TEMPLATE = "peringatan_tenggat"
ESCALATION_TEMPLATE = "eskalasi"
ESCALATION_FLAG = "eskalasi"  # set on every ticket that was escalated, beside the rung's own flag
DEFAULT_BATCH = 100


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class DueRung:
    """A clock run whose next rung is due: what a sweep claims and a job names."""

    clock_run_id: int
    ticket_id: int
    rung: int
    due_at: datetime | None = None


@dataclass
class Fired:
    """What one fired rung changed, for the after-commit work (next job, deliveries)."""

    ticket_id: int
    clock_run_id: int
    clock: str
    rung: int
    next_run: ClockRun | None
    outbox_ids: list[int] = field(default_factory=list)


# -- finding due rungs ----------------------------------------------------------------------------
def due_query(now: datetime, limit: int | None = None, *, exclude: Iterable[int] = (),
              after: tuple[datetime, int] | None = None):
    """The indexed query for due rungs (``ix_clocks_due_rung`` on ``next_rung_at``), oldest first."""
    c = m.clocks.c
    q = select(c.id, c.ticket_id, c.next_rung, c.next_rung_at).where(
        c.next_rung_at <= utc(now), c.status == "running", c.next_rung.is_not(None))
    exclude = list(exclude)
    if exclude:
        q = q.where(c.id.not_in(exclude))
    if after is not None:
        q = q.where(tuple_(c.next_rung_at, c.id) > tuple_(utc(after[0]), after[1]))
    q = q.order_by(c.next_rung_at, c.id)
    return q.limit(limit) if limit is not None else q


def claim_due(conn, now: datetime, limit: int, *, exclude: Iterable[int] = (),
              after: tuple[datetime, int] | None = None) -> list[DueRung]:
    """Claim up to ``limit`` due rungs in the caller's transaction.

    PostgreSQL: the clock rows and their tickets are locked ``FOR UPDATE SKIP LOCKED`` until the
    transaction ends, so a concurrent sweeper gets other rows and an officer's fire in progress makes
    its ticket skipped rather than waited for. SQLite: the transaction's ``BEGIN IMMEDIATE`` lock does it.
    """
    q = due_query(now, limit, exclude=exclude, after=after)
    if conn.dialect.name == "postgresql":
        q = q.join(m.tickets, m.tickets.c.id == m.clocks.c.ticket_id).with_for_update(skip_locked=True)
    return [DueRung(r.id, r.ticket_id, r.next_rung, utc(r.next_rung_at)) for r in conn.execute(q).all()]


# -- firing ----------------------------------------------------------------------------------------
def _set_next(conn, run: ClockRun) -> None:
    conn.execute(update(m.clocks).where(m.clocks.c.id == run.id)
                 .values(next_rung=run.next_rung, next_rung_at=utc(run.next_rung_at)))
    run.dirty = False


def _insert_escalation(conn, *, ticket_id: int, clock_run_id: int, rung: int, target: str | None,
                       now: datetime) -> int | None:
    """Insert the row that makes this rung fired; None when it already was (the unique constraint)."""
    ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = ins(m.escalations).values(ticket_id=ticket_id, clock_run_id=clock_run_id, rung=rung,
                                     target_role=target, fired_at=utc(now))
    stmt = stmt.on_conflict_do_nothing(index_elements=["clock_run_id", "rung"]).returning(m.escalations.c.id)
    return conn.execute(stmt).scalar()


def _percent(run: ClockRun, rung: Rung, now: datetime, calendar) -> float:
    if rung.at_percent is not None:
        return rung.at_percent
    used = net(run, now, calendar) / run.budget * 100.0 if run.budget else 100.0
    return round(used, 1)


def _recipients(rung: Rung) -> list[str]:
    # ``escalation_target`` means the holders of the rung's target role; a warning has none.
    return [who for who in rung.notify if who != "escalation_target" or rung.escalate_to]


def _fire_claimed(runtime, uow, claim: DueRung, now: datetime) -> Fired | None:
    """Fire ``claim`` inside the caller's transaction (after re-checking it under the lock).

    Returns None when there is nothing to fire: the run stopped, paused or moved since it was found, or
    the rung already fired (then the run is pointed at its next unfired rung, healing a stale pointer).
    """
    conn = uow.conn
    row = conn.execute(select(m.clocks.c.status, m.clocks.c.next_rung, m.clocks.c.next_rung_at)
                       .where(m.clocks.c.id == claim.clock_run_id)).first()
    if row is None or row.status != "running" or row.next_rung != claim.rung or row.next_rung_at is None \
            or utc(row.next_rung_at) > now:
        return None
    ticket = uow.load_ticket(claim.ticket_id)
    run = next(r for r in ticket.clocks if r.id == claim.clock_run_id)
    definition = runtime.engine.definitions.get(uow, ticket.definition_key, ticket.definition_version)
    calendar = runtime.engine.calendar
    spec: Clock | None = definition.clocks.get(run.clock)
    if spec is None:  # the definition version has no such clock: nothing can ever fire
        run.next_rung, run.next_rung_at = None, None
        _set_next(conn, run)
        return None
    fired = set(uow.fired_rungs(ticket.id).get((run.clock, run.run), set()))
    rung = next((r for r in spec.escalation if r.index == claim.rung), None)
    if rung is None or rung.index in fired:
        run.next_rung, run.next_rung_at = next_rung(run, spec, calendar, fired)
        _set_next(conn, run)
        return None
    target = rung.escalate_to
    if _insert_escalation(conn, ticket_id=ticket.id, clock_run_id=run.id, rung=rung.index, target=target,
                          now=now) is None:
        run.next_rung, run.next_rung_at = next_rung(run, spec, calendar, fired | {rung.index})
        _set_next(conn, run)
        return None
    fired.add(rung.index)

    after = ticket.copy()
    after.updated_at = now
    previous_role = ticket.assignee_role
    reassigned = False
    if target:
        for flag in (rung.flag, ESCALATION_FLAG):
            if flag and flag not in after.flags:
                after.flags.append(flag)
        if rung.reassign and (after.assignee_role != target or after.assignee_id is not None):
            after.assignee_role, after.assignee_id, reassigned = target, None, True
    elif rung.flag and rung.flag not in after.flags:
        after.flags.append(rung.flag)
    moved = next(r for r in after.clocks if r.id == run.id)
    moved.next_rung, moved.next_rung_at = next_rung(moved, spec, calendar, fired)
    moved.dirty = True

    percent = _percent(run, rung, now, calendar)
    overdue = (now - run.due_at).total_seconds() if run.due_at is not None else 0.0
    template = ESCALATION_TEMPLATE if target else WARNING_TEMPLATE
    detail: dict[str, Any] = {
        "clock": run.clock, "clock_label": spec.label, "stage": spec.label, "run": run.run, "rung": rung.index,
        "rung_key": rung.key(), "percent": percent, "due_at": run.due_at.isoformat() if run.due_at else None,
        "target_role": target, "overdue_seconds": max(0.0, round(overdue, 3)),
        "escalated_from": previous_role if target else None,
    }
    audit_detail = dict(detail, flags=list(after.flags), reassigned=reassigned, notify=_recipients(rung),
                        template=template, next_rung=moved.next_rung,
                        next_rung_at=moved.next_rung_at.isoformat() if moved.next_rung_at else None)
    event = AuditEvent(kind="escalation", at=now, actor_id=SYSTEM_ACTOR, actor_role="system", ticket_id=ticket.id,
                       receipt_no=ticket.receipt_no, to_state=ticket.state, definition_key=ticket.definition_key,
                       definition_version=ticket.definition_version, detail=audit_detail)
    uow.save(Change(ticket=after, expected_version=ticket.version, audit=[event]))
    outbox_ids = []
    for who in _recipients(rung):
        outbox_ids.append(conn.execute(insert(m.outbox).values(
            ticket_id=ticket.id, template=template, recipient=who, detail=detail, status="pending",
            created_at=utc(now)).returning(m.outbox.c.id)).scalar_one())
    return Fired(ticket.id, run.id, run.clock, rung.index, moved if moved.next_rung_at else None, outbox_ids)


def _after_commit(runtime, fired: list[Fired]) -> None:
    """Schedule next rungs and hand new outbox rows to delivery; never fails the (committed) fire."""
    if not fired:
        return
    try:
        from . import jobs

        for item in fired:
            if item.next_run is not None:
                jobs.enqueue_rung(runtime, item.next_run, item.ticket_id)
    except Exception:  # noqa: BLE001 - the sweep will fire the rung anyway
        logger.warning("could not schedule next rungs; the periodic sweep will catch them", exc_info=True)
    ids = [i for item in fired for i in item.outbox_ids]
    # Without Redis the periodic run delivers them: `notifications.delivery.sweep_outbox` runs right after
    # this sweep (workflow.jobs.PERIODIC), so the escalation sweep never waits on SMTP.
    if ids and runtime.redis_url:
        enqueue = _delivery_hook()
        if enqueue is not None:
            try:
                enqueue(runtime, ids)
            except Exception:  # noqa: BLE001 - the outbox sweep delivers pending rows later
                logger.warning("could not enqueue %d notifications; the outbox sweep will send them", len(ids),
                               exc_info=True)


def _delivery_hook() -> Callable | None:
    delivery = optional_module("notifications.delivery")
    return getattr(delivery, "enqueue_pending", None) if delivery is not None else None


# -- the sweep -------------------------------------------------------------------------------------
def sweep_due_rungs(runtime, now: datetime | None = None, limit: int = 10_000, *, batch: int = DEFAULT_BATCH) -> int:
    """Fire every due rung (at most ``limit``); returns how many fired.

    Claims batches of due clock runs, fires each rung in its own savepoint (one broken ticket is logged
    and skipped, the others commit), and commits per batch. A run whose following rung is also due
    (the sweeper was down for a while) comes back in a later batch and fires again, one rung at a time,
    so every warning and escalation is recorded once, in order.
    """
    now = utc(now) if now is not None else utcnow()
    count = 0
    skip: set[int] = set()  # failed or found-stale runs: not claimed again in this sweep
    while count < limit:
        fired: list[Fired] = []
        with runtime.store.unit_of_work() as uow:
            claims = claim_due(uow.conn, now, min(batch, limit - count), exclude=skip)
            if not claims:
                break
            for claim in claims:
                try:
                    with uow.conn.begin_nested():
                        result = _fire_claimed(runtime, uow, claim, now)
                except Exception:  # noqa: BLE001 - one broken ticket must not stop the sweep
                    logger.exception("escalation of ticket %s (clock run %s, rung %s) failed; skipped until the "
                                     "next sweep", claim.ticket_id, claim.clock_run_id, claim.rung)
                    skip.add(claim.clock_run_id)
                    continue
                if result is None:
                    skip.add(claim.clock_run_id)
                else:
                    fired.append(result)
            uow.commit()
        count += len(fired)
        _after_commit(runtime, fired)
    if count:
        logger.info("escalation sweep fired %d rung(s)", count)
    return count


def claim_and_enqueue(runtime, now: datetime | None = None, *, batch: int = 1000,
                      enqueue: Callable[[list[DueRung]], None] | None = None) -> int:
    """Claim every due rung and enqueue one rq job per rung instead of firing it here.

    The same claim as `sweep_due_rungs` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), walked by keyset,
    one transaction per batch; the jobs (`fire_rung_job`, deterministic ids) fire the rungs on the
    workers. Used when many rungs fall due at once and by ``benchmarks/bench_sweep.py``.
    """
    from . import jobs

    now = utc(now) if now is not None else utcnow()
    enqueue = enqueue or (lambda claims: jobs.enqueue_due(runtime, claims))
    total, after = 0, None
    while True:
        with runtime.store.unit_of_work() as uow:
            claims = claim_due(uow.conn, now, batch, after=after)
            if not claims:
                break
            enqueue(claims)
            uow.commit()
        total += len(claims)
        last = claims[-1]
        after = (last.due_at, last.clock_run_id)
    return total


def fire_rung_job(ticket_id: int, clock_run_id: int, rung: int, now: datetime | None = None) -> bool:
    """The rq job: fire one rung if it is still due and not yet fired (idempotent, safe to retry)."""
    from .jobs import current_runtime, refresh_calendar

    runtime = current_runtime()
    refresh_calendar(runtime)
    now = utc(now) if now is not None else utcnow()
    with runtime.store.unit_of_work() as uow:
        q = select(m.clocks.c.id).where(and_(m.clocks.c.id == clock_run_id, m.clocks.c.ticket_id == ticket_id))
        if uow.conn.dialect.name == "postgresql":
            # Ticket first, then its clock: the order a fire takes them in (UPDATE tickets, then
            # ticket_clocks), so a job waiting for an officer's fire can never deadlock with it.
            uow.conn.execute(select(m.tickets.c.id).where(m.tickets.c.id == ticket_id).with_for_update())
            q = q.with_for_update()
        if uow.conn.execute(q).first() is None:
            return False
        result = _fire_claimed(runtime, uow, DueRung(clock_run_id, ticket_id, rung), now)
        uow.commit()
    if result is not None:
        _after_commit(runtime, [result])
    return result is not None


def fired_rungs_of(runtime, ticket_id: int) -> dict[tuple[str, int], set[int]]:
    with runtime.store.unit_of_work() as uow:
        return uow.fired_rungs(ticket_id)


__all__ = ["sweep_due_rungs", "fire_rung_job", "claim_due", "claim_and_enqueue", "due_query", "DueRung", "Fired",
           "WARNING_TEMPLATE", "ESCALATION_TEMPLATE", "ESCALATION_FLAG"]
