"""In-app messages: an ``inbox`` row for a staff user, written where the delivery is marked sent.

In-app is not a channel (`notifications.channels`): there is no provider to hand a message to, only a
row to write. The inbox row and the delivery's new status are written in the caller's unit of work
and commit together, so every in-app message exists exactly once, however often its delivery is tried.
"""
from __future__ import annotations

from datetime import datetime

from workflow.store.port import UnitOfWork
from workflow.store.port_deliveries import DeliveryRecord

INAPP = "inapp"  # the channel name deliveries to a staff user's inbox carry

__all__ = ["INAPP", "deliver_inapp"]


def deliver_inapp(uow: UnitOfWork, delivery: DeliveryRecord, at: datetime) -> None:
    """Put ``delivery`` in its user's inbox (its recipient is the user id) and mark it sent."""
    uow.inbox.add(int(delivery.recipient), delivery.ticket_id, delivery.id, delivery.subject, delivery.body, at)
    uow.deliveries.mark_sent(delivery.id, at, f"inbox:{delivery.id}")
