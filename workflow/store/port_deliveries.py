"""The store port's part for notifications: the outbox, the deliveries and the in-app inbox.

Notifications (`notifications.expansion`, `notifications.sending`) read and write through these
repositories on a unit of work, as services do through the rest of the port (`workflow.store.port`).
They are repositories rather than a separate delivery store because expanding an outbox row is one
transaction that also loads the ticket (``uow.tickets``), its definition (``uow.definitions``, through
the engine's cache) and the staff accounts (``uow.users``), and extends the audit chain (``uow.audit``);
only a unit of work holds all of them.
Both adapters implement them (`workflow.store.sql.deliveries`, `workflow.store.memory_deliveries`) and
pass the same contract suite (``tests/store/test_port_deliveries.py``).

Statuses: an outbox row is ``pending`` until expanded, then ``expanded``. A delivery is ``queued``
(to send, at ``next_attempt_at``), ``sent``, ``failed`` (a person must look) or ``skipped`` (recorded,
never sent). A queued delivery being sent holds a lease (``locked_until``): nobody else claims it until
the lease has run out, so a message is sent at most once per lease.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping, Protocol

PENDING, EXPANDED = "pending", "expanded"


class DeliveryStatus:
    """The statuses of a delivery (the values stored in ``deliveries.status``)."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class OutboxRecord:
    """A notice the engine wrote with its fire: a template and a recipient *spec* (``pemohon``, ``role:tim``)."""

    id: int
    ticket_id: int | None
    template: str
    recipient: str
    detail: dict[str, Any]
    status: str
    created_at: datetime


@dataclass(frozen=True)
class DeliveryRecord:
    """One message to one address over one channel, and its log (attempts, last error, lease).

    ``id`` is None for a delivery not stored yet; ``receipt_no`` is the ticket's receipt number when read
    back (it is not a column of the delivery).
    """

    outbox_id: int
    ticket_id: int | None
    template: str
    channel: str
    recipient: str
    status: str
    locale: str = "id"
    subject: str = ""
    body: str = ""
    user_id: int | None = None
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    locked_until: datetime | None = None
    provider_ref: str | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None
    id: int | None = None
    receipt_no: str = ""


@dataclass(frozen=True)
class NoticeCause:
    """The transition that wrote a notice: what was fired, with which inputs, by whom."""

    trigger: str | None
    actor_id: str
    inputs: dict[str, Any] = field(default_factory=dict)


class OutboxRepository(Protocol):
    def pending(self, *, ticket_id: int | None = None, limit: int | None = None) -> list[int]:
        """Ids of the rows not expanded yet (of one ticket, when given), oldest first."""

    def take(self, outbox_id: int) -> OutboxRecord:
        """The row, held until commit so expansions of it take turns (PostgreSQL ``FOR UPDATE``);
        `LookupError` if there is none."""

    def mark_expanded(self, outbox_id: int, detail: Mapping[str, Any]) -> None:
        """Record that its deliveries are written, keeping ``detail`` (a tracking token scrubbed)."""

    def reached(self, outbox: OutboxRecord) -> dict[tuple[str, str], int]:
        """(channel, recipient) already given this notice by another row of the same event, with that
        row's id. Rows of one event share ticket, template, creation time and detail."""

    def cause(self, outbox: OutboxRecord) -> NoticeCause | None:
        """The ticket's last transition at or before the notice was written; None if there is none."""


class DeliveryRepository(Protocol):
    def add(self, deliveries: Iterable[DeliveryRecord]) -> None:
        """Store new deliveries; one whose (outbox, channel, recipient) exists already is left as it is
        (``ON CONFLICT DO NOTHING``), so a repeated expansion adds nothing."""

    def queued(self, outbox_id: int) -> list[int]:
        """Ids of the outbox row's deliveries still to send, in id order."""

    def get(self, delivery_id: int) -> DeliveryRecord | None:
        """The delivery with its ticket's receipt number; None if there is none."""

    def claim(self, delivery_id: int, at: datetime, until: datetime) -> bool:
        """Take the lease until ``until`` and count an attempt, if the delivery is queued and nobody holds
        a lease at ``at``; False otherwise (someone else is sending it, or it is done)."""

    def mark_sent(self, delivery_id: int, at: datetime, provider_ref: str, *, body: str | None = None) -> None:
        """Sent at ``at``: lease and last error cleared, the provider's reference kept (and the stored
        body replaced, when given: a tracking token is not kept once the message is out)."""

    def record_failure(self, delivery_id: int, error: str, retry_at: datetime | None) -> None:
        """An attempt failed: queued again for ``retry_at``, or ``failed`` when it is None; lease cleared."""

    def due(self, at: datetime, limit: int) -> list[int]:
        """Queued deliveries whose next attempt has come and whose lease (if any) has run out at ``at``,
        earliest first."""

    def with_status(self, status: str) -> list[int]:
        """Ids of the deliveries in ``status``, in id order."""

    def requeue(self, delivery_id: int, at: datetime, *, subject: str | None = None, body: str | None = None,
                locale: str | None = None) -> None:
        """Queue again from scratch for ``at`` (attempts back to 0, lease cleared), with a new text if given."""

    def note(self, delivery_id: int, error: str) -> None:
        """Replace the delivery's last error (why a retry could not be queued)."""


class InboxRepository(Protocol):
    def add(self, user_id: int, ticket_id: int | None, delivery_id: int, title: str, body: str,
            at: datetime) -> int:
        """An in-app message for one staff user; returns its id."""

    def mark_read(self, user_id: int, message_ids: Iterable[int] | None, at: datetime) -> int:
        """Mark the user's unread messages among ``message_ids`` (None: all of them) read at ``at``; how
        many were. Another user's message is never touched."""


__all__ = ["PENDING", "EXPANDED", "DeliveryStatus", "OutboxRecord", "DeliveryRecord", "NoticeCause",
           "OutboxRepository", "DeliveryRepository", "InboxRepository"]
