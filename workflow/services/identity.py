"""Reading a complainant's identity is an audited act: who read it, when, and why.

Identity fields are kept apart from the case (``ticket_identities``) and enter the audit trail only as
salted digests. Whenever names leave that protection (a confidential identity revealed on the console,
a report listing complainants by name) an ``identity_view`` audit row records it in the same
database as the ticket, so the log cannot drift from the reads.
"""
from __future__ import annotations

from datetime import datetime

from workflow.core.audit import AuditEvent


def record_report_view(runtime, actor_id: str, report, fmt: str, now: datetime) -> None:
    """Complainant names leave the system in a report: say so in the audit trail (kind identity_view)."""
    named = sum(1 for row in report.evaluation if row.kerahasiaan == "biasa")
    if not named:
        return
    with runtime.store.unit_of_work() as uow:
        uow.audit.append([AuditEvent(kind="identity_view", at=now, actor_id=actor_id, actor_role="supervisor",
                                     detail={"report": report.period, "format": fmt, "names": named})])
        uow.commit()


__all__ = ["record_report_view"]
