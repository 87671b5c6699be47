"""Dispositions (issue 16): what a referring body (SP4N-LAPOR!, the Ombudsman, the DPRD) is owed on a ticket,
and an officer ticking off a status update once it was made in the body's own system. Each tick is audited
on the ticket's trail. The rules are `workflow.core.dispositions`; the bodies and their deadlines are the
channel catalog's."""
from __future__ import annotations

from datetime import datetime, timezone

from workflow.core.audit import AuditEvent
from workflow.core.dispositions import Disposition, disposition_of
from workflow.core.guards import Actor
from workflow.errors import DispositionRefused
from workflow.store.port_channels import DispositionUpdate

MAY_UPDATE = frozenset({"petugas", "tim", "supervisor", "admin"})


def of_ticket(rt, ticket, updates=None) -> Disposition | None:
    """The ticket's referral with each obligation's state; None when it did not come by referral."""
    if updates is None:
        with rt.store.unit_of_work(read_only=True) as uow:
            updates = uow.dispositions.updates(ticket.id)
    return disposition_of(ticket.fields, ticket.fields.get("kanal"), ticket.created_at, rt.catalogs, rt.calendar,
                          {u.obligation: u for u in updates})


def listed(rt, rows: list[dict]) -> list[tuple[dict, Disposition]]:
    """Each referral row (`workflow.store.queries.dispositions.referrals`) with its disposition worked out,
    the soonest obligation first: the order an officer updates the bodies' systems in."""
    with rt.store.unit_of_work(read_only=True) as uow:
        updates = uow.dispositions.updates_for([r["id"] for r in rows])
    out = []
    for row in rows:
        found = disposition_of(row["fields"], row["kanal"], row["created_at"], rt.catalogs, rt.calendar,
                               {u.obligation: u for u in updates.get(row["id"], [])})
        if found is not None:
            out.append((row, found))
    far = datetime.max.replace(tzinfo=timezone.utc)
    return sorted(out, key=lambda pair: (pair[1].next_open().due_at if pair[1].next_open() else
                                         (pair[1].body_due or far)))


def mark_done(rt, actor: Actor, ticket_id: int, obligation: str, note: str = "",
              now: datetime | None = None) -> None:
    """Record that ``obligation`` was met (the status was updated in the body's system), audited on the
    ticket. Refused for an obligation the ticket's body does not expect, or one ticked off already."""
    now = now or rt.engine.now()
    note = (note or "").strip()[:1000]
    if not actor.roles & MAY_UPDATE:
        raise DispositionRefused("hanya petugas, tim dan pimpinan yang mencatat pembaruan status disposisi")
    ticket = rt.engine.load(ticket_id)
    disposition = of_ticket(rt, ticket)
    if disposition is None:
        raise DispositionRefused(f"pengaduan {ticket.receipt_no} bukan disposisi dari instansi lain")
    wanted = next((o for o in disposition.obligations if o.obligation.key == obligation), None)
    if wanted is None:
        raise DispositionRefused(f"{disposition.rule.body} tidak meminta pembaruan '{obligation}'")
    with rt.store.unit_of_work() as uow:
        if not uow.dispositions.add(DispositionUpdate(ticket_id, obligation, now, actor.id, note)):
            raise DispositionRefused(f"'{wanted.obligation.label}' sudah dicatat; muat ulang halamannya")
        uow.audit.append([AuditEvent(
            kind="disposition_update", at=now, actor_id=actor.id,
            actor_role=next(iter(sorted(actor.roles & MAY_UPDATE)), ""), ticket_id=ticket.id,
            receipt_no=ticket.receipt_no, definition_key=ticket.definition_key,
            definition_version=ticket.definition_version,
            detail={"kanal": disposition.rule.channel, "nomor_rujukan": disposition.reference,
                    "kewajiban": obligation, "label": wanted.obligation.label,
                    "jatuh_tempo": wanted.due_at.isoformat(), "terlambat": now > wanted.due_at, "catatan": note})])
        uow.commit()


__all__ = ["of_ticket", "listed", "mark_done", "MAY_UPDATE"]
