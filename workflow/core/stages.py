"""Where a complaint waited: each ticket's time in each state, read from the audit trail alone (pure).

The trail is the evidence; clock rows and the ticket's ``entered`` map are caches of it. A ticket's
*stays* come from its state-changing rows in sequence order: ``open`` enters the initial state, and a
``transition``, ``migrate`` or ``handoff`` row whose ``from_state`` differs from its ``to_state`` leaves
one state for another (a move back into the same state continues the stay). A stay in a terminal state
is not a stay: the complaint is over. A stay still open is measured up to ``now``.

Each stay has two lengths:

* **gross** -- plain elapsed time, what the complainant lived (seconds);
* **office** -- the office's working time by the office calendar (``working_hours`` as
  `workflow.core.calendar.WorkingCalendar.elapsed` counts them, through `workflow.core.office_time`:
  nights, weekends, holidays and closures do not count), in working days of the office's full day (its
  longest office hours: 8 hours for 08:00-16:00), so 16 office hours are 2 working days whichever days
  they fell on.

A stay is **waiting on the complainant** when its state is not terminal and is drawn in the complainant's
lane (the lane of the role `workflow.core.roles.COMPLAINANT`), or pauses one of the definition's clocks:
the office cannot move the complaint until the complainant answers. **Pauses** are the spans a clock was
paused, read from the clock notes the trail carries (``detail.clocks``: ``pause`` and ``resume``), shown
per ticket beside its stays.

The ticket's record values (``kanal``, ``kategori``, ``tingkat``) are the last values its rows gave them;
the agency (OPD) that held a stay is the one the definition's ``assign_opd`` effects had set when it began
(the agencies of a hand-over to several, during the hand-over). The *promise* run is the first run of the
definition's `promise_clock`, its net time recomputed from the trail's start, pause, resume and stop notes
with the given calendar, so the public figure ("X of Y answered within the promised N days") depends on
the trail and the stated calendar only.

Aggregates over these tickets live in `workflow.core.stage_figures`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from workflow.core.office_time import OfficeTime
from workflow.core.roles import COMPLAINANT
from workflow.spec.model import Definition

#: Audit kinds whose rows can move a ticket between states (or open it, or bring it in from an import).
STATE_KINDS = ("open", "transition", "migrate", "handoff", "import")
_MOVES = ("transition", "migrate", "handoff")
#: Record values a ticket is grouped by (the columns the tickets table also keeps).
DIMENSIONS = ("kanal", "kategori", "tingkat")

Definitions = Callable[[str | None, int | None], Definition | None]


@dataclass(frozen=True)
class Stay:
    """One stay of a ticket in a state: entered at, left at (None: still there, measured to ``now``)."""

    state: str
    lane: str
    entered: datetime
    left: datetime | None
    gross_seconds: float
    office_days: float
    waiting: bool
    agencies: tuple[str, ...] = ()
    paused_seconds: float = 0.0  # how much of the stay some clock of the ticket was paused


@dataclass(frozen=True)
class Pause:
    """A span a clock was paused (``end`` None: still paused at ``now``)."""

    clock: str
    start: datetime
    end: datetime | None
    gross_seconds: float


@dataclass(frozen=True)
class Promise:
    """The first run of the promise clock, as the trail tells it: budget in ``unit``, net time used, and
    whether it stopped (``stopped_at``) or still ran at ``now``."""

    clock: str
    unit: str
    budget: float
    net: float
    stopped_at: datetime | None

    @property
    def kept(self) -> bool:
        return self.stopped_at is not None and self.net <= self.budget + 1e-9

    @property
    def late(self) -> bool:
        """Decided against the office: stopped over budget, or still running past it."""
        return self.net > self.budget + 1e-9


@dataclass(frozen=True)
class TicketStages:
    ticket_id: int
    receipt_no: str
    definition_key: str
    opened_at: datetime
    closed_at: datetime | None
    final_state: str
    outcome: str | None
    values: Mapping[str, Any]
    stays: tuple[Stay, ...]
    pauses: tuple[Pause, ...] = ()
    promise: Promise | None = None
    imported: bool = False

    @property
    def gross_seconds(self) -> float:
        return sum(s.gross_seconds for s in self.stays)

    @property
    def office_days(self) -> float:
        return sum(s.office_days for s in self.stays)

    @property
    def waiting_seconds(self) -> float:
        return sum(s.gross_seconds for s in self.stays if s.waiting)


def waiting_states(definition: Definition) -> frozenset[str]:
    """The states in which the complaint waits on the complainant (see the module docstring)."""
    complainant = definition.roles.get(COMPLAINANT)
    lane = complainant.lane if complainant is not None else None
    paused = {state for clock in definition.clocks.values() for state in clock.pause.states}
    return frozenset(s.key for s in definition.states.values()
                     if not s.terminal and (s.lane == lane or s.key in paused))


@dataclass
class _Walk:
    """A ticket's trail being read: where it is, since when, and what it carries."""

    definition: Definition | None
    state: str
    since: datetime
    values: dict[str, Any] = field(default_factory=dict)
    opd: str | None = None
    agencies: tuple[str, ...] = ()  # who held the current stay, fixed when it began
    stays: list[tuple[str, datetime, datetime | None, tuple[str, ...]]] = field(default_factory=list)
    paused: dict[str, datetime] = field(default_factory=dict)
    pauses: list[tuple[str, datetime, datetime | None]] = field(default_factory=list)
    promise_segments: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    promise_run: int | None = None
    promise_stopped: datetime | None = None
    closed_at: datetime | None = None
    imported: bool = False


def ticket_stages(rows: Sequence[Mapping[str, Any]], definitions: Definitions, calendar: Any,
                  now: datetime, office: OfficeTime | None = None) -> TicketStages | None:
    """One ticket's stays, pauses and promise run from its audit rows (sequence order); None without an
    ``open`` or ``import`` row (a ticket whose opening is not in the rows given). ``office`` counts office
    time (one `OfficeTime` shared by the tickets of a trail; by default one of its own)."""
    first = rows[0] if rows else None
    if first is None or first["kind"] not in ("open", "import"):
        return None
    definition = definitions(first["definition_key"], first["definition_version"])
    walk = _Walk(definition, first["to_state"], first["at"], imported=first["kind"] == "import")
    walk.values.update(first["inputs"] or {})
    walk.agencies = _agencies(walk, definition)
    _clock_notes(walk, first, definition)
    for row in rows[1:]:
        if row["kind"] not in _MOVES:
            continue
        if row["definition_version"] is not None:
            definition = definitions(row["definition_key"], row["definition_version"]) or definition
        walk.definition = definition
        if row["kind"] == "transition":
            inputs = _inputs(row["inputs"], definition)
            walk.values.update(inputs)
            _assign_opd(walk, row, definition, inputs)
        if row["to_state"] and row["to_state"] != walk.state:
            _leave(walk, row["at"], row["to_state"], definition)
        _clock_notes(walk, row, definition)
    return _finish(walk, first, calendar, now, office or OfficeTime(calendar))


def _agencies(walk: _Walk, definition: Definition | None) -> tuple[str, ...]:
    handoff = definition.handoff_in(walk.state) if definition is not None and definition.handoffs else None
    if handoff is not None:
        named = walk.values.get(handoff.agencies) or ()
        return tuple(str(a) for a in (named if isinstance(named, (list, tuple)) else [named]))
    return (walk.opd,) if walk.opd else ()


def _leave(walk: _Walk, at: datetime, dest: str, definition: Definition | None) -> None:
    walk.stays.append((walk.state, walk.since, at, walk.agencies))
    walk.state, walk.since = dest, at
    walk.agencies = _agencies(walk, definition)
    state = definition.states.get(dest) if definition is not None else None
    if state is not None and state.terminal:
        walk.closed_at = at


_FOLLOWED: dict[int, tuple[Definition, tuple[str, ...]]] = {}


def followed(definition: Definition | None) -> tuple[str, ...]:
    """The input names a reader of the trail follows: the grouped record values, the fields ``assign_opd``
    effects read and the fields naming a hand-over's agencies (kept per definition object)."""
    if definition is None:
        return DIMENSIONS
    hit = _FOLLOWED.get(id(definition))
    if hit is not None and hit[0] is definition:
        return hit[1]
    names = set(DIMENSIONS) | {h.agencies for h in definition.handoffs.values()}
    names |= {str(e.params["field"]) for t in definition.transitions for e in t.effects
              if e.kind == "assign_opd" and e.params.get("field")}
    if len(_FOLLOWED) > 256:
        _FOLLOWED.clear()
    _FOLLOWED[id(definition)] = (definition, tuple(sorted(names)))
    return _FOLLOWED[id(definition)][1]


def _inputs(raw: Any, definition: Definition | None) -> Mapping[str, Any]:
    """A row's inputs: parsed already, or canonical JSON text parsed only when it names a followed input."""
    if not raw:
        return {}
    if not isinstance(raw, str):
        return raw
    return json.loads(raw) if any(f'"{name}":' in raw for name in followed(definition)) else {}


def _assign_opd(walk: _Walk, row: Mapping[str, Any], definition: Definition | None,
                inputs: Mapping[str, Any]) -> None:
    """Apply the fired transition's ``assign_opd`` effect (the same value the engine stored)."""
    if definition is None:
        return
    for t in definition.transitions_named(row["trigger"] or ""):
        if row["from_state"] not in t.sources or t.dest != row["to_state"]:
            continue
        for effect in t.effects:
            if effect.kind == "assign_opd":
                name = effect.params.get("field")
                walk.opd = None if effect.params.get("clear") else (inputs.get(name) or walk.values.get(name))
        return


def _clock_notes(walk: _Walk, row: Mapping[str, Any], definition: Definition | None) -> None:
    """Follow pauses of every clock and the promise clock's first run through the row's clock notes."""
    notes = (row["detail"] or {}).get("clocks")
    if not notes:
        return
    promise = definition.promise_clock() if definition is not None else None
    at = row["at"]
    for note in notes:
        clock, op = note.get("clock"), note.get("op")
        if note.get("party"):
            continue
        if op == "pause":
            walk.paused.setdefault(clock, at)
        elif op in ("resume", "stop") and clock in walk.paused:
            walk.pauses.append((clock, walk.paused.pop(clock), at))
        if promise is None or clock != promise.key:
            continue
        if op == "start" and walk.promise_run is None:
            walk.promise_run = note.get("run")
            walk.promise_segments.append((_moment(note.get("counted_from")) or at, None))
        elif note.get("run") != walk.promise_run or walk.promise_stopped is not None:
            continue
        elif op == "pause" and walk.promise_segments and walk.promise_segments[-1][1] is None:
            walk.promise_segments[-1] = (walk.promise_segments[-1][0], at)
        elif op == "resume":
            walk.promise_segments.append((at, None))
        elif op == "stop":
            if walk.promise_segments and walk.promise_segments[-1][1] is None:
                walk.promise_segments[-1] = (walk.promise_segments[-1][0], at)
            walk.promise_stopped = at


def _moment(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _finish(walk: _Walk, first: Mapping[str, Any], calendar: Any, now: datetime,
            office: OfficeTime) -> TicketStages:
    definition = walk.definition
    final = definition.states.get(walk.state) if definition is not None else None
    if final is None or not final.terminal:
        walk.stays.append((walk.state, walk.since, None, walk.agencies))
    waiting = waiting_states(definition) if definition is not None else frozenset()
    pauses = [(c, s, e) for c, s, e in walk.pauses] + [(c, s, None) for c, s in walk.paused.items()]
    spans = _merged(pauses, now)
    day = office_day_hours(calendar)
    stays = []
    for state, entered, left, agencies in ([] if walk.imported else walk.stays):
        end = left or now
        spec = definition.states.get(state) if definition is not None else None
        stays.append(Stay(
            state=state, lane=spec.lane if spec is not None else "", entered=entered, left=left,
            gross_seconds=max(0.0, (end - entered).total_seconds()),
            office_days=office.hours(entered, end) / day,
            waiting=state in waiting, agencies=agencies,
            paused_seconds=_overlap(entered, end, spans) if spans else 0.0))
    return TicketStages(
        ticket_id=first["ticket_id"], receipt_no=first["receipt_no"] or "",
        definition_key=first["definition_key"] or "",
        opened_at=first["at"], closed_at=walk.closed_at, final_state=walk.state,
        outcome=final.outcome if final is not None and final.terminal else None,
        values={k: walk.values.get(k) for k in DIMENSIONS}, stays=tuple(stays),
        pauses=tuple(Pause(c, s, e, max(0.0, ((e or now) - s).total_seconds())) for c, s, e in sorted(
            pauses, key=lambda p: p[1])),
        promise=None if walk.imported else _promise(walk, definition, calendar, now), imported=walk.imported)


def _merged(pauses: list, now: datetime) -> list[tuple[datetime, datetime]]:
    """The pauses of all clocks as disjoint spans (two clocks paused together count once)."""
    out: list[tuple[datetime, datetime]] = []
    for start, end in sorted((s, e or now) for _, s, e in pauses):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _overlap(start: datetime, end: datetime, spans: list[tuple[datetime, datetime]]) -> float:
    """Seconds of [start, end) inside the disjoint ``spans``."""
    total = 0.0
    for a, b in spans:
        a, b = max(a, start), min(b, end)
        if b > a:
            total += (b - a).total_seconds()
    return total


def office_day_hours(calendar: Any) -> float:
    """The hours of the office's full day (its longest office hours), what one working day of office time is;
    24 for a calendar without office hours (every hour counts)."""
    hours = getattr(calendar, "hours", None)
    if not hours:
        return 24.0
    return max((h.end.hour * 60 + h.end.minute - h.start.hour * 60 - h.start.minute) / 60.0 for h in hours.values())


def _promise(walk: _Walk, definition: Definition | None, calendar: Any, now: datetime) -> Promise | None:
    spec = definition.promise_clock() if definition is not None else None
    if spec is None or walk.promise_run is None:
        return None
    unit = spec.budget.unit
    net = sum(calendar.elapsed(a, b or now, unit) for a, b in walk.promise_segments if (b or now) > a)
    return Promise(clock=spec.key, unit=unit, budget=float(spec.budget.amount), net=net,
                   stopped_at=walk.promise_stopped)


def trail_stages(rows: Iterable[Mapping[str, Any]], definitions: Definitions, calendar: Any,
                 now: datetime) -> Iterator[TicketStages]:
    """`ticket_stages` for each ticket of a trail read in (ticket, sequence) order."""
    current: list[Mapping[str, Any]] = []
    office = OfficeTime(calendar)
    for row in rows:
        if current and row["ticket_id"] != current[0]["ticket_id"]:
            found = ticket_stages(current, definitions, calendar, now, office)
            if found is not None:
                yield found
            current = []
        current.append(row)
    if current:
        found = ticket_stages(current, definitions, calendar, now, office)
        if found is not None:
            yield found


__all__ = ["STATE_KINDS", "DIMENSIONS", "Stay", "Pause", "Promise", "TicketStages", "waiting_states",
           "ticket_stages", "trail_stages", "Definitions", "office_day_hours"]
