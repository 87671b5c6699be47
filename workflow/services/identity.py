"""Reading a complainant's identity is an audited act: who read it, when, and why.

Identity fields are kept apart from the case (``ticket_identities``) and enter the audit trail only as
salted digests. Whenever names leave that protection (a confidential identity revealed on the console,
a supervisor's name search that matches confidential complainants, a rahasia complaint's evidence
downloaded, a report listing complainants by name) an ``identity_view`` audit row records it in the same
database as the ticket, so the log cannot drift from the reads.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Mapping

from workflow.core.audit import AuditEvent
from workflow.core.guards import Actor
from workflow.store.port import Store

logger = logging.getLogger(__name__)


def acting_role(actor: Actor) -> str:
    """The one role an audit row names for ``actor``: a supervisor's position (the highest supervisor role
    they hold, `Actor.position`, from the definitions' levels), else the first role they hold."""
    return actor.position or min(actor.roles, default="")


def identity_view(actor: Actor, ticket_id: int, receipt_no: str | None, purpose: str, now: datetime,
                  fields: list[str], **detail: Any) -> AuditEvent:
    """The ``identity_view`` audit row of one confidential read: who, when, why, which fields (or ``bukti``)."""
    return AuditEvent(kind="identity_view", at=now, actor_id=actor.id, actor_role=acting_role(actor),
                      ticket_id=ticket_id, receipt_no=receipt_no,
                      detail={"purpose": (purpose or "").strip()[:500], "fields": fields, **detail})


def reveal_identity(store: Store, ticket_id: int, actor: Actor, purpose: str, now: datetime, *,
                    receipt_no: str | None = None, confidential: bool = False,
                    known: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The complainant's identity of a ticket the caller has already decided ``actor`` may see.

    A ``confidential`` (rahasia) identity is read and its ``identity_view`` audit row (who, when, why,
    which fields) written in one unit of work, so no read goes unlogged. ``known`` is the identity when
    the caller loaded it with the ticket already (it is not read twice)."""
    with store.unit_of_work() as uow:
        identity = dict(known) if known else uow.tickets.identity(ticket_id)
        if confidential:
            uow.audit.append([identity_view(actor, ticket_id, receipt_no, purpose, now, sorted(identity))])
            uow.commit()
            logger.info("identity of %s viewed by %s", receipt_no, actor.id)
    return identity


NAME_SEARCH = "pencarian nama di daftar pengaduan"  # the purpose a name search's audit rows give


def record_name_search(store: Store, actor: Actor, matches: list[tuple[int, str]], now: datetime) -> None:
    """A name search matched confidential complainants: one ``identity_view`` row per complaint it found
    (``matches``: ticket id, receipt number), since the result tells whose name is behind it. The text
    searched is not written: it is a name, and names enter the trail only as digests."""
    if not matches:
        return
    with store.unit_of_work() as uow:
        uow.audit.append([identity_view(actor, ticket_id, receipt_no, NAME_SEARCH, now, ["nama"])
                          for ticket_id, receipt_no in matches])
        uow.commit()
    logger.info("name search by %s matched %d confidential complainants", actor.id, len(matches))


def record_report_view(runtime, actor_id: str, report, fmt: str, now: datetime) -> None:
    """Complainant names leave the system in a report: say so in the audit trail (kind identity_view)."""
    named = sum(1 for row in report.evaluation if row.kerahasiaan == "biasa")
    if not named:
        return
    with runtime.store.unit_of_work() as uow:
        uow.audit.append([AuditEvent(kind="identity_view", at=now, actor_id=actor_id, actor_role="supervisor",
                                     detail={"report": report.period, "format": fmt, "names": named})])
        uow.commit()


__all__ = ["record_report_view", "record_name_search", "reveal_identity", "identity_view", "acting_role",
           "NAME_SEARCH"]
