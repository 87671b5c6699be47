"""Background work: rq jobs for ladder rungs, the periodic sweep, and the in-process default.

Two ways to run, chosen by ``ALUR_REDIS_URL`` (see docs/operations.md):

* **No Redis (the embedded default).** `start_inprocess_sweeper` runs `run_periodic` on a daemon
  thread every ``interval`` seconds inside the web process (``alur serve`` calls it). Rungs fire up to
  ``interval`` seconds late; nothing else is needed.
* **With Redis.** Every committed open/fire schedules the next rung of each running clock as an rq job
  (``enqueue_at``, deterministic id ``<prefix>-rung-<clock run id>-<rung>``; rq ids may not contain
  ``:``) through the engine's after-commit hook (`install`). ``alur worker`` runs rq workers with the
  scheduler (several are fine); ``alur sweep --every 60`` runs the periodic sweep (run exactly one; more
  are harmless but useless).

Why a sweep of our own and not ``rq cron``: two cron processes enqueue everything twice, runs missed
while cron was down are not caught up, and this Redis keeps nothing on disk. The database is the source
of truth for what is due, so the sweep reads due rows from it (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)
and fires them; rq jobs only make rungs fire on time. Jobs are idempotent (`escalations` has
``UNIQUE(clock_run_id, rung)``), so a job that runs twice, or after the sweep, changes nothing.
"""
from __future__ import annotations


import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable, Iterable

from workflow.plugins import optional_module
from workflow.core.ticket import ClockRun, Ticket

logger = logging.getLogger(__name__)

#: Queue names (prefixed with `queue_prefix`, so test runs and several offices can share one Redis).
ESCALATION_QUEUE = "escalations"
NOTIFICATION_QUEUE = "notifications"
QUEUES = (ESCALATION_QUEUE, NOTIFICATION_QUEUE)

#: What the periodic sweep runs, in order; each takes ``(runtime, now=None) -> int``. A module that is
#: not installed in this build is skipped.
PERIODIC = (
    "workflow.services.escalation.sweep_due_rungs",
    "notifications.delivery.sweep_outbox",
    "workflow.services.autoclose.close_unconfirmed",
)

RUNG_JOB = "workflow.services.escalation.fire_rung_job"
#: Retries of a rung job (rq needs a worker started with the scheduler for the intervals).
RUNG_RETRY_INTERVALS = (10, 30, 120, 600)
DEFAULT_SWEEP_EVERY = 60
DEFAULT_INPROCESS_INTERVAL = 30


# -- configuration -------------------------------------------------------------------------------
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


def queue(runtime, base: str = ESCALATION_QUEUE):
    from rq import Queue

    return Queue(queue_name(runtime, base), connection=redis_connection(runtime))


def rung_job_id(runtime, clock_run_id: int, rung: int) -> str:
    """Deterministic id of a rung's job: re-scheduling a moved rung replaces its job instead of adding one."""
    return f"{queue_prefix(runtime)}-rung-{clock_run_id}-{rung}"


# -- the runtime inside a worker -----------------------------------------------------------------
_runtime = None
_runtime_pid: int | None = None
_runtime_lock = threading.Lock()


def set_runtime(runtime) -> None:
    """Make ``runtime`` the one rq jobs of this process use (``alur worker`` and tests call this)."""
    global _runtime, _runtime_pid
    with _runtime_lock:
        _runtime, _runtime_pid = runtime, os.getpid()


def current_runtime():
    """The runtime for a job: the one set by `set_runtime`, else built once from the environment.

    rq's ``Worker`` forks a work horse per job; pooled database connections must not cross a fork, so
    the first use in a new process drops the inherited pool (``dispose(close=False)``, SQLAlchemy's
    recipe for forks) and opens fresh connections.
    """
    global _runtime, _runtime_pid
    with _runtime_lock:
        if _runtime is None:
            from workflow.runtime import build_runtime

            _runtime, _runtime_pid = build_runtime(), os.getpid()
        elif _runtime_pid != os.getpid():
            _runtime.db.dispose(close=False)
            _runtime.extras.pop("redis", None)
            _runtime_pid = os.getpid()
        return _runtime


# -- scheduling ----------------------------------------------------------------------------------
def enqueue_rung(runtime, run: ClockRun, ticket_id: int | None = None):
    """Schedule ``run``'s next rung as an rq job at ``next_rung_at``; returns the job, or None.

    Nothing is scheduled without Redis, for a run that is not running, or one with no rung left. The
    job id is deterministic, so when a clock moves (pause, resume, calendar edit) the same call moves
    the job. A job that still runs early, or twice, finds nothing due and does nothing.
    """
    if not _schedulable(runtime, run):
        return None
    if ticket_id is None:
        from sqlalchemy import select

        from workflow.store import models as m

        with runtime.db.connect() as conn:
            ticket_id = conn.execute(select(m.clocks.c.ticket_id).where(m.clocks.c.id == run.id)).scalar_one()
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
    from rq import Retry

    at = run.next_rung_at if run.next_rung_at.tzinfo else run.next_rung_at.replace(tzinfo=timezone.utc)
    return q.enqueue_at(
        at, RUNG_JOB, ticket_id, run.id, run.next_rung,
        job_id=rung_job_id(runtime, run.id, run.next_rung),
        retry=Retry(max=len(RUNG_RETRY_INTERVALS), interval=list(RUNG_RETRY_INTERVALS)),
        description=f"rung {run.next_rung} of {run.clock} run {run.run} (ticket {ticket_id})",
        result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600,
    )


def enqueue_due(runtime, claims: Iterable[Any]) -> list:
    """Enqueue one job per due rung now (`workflow.escalation.claim_and_enqueue`), in one pipeline."""
    from rq import Queue, Retry

    q = queue(runtime)
    retry = Retry(max=len(RUNG_RETRY_INTERVALS), interval=list(RUNG_RETRY_INTERVALS))
    data = [Queue.prepare_data(RUNG_JOB, args=(c.ticket_id, c.clock_run_id, c.rung),
                               job_id=rung_job_id(runtime, c.clock_run_id, c.rung), retry=retry,
                               result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600) for c in claims]
    return q.enqueue_many(data) if data else []


def schedule_ticket(runtime, ticket: Ticket) -> int:
    """Schedule the next rung of each running clock of ``ticket``; the engine's after-commit hook."""
    count = 0
    for run in ticket.clocks:
        if enqueue_rung(runtime, run, ticket.id) is not None:
            count += 1
    return count


def install(runtime) -> bool:
    """Hook rung scheduling into ``runtime.engine`` (once) when Redis is configured; returns whether it did."""
    if not runtime.redis_url or runtime.extras.get("jobs_installed"):
        return bool(runtime.extras.get("jobs_installed"))

    def hook(ticket: Ticket) -> None:
        try:
            schedule_ticket(runtime, ticket)
        except Exception:  # noqa: BLE001 - Redis down: the periodic sweep still fires the rungs
            logger.warning("could not schedule rungs of ticket %s; the periodic sweep will fire them", ticket.id,
                           exc_info=True)

    runtime.engine.after_commit.append(hook)
    runtime.extras["jobs_installed"] = True
    return True


# -- the periodic sweep --------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _calendar_stamp_query():
    """Built once, on first use (this module imports SQLAlchemy only where it needs it)."""
    from sqlalchemy import func, select

    from workflow.store import models as m

    c = m.closures.c
    return select(func.count(), func.coalesce(func.max(c.id), 0), func.coalesce(func.sum(c.id), 0))


def calendar_stamp(conn) -> tuple:
    """What identifies the office's closure rows (count, max and sum of ids): any edit changes it."""
    return tuple(conn.execute(_calendar_stamp_query()).one())


def calendar_is_current(runtime, conn) -> bool:
    """Whether the runtime's calendar was loaded from the closure rows ``conn`` sees now.

    A rung job asks inside its own transaction (one connection, one transaction per rung); when the
    answer is no, it calls `refresh_calendar` outside that transaction and starts again.
    """
    return runtime.extras.get("calendar_stamp") == calendar_stamp(conn)


def refresh_calendar(runtime) -> bool:
    """Reload the runtime's calendar if the office's closure rows changed since it was loaded.

    Calendar edits are made in one process (console, CLI); sweepers and workers notice them here, with
    one cheap query per sweep or job, so a due time is never computed on a stale calendar for long.
    """
    try:
        with runtime.db.connect() as conn:
            stamp = calendar_stamp(conn)
            conn.rollback()
    except Exception:  # noqa: BLE001 - no schema yet: nothing to refresh
        return False
    known = runtime.extras.get("calendar_stamp")
    runtime.extras["calendar_stamp"] = stamp
    if known == stamp:
        return False  # (the first call reloads: an edit may have come between build and now)
    runtime.reload_calendar()
    if known is not None:
        logger.info("office calendar changed; reloaded")
    return True


def _resolve(path: str) -> Callable | None:
    module_name, _, attr = path.rpartition(".")
    module = optional_module(module_name)  # None: that part of alur is not in this build
    return getattr(module, attr, None) if module is not None else None


def run_periodic(runtime, now: datetime | None = None, tasks: Iterable[str] = PERIODIC) -> dict[str, int | None]:
    """Run each periodic task once; returns task -> count (None when skipped or failed).

    Tasks are independent: one that fails is logged and the others still run.
    """
    results: dict[str, int | None] = {}
    refresh_calendar(runtime)
    for path in tasks:
        try:
            func = _resolve(path)
        except Exception:  # noqa: BLE001 - a broken module must not stop the other sweeps
            logger.exception("periodic task %s cannot be imported", path)
            results[path] = None
            continue
        if func is None:
            logger.debug("periodic task %s is not available; skipped", path)
            results[path] = None
            continue
        try:
            results[path] = int(func(runtime, now=now) or 0)
        except Exception:  # noqa: BLE001
            logger.exception("periodic task %s failed", path)
            results[path] = None
    return results


def sweep_loop(runtime, every: float = DEFAULT_SWEEP_EVERY, *, once: bool = False,
               stop: threading.Event | None = None, report: Callable[[dict], None] | None = None) -> None:
    """``alur sweep``: run the periodic tasks now, then every ``every`` seconds until ``stop`` is set."""
    stop = stop or threading.Event()
    while True:
        started = time.monotonic()
        results = run_periodic(runtime)
        if report is not None:
            report(results)
        if once:
            return
        if stop.wait(max(0.0, every - (time.monotonic() - started))):
            return


@dataclass
class Sweeper:
    """Stop handle of the in-process sweeper thread."""

    thread: threading.Thread
    event: threading.Event

    @property
    def running(self) -> bool:
        return self.thread.is_alive()

    def stop(self, timeout: float | None = 10.0) -> None:
        self.event.set()
        self.thread.join(timeout)


def start_inprocess_sweeper(runtime, interval: float = DEFAULT_INPROCESS_INTERVAL) -> Sweeper:
    """Run the periodic sweep on a daemon thread every ``interval`` seconds; returns its stop handle.

    The embedded default when ``ALUR_REDIS_URL`` is unset (``alur serve`` calls it), so a single web
    process escalates and delivers without a worker. Several web processes may each run one: on
    PostgreSQL they split due rows (``SKIP LOCKED``), on SQLite writers are serialised, and each rung
    fires once either way.
    """
    event = threading.Event()
    thread = threading.Thread(target=sweep_loop, args=(runtime, interval), kwargs={"stop": event},
                              name="alur-sweeper", daemon=True)
    thread.start()
    return Sweeper(thread, event)


def start_background(runtime, interval: float = DEFAULT_INPROCESS_INTERVAL) -> Sweeper | None:
    """What a web process calls at start: with Redis, install the rung scheduler (workers and
    ``alur sweep`` do the rest) and return None; without Redis, start the in-process sweeper."""
    if runtime.redis_url:
        install(runtime)
        return None
    return start_inprocess_sweeper(runtime, interval)


def run_worker(runtime, *, burst: bool = False, queues: Iterable[str] = QUEUES, name: str | None = None,
               fork: bool = True) -> bool:
    """``alur worker``: an rq worker with the scheduler on this runtime's Redis (``ALUR_REDIS_URL``).

    By default rq forks a work horse per job: a job that crashes or leaks takes only its horse with it,
    but the fork costs ~13 ms, so one worker runs ~20 rung jobs a second. ``fork=False`` (``--no-fork``)
    runs jobs in the worker itself (rq's SimpleWorker), about ten times as many a second; a job that
    kills the interpreter then stops the worker, which the service manager restarts, and the sweep
    fires whatever it left (each rung still fires once).
    """
    from rq import SimpleWorker, Worker

    if not runtime.redis_url:
        raise RuntimeError("alur worker needs Redis: set ALUR_REDIS_URL (e.g. redis://127.0.0.1:6379/0), or run "
                           "'alur serve' without it, which sweeps in-process")
    set_runtime(runtime)
    install(runtime)
    preload(runtime)
    kind = Worker if fork else SimpleWorker
    worker = kind([queue_name(runtime, q) for q in queues], connection=redis_connection(runtime), name=name)
    return worker.work(with_scheduler=True, burst=burst)


def preload(runtime) -> None:
    """Load what every job needs once, in the worker, before rq forks a work horse for each job.

    Whatever a horse loads dies with it. Without this each rung job imported the job modules, read
    and validated the published definition, found no calendar stamp (so reloaded the office calendar)
    and computed the year's holidays again: most of ~0.2 s a job (``benchmarks/bench_rungs.py
    --worker``). Failures are logged and left to the jobs, which load what they need themselves.
    """
    from datetime import date

    from sqlalchemy import select

    from workflow.services import escalation  # noqa: F401 - rq imports the job functions by name in the horse
    from workflow.store import models as m

    optional_module("notifications.delivery")
    refresh_calendar(runtime)  # records the stamp: a horse reloads the calendar only after an edit
    calendar = runtime.calendar
    if hasattr(calendar, "closures"):  # a WorkingCalendar: compute last, this and next year's closed days
        year = datetime.now(timezone.utc).year
        calendar.closures(date(year - 1, 1, 1), date(year + 1, 12, 31))
        calendar.fingerprint()
    try:
        with runtime.store.unit_of_work() as uow:
            versions = uow.conn.execute(select(m.definitions.c.key, m.definitions.c.version)).all()
            for key, version in versions:
                try:
                    runtime.engine.definitions.get(uow, key, version)
                except Exception:  # noqa: BLE001 - a job that needs it reports the problem
                    logger.warning("could not preload definition %s v%s", key, version, exc_info=True)
    except Exception:  # noqa: BLE001 - no schema yet: the jobs will say so
        logger.warning("could not preload the published definitions", exc_info=True)


__all__ = [
    "PERIODIC", "QUEUES", "ESCALATION_QUEUE", "NOTIFICATION_QUEUE", "Sweeper", "enqueue_rung", "enqueue_rungs",
    "enqueue_due", "calendar_is_current", "calendar_stamp",
    "schedule_ticket", "install", "run_periodic", "sweep_loop", "start_inprocess_sweeper", "start_background",
    "run_worker", "preload", "set_runtime", "current_runtime", "queue", "queue_name", "queue_prefix", "rung_job_id",
    "redis_connection", "refresh_calendar",
]
