"""The periodic sweep: what is due in the database gets done, whether or not a queue is running.

Two ways to run, chosen by ``ALUR_REDIS_URL`` (see docs/operations.md):

* **No Redis (the embedded default).** `start_inprocess_sweeper` runs `run_periodic` on a daemon
  thread every ``interval`` seconds inside the web process (``alur serve`` calls it). Rungs fire up to
  ``interval`` seconds late; nothing else is needed.
* **With Redis.** rq jobs make rungs fire on time (`workflow.jobs.queues`); ``alur sweep --every 60``
  runs this sweep as the safety net (run exactly one; more are harmless but useless).

Why a sweep of our own and not ``rq cron``: two cron processes enqueue everything twice, runs missed
while cron was down are not caught up, and this Redis keeps nothing on disk. The database is the source
of truth for what is due, so each task reads due rows from it (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL) and acts on them once.

The tasks: the engine's own (`ENGINE_TASKS`: escalation rungs, then closing unconfirmed answers), then
whatever other parts registered on ``runtime.periodic`` (notifications: the outbox), so what the first
tasks wrote is delivered in the same run.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Mapping

from workflow.jobs import queues
from workflow.services import autoclose, escalation
from workflow.services.calendar import refresh_calendar

logger = logging.getLogger(__name__)

DEFAULT_SWEEP_EVERY = 60
DEFAULT_INPROCESS_INTERVAL = 30

#: The engine's periodic tasks, by name, in order; each takes ``(runtime, now=None) -> int``.
ENGINE_TASKS: Mapping[str, Callable[..., int]] = {
    "sweep_due_rungs": escalation.sweep_due_rungs,
    "close_unconfirmed": autoclose.close_unconfirmed,
}


def tasks_of(runtime) -> dict[str, Callable[..., int]]:
    """Every periodic task of this runtime, in the order they run."""
    return {**ENGINE_TASKS, **runtime.periodic}


def run_periodic(runtime, now: datetime | None = None,
                 tasks: Mapping[str, Callable[..., int]] | None = None) -> dict[str, int | None]:
    """Run each periodic task once; returns task name -> count (None when it failed).

    Tasks are independent: one that fails is logged and the others still run.
    """
    results: dict[str, int | None] = {}
    refresh_calendar(runtime)
    for name, task in (tasks if tasks is not None else tasks_of(runtime)).items():
        try:
            results[name] = int(task(runtime, now=now) or 0)
        except Exception:  # noqa: BLE001 - one broken task must not stop the others
            logger.exception("periodic task %s failed", name)
            results[name] = None
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
        queues.install(runtime)
        return None
    return start_inprocess_sweeper(runtime, interval)


__all__ = ["ENGINE_TASKS", "DEFAULT_SWEEP_EVERY", "DEFAULT_INPROCESS_INTERVAL", "tasks_of", "run_periodic",
           "sweep_loop", "Sweeper", "start_inprocess_sweeper", "start_background"]
