"""Keeping rq workers alive, and their scheduler tied to them.

**Several workers from one command.** rq's default worker forks a work horse per job (~13 ms each), so
one ``alur worker`` ran about 15 notification jobs a second against 30 filings a second, and delivery
fell minutes behind. `supervise` runs N workers that each run jobs in their own process (rq's
SimpleWorker: no fork per job) and restarts any that dies: a job that kills its interpreter costs a
restart of one worker (its job is then found by rq's abandoned-job handling or by the sweep, which
reads what is due from the database), not the whole service. Crash loops back off up to `MAX_BACKOFF`.

**The scheduler dies with its worker.** rq runs the scheduler (``enqueue_at``, retries) in a child of the
worker that holds a Redis lock per queue. A ``kill -9`` of the worker used to leave that child running
and holding the lock, so the restarted worker ran without a scheduler. `OrphanSafeScheduler` asks Linux
to send it SIGTERM when its parent dies (``PR_SET_PDEATHSIG``), and checks its parent on every heartbeat
(once a second) where that is not available; on either it stops and releases its locks, and a lock
whose holder vanished outright still expires after the scheduler interval plus 60 s. The supervised
workers themselves get the same signal when the supervisor dies.
"""
from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import time
from typing import Callable

from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.scheduler import RQScheduler

logger = logging.getLogger(__name__)

MAX_BACKOFF = 30.0  # seconds between restarts of a worker that keeps dying at once
STABLE_AFTER = 10.0  # a worker that lived this long died by accident, not by a crash loop
PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask the kernel to send ``sig`` to this process when its parent dies (Linux; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: the heartbeat check still notices
        logger.debug("prctl(PR_SET_PDEATHSIG) unavailable", exc_info=True)


class OrphanSafeScheduler(RQScheduler):
    """rq's scheduler, stopping (and releasing its locks) when the worker that started it is gone."""

    parent_pid: int | None = None

    def start(self):
        self.parent_pid = os.getpid()  # the worker's pid, read before the fork
        return super().start()

    def work(self):
        die_with_parent(signal.SIGTERM)  # SIGTERM: rq's handler stops the loop, which releases the locks
        super().work()

    def heartbeat(self):
        if self.parent_pid is not None and os.getppid() != self.parent_pid:
            logger.warning("scheduler: worker %s is gone; stopping and releasing the scheduler lock", self.parent_pid)
            self.request_stop()
        super().heartbeat()


class SchedulerTiedToWorker:
    """Mixin for rq's Worker classes: their scheduler is an `OrphanSafeScheduler` (rq's _start_scheduler, with
    that one class changed)."""

    def _start_scheduler(self, burst: bool = False, logging_level: str | None = "INFO",
                        date_format: str = DEFAULT_LOGGING_DATE_FORMAT, log_format: str = DEFAULT_LOGGING_FORMAT):
        self.scheduler = OrphanSafeScheduler(
            self.queues, connection=self.connection,
            logging_level=logging_level if logging_level is not None else self.log.level,
            date_format=date_format, log_format=log_format, serializer=self.serializer)
        self.scheduler.acquire_locks()
        if not self.scheduler.acquired_locks:
            return
        if burst:
            try:
                self.scheduler.register_birth()
                self.scheduler.enqueue_scheduled_jobs()
            finally:
                self.scheduler.release_locks()
                self.scheduler.register_death()
        else:
            self.scheduler.start()


def _child(target: Callable[[int], object], index: int, supervisor_pid: int) -> None:
    # The fork inherited the supervisor's SIGTERM handler (`Supervisor.stop`), which in a child only sets a flag
    # nobody reads: a SIGTERM arriving before rq installs its own handlers (it takes the scheduler lock first)
    # was swallowed and the worker outlived a killed supervisor. Until rq's warm shutdown takes over, SIGTERM
    # ends the process, as it should before any job has started.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the supervisor decides
    die_with_parent(signal.SIGTERM)  # rq's warm shutdown: the job at hand finishes, then the worker exits
    if os.getppid() != supervisor_pid:  # the supervisor died before the death signal was asked for
        os._exit(0)
    target(index)


class Supervisor:
    """Run ``target(i)`` in ``processes`` child processes, restarting each that exits, until stopped."""

    def __init__(self, target: Callable[[int], object], processes: int):
        self.target = target
        self.processes = processes
        self.children: dict[int, multiprocessing.process.BaseProcess] = {}
        self.started: dict[int, float] = {}
        self.backoff: dict[int, float] = {}
        self.stopping = False
        self.context = multiprocessing.get_context("fork")

    def start(self, index: int) -> None:
        process = self.context.Process(target=_child, args=(self.target, index, os.getpid()),
                                       name=f"alur-worker-{index}")
        process.start()
        self.children[index], self.started[index] = process, time.monotonic()
        logger.info("worker %d started (pid %s)", index, process.pid)

    def stop(self, signum=None, frame=None) -> None:
        self.stopping = True

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        for index in range(self.processes):
            self.start(index)
        due: dict[int, float] = {}
        while not self.stopping:
            for index, process in list(self.children.items()):
                if process.is_alive() or index in due:
                    continue
                lived = time.monotonic() - self.started[index]
                wait = 0.0 if lived >= STABLE_AFTER else min(MAX_BACKOFF, max(1.0, 2 * self.backoff.get(index, 0.5)))
                self.backoff[index] = wait
                logger.warning("worker %d (pid %s) exited with %s after %.0f s; restarting in %.0f s", index,
                               process.pid, process.exitcode, lived, wait)
                due[index] = time.monotonic() + wait
            for index, at in list(due.items()):
                if time.monotonic() >= at and not self.stopping:
                    del due[index]
                    self.start(index)
            time.sleep(0.2)
        self.shutdown()

    def shutdown(self, grace: float = 30.0) -> None:
        """Warm shutdown: SIGTERM to every worker (each finishes its job), SIGKILL after ``grace`` seconds."""
        for process in self.children.values():
            if process.is_alive():
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.children.values():
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(5)
        logger.info("workers stopped")


def supervise(target: Callable[[int], object], processes: int) -> None:
    """Run ``processes`` workers (``target(i)`` each) and keep them running until SIGTERM or SIGINT."""
    Supervisor(target, processes).run()


__all__ = ["OrphanSafeScheduler", "SchedulerTiedToWorker", "Supervisor", "supervise", "die_with_parent"]
