"""The store port's part for how complaints arrive on paper and by referral: complaint box sessions and
the status updates owed to referring bodies (`workflow.core.box`, `workflow.core.dispositions`).

Both adapters implement these (`workflow.store.sql.channels`, `workflow.store.memory_channels`) and pass
the same contract suite (``tests/store/test_port_channels.py``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True)
class BoxSessionRecord:
    """One opening of the complaint box: the day, who opened it, and (once closed) the forms found."""

    id: int | None
    definition_key: str
    channel: str
    opened_on: date
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None
    forms_found: int | None = None
    note: str = ""

    @property
    def open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class DispositionUpdate:
    """A status update owed to a referring body, ticked off by an officer."""

    ticket_id: int
    obligation: str
    done_at: datetime
    done_by: str
    note: str = ""


class BoxSessionRepository(Protocol):
    def add(self, record: BoxSessionRecord) -> int | None:
        """Store a new session; None when the definition already has a session for that day and channel."""

    def get(self, session_id: int) -> BoxSessionRecord | None: ...

    def recent(self, limit: int = 50) -> list[BoxSessionRecord]:
        """The latest sessions, newest day first."""

    def close(self, session_id: int, forms_found: int, note: str, closed_by: str, closed_at: datetime) -> bool:
        """Close an open session; False when it was closed already (by someone else meanwhile)."""

    def recorded(self, session: BoxSessionRecord, field: str) -> list[tuple[int, str]]:
        """(ticket id, receipt number) of the complaints recorded from the session: the definition's tickets
        on the session's channel whose box date (``field``) is the session's day, oldest first."""


class DispositionRepository(Protocol):
    def updates(self, ticket_id: int) -> list[DispositionUpdate]: ...

    def updates_for(self, ticket_ids: list[int]) -> dict[int, list[DispositionUpdate]]: ...

    def add(self, update: DispositionUpdate) -> bool:
        """Record an update; False when that obligation of the ticket was ticked off already."""


__all__ = ["BoxSessionRecord", "BoxSessionRepository", "DispositionRepository", "DispositionUpdate"]
