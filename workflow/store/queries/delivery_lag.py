"""Whether notifications keep up: how long the oldest one has been waiting, and how late recent ones went out.

For ``/metrics`` and ``/healthz``. The lag of a notification runs from the moment its outbox row was
written (in the transaction of the move that caused it) to the moment its delivery was sent. Waiting
counts outbox rows not yet expanded and first attempts that are due; a retry waiting for its backoff is
not "behind", so it is left out. Each question reads through an index (``ix_outbox_status``,
``ix_deliveries_due``, the primary key for the most recent deliveries), so a scrape stays cheap on a
table of millions of rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from workflow.store import models as m
from workflow.store import models_notifications as mn
from workflow.store.db import read_only
from workflow.store.sql.rows import utc

RECENT = 1000  # the most recent deliveries the lag percentiles are taken over


@dataclass(frozen=True)
class DeliveryLag:
    waiting_seconds: float  # the oldest notification not sent yet and not waiting for a retry (0 = none)
    sent: int  # how many recent deliveries the percentiles are taken over
    quantiles: dict[float, float] = field(default_factory=dict)  # 0.5, 0.95, 0.99 -> seconds


def _quantile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def delivery_lag(store, now: datetime) -> DeliveryLag:
    o, d = m.outbox.c, mn.deliveries.c
    with read_only(store.engine) as conn:
        oldest_outbox = conn.execute(select(func.min(o.created_at)).where(o.status == "pending")).scalar()
        oldest_due = conn.execute(
            select(func.min(o.created_at)).select_from(mn.deliveries.join(m.outbox, o.id == d.outbox_id))
            .where(d.status == "queued", d.attempts == 0,
                   or_(d.next_attempt_at.is_(None), d.next_attempt_at <= now))).scalar()
        recent = select(d.outbox_id, d.sent_at).where(d.status == "sent").order_by(d.id.desc()).limit(RECENT) \
            .subquery()
        rows = conn.execute(select(o.created_at, recent.c.sent_at)
                            .select_from(recent.join(m.outbox, and_(o.id == recent.c.outbox_id)))).all()
    starts = [utc(t) for t in (oldest_outbox, oldest_due) if t is not None]
    waiting = max(0.0, (now - min(starts)).total_seconds()) if starts else 0.0
    lags = sorted(max(0.0, (utc(sent) - utc(made)).total_seconds()) for made, sent in rows if sent and made)
    return DeliveryLag(waiting, len(lags), {q: _quantile(lags, q) for q in (0.5, 0.95, 0.99)})


__all__ = ["DeliveryLag", "delivery_lag", "RECENT"]
