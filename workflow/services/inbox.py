"""What the console's inbox pages change: messages marked read, and addresses a supervisor was shown.

Reading the pages is `workflow.store.queries.inbox`; these are the writes, each one unit of work.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from workflow.core.audit import AuditEvent
from workflow.core.guards import Actor
from workflow.store.port import Store


def mark_read(store: Store, user_id: int, message_id: int, now: datetime) -> int:
    """Mark one of the user's messages read (opening it); 0 if it was read already or is not theirs."""
    with store.unit_of_work() as uow:
        done = uow.inbox.mark_read(user_id, [message_id], now)
        uow.commit()
    return done


def mark_all_read(store: Store, user_id: int, now: datetime) -> int:
    """Mark every unread message of the user read; how many there were."""
    with store.unit_of_work() as uow:
        done = uow.inbox.mark_read(user_id, None, now)
        uow.commit()
    return done


def record_address_views(store: Store, actor: Actor, revealed: Iterable[tuple[int, str | None]],
                         now: datetime) -> None:
    """One ``identity_view`` audit row per confidential complainant (ticket id, receipt number) whose
    contact address the delivery log showed ``actor``: every read of a rahasia identity is audited."""
    revealed = list(revealed)
    if not revealed:
        return
    role = actor.position or "supervisor"
    with store.unit_of_work() as uow:
        uow.audit.append([AuditEvent(kind="identity_view", at=now, actor_id=actor.id, actor_role=role,
                                     ticket_id=ticket_id, receipt_no=receipt,
                                     detail={"purpose": "log pengiriman notifikasi", "fields": ["alamat kontak"]})
                          for ticket_id, receipt in revealed])
        uow.commit()


__all__ = ["mark_read", "mark_all_read", "record_address_views"]
