"""Send one delivery: claim it with a lease, hand it to its channel, record what happened.

1. *Claim.* A delivery is sent only by whoever claims it: a conditional update that sets a lease
   (``locked_until``, `LEASE` from the moment of the claim) and counts the attempt, committed before
   anything is sent. A sent, failed or skipped delivery is never sent again, and nobody claims a
   delivery while another's lease on it holds: a message is sent at most once per lease.
2. *Send*, outside any transaction (a provider may take seconds). The channel sees
   ``Message.id == str(delivery id)``, so the SMTP Message-ID and the webhook Idempotency-Key are the
   same on every attempt: a worker killed after the provider accepted a message but before the row was
   marked sent causes, after its lease has run out, one more attempt that the receiving side
   recognises as the same message. In-app messages need no send (`notifications.inapp`).
3. *Record.* Sent: the provider's reference is kept and a tracking token scrubbed from the stored body.
   A retryable failure (SMTP 4xx, HTTP 5xx, timeouts) queues the next attempt after `BACKOFF` (1 min,
   5 min, 30 min, 2 h, 12 h); the attempt after the last of those that fails marks the delivery
   ``failed``, and so does a non-retryable failure (SMTP 5xx, HTTP 4xx, a malformed address) at once.

This module decides nothing about queues: `send_once` reports when the next attempt is due and its
caller (`notifications.delivery.deliver`, the rq job) schedules it where the process has a queue.
"""
from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from notifications.channels import Channel, build_channels
from notifications.clock import Clock, utcnow
from notifications.errors import DeliveryError, DeliveryNotFound
from notifications.inapp import INAPP, deliver_inapp
from notifications.logs import log_unexpected
from notifications.message import Message
from workflow.errors import StoreUnavailable
from workflow.store.port_deliveries import DeliveryRecord, DeliveryStatus

logger = logging.getLogger(__name__)

__all__ = ["BACKOFF", "LEASE", "Attempt", "channels_of", "send_once", "claim_in", "send_claimed"]

# Waits before attempts 2..6; an attempt failing after the last wait marks the delivery failed.
BACKOFF: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                                  timedelta(hours=2), timedelta(hours=12))
# How long a claimant may take to send before another worker may try (EmailChannel's timeout is 10 s
# per SMTP command; five minutes is generous and short enough for a sweep to pick a dead worker's row up).
LEASE = timedelta(minutes=5)
# A tracking token in a sent body is replaced by this once the message is out (only hashes are kept).
_TOKEN_IN_URL = re.compile(r"(/lacak[?#]resi=[^\s&]+&token=)[^\s&]+")
# Waits before writing down an outcome again while the database cannot answer (a PostgreSQL restart takes a
# few seconds): a message sent but not recorded as sent is sent again once its lease ends.
RECORD_WAITS: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)
_PIN_LINE = re.compile(r"^([^:\n]*PIN[^:\n]*:\s*)[0-9][0-9 ]*$", re.MULTILINE)  # the receipt notice's PIN line


@dataclass(frozen=True)
class Attempt:
    """What one call of `send_once` left: the delivery's status and, when it failed but may pass
    later, when to try next (``attempts`` names the attempt that failed)."""

    status: str
    retry_at: datetime | None = None
    attempts: int = 0


def channels_of(runtime: Any) -> Mapping[str, Channel]:
    """The runtime's channels (`notifications.delivery.install`), built from the environment if not yet."""
    if "channels" not in runtime.extras:
        runtime.extras["channels"] = build_channels(os.environ)
    return runtime.extras["channels"]


def send_once(runtime: Any, delivery_id: int, *, clock: Clock = utcnow, force: bool = False) -> Attempt:
    """Send one delivery if it is queued, due and not being sent by someone else.

    ``force`` ignores ``next_attempt_at`` (a manual retry), never the lease or a final status.
    `DeliveryNotFound` (a LookupError) if there is no such delivery.
    """
    with runtime.store.unit_of_work() as uow:
        claimed = claim_in(runtime, uow, delivery_id, clock(), force=force)
        uow.commit()
    return claimed if isinstance(claimed, Attempt) else send_claimed(runtime, claimed, clock)


def claim_in(runtime: Any, uow: Any, delivery_id: int, at: datetime, *,
             force: bool = False) -> DeliveryRecord | Attempt:
    """Claim a delivery in ``uow`` at ``at`` (the lease runs from there): the delivery to send once ``uow``
    commits, or, when there is nothing to send, what became of it (an in-app message is delivered here).

    For `send_once`, and for a notification job that claims the messages it has just written in the
    transaction that wrote them (`notifications.expansion.expand_and_claim`)."""
    delivery = uow.deliveries.get(delivery_id)
    if delivery is None:
        raise DeliveryNotFound(f"no delivery {delivery_id}")
    due = delivery.next_attempt_at
    if delivery.status != DeliveryStatus.QUEUED or (not force and due is not None and due > at):
        return Attempt(delivery.status)
    lease = runtime.extras.get("delivery_lease") or LEASE
    if not uow.deliveries.claim(delivery_id, at, at + lease):
        return Attempt(DeliveryStatus.QUEUED)  # another worker holds the lease
    if delivery.channel == INAPP:
        deliver_inapp(uow, delivery, at)
        return Attempt(DeliveryStatus.SENT)
    return delivery


def send_claimed(runtime: Any, delivery: DeliveryRecord, clock: Clock = utcnow) -> Attempt:
    """Send a delivery claimed by `claim_in` (committed), and record the outcome."""
    return _hand_over(runtime, delivery, delivery.attempts + 1, clock)


def _hand_over(runtime: Any, delivery: DeliveryRecord, attempts: int, clock: Clock) -> Attempt:
    """Send a claimed delivery (no transaction is open: the provider may take seconds) and record it."""
    try:
        channel = channels_of(runtime).get(delivery.channel)
        if channel is None:
            raise DeliveryError(f"channel {delivery.channel!r} is not configured; see build_channels",
                                retryable=False, channel=delivery.channel, message_id=str(delivery.id))
        reference = channel.send(_message(delivery))
    except DeliveryError as exc:
        return _record_failure(runtime, delivery, attempts, str(exc), exc.retryable, clock(), code=exc.code)
    except Exception as exc:  # noqa: BLE001 - a bug or an unexpected provider error: retry, visibly
        log_unexpected(logger, "delivery %s (%s) failed unexpectedly", delivery.id, delivery.channel)
        return _record_failure(runtime, delivery, attempts, f"{type(exc).__name__}: {exc}", True, clock())
    body = _PIN_LINE.sub(r"\1[PIN]", _TOKEN_IN_URL.sub(r"\1[token]", delivery.body))
    _record(runtime, delivery, lambda uow: uow.deliveries.mark_sent(delivery.id, clock(), str(reference), body=body))
    logger.info("delivery %s (%s) sent after %d attempt(s)", delivery.id, delivery.channel, attempts)
    return Attempt(DeliveryStatus.SENT, attempts=attempts)


def _message(delivery: DeliveryRecord) -> Message:
    return Message(id=str(delivery.id), channel=delivery.channel, recipient=delivery.recipient,
                   subject=delivery.subject, body=delivery.body,
                   locale=delivery.locale if delivery.locale in ("id", "en") else "id",
                   metadata={"receipt_number": delivery.receipt_no, "template": delivery.template})


def _record_failure(runtime: Any, delivery: DeliveryRecord, attempts: int, error: str, retryable: bool,
                    at: datetime, *, code: int | None = None) -> Attempt:
    """Queue the next attempt (`BACKOFF`) or fail the delivery, keeping ``error`` in its log.

    The error's text stays in the database: it may repeat the address or phone number (an SMTP reply
    does), so the log line names only the delivery, its channel and the provider's code."""
    backoff = tuple(runtime.extras.get("delivery_backoff") or BACKOFF)
    retry_at = at + backoff[attempts - 1] if retryable and attempts <= len(backoff) else None
    if retryable and retry_at is None:
        error = f"{error} (gave up after {attempts} attempts)"
    _record(runtime, delivery, lambda uow: uow.deliveries.record_failure(delivery.id, error, retry_at))
    logger.warning("delivery %s (%s) attempt %d failed%s; %s", delivery.id, delivery.channel, attempts,
                   f" with code {code}" if code is not None else "",
                   f"next attempt at {retry_at.isoformat()}" if retry_at else
                   "given up, the reason is in 'alur outbox list --status failed'")
    status = DeliveryStatus.QUEUED if retry_at is not None else DeliveryStatus.FAILED
    return Attempt(status, retry_at, attempts)


def _record(runtime: Any, delivery: DeliveryRecord, write: Callable[[Any], None]) -> None:
    """Write what became of a message that has left (or failed to), waiting out a database that cannot answer.

    The message is out: if this write is lost, the delivery stays claimed and is sent once more (under the
    same Message-ID / Idempotency-Key) when its lease ends. A PostgreSQL restart during a load run left four
    messages so (issue 13), so the write is tried again for about 15 s (`RECORD_WAITS`) before giving up."""
    for wait in (*RECORD_WAITS, None):
        try:
            with runtime.store.unit_of_work() as uow:
                write(uow)
                uow.commit()
            return
        except StoreUnavailable:
            if wait is None:
                raise
            logger.warning("delivery %s (%s): the database cannot answer; recording its outcome again in %.1f s",
                           delivery.id, delivery.channel, wait)
            time.sleep(wait)
