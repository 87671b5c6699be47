"""Turning ticket and clock rows into the core's dataclasses and back, fast.

Hydration reads rows by position (one C-level itemgetter call) rather than by attribute (~0.25 µs
each, 36 per fire): it was the largest share of the engine's own time on a fire (bench_fire.py). Any
row whose leading columns are the whole table, in table order, qualifies: ``select(m.clocks, …)`` and
``select(m.tickets, …)``.
"""
from __future__ import annotations

from dataclasses import fields as dataclass_fields
from datetime import datetime, timezone
from operator import attrgetter, itemgetter
from typing import Any

from workflow.core.ticket import ClockRun, HandoffPart, Ticket
from workflow.store import models as m

#: Record fields copied into their own ticket columns, for filters, indexes and reports.
MIRRORED = ("kanal", "tingkat", "kategori", "sektor", "jenis_izin", "kerahasiaan", "perihal", "no_registrasi")
CLOCK_COLUMNS = ("clock", "run", "unit", "budget", "status", "started_at", "resumed_at", "due_at", "consumed",
                 "paused_at", "paused_seconds", "stopped_at", "next_rung", "next_rung_at", "calendar", "at_risk_at",
                 "party")


def utc(value: datetime | None) -> datetime | None:
    """Aware UTC datetimes in and out; SQLite hands back naive ones, which are UTC by our writes."""
    if value is None:
        return None
    zone = value.tzinfo
    if zone is None:
        return value.replace(tzinfo=timezone.utc)
    if zone is timezone.utc:  # already what we want; called ~35 times per fire
        return value
    return value.astimezone(timezone.utc)


def iso_map(values: dict[str, datetime]) -> dict[str, str]:
    return {k: utc(v).isoformat() for k, v in values.items()}


def dt_map(values: dict[str, str] | None) -> dict[str, datetime]:
    return {k: utc(datetime.fromisoformat(v)) for k, v in (values or {}).items()}


def mirror(fields: dict[str, Any]) -> dict[str, Any]:
    out = {name: fields.get(name) for name in MIRRORED}
    out["kerahasiaan"] = out["kerahasiaan"] or "biasa"
    if out["perihal"] is not None:
        out["perihal"] = str(out["perihal"])[:300]
    return out


_CLOCK_POS = {c.name: i for i, c in enumerate(m.clocks.columns)}
_clock_values = itemgetter(*(_CLOCK_POS[n] for n in (*CLOCK_COLUMNS, "id")))  # ClockRun's field order
_CLOCK_DATETIMES = tuple(i for i, n in enumerate(CLOCK_COLUMNS) if n.endswith("_at"))
_TICKET_POS = {c.name: i for i, c in enumerate(m.tickets.columns)}
_TICKET_COLUMNS = ("id", "receipt_no", "definition_key", "definition_version", "state", "version", "created_at",
                   "updated_at", "fields", "opd", "assignee_role", "assignee_id", "entered", "closed_at", "outcome",
                   "imported", "flags", "token_hash", "handoffs")
_ticket_values = itemgetter(*(_TICKET_POS[n] for n in _TICKET_COLUMNS))
# Positional construction below relies on the dataclasses' field order; fail at import, not on a fire.
if [f.name for f in dataclass_fields(ClockRun)][:len(CLOCK_COLUMNS) + 1] != [*CLOCK_COLUMNS, "id"] or \
        [f.name for f in dataclass_fields(Ticket)] != [*_TICKET_COLUMNS[:9], "identity", *_TICKET_COLUMNS[9:-2],
                                                        "clocks", "token_hash", "handoffs", "notices_written"]:
    raise RuntimeError("Ticket/ClockRun fields were reordered: update the row hydration in workflow/store/sql/rows.py")


def clock_from_row(row: Any) -> ClockRun:
    values = list(_clock_values(row))
    for i in _CLOCK_DATETIMES:
        if values[i] is not None:
            values[i] = utc(values[i])
    return ClockRun(*values, dirty=False)


_run_values = attrgetter(*CLOCK_COLUMNS)


def clock_values(run: ClockRun) -> dict[str, Any]:
    values = list(_run_values(run))
    for i in _CLOCK_DATETIMES:
        if values[i] is not None:
            values[i] = utc(values[i])
    return dict(zip(CLOCK_COLUMNS, values))


def ticket_from_row(row: Any, identity: dict | None = None, clock_rows=()) -> Ticket:
    (id_, receipt_no, key, version_of_definition, state, version, created_at, updated_at, fields, opd,
     assignee_role, assignee_id, entered, closed_at, outcome, imported, flags, token_hash,
     handoffs) = _ticket_values(row)
    return Ticket(
        id_, receipt_no, key, version_of_definition, state, version, utc(created_at), utc(updated_at),
        dict(fields or {}), dict(identity or {}), opd, assignee_role, assignee_id, dt_map(entered),
        utc(closed_at), outcome, imported, list(flags or []), [clock_from_row(c) for c in clock_rows], token_hash,
        [HandoffPart.from_json(p) for p in handoffs] if handoffs else [],
    )


__all__ = ["utc", "iso_map", "dt_map", "mirror", "MIRRORED", "CLOCK_COLUMNS", "clock_from_row", "clock_values",
           "ticket_from_row"]
