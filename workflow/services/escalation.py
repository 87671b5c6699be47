"""Escalation ladders at run time: find clock runs whose next rung is due and fire each rung once.

The database is the source of truth. ``ticket_clocks.next_rung`` / ``next_rung_at`` (kept by
`workflow.clocks`) say which rung of which clock run falls due when; the ``escalations`` table, with
``UNIQUE(clock_run_id, rung)``, records the rungs that fired. Two paths fire rungs, both through
`_fire`, so they behave the same:

* `sweep_due_rungs` -- the periodic sweep (``alur sweep``, or the in-process sweeper of ``alur serve``).
  It is the safety net for lost rq jobs: Redis here keeps nothing on disk.
* `fire_rung` -- one rung, the work of the rq job (`workflow.jobs.rungs`) scheduled with ``enqueue_at``
  for the moment it falls due (`workflow.jobs.queues.enqueue_rung`).

Firing a rung, in one transaction: insert the ``escalations`` row (a conflict means another sweeper,
job or retry already fired it: skip quietly), apply the rung (warnings notify; escalations flag the
ticket, optionally reassign it to the target role, and notify), write the outbox rows and one audit
row (kind ``escalation``, actor ``system``), point the clock at its next unfired rung, and bump the
ticket's version so an officer holding an old page gets `ConcurrentUpdate`. Delivery of the outbox
rows and scheduling of the next rung happen after commit.

Concurrency: on PostgreSQL the sweep claims rows with ``SELECT … FOR UPDATE SKIP LOCKED`` on the
clock run *and* its ticket, so several sweepers split the due rows and never wait on a ticket an
officer is firing (that ticket is skipped and picked up by the next sweep); a job locks its ticket and
the ticket's clock runs and waits. On SQLite ``BEGIN IMMEDIATE`` already serialises writers. Each rung
fires inside a savepoint: one broken ticket is logged and skipped, and the sweep goes on.

Cost (``benchmarks/bench_rungs.py``): a sweep batch reads its tickets, their clock runs and the runs'
fired rungs with three queries for the whole batch rather than four per rung, and holds the audit head
for the batch (read once, locked on PostgreSQL, written back once before commit), so a rung costs its
savepoint and five writes. A job reads the office calendar's stamp in its own transaction: one
connection and one transaction per rung.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from sqlalchemy import bindparam, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from workflow.core.audit import AuditEvent
from workflow.core.clocks import net, next_rung
from workflow.errors import ConcurrentUpdate
from workflow.jobs import queues
from workflow.services.calendar import calendar_is_current, refresh_calendar
from workflow.spec.model import Clock, Rung
from workflow.store import models as m
from workflow.store.sql import AuditTail, ticket_from_row, utc
from workflow.core.ticket import ClockRun, Ticket

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


# -- statements, built once ------------------------------------------------------------------------
# As on the fire path (workflow/store/sql.py): building a Core statement and its cache key for every
# rung cost more than executing it. Values travel as execution parameters; an UPDATE without
# .values() sets exactly the columns named in its parameters.
_TICKET_IDS = bindparam("b_ticket_ids", expanding=True)
_SELECT_TICKETS = select(m.tickets).where(m.tickets.c.id.in_(_TICKET_IDS))
_SELECT_CLOCKS = select(m.clocks).where(m.clocks.c.ticket_id.in_(_TICKET_IDS)).order_by(m.clocks.c.id)
_LOCK_TICKETS, _LOCK_CLOCKS = _SELECT_TICKETS.with_for_update(), _SELECT_CLOCKS.with_for_update()
# Only the claimed runs' fired rungs: next_rung() needs nothing else, and the unique index on
# (clock_run_id, rung) answers it.
_SELECT_FIRED = select(m.escalations.c.clock_run_id, m.escalations.c.rung).where(
    m.escalations.c.clock_run_id.in_(bindparam("b_run_ids", expanding=True)))
_BY_ID = bindparam("b_id")
_UPDATE_TICKET = update(m.tickets).where(m.tickets.c.id == _BY_ID, m.tickets.c.version == bindparam("b_expected"))
_UPDATE_NEXT = update(m.clocks).where(m.clocks.c.id == _BY_ID)
_INSERT_ESCALATION = {
    name: ins(m.escalations).on_conflict_do_nothing(index_elements=["clock_run_id", "rung"])
    .returning(m.escalations.c.id)
    for name, ins in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_INSERT_OUTBOX = insert(m.outbox).returning(m.outbox.c.id)  # several rows: one INSERT … VALUES …, … RETURNING


# -- reading a batch -------------------------------------------------------------------------------
class _Rows:
    """The tickets (with their clock runs) and fired rungs a batch of claims needs, read together.

    Three queries for the whole batch instead of four per rung. Kept current as rungs fire: a ticket
    with two due clocks sees the first rung's flags and version when its second rung fires. After a
    failed rung its ticket is forgotten and read again if needed, so a rolled-back savepoint never
    leaves a stale copy behind. ``lock`` (the job on PostgreSQL) reads with ``FOR UPDATE``, the ticket
    before its clock runs: the order a fire takes them in, so a job waiting for an officer's fire
    cannot deadlock with it. The sweep's claim has locked its rows already.
    """

    def __init__(self, conn, claims: list[DueRung], *, lock: bool = False):
        self.conn, self.lock = conn, lock
        self.tickets: dict[int, Ticket] = {}
        self.fired: dict[int, set[int]] = {}
        self._read({c.ticket_id for c in claims}, {c.clock_run_id for c in claims})

    def _read(self, ticket_ids: set[int], run_ids: set[int]) -> None:
        params = {"b_ticket_ids": sorted(ticket_ids)}
        rows = self.conn.execute(_LOCK_TICKETS if self.lock else _SELECT_TICKETS, params).all()
        runs: dict[int, list] = defaultdict(list)
        for row in self.conn.execute(_LOCK_CLOCKS if self.lock else _SELECT_CLOCKS, params):
            runs[row.ticket_id].append(row)
        for row in rows:
            self.tickets[row.id] = ticket_from_row(row, None, runs.get(row.id, ()))  # a rung needs no identity
        for run_id in run_ids:
            self.fired[run_id] = set()
        for run_id, rung in self.conn.execute(_SELECT_FIRED, {"b_run_ids": sorted(run_ids)}):
            self.fired[run_id].add(rung)

    def ticket(self, claim: DueRung) -> Ticket | None:
        if claim.ticket_id not in self.tickets or claim.clock_run_id not in self.fired:
            self._read({claim.ticket_id}, {claim.clock_run_id})
        return self.tickets.get(claim.ticket_id)

    def forget(self, claim: DueRung) -> None:
        self.tickets.pop(claim.ticket_id, None)
        self.fired.pop(claim.clock_run_id, None)


# -- firing ----------------------------------------------------------------------------------------
def _set_next(conn, run: ClockRun) -> None:
    conn.execute(_UPDATE_NEXT, {"b_id": run.id, "next_rung": run.next_rung, "next_rung_at": utc(run.next_rung_at)})
    run.dirty = False


def _percent(run: ClockRun, rung: Rung, now: datetime, calendar) -> float:
    if rung.at_percent is not None:
        return rung.at_percent
    used = net(run, now, calendar) / run.budget * 100.0 if run.budget else 100.0
    return round(used, 1)


def _recipients(rung: Rung) -> list[str]:
    # ``escalation_target`` means the holders of the rung's target role; a warning has none.
    return [who for who in rung.notify if who != "escalation_target" or rung.escalate_to]


def _fire(runtime, uow, rows: _Rows, tail: AuditTail, claim: DueRung, now: datetime) -> Fired | None:
    """Fire ``claim`` inside the caller's transaction (after re-checking it under the lock).

    Returns None when there is nothing to fire: the ticket or run is gone, the run stopped, paused or
    moved since it was found, or the rung already fired (then the run is pointed at its next unfired
    rung, healing a stale pointer).
    """
    conn = uow.conn
    ticket = rows.ticket(claim)
    run = next((r for r in ticket.clocks if r.id == claim.clock_run_id), None) if ticket is not None else None
    if run is None or run.status != "running" or run.next_rung != claim.rung or run.next_rung_at is None \
            or run.next_rung_at > now:
        return None
    definition = runtime.engine.definitions.get(uow, ticket.definition_key, ticket.definition_version)
    calendar = runtime.engine.calendar
    spec: Clock | None = definition.clocks.get(run.clock)
    if spec is None:  # the definition version has no such clock: nothing can ever fire
        run.next_rung, run.next_rung_at = None, None
        _set_next(conn, run)
        return None
    fired = rows.fired[run.id]
    rung = next((r for r in spec.escalation if r.index == claim.rung), None)
    if rung is None or rung.index in fired:
        run.next_rung, run.next_rung_at = next_rung(run, spec, calendar, fired)
        _set_next(conn, run)
        return None
    target = rung.escalate_to
    if conn.execute(_INSERT_ESCALATION[conn.dialect.name], {
            "ticket_id": ticket.id, "clock_run_id": run.id, "rung": rung.index, "target_role": target,
            "fired_at": now}).scalar() is None:  # fired already: the unique constraint is the final word
        fired.add(rung.index)
        run.next_rung, run.next_rung_at = next_rung(run, spec, calendar, fired)
        _set_next(conn, run)
        return None

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
    moved.next_rung, moved.next_rung_at = next_rung(moved, spec, calendar, fired | {rung.index})

    percent = _percent(run, rung, now, calendar)
    overdue = (now - run.due_at).total_seconds() if run.due_at is not None else 0.0
    template = ESCALATION_TEMPLATE if target else WARNING_TEMPLATE
    recipients = _recipients(rung)
    detail: dict[str, Any] = {
        "clock": run.clock, "clock_label": spec.label, "stage": spec.label, "run": run.run, "rung": rung.index,
        "rung_key": rung.key(), "percent": percent, "due_at": run.due_at.isoformat() if run.due_at else None,
        "target_role": target, "overdue_seconds": max(0.0, round(overdue, 3)),
        "escalated_from": previous_role if target else None,
    }
    audit_detail = dict(detail, flags=list(after.flags), reassigned=reassigned, notify=recipients,
                        template=template, next_rung=moved.next_rung,
                        next_rung_at=moved.next_rung_at.isoformat() if moved.next_rung_at else None)

    # A rung changes the ticket's flags, assignee and version and one clock's pointer: it writes those
    # columns only (``uow.save`` writes every column of a fire). The version guard stays, although the
    # claim's or the job's lock means no one else can have moved the ticket.
    if conn.execute(_UPDATE_TICKET, {
            "b_id": ticket.id, "b_expected": ticket.version, "version": ticket.version + 1, "flags": after.flags,
            "assignee_role": after.assignee_role, "assignee_id": after.assignee_id, "updated_at": now,
    }).rowcount != 1:
        raise ConcurrentUpdate(f"ticket {ticket.receipt_no} changed while its escalation held the lock; "
                               "the rung stays due and the next sweep fires it")
    after.version = ticket.version + 1
    _set_next(conn, moved)
    tail.append([AuditEvent(
        kind="escalation", at=now, actor_id=SYSTEM_ACTOR, actor_role="system", ticket_id=ticket.id,
        receipt_no=ticket.receipt_no, to_state=ticket.state, definition_key=ticket.definition_key,
        definition_version=ticket.definition_version, detail=audit_detail)])
    outbox_ids = [row[0] for row in conn.execute(_INSERT_OUTBOX, [
        {"ticket_id": ticket.id, "template": template, "recipient": who, "detail": detail, "status": "pending",
         "created_at": now} for who in recipients])] if recipients else []
    fired.add(rung.index)
    rows.tickets[ticket.id] = after
    return Fired(ticket.id, run.id, run.clock, rung.index, moved if moved.next_rung_at else None, outbox_ids)


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
    _schedule(runtime, [(item.next_run, item.ticket_id) for item in fired
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


def _schedule(runtime, runs: list[tuple[ClockRun, int]]) -> None:
    if not runs or not runtime.redis_url:
        return
    try:
        queues.enqueue_rungs(runtime, runs)
    except Exception:  # noqa: BLE001 - the sweep will fire the rung anyway
        logger.warning("could not schedule next rungs; the periodic sweep will catch them", exc_info=True)


# -- the sweep -------------------------------------------------------------------------------------
def sweep_due_rungs(runtime, now: datetime | None = None, limit: int = 10_000, *, batch: int = DEFAULT_BATCH) -> int:
    """Fire every due rung (at most ``limit``); returns how many fired.

    Claims batches of due clock runs, fires each rung in its own savepoint (one broken ticket is logged
    and skipped, the others commit), and commits per batch. A run whose following rung is also due
    (the sweeper was down for a while) comes back in a later batch and fires again, one rung at a time,
    so every warning and escalation is recorded once, in order; such a rung gets an rq job only if this
    sweep ends without firing it.
    """
    now = utc(now) if now is not None else utcnow()
    count = 0
    skip: set[int] = set()  # failed or found-stale runs: not claimed again in this sweep
    # Runs whose next rung was due already when their last rung fired: no rq job for it (after an
    # outage that would be one redundant job per rung for the workers), this sweep fires it.
    deferred: dict[int, tuple[ClockRun, int]] = {}
    try:
        while count < limit:
            fired: list[Fired] = []
            with runtime.store.unit_of_work() as uow:
                claims = claim_due(uow.conn, now, min(batch, limit - count), exclude=skip)
                if not claims:
                    break
                rows, tail = _Rows(uow.conn, claims), AuditTail(uow.conn)
                for claim in claims:
                    mark = tail.head
                    try:
                        with uow.conn.begin_nested():
                            result = _fire(runtime, uow, rows, tail, claim, now)
                    except Exception:  # noqa: BLE001 - one broken ticket must not stop the sweep
                        logger.exception("escalation of ticket %s (clock run %s, rung %s) failed; skipped until the "
                                         "next sweep", claim.ticket_id, claim.clock_run_id, claim.rung)
                        tail.rewind(mark)
                        rows.forget(claim)
                        skip.add(claim.clock_run_id)
                        continue
                    if result is None:
                        skip.add(claim.clock_run_id)
                    else:
                        fired.append(result)
                tail.flush()
                uow.commit()
            count += len(fired)
            for item in fired:
                deferred.pop(item.clock_run_id, None)
            deferred.update(_after_commit(runtime, fired, due_by=now))
    finally:
        # Left unfired (the limit was reached, the rung failed and was skipped, the database went
        # away): scheduled after all, as every other next rung is, so a worker tries it before the
        # next sweep does.
        _schedule(runtime, list(deferred.values()))
    if count:
        logger.info("escalation sweep fired %d rung(s)", count)
    return count


def claim_and_enqueue(runtime, now: datetime | None = None, *, batch: int = 1000,
                      enqueue: Callable[[list[DueRung]], None] | None = None) -> int:
    """Claim every due rung and enqueue one rq job per rung instead of firing it here.

    The same claim as `sweep_due_rungs` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), walked by keyset,
    one transaction per batch; the jobs (`workflow.jobs.rungs`, deterministic ids) fire the rungs on the
    workers. Used when many rungs fall due at once and by ``benchmarks/bench_sweep.py``.
    """
    now = utc(now) if now is not None else utcnow()
    enqueue = enqueue or (lambda claims: queues.enqueue_due(runtime, claims))
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


def fire_rung(runtime, ticket_id: int, clock_run_id: int, rung: int, now: datetime | None = None) -> bool:
    """Fire one rung if it is still due and not yet fired (idempotent, safe to retry): the rq job's work.

    One connection and one transaction: the office calendar's stamp is read in it (`calendar_is_current`);
    only after a calendar edit does the job roll back, reload the calendar and start again.
    """
    now = utc(now) if now is not None else utcnow()
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


def _fire_alone(runtime, uow, claim: DueRung, now: datetime) -> Fired | None:
    """A job's rung in its own transaction; on PostgreSQL it waits for the ticket's and its clocks' locks."""
    rows = _Rows(uow.conn, [claim], lock=uow.conn.dialect.name == "postgresql")
    tail = AuditTail(uow.conn)
    result = _fire(runtime, uow, rows, tail, claim, now)
    tail.flush()
    uow.commit()
    return result


def fired_rungs_of(runtime, ticket_id: int) -> dict[tuple[str, int], set[int]]:
    with runtime.store.unit_of_work() as uow:
        return uow.escalations.fired(ticket_id)


__all__ = ["sweep_due_rungs", "fire_rung", "claim_due", "claim_and_enqueue", "due_query", "DueRung", "Fired",
           "WARNING_TEMPLATE", "ESCALATION_TEMPLATE", "ESCALATION_FLAG"]
