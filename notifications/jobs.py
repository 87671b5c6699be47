"""Delivery as rq jobs: what goes on the notification queue, and the jobs ``alur worker`` runs.

With Redis (``runtime.redis_url``) the outbox rows one move committed become one job on the queue
``<prefix>-notifications`` of `workflow.jobs` (``alur worker`` listens on it), which expands them and sends
their messages (`notify_job`); a delivery that failed but may pass later is scheduled again with
``enqueue_at`` as a job of its own for its next attempt (``alur worker`` runs the scheduler).

One job per move, not one per row and per message: an rq job costs the worker about as much as the
sending it wraps (fetching, status writes, logging), and three jobs per filing (expand, email, webhook)
left one worker's delivery minutes behind 30 filings a second (issue 13). The messages of one move go
out one after another in their job, in the order the rows were written; other moves' jobs run on the
other workers meanwhile.

Jobs only make delivery prompt: the database says what is due, and `notifications.delivery.sweep_outbox`
sends whatever a lost job left. Job ids are deterministic (``<prefix>-outbox-<first id>[-<last id>]``,
``<prefix>-delivery-<id>-<attempt>``) for tracing; they do not prevent a second run, the outbox status,
the deliveries' unique key and the lease do.
"""
from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime
from typing import Any, Iterable

from rq import Queue

from notifications.expansion import expand_and_claim
from notifications.logs import log_unexpected
from notifications.sending import Attempt, send_claimed, send_once
from workflow.jobs import context as jobs_context
from workflow.jobs import queues as jobs_queues

logger = logging.getLogger(__name__)

__all__ = ["enqueue_pending", "enqueue_delivery", "schedule_retry", "notify_job", "expand_job", "deliver_job",
           "use_runtime_for_jobs", "ROWS_PER_JOB"]

# A catch-up (escalations, a sweep after Redis was down) hands over hundreds of rows: they go out in jobs
# of this many, so every worker takes a share.
ROWS_PER_JOB = 20


def use_runtime_for_jobs(runtime: Any | None) -> None:
    """Make rq jobs in this process use ``runtime`` (tests); `workflow.jobs.set_runtime` does the same."""
    jobs_context.set_runtime(runtime)


def _job_runtime() -> Any:
    # workflow.jobs builds the runtime once per process from the environment and renews its database
    # pool after rq forks a work horse; channels are built from the environment on first use.
    return jobs_context.current_runtime()


def _queue(runtime: Any) -> Queue:
    """The notification queue `alur worker` listens on (``<ALUR_QUEUE_PREFIX>-notifications``)."""
    return jobs_queues.queue(runtime, jobs_queues.NOTIFICATION_QUEUE)


def enqueue_pending(runtime: Any, outbox_ids: Iterable[int]) -> list[str]:
    """Enqueue jobs that expand these outbox rows and send their messages (`notify_job`): one for the rows
    of a move, one per `ROWS_PER_JOB` rows of a larger batch; returns the job ids."""
    queue = _queue(runtime)
    prefix = jobs_queues.queue_prefix(runtime)
    ids = [int(outbox_id) for outbox_id in outbox_ids]
    chunks = [ids[start:start + ROWS_PER_JOB] for start in range(0, len(ids), ROWS_PER_JOB)]
    # One Redis pipeline for the lot (rq's enqueue_many): a round trip or more per job was about half of a
    # catch-up sweep's time (benchmarks/bench_rungs.py --redis).
    # result_ttl=0: nobody reads a finished job's result (the database has it), so rq does not store it.
    prepared = [Queue.prepare_data(notify_job, (chunk,), job_id=_job_id(prefix, chunk), result_ttl=0,
                                   description=f"notify outbox {', '.join(map(str, chunk))}") for chunk in chunks]
    return [job.id for job in queue.enqueue_many(prepared)] if prepared else []


def _job_id(prefix: str, chunk: list[int]) -> str:
    return f"{prefix}-outbox-{chunk[0]}" + (f"-{chunk[-1]}" if len(chunk) > 1 else "")


def enqueue_delivery(runtime: Any, delivery_id: int, at: datetime | None = None, attempt: int = 0) -> None:
    """Enqueue a delivery job now, or at ``at`` (a retry; ``attempt`` is the attempt that failed)."""
    queue = _queue(runtime)
    job_id = f"{jobs_queues.queue_prefix(runtime)}-delivery-{delivery_id}-{attempt}"
    if at is None:
        queue.enqueue(deliver_job, delivery_id, job_id=job_id, description=f"deliver {delivery_id}")
    else:
        queue.enqueue_at(at, deliver_job, delivery_id, job_id=job_id,
                         description=f"deliver {delivery_id} (attempt {attempt + 1})")


def schedule_retry(runtime: Any, delivery_id: int, attempt: Attempt) -> None:
    """Schedule a failed delivery's next attempt as a job; if Redis says no, the sweep finds it due."""
    try:
        enqueue_delivery(runtime, delivery_id, at=attempt.retry_at, attempt=attempt.attempts)
    except Exception:  # noqa: BLE001 - the sweep picks the retry up from the database
        logger.warning("could not schedule retry of delivery %s on Redis", delivery_id, exc_info=True)


def notify_job(outbox_ids: list[int]) -> dict[str, int]:
    """rq job: expand each outbox row and send its messages here; returns how many ended in each status.

    A row or message that fails unexpectedly does not hold back the others; the job then fails (visible in
    rq's failed registry) and the sweep takes up whatever it left, from the database."""
    runtime = _job_runtime()
    statuses: Counter[str] = Counter()
    failures = 0
    for outbox_id in outbox_ids:
        try:
            claims = expand_and_claim(runtime, int(outbox_id))
        except Exception:  # noqa: BLE001 - the row stays pending; the sweep expands it again
            log_unexpected(logger, "expanding outbox %s failed; the sweep will retry", outbox_id)
            failures += 1
            continue
        for claim in claims:
            try:
                statuses[claim.status if isinstance(claim, Attempt) else
                         _follow_up(runtime, claim.id, send_claimed(runtime, claim))] += 1
            except Exception:  # noqa: BLE001 - the delivery stays due once its lease ends; the sweep sends it
                log_unexpected(logger, "a delivery of outbox %s failed unexpectedly; the sweep will retry", outbox_id)
                failures += 1
    if failures:
        raise RuntimeError(f"{failures} of the notifications of outbox rows {list(outbox_ids)} failed "
                           "unexpectedly (logged above); the sweep retries them")
    return dict(statuses)


def expand_job(outbox_id: int) -> dict[str, int]:
    """rq job of earlier releases (one per outbox row), still queued after an upgrade: as `notify_job`."""
    return notify_job([outbox_id])


def deliver_job(delivery_id: int) -> str:
    """rq job: deliver one message (a retry; idempotent, a sent message is not sent again)."""
    runtime = _job_runtime()
    return _follow_up(runtime, delivery_id, send_once(runtime, delivery_id))


def _follow_up(runtime: Any, delivery_id: int, attempt: Attempt) -> str:
    """Schedule the next attempt of a delivery that failed but may pass later; the attempt's status."""
    if attempt.retry_at is not None:
        schedule_retry(runtime, delivery_id, attempt)
    return attempt.status
