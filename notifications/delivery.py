"""Get committed outbox rows delivered: right after the commit, on a background thread, or by the sweep.

The engine writes an ``outbox`` row in the same transaction as the fire that caused it. After commit
the engine's hook (`install`) dispatches the rows of the ticket just saved:

* with Redis (``runtime.redis_url``): as rq jobs (`notifications.jobs`);
* without Redis, in a web process (``alur serve``, ``admin.wsgi``): on one background thread
  (`BackgroundDelivery`), so no request waits on a mail server;
* otherwise (CLI commands): inline, right after the fire commits.

Either way `sweep_outbox` (registered on the runtime's periodic tasks by `install`) expands pending rows
and delivers due retries and deliveries whose worker died: the database, not Redis, says what is due.
Escalations (`workflow.services.escalation`) hand their rows to `notifications.jobs.enqueue_pending`
with Redis and leave them to `sweep_outbox` without.

What each step does lives beside this module: `notifications.expansion` (outbox row -> deliveries),
`notifications.sending` (claim, send, retry with backoff), `notifications.jobs` (the rq side),
`notifications.retry` (the operator's retries).
"""
from __future__ import annotations

import logging
import os
import queue
import threading
from datetime import datetime
from typing import Any, Iterable, Mapping

from notifications.channels import Channel, build_channels
from notifications.clock import Clock, fixed, utcnow
from notifications.expansion import expand_outbox
from notifications.jobs import enqueue_pending, schedule_retry
from notifications.logs import log_unexpected
from notifications.sending import send_once

logger = logging.getLogger(__name__)

__all__ = ["install", "dispatch", "deliver_now", "deliver", "sweep_outbox", "BackgroundDelivery",
           "start_background_delivery"]

BACKGROUND = "background_delivery"


def install(runtime: Any, channels: Mapping[str, Channel] | None = None) -> Any:
    """Give ``runtime`` its channels and make committed fires dispatch their outbox rows.

    Safe to call twice. ``channels`` replaces the configured ones (tests pass a MemoryChannel or an
    EmailChannel to a local SMTP server).
    """
    if channels is not None:
        runtime.extras["channels"] = dict(channels)
    elif "channels" not in runtime.extras:
        runtime.extras["channels"] = build_channels(os.environ)
    if runtime.extras.get("delivery_installed"):
        return runtime
    runtime.engine.after_commit.append(_AfterCommit(runtime))
    runtime.periodic["sweep_outbox"] = sweep_outbox
    runtime.on_outbox.append(enqueue_pending)
    runtime.extras["delivery_installed"] = True
    return runtime


class _AfterCommit:
    """The engine's after-commit hook: dispatch the outbox rows the move just saved wrote.

    Only those: a later move of the same ticket (a verification seconds after the filing) found the
    filing's row still pending while its job waited in the queue and queued it again, so under load every
    row went through the queue twice and the backlog fed itself (issue 13). A row whose dispatch was lost
    is the sweep's (`sweep_outbox`)."""

    def __init__(self, runtime: Any):
        self.runtime = runtime

    def __repr__(self) -> str:
        return "notifications.delivery after-commit dispatch"

    def __call__(self, ticket: Any) -> None:
        if ticket.id is not None and ticket.notices_written:
            dispatch(self.runtime, ticket.notices_written)


def dispatch(runtime: Any, outbox_ids: Iterable[int]) -> None:
    """Start delivering new outbox rows: rq jobs when Redis is configured, else on the process'
    background delivery thread when one runs (`alur serve`), else inline now (CLI commands)."""
    ids = list(outbox_ids)
    if not ids:
        return
    if runtime.redis_url:
        try:
            enqueue_pending(runtime, ids)
            return
        except Exception:  # noqa: BLE001 - Redis down: deliver here rather than wait for the sweep
            logger.warning("could not enqueue outbox rows %s on Redis; delivering here", ids, exc_info=True)
    background = runtime.extras.get(BACKGROUND)
    if background is not None and background.submit(ids):
        return
    deliver_now(runtime, ids)


def deliver_now(runtime: Any, outbox_ids: Iterable[int], *, clock: Clock = utcnow) -> None:
    """Expand each outbox row and send its deliveries, here and now."""
    for outbox_id in outbox_ids:
        for delivery_id in expand_outbox(runtime, outbox_id, clock=clock):
            deliver(runtime, delivery_id, clock=clock)


def deliver(runtime: Any, delivery_id: int, *, clock: Clock = utcnow, force: bool = False) -> str:
    """Send one delivery (`notifications.sending.send_once`) and, with Redis, schedule its next attempt
    as a job when it failed but may pass later; returns its status.

    ``force`` ignores ``next_attempt_at`` (a manual retry), never the lease or a final status.
    """
    attempt = send_once(runtime, delivery_id, clock=clock, force=force)
    if attempt.retry_at is not None and runtime.redis_url:
        schedule_retry(runtime, delivery_id, attempt)
    return attempt.status


def sweep_outbox(runtime: Any, now: datetime | None = None, *, batch: int = 500, clock: Clock | None = None) -> int:
    """Expand pending outbox rows and deliver due deliveries; returns how many rows it acted on.

    The safety net for lost jobs (Redis keeps nothing on disk) and the retry loop of the embedded mode.
    One broken row does not stop the sweep. Due means queued, ``next_attempt_at`` reached, and no live
    lease: a delivery whose worker died is retried once its lease has run out.

    The clock is read at every claim, never once for the sweep: a sweep slower than the lease (a mail
    server taking minutes per message) must not hand out leases that have already run out, or another
    sweeper would send those messages again. ``now`` stops the clock for the whole sweep (tests and
    simulations); otherwise ``clock`` is read, the system's by default.
    """
    clock = clock or (fixed(now) if now is not None else utcnow)
    done = 0
    with runtime.store.unit_of_work(read_only=True) as uow:
        pending = uow.outbox.pending(limit=batch)
    for outbox_id in pending:
        try:
            expand_outbox(runtime, outbox_id, clock=clock)
            done += 1
        except Exception:  # noqa: BLE001 - one broken row must not block the whole sweep
            log_unexpected(logger, "sweep: expanding outbox %s failed", outbox_id)
    with runtime.store.unit_of_work(read_only=True) as uow:
        due = uow.deliveries.due(clock(), batch)
    for delivery_id in due:
        try:
            deliver(runtime, delivery_id, clock=clock)
            done += 1
        except Exception:  # noqa: BLE001
            log_unexpected(logger, "sweep: delivering %s failed", delivery_id)
    return done


class BackgroundDelivery:
    """Delivers outbox rows on one daemon thread of the web process (the embedded default, no Redis).

    Without it the officer's request would send the mail itself, after its commit: a slow or
    unreachable mail server (a 30 s connect timeout, a greylisting 4xx) would hold the page that
    long. The thread only speeds delivery up; it is not what makes it reliable. The rows are
    committed before they are handed over, so anything the thread has not sent when the process
    stops is still pending (or claimed with a lease) in the database, and the periodic `sweep_outbox`
    delivers it: nothing is lost and, by the claim, nothing is sent twice.
    """

    def __init__(self, runtime: Any):
        self.runtime = runtime
        # items: outbox ids to deliver, an Event to set once everything before it is done, or None to stop
        self._queue: queue.Queue[list[int] | threading.Event | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="alur-delivery", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def submit(self, outbox_ids: list[int]) -> bool:
        """Hand rows to the thread; False if it no longer runs (the caller then delivers itself)."""
        if not self.alive:
            return False
        self._queue.put(list(outbox_ids))
        return True

    def idle(self, timeout: float | None = None) -> bool:
        """Wait until every row handed over so far has been dealt with (tests, shutdown)."""
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            try:
                deliver_now(self.runtime, item)
            except Exception:  # noqa: BLE001 - the rows stay due; sweep_outbox tries them again
                log_unexpected(logger, "background delivery of outbox rows %s failed; the sweep will retry", item)


def start_background_delivery(runtime: Any) -> BackgroundDelivery:
    """Start (once per runtime) the delivery thread that `dispatch` uses when there is no Redis."""
    current = runtime.extras.get(BACKGROUND)
    if current is not None and current.alive:
        return current
    runtime.extras[BACKGROUND] = background = BackgroundDelivery(runtime)
    return background
