"""Delivery as rq jobs: what goes on the notification queue, and the jobs ``alur worker`` runs.

With Redis (``runtime.redis_url``) each committed outbox row becomes an expansion job on the queue
``<prefix>-notifications`` of `workflow.jobs` (``alur worker`` listens on it); the expansion enqueues
one delivery job per queued message, and a delivery that failed but may pass later is scheduled again
with ``enqueue_at`` for its next attempt (``alur worker`` runs the scheduler). Jobs only make delivery
prompt: the database says what is due, and `notifications.delivery.sweep_outbox` sends whatever a lost
job left. Job ids are deterministic (``<prefix>-outbox-<id>``, ``<prefix>-delivery-<id>-<attempt>``) for
tracing; they do not prevent a second run, the outbox status, the deliveries' unique key and the lease do.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Iterable

from rq import Queue

from notifications.expansion import expand_outbox
from notifications.sending import Attempt, send_once
from workflow.jobs import context as jobs_context
from workflow.jobs import queues as jobs_queues

logger = logging.getLogger(__name__)

__all__ = ["enqueue_pending", "enqueue_delivery", "schedule_retry", "expand_job", "deliver_job",
           "use_runtime_for_jobs"]


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
    """Enqueue one expansion job per outbox row; returns the job ids."""
    queue = _queue(runtime)
    prefix = jobs_queues.queue_prefix(runtime)
    # One Redis pipeline for the lot (rq's enqueue_many): a catch-up sweep hands over hundreds of rows,
    # and a round trip or more per job was about half of the sweep's time (benchmarks/bench_rungs.py --redis).
    prepared = [Queue.prepare_data(expand_job, (int(outbox_id),), job_id=f"{prefix}-outbox-{int(outbox_id)}",
                                   description=f"expand outbox {outbox_id}") for outbox_id in outbox_ids]
    return [job.id for job in queue.enqueue_many(prepared)] if prepared else []


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


def expand_job(outbox_id: int) -> list[int]:
    """rq job: expand one outbox row and enqueue a delivery job per queued message."""
    runtime = _job_runtime()
    ids = expand_outbox(runtime, outbox_id)
    for delivery_id in ids:
        enqueue_delivery(runtime, delivery_id)
    return ids


def deliver_job(delivery_id: int) -> str:
    """rq job: deliver one message (idempotent; a sent message is not sent again)."""
    runtime = _job_runtime()
    attempt = send_once(runtime, delivery_id)
    if attempt.retry_at is not None:
        schedule_retry(runtime, delivery_id, attempt)
    return attempt.status
