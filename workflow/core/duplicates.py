"""Duplicate flags on a ticket: what the petugas is shown and what linking changes (pure).

A new complaint that repeats an open one (`workflow.store.rules.duplicates`) is flagged
``duplikat:<receipt>``; a petugas then links it (``terkait:<receipt>``, both keep running) or merges
it (the definition's ``gabungkan`` transition closes it as merged). Flags only inform: deciding is the
petugas' job, because two people can rightly complain about the same permit.
"""
from __future__ import annotations

from datetime import datetime

from workflow.core.audit import AuditEvent
from workflow.core.ticket import Change

FLAG = "duplikat:"
LINKED = "terkait:"
MERGE_TRIGGER = "gabungkan"


def flag_duplicate(change: Change, original_receipt: str, now: datetime) -> None:
    """Mark the ticket ``change`` opens as a likely duplicate of ``original_receipt``, with its audit row."""
    ticket = change.ticket
    if FLAG + original_receipt not in ticket.flags:
        ticket.flags.append(FLAG + original_receipt)
    change.audit.append(AuditEvent(kind="system", at=now, actor_id="system", actor_role="system",
                                   ticket_id=ticket.id, receipt_no=ticket.receipt_no,
                                   detail={"event": "duplicate_flag", "of": original_receipt}))


def linked_flags(flags: list[str], other_receipt: str) -> list[str]:
    """The flags once a petugas has linked the ticket to ``other_receipt``."""
    out = [f for f in flags if f != FLAG + other_receipt]
    return out + ([LINKED + other_receipt] if LINKED + other_receipt not in out else [])


def duplicates_of(flags: list[str]) -> list[str]:
    """Receipt numbers a ticket's flags say it may repeat."""
    return [f[len(FLAG):] for f in flags or [] if f.startswith(FLAG)]


__all__ = ["FLAG", "LINKED", "MERGE_TRIGGER", "flag_duplicate", "linked_flags", "duplicates_of"]
