"""The operator's retries (``alur outbox retry``, the console's "Pengiriman gagal" page).

A retry puts a failed delivery back in the queue with a fresh backoff series and tries it at once
(inline, or as a job with Redis). A sent delivery is never sent twice and a skipped one stays skipped.
A delivery whose template failed to render has no text: it is rendered again first, since the template
or the definition may have been fixed since.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from notifications.clock import fixed, utcnow
from notifications.delivery import deliver
from notifications.errors import DeliveryNotFound
from notifications.expansion import delivery_records
from notifications.jobs import enqueue_delivery
from workflow.store.port import UnitOfWork
from workflow.store.port_deliveries import DeliveryRecord, DeliveryStatus

logger = logging.getLogger(__name__)

__all__ = ["retry_delivery", "retry_failed"]


def retry_delivery(runtime: Any, delivery_id: int, *, now: datetime | None = None) -> str:
    """Put a failed delivery back in the queue and try it now; returns its status afterwards.

    `DeliveryNotFound` (a LookupError) if there is no such delivery.
    """
    clock = fixed(now) if now is not None else utcnow
    with runtime.store.unit_of_work() as uow:
        delivery = uow.deliveries.get(delivery_id)
        if delivery is None:
            raise DeliveryNotFound(f"no delivery {delivery_id}; see 'alur outbox list'")
        if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.SKIPPED):
            return delivery.status  # a sent message is never sent twice
        text: dict[str, str] = {}
        if not delivery.body:  # its template failed to render: render again (the template may be fixed now)
            fresh = _render_again(runtime, uow, delivery, clock())
            if fresh is None or fresh.status != DeliveryStatus.QUEUED:
                uow.deliveries.note(delivery_id, fresh.last_error if fresh else
                                    "penerima ini tidak lagi termasuk dalam pemberitahuan")
                uow.commit()
                return DeliveryStatus.FAILED
            text = {"subject": fresh.subject, "body": fresh.body, "locale": fresh.locale}
        # A manual retry starts a fresh backoff series.
        uow.deliveries.requeue(delivery_id, clock(), **text)
        uow.commit()
    if runtime.redis_url:
        try:
            enqueue_delivery(runtime, delivery_id, attempt=0)
            return DeliveryStatus.QUEUED
        except Exception:  # noqa: BLE001
            logger.warning("could not enqueue retry of %s; delivering inline", delivery_id, exc_info=True)
    return deliver(runtime, delivery_id, clock=clock, force=True)


def retry_failed(runtime: Any, *, now: datetime | None = None) -> dict[int, str]:
    """Retry every failed delivery; returns the status of each afterwards."""
    with runtime.store.unit_of_work(read_only=True) as uow:
        ids = uow.deliveries.with_status(DeliveryStatus.FAILED)
    return {i: retry_delivery(runtime, i, now=now) for i in ids}


def _render_again(runtime: Any, uow: UnitOfWork, delivery: DeliveryRecord, now: datetime) -> DeliveryRecord | None:
    """The delivery as its outbox row would expand to now; None if that no longer reaches its recipient."""
    outbox = uow.outbox.take(delivery.outbox_id)
    records, _ = delivery_records(runtime, uow, outbox, now)
    return next((r for r in records if (r.channel, r.recipient) == (delivery.channel, delivery.recipient)), None)
