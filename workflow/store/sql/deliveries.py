"""The notification repositories in SQL: outbox, deliveries, inbox (`workflow.store.port_deliveries`).

The lease claim is one conditional UPDATE (queued, and no lease or one run out at the claim's time):
of two workers claiming a delivery at once, exactly one changes the row. Expansion inserts with
``ON CONFLICT DO NOTHING`` on UNIQUE(outbox_id, channel, recipient), so a retried job or a sweep racing
a job adds nothing; on PostgreSQL the outbox row is read ``FOR UPDATE`` so expansions of one row take
turns (on SQLite the unit of work's ``BEGIN IMMEDIATE`` already does).
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterable, Mapping

from sqlalchemy import and_, insert, or_, select, update

from workflow.store import models as m
from workflow.store import models_notifications as mn
from workflow.store.port_deliveries import EXPANDED, PENDING, DeliveryRecord, DeliveryStatus, NoticeCause, OutboxRecord
from workflow.store.sql.records import upsert
from workflow.store.sql.rows import utc

_D = mn.deliveries
_O = m.outbox
_TIMES = ("next_attempt_at", "locked_until", "created_at", "sent_at")


def _outbox_record(row: Any) -> OutboxRecord:
    return OutboxRecord(id=row.id, ticket_id=row.ticket_id, template=row.template, recipient=row.recipient,
                        detail=dict(row.detail or {}), status=row.status, created_at=utc(row.created_at))


def _delivery_record(row: Any) -> DeliveryRecord:
    values = dict(row._mapping)
    for name in _TIMES:
        values[name] = utc(values[name])
    values["receipt_no"] = values.get("receipt_no") or ""
    return DeliveryRecord(**values)


def _lease_free(at: datetime):
    return or_(_D.c.locked_until.is_(None), _D.c.locked_until <= at)


class SqlOutbox:
    """The port's `OutboxRepository` on one connection of a unit of work."""

    def __init__(self, conn):
        self.conn = conn

    def pending(self, *, ticket_id: int | None = None, limit: int | None = None) -> list[int]:
        q = select(_O.c.id).where(_O.c.status == PENDING).order_by(_O.c.id)
        if ticket_id is not None:
            q = q.where(_O.c.ticket_id == ticket_id)
        if limit is not None:
            q = q.limit(limit)
        return list(self.conn.execute(q).scalars())

    def take(self, outbox_id: int) -> OutboxRecord:
        q = select(_O).where(_O.c.id == outbox_id)
        if self.conn.dialect.name == "postgresql":
            q = q.with_for_update()
        row = self.conn.execute(q).first()
        if row is None:
            raise LookupError(f"no outbox row {outbox_id}")
        return _outbox_record(row)

    def mark_expanded(self, outbox_id: int, detail: Mapping[str, Any]) -> None:
        self.conn.execute(update(_O).where(_O.c.id == outbox_id).values(status=EXPANDED, detail=dict(detail)))

    def reached(self, outbox: OutboxRecord) -> dict[tuple[str, str], int]:
        rows = self.conn.execute(
            select(_O.c.id, _O.c.detail, _D.c.channel, _D.c.recipient)
            .join(_D, _D.c.outbox_id == _O.c.id)
            .where(and_(_O.c.ticket_id == outbox.ticket_id, _O.c.template == outbox.template,
                        _O.c.created_at == outbox.created_at, _O.c.id != outbox.id,
                        _D.c.status != DeliveryStatus.SKIPPED))).all()
        return {(r.channel, r.recipient): r.id for r in rows if dict(r.detail or {}) == outbox.detail}

    def cause(self, outbox: OutboxRecord) -> NoticeCause | None:
        a = m.audit_log.c
        row = self.conn.execute(
            select(a.trigger, a.inputs, a.actor_id)
            .where(and_(a.ticket_id == outbox.ticket_id, a.kind == "transition", a.at <= outbox.created_at))
            .order_by(a.seq.desc()).limit(1)).first()
        if row is None:
            return None
        try:
            inputs = dict(json.loads(row.inputs or "{}"))
        except (ValueError, TypeError):
            inputs = {}
        return NoticeCause(trigger=row.trigger, actor_id=row.actor_id, inputs=inputs)


class SqlDeliveries:
    """The port's `DeliveryRepository` on one connection of a unit of work."""

    def __init__(self, conn):
        self.conn = conn

    def add(self, deliveries: Iterable[DeliveryRecord]) -> None:
        rows = [self._values(d) for d in deliveries]
        if rows:
            self.conn.execute(upsert(self.conn)(_D).on_conflict_do_nothing(
                index_elements=["outbox_id", "channel", "recipient"]), rows)

    @staticmethod
    def _values(d: DeliveryRecord) -> dict[str, Any]:
        return {"outbox_id": d.outbox_id, "ticket_id": d.ticket_id, "template": d.template, "channel": d.channel,
                "recipient": d.recipient[:254], "user_id": d.user_id, "subject": d.subject[:300], "body": d.body,
                "locale": d.locale, "status": d.status, "attempts": d.attempts, "last_error": d.last_error,
                "next_attempt_at": utc(d.next_attempt_at), "locked_until": utc(d.locked_until),
                "provider_ref": d.provider_ref, "created_at": utc(d.created_at), "sent_at": utc(d.sent_at)}

    def queued(self, outbox_id: int) -> list[int]:
        return list(self.conn.execute(select(_D.c.id).where(and_(
            _D.c.outbox_id == outbox_id, _D.c.status == DeliveryStatus.QUEUED)).order_by(_D.c.id)).scalars())

    def get(self, delivery_id: int) -> DeliveryRecord | None:
        row = self.conn.execute(select(_D, m.tickets.c.receipt_no)
                                .select_from(_D.outerjoin(m.tickets, m.tickets.c.id == _D.c.ticket_id))
                                .where(_D.c.id == delivery_id)).first()
        return _delivery_record(row) if row is not None else None

    def claim(self, delivery_id: int, at: datetime, until: datetime) -> bool:
        claimed = self.conn.execute(update(_D).where(and_(
            _D.c.id == delivery_id, _D.c.status == DeliveryStatus.QUEUED, _lease_free(utc(at)),
        )).values(locked_until=utc(until), attempts=_D.c.attempts + 1))
        return claimed.rowcount == 1

    def mark_sent(self, delivery_id: int, at: datetime, provider_ref: str, *, body: str | None = None) -> None:
        values: dict[str, Any] = {"status": DeliveryStatus.SENT, "sent_at": utc(at), "locked_until": None,
                                  "last_error": None, "provider_ref": provider_ref[:300]}
        if body is not None:
            values["body"] = body
        self.conn.execute(update(_D).where(_D.c.id == delivery_id).values(**values))

    def record_failure(self, delivery_id: int, error: str, retry_at: datetime | None) -> None:
        status = DeliveryStatus.QUEUED if retry_at is not None else DeliveryStatus.FAILED
        self.conn.execute(update(_D).where(_D.c.id == delivery_id).values(
            status=status, next_attempt_at=utc(retry_at), last_error=error[:4000], locked_until=None))

    def due(self, at: datetime, limit: int) -> list[int]:
        at = utc(at)
        return list(self.conn.execute(select(_D.c.id).where(and_(
            _D.c.status == DeliveryStatus.QUEUED,
            or_(_D.c.next_attempt_at.is_(None), _D.c.next_attempt_at <= at),
            _lease_free(at),
        )).order_by(_D.c.next_attempt_at, _D.c.id).limit(limit)).scalars())

    def with_status(self, status: str) -> list[int]:
        return list(self.conn.execute(select(_D.c.id).where(_D.c.status == status).order_by(_D.c.id)).scalars())

    def requeue(self, delivery_id: int, at: datetime, *, subject: str | None = None, body: str | None = None,
                locale: str | None = None) -> None:
        text = {k: v for k, v in (("subject", subject), ("body", body), ("locale", locale)) if v is not None}
        self.conn.execute(update(_D).where(_D.c.id == delivery_id).values(
            status=DeliveryStatus.QUEUED, next_attempt_at=utc(at), attempts=0, locked_until=None, **text))

    def note(self, delivery_id: int, error: str) -> None:
        self.conn.execute(update(_D).where(_D.c.id == delivery_id).values(last_error=error[:4000]))


class SqlInbox:
    """The port's `InboxRepository`."""

    def __init__(self, conn):
        self.conn = conn

    def add(self, user_id: int, ticket_id: int | None, delivery_id: int, title: str, body: str,
            at: datetime) -> int:
        return self.conn.execute(insert(mn.inbox).values(
            user_id=user_id, ticket_id=ticket_id, delivery_id=delivery_id, title=title, body=body,
            created_at=utc(at)).returning(mn.inbox.c.id)).scalar_one()

    def mark_read(self, user_id: int, message_ids: Iterable[int] | None, at: datetime) -> int:
        i = mn.inbox.c
        q = update(mn.inbox).where(and_(i.user_id == user_id, i.read_at.is_(None)))
        if message_ids is not None:
            q = q.where(i.id.in_(list(message_ids)))
        return self.conn.execute(q.values(read_at=utc(at))).rowcount


__all__ = ["SqlOutbox", "SqlDeliveries", "SqlInbox"]
