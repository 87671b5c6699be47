"""``alur worker``: the rq worker, and what it loads once before forking a work horse per job.

rq imports a job's function by its dotted name in the worker process (`workflow.jobs.rungs`,
``notifications.jobs``); those functions find their runtime with `workflow.jobs.context.current_runtime`.
"""
from __future__ import annotations

import logging
import os
from datetime import date, datetime, timezone
from typing import Iterable

from workflow.jobs import queues
from workflow.jobs.context import current_runtime, set_runtime
from workflow.services.calendar import refresh_calendar

logger = logging.getLogger(__name__)

def run_worker(runtime, *, burst: bool = False, queue_names: Iterable[str] = queues.QUEUES, name: str | None = None,
               fork: bool = True) -> bool:
    """An rq worker with the scheduler on this runtime's Redis (``ALUR_REDIS_URL``).

    By default rq forks a work horse per job: a job that crashes or leaks takes only its horse with it,
    but the fork costs ~13 ms, so one worker runs ~20 rung jobs a second. ``fork=False`` (``--no-fork``)
    runs jobs in the worker itself (rq's SimpleWorker), about ten times as many a second; a job that
    kills the interpreter then stops the worker, which the service manager restarts, and the sweep
    fires whatever it left (each rung still fires once).
    """
    if not runtime.redis_url:
        raise RuntimeError("alur worker needs Redis: set ALUR_REDIS_URL (e.g. redis://127.0.0.1:6379/0), or run "
                           "'alur serve' without it, which sweeps in-process")
    set_runtime(runtime)
    queues.install(runtime)
    preload(runtime)
    kind = worker_class(fork)
    worker = kind([queues.queue_name(runtime, q) for q in queue_names], connection=queues.redis_connection(runtime),
                  name=name, serializer=queues.serializer())  # JSON jobs, as the queues write them
    return worker.work(with_scheduler=True, burst=burst)


def worker_class(fork: bool):
    """rq's Worker (a work horse forked per job) or SimpleWorker (jobs in the worker), with a scheduler that
    stops when its worker dies (`workflow.jobs.supervisor.OrphanSafeScheduler`)."""
    from rq import SimpleWorker, Worker

    from workflow.jobs.supervisor import SchedulerTiedToWorker

    base = Worker if fork else SimpleWorker
    return type(f"Alur{base.__name__}", (SchedulerTiedToWorker, base), {})


def run_workers(runtime, processes: int, *, name: str | None = None, fork: bool = False) -> None:
    """``processes`` workers under one supervisor that restarts any that dies (`workflow.jobs.supervisor`).

    Each runs jobs in its own process (``fork=False``, the default of ``alur worker``), about ten times the
    jobs a second of a worker that forks per job (one of those managed ~15 notification jobs a second)."""
    from workflow.jobs.supervisor import supervise

    if not runtime.redis_url:
        raise RuntimeError("alur worker needs Redis: set ALUR_REDIS_URL (e.g. redis://127.0.0.1:6379/0), or run "
                           "'alur serve' without it, which sweeps in-process")
    base = name or f"alur-{os.uname().nodename}-{os.getpid()}"

    def one(index: int) -> None:
        runtime.store.after_fork()  # pooled connections must not cross the fork
        runtime.extras.pop("redis", None)
        run_worker(runtime, name=f"{base}-{index}-{os.getpid()}", fork=fork)

    supervise(one, max(1, processes))


def preload(runtime) -> None:
    """Load what every job needs once, in the worker, before rq forks a work horse for each job.

    Whatever a horse loads dies with it. Without this each rung job imported the job modules, read
    and validated the published definition, found no calendar stamp (so reloaded the office calendar)
    and computed the year's holidays again: most of ~0.2 s a job (``benchmarks/bench_rungs.py
    --worker``). Failures are logged and left to the jobs, which load what they need themselves.
    """
    from workflow.jobs import rungs  # noqa: F401 - rq imports the job functions by name in the horse

    refresh_calendar(runtime)  # records the stamp: a horse reloads the calendar only after an edit
    calendar = runtime.calendar
    if hasattr(calendar, "closures"):  # a WorkingCalendar: compute last, this and next year's closed days
        year = datetime.now(timezone.utc).year
        calendar.closures(date(year - 1, 1, 1), date(year + 1, 12, 31))
        calendar.fingerprint()
    try:
        with runtime.store.unit_of_work(read_only=True) as uow:
            for key, version in uow.definitions.published():
                try:
                    runtime.engine.definitions.get(uow, key, version)
                except Exception:  # noqa: BLE001 - a job that needs it reports the problem
                    logger.warning("could not preload definition %s v%s", key, version, exc_info=True)
    except Exception:  # noqa: BLE001 - no schema yet: the jobs will say so
        logger.warning("could not preload the published definitions", exc_info=True)


__all__ = ["set_runtime", "current_runtime", "run_worker", "run_workers", "worker_class", "preload"]
