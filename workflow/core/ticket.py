"""Running cases as plain data: a ticket, its clock runs, and what one fire changes.

These dataclasses are what the pure engine reads and produces; the store turns them into rows.
A ticket holds only its definition's key and version (never a machine or spec object).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from workflow.core.audit import AuditEvent


@dataclass
class ClockRun:
    """One run of a named clock on a ticket. ``consumed`` is net time in the clock's unit."""

    clock: str
    run: int
    unit: str
    budget: float
    status: str  # running | paused | stopped
    started_at: datetime
    resumed_at: datetime | None  # start of the current running segment
    due_at: datetime | None
    consumed: float = 0.0
    paused_at: datetime | None = None
    paused_seconds: float = 0.0
    stopped_at: datetime | None = None
    next_rung: int | None = None
    next_rung_at: datetime | None = None
    calendar: str = ""  # fingerprint of the calendar that computed due_at
    at_risk_at: datetime | None = None  # when the running segment reaches AT_RISK_PERCENT of the budget
    party: str | None = None  # the agency this run counts for (a handoff's clocks run once per agency)
    id: int | None = None
    dirty: bool = True

    def copy(self) -> "ClockRun":
        new = object.__new__(ClockRun)
        new.__dict__.update(self.__dict__)
        return new


@dataclass
class HandoffPart:
    """One agency's part of a handoff: asked, acknowledged, answered (or withdrawn, or cancelled)."""

    handoff: str
    agency: str
    round: int  # the how-many-th time the ticket entered the handoff's state
    status: str  # menunggu | diproses | dijawab | ditarik | dibatalkan
    requested_at: datetime
    acknowledged_at: datetime | None = None
    closed_at: datetime | None = None  # answered, withdrawn or cancelled
    answer: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # why it was withdrawn or cancelled
    by: str = ""  # who acted last on it

    OPEN = ("menunggu", "diproses")

    @property
    def open(self) -> bool:
        return self.status in self.OPEN

    def copy(self) -> "HandoffPart":
        new = object.__new__(HandoffPart)
        new.__dict__.update(self.__dict__)
        new.answer = dict(self.answer)
        return new

    def as_json(self) -> dict[str, Any]:
        """The part as the store keeps it (times as ISO text)."""
        out = dict(self.__dict__)
        for name in ("requested_at", "acknowledged_at", "closed_at"):
            out[name] = out[name].isoformat() if out[name] is not None else None
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> "HandoffPart":
        values = dict(raw)
        for name in ("requested_at", "acknowledged_at", "closed_at"):
            if values.get(name):
                moment = datetime.fromisoformat(values[name])
                values[name] = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        return cls(**values)


@dataclass
class Ticket:
    id: int | None
    receipt_no: str
    definition_key: str
    definition_version: int
    state: str
    version: int
    created_at: datetime
    updated_at: datetime
    fields: dict[str, Any] = field(default_factory=dict)
    identity: dict[str, Any] = field(default_factory=dict)
    opd: str | None = None
    assignee_role: str | None = None
    assignee_id: str | None = None
    entered: dict[str, datetime] = field(default_factory=dict)  # state -> time last entered
    closed_at: datetime | None = None
    outcome: str | None = None
    imported: bool = False
    flags: list[str] = field(default_factory=list)
    clocks: list[ClockRun] = field(default_factory=list)
    token_hash: str = ""
    handoffs: list[HandoffPart] = field(default_factory=list)  # each agency's part of a handoff (core.handoffs)
    # The outbox rows the save that returned this ticket wrote (empty on a loaded ticket): what the move's
    # after-commit hook hands to delivery, and nothing older that may still be waiting in a queue.
    notices_written: list[int] = field(default_factory=list, compare=False, repr=False)

    @property
    def confidentiality(self) -> str:
        return str(self.fields.get("kerahasiaan") or "biasa")

    def copy(self) -> "Ticket":
        """A copy the engine may change freely: its own field dicts, flag list and clock runs.

        Built from ``__dict__`` rather than `copy.copy` (which goes through ``__reduce_ex__``): the
        fire path copies a ticket and its clocks on every move.
        """
        new = object.__new__(Ticket)
        new.__dict__.update(self.__dict__)
        new.fields, new.identity, new.entered = dict(self.fields), dict(self.identity), dict(self.entered)
        new.flags, new.clocks = list(self.flags), [c.copy() for c in self.clocks]
        new.handoffs = [p.copy() for p in self.handoffs]
        return new

    def clock(self, name: str, party: str | None = None) -> ClockRun | None:
        """The latest run of a clock (of one agency's, for a handoff's clocks)."""
        latest = None
        for run in self.clocks:
            if run.clock == name and run.party == party and (latest is None or run.run > latest.run):
                latest = run
        return latest

    def part(self, handoff: str, agency: str) -> HandoffPart | None:
        """The latest part of ``agency`` in ``handoff``, if the ticket was ever handed to it there."""
        found = [p for p in self.handoffs if p.handoff == handoff and p.agency == agency]
        return max(found, key=lambda p: p.round) if found else None


@dataclass(frozen=True)
class Notice:
    """A notification to send after commit (the outbox row): template and recipient spec."""

    template: str
    recipient: str  # pemohon | assignee | opd | role:<role> | escalation_target | user:<id>
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Change:
    """Everything one fire (or open) writes, in one transaction."""

    ticket: Ticket  # the new state of the ticket
    expected_version: int | None  # None for a new ticket
    audit: list[AuditEvent]
    notices: list[Notice] = field(default_factory=list)


__all__ = ["ClockRun", "HandoffPart", "Ticket", "Notice", "Change"]
