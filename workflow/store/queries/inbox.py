"""The inbox pages: a user's in-app messages, the unread badge, and the delivery log of notifications.

A user's messages are read through ``ix_inbox_user`` (user, read_at, created_at); the delivery log by
id, newest first, with its count per status. Marking messages read is a change and goes through
`workflow.services.inbox`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import and_, func, select

from workflow.store import models as m
from workflow.store import models_notifications as mn
from workflow.store.db import read_only
from workflow.store.sql.rows import utc

STATUSES = ("queued", "sent", "failed", "skipped")


def page_number(args: Mapping[str, str]) -> int:
    """The ``page`` argument of a listing, 1 to 10,000 (1 when absent or not a number)."""
    try:
        return max(1, min(10000, int(args.get("page") or 1)))
    except ValueError:
        return 1


# -- messages -------------------------------------------------------------------------------------
def unread_count(store, user_id: int) -> int:
    i = mn.inbox.c
    with read_only(store.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(mn.inbox)
                                .where(i.user_id == user_id, i.read_at.is_(None))).scalar() or 0)


def messages(store, user_id: int, *, unread_only: bool, page: int, page_size: int) -> tuple[list[dict], int]:
    """One page of the user's messages, newest first (with the ticket's receipt number), and how many."""
    i, t = mn.inbox, m.tickets
    mine = i.c.user_id == user_id
    if unread_only:
        mine = and_(mine, i.c.read_at.is_(None))
    with read_only(store.engine) as conn:
        total = int(conn.execute(select(func.count()).select_from(i).where(mine)).scalar() or 0)
        rows = [dict(r._mapping) for r in conn.execute(
            select(i.c.id, i.c.title, i.c.ticket_id, i.c.created_at, i.c.read_at, t.c.receipt_no)
            .select_from(i.outerjoin(t, t.c.id == i.c.ticket_id)).where(mine)
            .order_by(i.c.created_at.desc(), i.c.id.desc()).limit(page_size).offset((page - 1) * page_size))]
    for r in rows:
        r.update(created_at=utc(r["created_at"]), read_at=utc(r["read_at"]))
    return rows, total


def message(store, user_id: int, message_id: int) -> dict[str, Any] | None:
    """One message of the user's (with the ticket's receipt number); None for another user's or none."""
    i, t = mn.inbox, m.tickets
    with read_only(store.engine) as conn:
        row = conn.execute(select(i, t.c.receipt_no).select_from(i.outerjoin(t, t.c.id == i.c.ticket_id))
                           .where(i.c.id == message_id, i.c.user_id == user_id)).mappings().first()
    if row is None:
        return None
    return {**row, "created_at": utc(row["created_at"]), "read_at": utc(row["read_at"])}


def ticket_opd(store, ticket_id: int) -> str | None:
    """The OPD a ticket is handed to now (None when none, or no such ticket)."""
    t = m.tickets.c
    with read_only(store.engine) as conn:
        return conn.execute(select(t.opd).where(t.id == ticket_id)).scalar()


# -- delivery log ---------------------------------------------------------------------------------
@dataclass
class DeliveryFilters:
    """The delivery log's filters; it opens on the failed deliveries, what needs attention."""

    status: str = "failed"
    template: str = ""
    receipt: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "DeliveryFilters":
        status = args.get("status", "failed")
        return cls(status=status if status in STATUSES else "", template=(args.get("template") or "").strip()[:64],
                   receipt=(args.get("receipt") or "").strip().upper()[:40], page=page_number(args))

    def args(self, **override: Any) -> dict[str, Any]:
        values: dict[str, Any] = {"status": self.status, "template": self.template, "receipt": self.receipt,
                                  "page": self.page if self.page != 1 else None}
        values.update(override)
        return {k: v for k, v in values.items() if v not in ("", None) or k == "status"}


def deliveries(store, f: DeliveryFilters, page_size: int) -> tuple[list[dict], bool, dict[str, int]]:
    """One page of the log (newest first), whether there is a next page, and the count per status
    (of the template and receipt filters, whatever the status filter)."""
    d, t, u = mn.deliveries, m.tickets, m.users
    q = (select(d.c.id, d.c.outbox_id, d.c.ticket_id, d.c.template, d.c.channel, d.c.recipient, d.c.user_id,
                d.c.status, d.c.attempts, d.c.last_error, d.c.next_attempt_at, d.c.created_at, d.c.sent_at,
                t.c.receipt_no, t.c.kerahasiaan, u.c.display_name.label("user_name"))
         .select_from(d.outerjoin(t, t.c.id == d.c.ticket_id).outerjoin(u, u.c.id == d.c.user_id)))
    conds = []
    if f.template:
        conds.append(d.c.template == f.template)
    if f.receipt:
        conds.append(d.c.ticket_id.in_(select(t.c.id).where(t.c.receipt_no == f.receipt)))
    counts_q = select(d.c.status, func.count()).group_by(d.c.status)
    if conds:
        counts_q = counts_q.where(and_(*conds))
    if f.status:
        conds.append(d.c.status == f.status)
    if conds:
        q = q.where(and_(*conds))
    q = q.order_by(d.c.id.desc()).limit(page_size + 1).offset((f.page - 1) * page_size)
    with read_only(store.engine) as conn:
        rows = [dict(r._mapping) for r in conn.execute(q).all()]
        counts = {status: int(n) for status, n in conn.execute(counts_q).all()}
    for r in rows:
        r.update(created_at=utc(r["created_at"]), sent_at=utc(r["sent_at"]), next_attempt_at=utc(r["next_attempt_at"]))
    return rows[:page_size], len(rows) > page_size, counts


def failed_count(store) -> int:
    d = mn.deliveries.c
    with read_only(store.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(mn.deliveries)
                                .where(d.status == "failed")).scalar() or 0)


__all__ = ["page_number", "unread_count", "messages", "message", "ticket_opd", "DeliveryFilters", "deliveries",
           "failed_count", "STATUSES"]
