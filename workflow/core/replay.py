"""Replaying a ticket's recorded history against a definition and a calendar (pure).

The audit trail holds every step a ticket took: its opening (the record as it was taken), each fire
(trigger, actor and acting role, inputs, time) and each action on an agency's part of a handoff. Replaying
feeds those steps, in order and at their recorded times, to the same decisions the engine makes
(`workflow.core.decide.open_ticket` and `fire`, `workflow.core.handoffs.act`), and between steps fires
every escalation rung that falls due, at the moment it falls due, as an always-running sweep would
(`workflow.core.escalation.fire_rung`). Nothing is read or written: the trail comes in as `TicketHistory`
values (`histories` groups audit rows into them) and the result is a `Replayed` value.

Replayed against the very definition and calendar a ticket ran on, every recorded state and due time comes
back exactly (``tests/test_replay.py`` holds that on generated histories); against a draft, the first step
the draft refuses stops the replay and is kept with the refusal's reasons (`Refused`), and a step that
leads somewhere other than where it led is noted (``diverged``).

What a replay takes from the trail, and what it cannot know:

* An actor acts in the role the trail recorded for the step (``actor_role``), and, for an agency's
  guards, with the agency their account names now (``opds``), or the ticket's own when the account is
  unknown.
* Inputs the draft no longer asks for are left out; inputs it newly requires are missing, and the step is
  refused saying so.
* Rows of other kinds (identity views, notifications, escalations, calendar and office edits) are not
  steps: escalations are recomputed, and the calendar is the one given for the whole replay.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Iterator, Mapping

from workflow.core import decide, handoffs
from workflow.core.clocks import Calendar
from workflow.core.escalation import apply_rung, fire_rung, pointer, rung_to_fire
from workflow.core.guards import Actor
from workflow.core.inputs import validate_fields
from workflow.core.ticket import ClockRun, Ticket
from workflow.errors import InvalidInput, Refusal, TransitionRejected
from workflow.spec.catalog import Catalogs
from workflow.spec.model import Definition

#: The audit kinds a replay reads: everything else is a consequence or unrelated to the ticket's path.
STEP_KINDS = ("open", "transition", "handoff", "migrate")
#: The kinds whose ``detail`` a replay reads (which agency acted on which handoff); a reader may leave the
#: detail of other rows (their clock notes, a consequence the replay recomputes) unparsed.
DETAIL_KINDS = frozenset({"handoff"})
HANDOFF_ACTIONS = frozenset(handoffs.ACTIONS)  # terima, jawab, tarik: what people did on an agency's part


@dataclass(frozen=True)
class Step:
    """One recorded step of a ticket, as the audit trail holds it."""

    seq: int
    kind: str  # open | transition | handoff | migrate
    at: datetime
    actor_id: str
    actor_role: str
    trigger: str | None
    from_state: str | None
    to_state: str | None
    inputs: Mapping[str, Any]
    detail: Mapping[str, Any]


@dataclass(frozen=True)
class TicketHistory:
    """A ticket's recorded steps in order, its opening first."""

    ticket_id: int
    receipt_no: str
    definition_key: str
    definition_version: int
    steps: tuple[Step, ...]

    @property
    def opened_at(self) -> datetime:
        return self.steps[0].at


@dataclass(frozen=True)
class Refused:
    """The first recorded step a definition refuses, and why (each reason as the engine words it)."""

    step: Step
    state: str  # where the replayed ticket was
    kinds: tuple[str, ...]  # per reason: unknown_trigger | state | role | guard | input
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Escalated:
    """A rung that fired during a replay."""

    clock: str
    party: str | None
    run: int
    rung: str  # the rung's key (at80, after1working_days)
    target: str | None
    at: datetime


@dataclass
class Replayed:
    """What replaying one ticket gave: the ticket as it ends, the rungs that fired, where it stopped."""

    history: TicketHistory
    ticket: Ticket | None
    escalations: list[Escalated] = field(default_factory=list)
    refused: Refused | None = None
    diverged: Step | None = None  # the first step that led to another state than it did
    states: list[str] = field(default_factory=list)  # the state after each replayed step
    events: list[Any] = field(default_factory=list)  # the audit events the replay wrote (``keep_events``)

    @property
    def complete(self) -> bool:
        return self.refused is None and self.ticket is not None


def step_from_row(row: Mapping[str, Any]) -> Step:
    return Step(seq=row["seq"], kind=row["kind"], at=row["at"], actor_id=row["actor_id"] or "",
                actor_role=row["actor_role"] or "", trigger=row["trigger"], from_state=row["from_state"],
                to_state=row["to_state"], inputs=row["inputs"] or {}, detail=row["detail"] or {})


def histories(rows: Iterable[Mapping[str, Any]]) -> Iterator[TicketHistory]:
    """Group audit rows (ordered by ticket, then sequence) into ticket histories.

    Rows of kinds other than `STEP_KINDS`, and tickets whose rows do not begin with their opening (an
    imported ticket, a history cut short), are skipped."""
    current: list[Mapping[str, Any]] = []
    for row in rows:
        if current and row["ticket_id"] != current[0]["ticket_id"]:
            found = _history(current)
            if found is not None:
                yield found
            current = []
        if row["kind"] in STEP_KINDS:
            current.append(row)
    if current:
        found = _history(current)
        if found is not None:
            yield found


def _history(rows: list[Mapping[str, Any]]) -> TicketHistory | None:
    first = rows[0]
    if first["kind"] != "open":
        return None
    return TicketHistory(ticket_id=first["ticket_id"], receipt_no=first["receipt_no"] or "",
                         definition_key=first["definition_key"] or "",
                         definition_version=first["definition_version"] or 0,
                         steps=tuple(step_from_row(r) for r in rows))


class Validations:
    """`validate_fields`, its answers remembered: the same inputs checked against equal fields give the same
    values and errors, so a what-if validates each recorded step once for both of its replays (and once for
    every ticket whose step recorded the very same inputs).

    An answer is a function of the fields (compared by value, so today's and a draft's equal transitions share
    it), the inputs (each value with its exact type: 1, 1.0 and True are told apart), the catalogs and, for
    fields with a date rule, the office's date. Inputs holding lists or other values are validated afresh."""

    LIMIT = 200_000  # answers kept; beyond that start over rather than grow

    def __init__(self) -> None:
        self._answers: dict[tuple, tuple[dict[str, Any], dict[str, str]]] = {}
        self._fields: dict[int, tuple[int, bool]] = {}  # id(fields) -> (which distinct fields, has a date rule)
        self._distinct: list[tuple] = []  # kept, so the ids above stay theirs

    def __call__(self, fields, raw: Mapping[str, Any], catalogs: Catalogs, *, today: Any = None,
                 ) -> tuple[dict[str, Any], dict[str, str]]:
        known = self._fields.get(id(fields))
        if known is None:
            known = self._fields[id(fields)] = self._know(fields)
        items = []
        for name, value in raw.items():
            if value.__class__ not in _PLAIN:
                return validate_fields(fields, raw, catalogs, today=today)
            items.append((name, value.__class__, value))
        key = (known[0], tuple(items), id(catalogs), today if known[1] else None)
        found = self._answers.get(key)
        if found is None:
            found = validate_fields(fields, raw, catalogs, today=today)
            if len(self._answers) >= self.LIMIT:
                self._answers.clear()
            self._answers[key] = found
        return dict(found[0]), dict(found[1])

    def _know(self, fields) -> tuple[int, bool]:
        self._distinct.append(fields)
        for number, other in enumerate(self._distinct):
            if other == fields:
                return number, any(f.date_rule is not None for f in fields)
        raise AssertionError("unreachable: fields equal themselves")


_PLAIN = frozenset({str, int, float, bool, type(None)})


class Replayer:
    """Replays histories, one after the other, against one definition and calendar (see `replay`).

    What every step of every ticket asks of the definition (the inputs a trigger names, the record's
    defaults) and the actors acting (a frozen `Actor` per account, role and agency) are worked out once
    per replayer, not once per step: a what-if replays a whole quarter against the same two, and hands both
    the same ``validations`` (`Validations`).

    A replay throws each ticket away as it moves on, so moves change it in place rather than a copy, where
    a move cannot be refused half way (a definition without handoffs)."""

    def __init__(self, definition: Definition, calendar: Calendar, catalogs: Catalogs, *, until: datetime,
                 opds: Mapping[str, str | None] | None = None, keep_events: bool = False,
                 validations: Validations | None = None):
        self.definition, self.calendar, self.catalogs, self.until = definition, calendar, catalogs, until
        self.opds = opds or {}
        self.keep = keep_events
        self.validate = validations if validations is not None else Validations()
        self.in_place = not definition.handoffs
        self.defaults = tuple((f.name, f.default) for f in definition.record if f.default is not None)
        self._asked: dict[str, frozenset[str]] = {}
        self._actors: dict[tuple[str, str, str | None], Actor] = {}

    def asked(self, trigger: str) -> frozenset[str]:
        """The inputs any transition named ``trigger`` asks for (others recorded are left out)."""
        found = self._asked.get(trigger)
        if found is None:
            found = self._asked[trigger] = frozenset(f.name for t in self.definition.transitions_named(trigger)
                                                     for f in t.inputs)
        return found

    def actor(self, step: Step, opd: str | None) -> Actor:
        key = (step.actor_id, step.actor_role, opd)
        found = self._actors.get(key)
        if found is None:
            roles = frozenset({step.actor_role}) if step.actor_role else frozenset()
            found = self._actors[key] = Actor(id=step.actor_id, roles=roles, opd=opd)
        return found

    def __call__(self, history: TicketHistory) -> Replayed:
        r = _Replay(self, history)
        steps, until = history.steps, self.until
        try:
            r.open(steps[0])
        except (TransitionRejected, InvalidInput, KeyError, ValueError) as exc:
            r.out.refused = _refused(steps[0], self.definition.initial, exc)
            return r.out
        for step in steps[1:]:
            if step.at > until:
                break
            if step.kind == "handoff" and step.detail.get("action") not in HANDOFF_ACTIONS:
                continue  # hand-overs, cancellations and moving on are consequences the replay makes itself
            r.escalate_until(step.at)
            state = r.out.ticket.state if r.out.ticket else ""  # an in-place move refused half way changed it
            try:
                if step.kind == "transition":
                    r.fire(step)
                elif step.kind == "handoff":
                    r.act(step)
                elif step.kind == "migrate":
                    r.migrate(step)
            except (TransitionRejected, InvalidInput) as exc:
                r.out.refused = _refused(step, state, exc)
                return r.out
        r.escalate_until(until)
        return r.out


class _Replay:
    """The replay of one ticket: its current state and what happened to it so far."""

    def __init__(self, replayer: Replayer, history: TicketHistory):
        self.replayer = replayer
        self.definition, self.calendar, self.catalogs = replayer.definition, replayer.calendar, replayer.catalogs
        self.keep = replayer.keep
        self.out = Replayed(history=history, ticket=None)
        self.fired: dict[tuple[str, int], set[int]] = {}
        self.next_id = 1

    # -- the ticket ------------------------------------------------------------------------------
    def take(self, ticket: Ticket, events: list, step: Step | None) -> None:
        for run in ticket.clocks:  # rung firing finds a run by id: give replayed runs ids of their own
            if run.id is None:
                run.id, self.next_id = self.next_id, self.next_id + 1
        self.out.ticket = ticket
        if self.keep:
            self.out.events.extend(events)
        if step is not None:
            self.out.states.append(ticket.state)
            if self.out.diverged is None and step.to_state is not None and ticket.state != step.to_state:
                self.out.diverged = step

    def open(self, step: Step) -> None:
        values = dict(step.inputs)
        for name, default in self.replayer.defaults:  # a field the draft adds with a default takes it, as intake would
            if name not in values:
                values[name] = default
        change = decide.open_ticket(self.definition, values, self.replayer.actor(step, None), now=step.at,
                                    calendar=self.calendar, receipt_no=self.out.history.receipt_no, token="",
                                    identity_salt="", record=self.keep)
        change.ticket.id = self.out.history.ticket_id
        self.take(change.ticket, change.audit, step)

    def fire(self, step: Step) -> None:
        ticket = self.out.ticket
        assert ticket is not None and step.trigger is not None
        asked = self.replayer.asked(step.trigger)
        inputs = {k: v for k, v in step.inputs.items() if k in asked}
        opds = self.replayer.opds
        opd = opds.get(step.actor_id, ticket.opd) if step.actor_id in opds else ticket.opd
        change = decide.fire(self.definition, ticket, step.trigger, self.replayer.actor(step, opd), inputs,
                             now=step.at, calendar=self.calendar, catalogs=self.catalogs, fired=self.fired,
                             record=self.keep, validate=self.replayer.validate,
                             in_place=self.replayer.in_place and not self.keep)
        self.take(change.ticket, change.audit, step)

    def act(self, step: Step) -> None:
        ticket = self.out.ticket
        assert ticket is not None
        d = step.detail
        agency = str(d.get("agency") or "")
        change = handoffs.act(self.definition, ticket, str(d.get("handoff") or ""), agency, str(d["action"]),
                              self.replayer.actor(step, agency), dict(step.inputs), now=step.at,
                              calendar=self.calendar, catalogs=self.catalogs)
        self.take(change.ticket, change.audit, None)
        if change.ticket.state != ticket.state:
            self.out.states.append(change.ticket.state)  # every part answered: the ticket moved on

    def migrate(self, step: Step) -> None:
        ticket = self.out.ticket
        assert ticket is not None
        dest = step.to_state or ticket.state
        if dest == ticket.state:
            return
        if dest not in self.definition.states:
            raise TransitionRejected("migrate", [Refusal("state", f"tahap '{dest}' tidak ada dalam definisi ini")])
        moved = ticket.copy() if self.keep else ticket
        moved.state, moved.updated_at = dest, step.at
        moved.entered[dest] = step.at
        self.take(moved, [], step)

    # -- escalation ------------------------------------------------------------------------------
    def escalate_until(self, until: datetime) -> None:
        """Fire, in time order, every rung due by ``until`` (as an always-running sweep would)."""
        while True:
            ticket = self.out.ticket
            assert ticket is not None
            run = _next_due(ticket.clocks, until)
            if run is None:
                return
            spec = self.definition.clocks.get(run.clock)
            fired = self.fired.setdefault((run.clock, run.run), set())
            rung = rung_to_fire(spec, run.next_rung or 0, fired)
            if rung is None or spec is None:
                run.next_rung, run.next_rung_at = pointer(run, spec, self.calendar, fired)
                continue
            at = run.next_rung_at
            assert at is not None
            if self.keep:  # the audit row as the sweep writes it, for tests that compare it with the trail
                change = fire_rung(ticket, run, spec, rung, set(fired), at, self.calendar)
                self.take(change.ticket, [change.audit], None)
            else:  # the ticket is this replay's own: no copy, no audit row, no notices
                apply_rung(ticket, run, spec, rung, fired, at, self.calendar)
            fired.add(rung.index)
            self.out.escalations.append(Escalated(run.clock, run.party, run.run, rung.key(), rung.escalate_to, at))


def _next_due(runs: list[ClockRun], until: datetime) -> ClockRun | None:
    due = None
    for run in runs:
        at = run.next_rung_at
        if run.status == "running" and at is not None and at <= until and \
                (due is None or (at, run.id or 0) < (due.next_rung_at, due.id or 0)):
            due = run
    return due


def replay(definition: Definition, history: TicketHistory, calendar: Calendar, catalogs: Catalogs, *,
           until: datetime, opds: Mapping[str, str | None] | None = None, keep_events: bool = False) -> Replayed:
    """Replay ``history`` against ``definition`` on ``calendar``, with escalations fired up to ``until``.

    Steps recorded after ``until`` are not replayed. ``opds`` maps actor ids to the agency their account
    names (for agency guards). ``keep_events`` keeps the audit events the replay wrote (tests compare them
    with the trail); without it the engine's decisions leave them unbuilt. Replaying many histories against
    the same definition and calendar, use one `Replayer`."""
    return Replayer(definition, calendar, catalogs, until=until, opds=opds, keep_events=keep_events)(history)


def _refused(step: Step, state: str, exc: Exception) -> Refused:
    if isinstance(exc, TransitionRejected):
        kinds = tuple(r.kind for r in exc.reasons)
        reasons = tuple(r.reason for r in exc.reasons)
    elif isinstance(exc, InvalidInput):
        errors = exc.errors
        kinds = tuple("input" for _ in errors) or ("input",)
        reasons = tuple(f"{k}: {v}" for k, v in sorted(errors.items())) or (str(exc),)
    else:
        kinds, reasons = ("state",), (f"definisi ini tidak dapat membuka pengaduan ini: {exc}",)
    return Refused(step=step, state=state, kinds=kinds, reasons=reasons)


__all__ = ["STEP_KINDS", "DETAIL_KINDS", "Step", "TicketHistory", "Refused", "Escalated", "Replayed", "Replayer",
           "Validations", "histories", "replay", "step_from_row"]
