"""The notification repositories in memory (`workflow.store.port_deliveries`), beside `workflow.store.memory`.

They work on the unit of work's copy of the tables (``outbox``, ``deliveries``, ``inbox``, ``audit``,
``tickets``) and, like the rest of the memory store, never change a stored record in place:
a changed row is a new record, so a rolled-back unit of work leaves nothing behind. Units of work take
turns (the store's lock), which is what makes the lease claim atomic here.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from workflow.store.port_deliveries import EXPANDED, PENDING, DeliveryRecord, DeliveryStatus, NoticeCause, OutboxRecord

_FAR_PAST = datetime.min.replace(tzinfo=timezone.utc)


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is timezone.utc:
        return value
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class MemoryOutbox:
    def __init__(self, tables):
        self.t = tables

    def _find(self, outbox_id: int) -> tuple[int, dict[str, Any]]:
        for index, row in enumerate(self.t.outbox):
            if row["id"] == outbox_id:
                return index, row
        raise LookupError(f"no outbox row {outbox_id}")

    def pending(self, *, ticket_id: int | None = None, limit: int | None = None) -> list[int]:
        ids = [r["id"] for r in self.t.outbox
               if r["status"] == PENDING and (ticket_id is None or r["ticket_id"] == ticket_id)]
        return ids[:limit] if limit is not None else ids

    def take(self, outbox_id: int) -> OutboxRecord:
        row = self._find(outbox_id)[1]
        return OutboxRecord(id=row["id"], ticket_id=row["ticket_id"], template=row["template"],
                            recipient=row["recipient"], detail=dict(row["detail"] or {}), status=row["status"],
                            created_at=_utc(row["created_at"]))

    def mark_expanded(self, outbox_id: int, detail: Mapping[str, Any]) -> None:
        index, row = self._find(outbox_id)
        self.t.outbox[index] = {**row, "status": EXPANDED, "detail": dict(detail)}

    def reached(self, outbox: OutboxRecord) -> dict[tuple[str, str], int]:
        siblings = {r["id"] for r in self.t.outbox
                    if r["id"] != outbox.id and r["ticket_id"] == outbox.ticket_id
                    and r["template"] == outbox.template and _utc(r["created_at"]) == outbox.created_at
                    and dict(r["detail"] or {}) == outbox.detail}
        return {(d.channel, d.recipient): d.outbox_id for d in self.t.deliveries.values()
                if d.outbox_id in siblings and d.status != DeliveryStatus.SKIPPED}

    def cause(self, outbox: OutboxRecord) -> NoticeCause | None:
        found = [r for r in self.t.audit if r["ticket_id"] == outbox.ticket_id and r["kind"] == "transition"
                 and r["at"] <= outbox.created_at]
        if not found:
            return None
        last = found[-1]
        return NoticeCause(trigger=last["trigger"], actor_id=last["actor_id"], inputs=dict(last["inputs"]))


class MemoryDeliveries:
    def __init__(self, tables):
        self.t = tables

    def _change(self, delivery_id: int, **values: Any) -> None:
        self.t.deliveries[delivery_id] = replace(self.t.deliveries[delivery_id], **values)

    def add(self, deliveries: Iterable[DeliveryRecord]) -> None:
        taken = {(d.outbox_id, d.channel, d.recipient) for d in self.t.deliveries.values()}
        for d in deliveries:
            d = replace(d, recipient=d.recipient[:254], subject=d.subject[:300], receipt_no="",
                        **{k: _utc(getattr(d, k)) for k in ("next_attempt_at", "locked_until", "created_at",
                                                            "sent_at")})
            if (d.outbox_id, d.channel, d.recipient) in taken:
                continue
            taken.add((d.outbox_id, d.channel, d.recipient))
            new_id = self.t.next_id("deliveries")
            self.t.deliveries[new_id] = replace(d, id=new_id)

    def queued(self, outbox_id: int) -> list[int]:
        return sorted(i for i, d in self.t.deliveries.items()
                      if d.outbox_id == outbox_id and d.status == DeliveryStatus.QUEUED)

    def get(self, delivery_id: int) -> DeliveryRecord | None:
        found = self.t.deliveries.get(delivery_id)
        if found is None:
            return None
        ticket = self.t.tickets.get(found.ticket_id) if found.ticket_id is not None else None
        return replace(found, receipt_no=ticket.receipt_no if ticket is not None else "")

    def claim(self, delivery_id: int, at: datetime, until: datetime) -> bool:
        found = self.t.deliveries.get(delivery_id)
        if found is None or found.status != DeliveryStatus.QUEUED or (found.locked_until or _FAR_PAST) > _utc(at):
            return False
        self._change(delivery_id, locked_until=_utc(until), attempts=found.attempts + 1)
        return True

    def mark_sent(self, delivery_id: int, at: datetime, provider_ref: str, *, body: str | None = None) -> None:
        text = {"body": body} if body is not None else {}
        self._change(delivery_id, status=DeliveryStatus.SENT, sent_at=_utc(at), locked_until=None, last_error=None,
                     provider_ref=provider_ref[:300], **text)

    def record_failure(self, delivery_id: int, error: str, retry_at: datetime | None) -> None:
        status = DeliveryStatus.QUEUED if retry_at is not None else DeliveryStatus.FAILED
        self._change(delivery_id, status=status, next_attempt_at=_utc(retry_at), last_error=error[:4000],
                     locked_until=None)

    def due(self, at: datetime, limit: int) -> list[int]:
        at = _utc(at)
        found = [d for d in self.t.deliveries.values() if d.status == DeliveryStatus.QUEUED
                 and (d.next_attempt_at or _FAR_PAST) <= at and (d.locked_until or _FAR_PAST) <= at]
        found.sort(key=lambda d: (d.next_attempt_at or _FAR_PAST, d.id))
        return [d.id for d in found[:limit]]

    def with_status(self, status: str) -> list[int]:
        return sorted(i for i, d in self.t.deliveries.items() if d.status == status)

    def requeue(self, delivery_id: int, at: datetime, *, subject: str | None = None, body: str | None = None,
                locale: str | None = None) -> None:
        text = {k: v for k, v in (("subject", subject), ("body", body), ("locale", locale)) if v is not None}
        self._change(delivery_id, status=DeliveryStatus.QUEUED, next_attempt_at=_utc(at), attempts=0,
                     locked_until=None, **text)

    def note(self, delivery_id: int, error: str) -> None:
        self._change(delivery_id, last_error=error[:4000])


class MemoryInbox:
    def __init__(self, tables):
        self.t = tables

    def add(self, user_id: int, ticket_id: int | None, delivery_id: int, title: str, body: str,
            at: datetime) -> int:
        if any(r["delivery_id"] == delivery_id for r in self.t.inbox):
            raise ValueError(f"delivery {delivery_id} is in the inbox already")  # UNIQUE(delivery_id)
        new_id = self.t.next_id("inbox")
        self.t.inbox.append({"id": new_id, "user_id": user_id, "ticket_id": ticket_id, "delivery_id": delivery_id,
                             "title": title, "body": body, "created_at": _utc(at), "read_at": None})
        return new_id

    def mark_read(self, user_id: int, message_ids: Iterable[int] | None, at: datetime) -> int:
        wanted = set(message_ids) if message_ids is not None else None
        done = 0
        for index, row in enumerate(self.t.inbox):
            if row["user_id"] == user_id and row["read_at"] is None and (wanted is None or row["id"] in wanted):
                self.t.inbox[index] = {**row, "read_at": _utc(at)}
                done += 1
        return done


__all__ = ["MemoryOutbox", "MemoryDeliveries", "MemoryInbox"]
