"""rq on Redis: queue names, and scheduling each clock run's next ladder rung as a job at its due time.

With ``ALUR_REDIS_URL`` set, every committed open or fire schedules the next rung of each running clock
as an rq job (``enqueue_at``, deterministic id ``<prefix>-rung-<clock run id>-<rung>``; rq ids may not
contain ``:``) through the engine's after-commit hook (`install`); so do the next rungs an escalation
sweep or a calendar edit moves (``runtime.rung_schedulers``). Jobs only make rungs fire on time:
the database says what is due, and the periodic sweep (`workflow.jobs.periodic`) fires whatever a lost
job left. Jobs are idempotent (``escalations`` has ``UNIQUE(clock_run_id, rung)``), so a job that runs
twice, or after the sweep, changes nothing. Jobs are written as JSON (`serializer`), never pickled.
"""
from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from typing import Callable, Iterable

from workflow.core.escalation import DueRung
from workflow.core.ticket import ClockRun, Ticket
from workflow.services import escalation

logger = logging.getLogger(__name__)

#: Queue names (prefixed with `queue_prefix`, so test runs and several offices can share one Redis).
ESCALATION_QUEUE = "escalations"
NOTIFICATION_QUEUE = "notifications"
QUEUES = (ESCALATION_QUEUE, NOTIFICATION_QUEUE)

RUNG_JOB = "workflow.jobs.rungs.fire_rung_job"
#: Retries of a rung job (rq needs a worker started with the scheduler for the intervals).
RUNG_RETRY_INTERVALS = (10, 30, 120, 600)


def queue_prefix(runtime) -> str:
    return str(runtime.extras.get("queue_prefix") or os.environ.get("ALUR_QUEUE_PREFIX") or "alur")


def queue_name(runtime, base: str) -> str:
    return f"{queue_prefix(runtime)}-{base}"


def redis_connection(runtime):
    """The runtime's Redis client (one per process), or None without ``ALUR_REDIS_URL``."""
    if not runtime.redis_url:
        return None
    conn = runtime.extras.get("redis")
    if conn is None:
        from redis import Redis

        conn = runtime.extras["redis"] = Redis.from_url(runtime.redis_url)
    return conn


def serializer():
    """How jobs are written to Redis: JSON, never rq's default pickle. Loading a pickle runs whatever it
    names, so anyone who could write to Redis could run code in the workers; a JSON job can only name a
    function, which rq imports and calls with plain arguments (every job's arguments and results are
    ids, numbers and strings). Queues and workers must agree (`workflow.jobs.worker`)."""
    from rq.serializers import JSONSerializer

    return JSONSerializer


def queue(runtime, base: str = ESCALATION_QUEUE):
    from rq import Queue

    return Queue(queue_name(runtime, base), connection=redis_connection(runtime), serializer=serializer())


def rung_job_id(runtime, clock_run_id: int, rung: int) -> str:
    """Deterministic id of a rung's job: re-scheduling a moved rung replaces its job instead of adding one."""
    return f"{queue_prefix(runtime)}-rung-{clock_run_id}-{rung}"


def _retry():
    from rq import Retry

    return Retry(max=len(RUNG_RETRY_INTERVALS), interval=list(RUNG_RETRY_INTERVALS))


def enqueue_rung(runtime, run: ClockRun, ticket_id: int):
    """Schedule ``run``'s next rung as an rq job at ``next_rung_at``; returns the job, or None.

    Nothing is scheduled without Redis, for a run that is not running, or one with no rung left. The
    job id is deterministic, so when a clock moves (pause, resume, calendar edit) the same call moves
    the job. A job that still runs early, or twice, finds nothing due and does nothing.
    """
    if not _schedulable(runtime, run):
        return None
    return _schedule_rung(runtime, queue(runtime), run, ticket_id)


def enqueue_rungs(runtime, runs: Iterable[tuple[ClockRun, int]]) -> list:
    """`enqueue_rung` for several ``(run, ticket id)`` pairs (a sweep batch's next rungs); returns the jobs.

    Not one shared pipeline: rq's ``ScheduledJobRegistry.schedule`` adds the job id at once, outside
    any pipeline, and its scheduler drops an id whose job it cannot fetch yet. Each job keeps rq's own
    short window between the two; a batch-wide one would lose jobs whose rung is already due.
    """
    todo = [(run, ticket_id) for run, ticket_id in runs if _schedulable(runtime, run)]
    if not todo:
        return []
    q = queue(runtime)
    return [_schedule_rung(runtime, q, run, ticket_id) for run, ticket_id in todo]


def _schedulable(runtime, run: ClockRun) -> bool:
    return bool(runtime.redis_url) and run.id is not None and run.status == "running" \
        and run.next_rung is not None and run.next_rung_at is not None


def _schedule_rung(runtime, q, run: ClockRun, ticket_id: int):
    at = run.next_rung_at if run.next_rung_at.tzinfo else run.next_rung_at.replace(tzinfo=timezone.utc)
    return q.enqueue_at(
        at, RUNG_JOB, ticket_id, run.id, run.next_rung,
        job_id=rung_job_id(runtime, run.id, run.next_rung), retry=_retry(),
        description=f"rung {run.next_rung} of {run.clock} run {run.run} (ticket {ticket_id})",
        result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600,
    )


def enqueue_due(runtime, claims: Iterable[DueRung]) -> list:
    """Enqueue one job per due rung now (`claim_and_enqueue`), in one pipeline."""
    from rq import Queue

    q = queue(runtime)
    retry = _retry()
    data = [Queue.prepare_data(RUNG_JOB, args=(c.ticket_id, c.clock_run_id, c.rung),
                               job_id=rung_job_id(runtime, c.clock_run_id, c.rung), retry=retry,
                               result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600) for c in claims]
    return q.enqueue_many(data) if data else []


def claim_and_enqueue(runtime, now: datetime | None = None, *, batch: int = 1000,
                      enqueue: Callable[[list[DueRung]], object] | None = None) -> int:
    """Claim every due rung and enqueue one rq job per rung instead of firing it here; returns how many.

    The sweep's claim (`workflow.services.escalation.hand_over_due_rungs`: ``FOR UPDATE SKIP LOCKED`` on
    PostgreSQL, a keyset walk, one transaction per batch) with the jobs enqueued while each batch is
    claimed; the jobs (`workflow.jobs.rungs`, deterministic ids) fire the rungs on the workers. Used
    when many rungs fall due at once and by ``benchmarks/bench_sweep.py`` (``enqueue`` replaces rq).
    """
    return escalation.hand_over_due_rungs(runtime, enqueue or (lambda claims: enqueue_due(runtime, claims)), now,
                                          batch=batch)


def schedule_ticket(runtime, ticket: Ticket) -> int:
    """Schedule the next rung of each running clock of ``ticket``; the engine's after-commit hook."""
    count = 0
    for run in ticket.clocks:
        if enqueue_rung(runtime, run, ticket.id) is not None:
            count += 1
    return count


def install(runtime) -> bool:
    """Hook rung scheduling into the runtime (once) when Redis is configured; returns whether it did.

    Two hooks: the engine's after-commit hook schedules the next rung of each clock an open or fire
    left running; ``runtime.rung_schedulers`` gets `enqueue_rungs` for next rungs moved outside a fire
    (escalation sweeps and jobs, calendar edits).
    """
    if not runtime.redis_url or runtime.extras.get("jobs_installed"):
        return bool(runtime.extras.get("jobs_installed"))

    def hook(ticket: Ticket) -> None:
        try:
            schedule_ticket(runtime, ticket)
        except Exception:  # noqa: BLE001 - Redis down: the periodic sweep still fires the rungs
            logger.warning("could not schedule rungs of ticket %s; the periodic sweep will fire them", ticket.id,
                           exc_info=True)

    runtime.engine.after_commit.append(hook)
    runtime.rung_schedulers.append(enqueue_rungs)
    runtime.extras["jobs_installed"] = True
    return True


__all__ = ["ESCALATION_QUEUE", "NOTIFICATION_QUEUE", "QUEUES", "RUNG_JOB", "RUNG_RETRY_INTERVALS", "queue_prefix",
           "queue_name", "redis_connection", "serializer", "queue", "rung_job_id", "enqueue_rung", "enqueue_rungs",
           "enqueue_due", "claim_and_enqueue", "schedule_ticket", "install"]
