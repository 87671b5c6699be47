"""Frozen specification objects built from a definition's YAML.

A `Definition` is never edited in place: the loader builds it once per published version and the
engine caches it beside its `transitions` machine. A running ticket stores only the definition's
key and version (see STYLE.md: definition vs running case kept apart).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Mapping

UNITS = ("calendar_days", "working_days", "working_hours")
#: The standard outcome categories reports count by. A definition declares its own outcomes (``outcomes:``),
#: each mapped to one of these; a terminal state names a declared outcome or a category directly.
OUTCOME_CATEGORIES = (
    "answered", "resolved_by_explanation", "transferred", "no_violation", "referred", "rejected", "withdrawn",
    "merged", "closed_unconfirmed", "imported",
)
OUTCOMES = OUTCOME_CATEGORIES  # the name older code knows
INPUT_TYPES = (
    "text", "textarea", "choice", "multichoice", "date", "datetime", "number", "boolean", "email",
    "phone", "opd",
)
CONFIDENTIALITY = ("biasa", "anonim", "rahasia")


@dataclass(frozen=True)
class Span:
    """An amount of time with an explicit unit (the SOP's "7 hari kalender")."""

    amount: float
    unit: str

    def describe(self) -> str:
        names = {"calendar_days": "hari kalender", "working_days": "hari kerja", "working_hours": "jam kerja"}
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{amount} {names.get(self.unit, self.unit)}"


@dataclass(frozen=True)
class Lane:
    key: str
    label: str
    label_en: str = ""


@dataclass(frozen=True)
class Role:
    key: str
    label: str
    lane: str
    label_en: str = ""
    supervisor_level: int | None = None
    system: bool = False


@dataclass(frozen=True)
class Outcome:
    """How a complaint can end in this definition (``outcomes:``), mapped to one standard category."""

    key: str
    category: str
    label: str = ""
    label_en: str = ""
    description: str = ""


WEEKDAYS = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")  # 0 = Monday, as datetime counts


@dataclass(frozen=True)
class DateRule:
    """Which dates a date field accepts: e.g. the complaint box is opened only on Monday and Thursday."""

    weekdays: tuple[int, ...] = ()  # 0 = Monday; empty: any day
    not_future: bool = False  # a date that has not come yet is refused (something that already happened)
    reason: str = ""  # why, as a person would say it ("kotak pengaduan hanya dibuka hari Senin dan Kamis")


@dataclass(frozen=True)
class Field:
    """A typed field: part of the intake record or of a transition's inputs."""

    name: str
    type: str
    label: str = ""
    label_en: str = ""
    required: bool = False
    catalog: str | None = None
    options: tuple[str, ...] = ()
    default: Any = None
    max_length: int | None = None
    identity: bool = False
    help: str = ""
    parent: str | None = None  # for choice fields filtered by another field (jenis_izin by sektor)
    date_rule: DateRule | None = None  # for date fields: which days may be entered (`workflow.spec.dates`)
    # what people read for each of `options` ({"dalam": "Dalam kewenangan"}); an option without one shows its code
    option_labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    option_labels_en: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # record fields only: the office fills it (the public form leaves it out), and the form section it sits in
    office_only: bool = False
    group: str = ""
    group_en: str = ""

    def option_label(self, code: Any, locale: str = "id") -> str:
        """The label of one of the field's own options, in ``locale`` (Indonesian when no English is given)."""
        text = str(code)
        if locale == "en" and text in self.option_labels_en:
            return self.option_labels_en[text]
        return self.option_labels.get(text, text)


@dataclass(frozen=True)
class State:
    key: str
    label: str
    lane: str
    label_en: str = ""
    actors: tuple[str, ...] = ()
    initial: bool = False
    terminal: bool = False
    outcome: str | None = None
    description: str = ""


@dataclass(frozen=True)
class GuardRef:
    """A guard by registry name with its parameters, resolved when the definition loads."""

    name: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    negate: bool = False

    def describe(self) -> str:
        return self._described

    @cached_property  # every verdict names its guard: worked out once per (immutable) guard, not per fire
    def _described(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{'not ' if self.negate else ''}{self.name}({args})"


@dataclass(frozen=True)
class Effect:
    """One declared effect of a transition: kind is the registry name, params its arguments."""

    kind: str  # assign | assign_opd | clock | notify | set
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Transition:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    label: str = ""
    label_en: str = ""
    guards: tuple[GuardRef, ...] = ()
    inputs: tuple[Field, ...] = ()
    effects: tuple[Effect, ...] = ()
    index: int = 0  # position in the file; identifies the transition among same-trigger siblings
    description: str = ""


@dataclass(frozen=True)
class Trigger:
    """Where a clock starts, stops or pauses: on opening, on triggers, or on entering states."""

    open: bool = False
    triggers: tuple[str, ...] = ()
    states: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rung:
    """One step of an escalation ladder: at a share of the budget, or a span after the due time."""

    index: int
    at_percent: float | None = None
    after: Span | None = None
    escalate_to: str | None = None
    notify: tuple[str, ...] = ()
    flag: str | None = None
    reassign: bool = False

    def key(self) -> str:
        if self.at_percent is not None:
            return f"at{self.at_percent:g}"
        assert self.after is not None
        return f"after{self.after.amount:g}{self.after.unit}"


@dataclass(frozen=True)
class Clock:
    key: str
    label: str
    budget: Span
    start: Trigger
    stop: Trigger
    pause: Trigger
    escalation: tuple[Rung, ...]
    label_en: str = ""
    from_date: str | None = None  # the ticket's date field the budget counts from, instead of the start


@dataclass(frozen=True)
class Handoff:
    """A hand-over of a ticket to several agencies at once (``handoffs:``), each answering on its own.

    Entering ``state`` hands the ticket to every agency named in the field ``agencies``; each part runs
    its own ``acknowledge`` and ``answer`` clocks (clocks of ``clocks:`` run once per agency) and
    ladders. When every part is answered or withdrawn, the ticket moves on to ``then``.
    """

    key: str
    label: str
    state: str
    then: str
    agencies: str
    acknowledge: str
    answer: str
    roles: tuple[str, ...]  # who acknowledges and answers for an agency (with the agency on their account)
    withdraw: tuple[str, ...] = ()  # who may withdraw one agency's part
    inputs: tuple[Field, ...] = ()  # what an agency's answer holds
    request: str | None = None  # the field that says what is asked of the agencies
    template: str | None = None  # the notice each agency's liaisons get when handed the ticket
    done: tuple[str, ...] = ()  # who is told when every agency has answered (template tugas_baru)
    label_en: str = ""
    description: str = ""


@dataclass(frozen=True)
class CannedAnswer:
    """A text an officer inserts into an answer field and edits before sending (`workflow.spec.answers`)."""

    key: str
    label: str
    text: str
    fields: tuple[str, ...] = ()  # textarea inputs it may fill
    triggers: tuple[str, ...] = ()  # the transitions it is for; empty: every one asking for one of the fields
    label_en: str = ""


@dataclass(frozen=True)
class Definition:
    key: str
    title: str
    lanes: tuple[Lane, ...]
    roles: Mapping[str, Role]
    states: Mapping[str, State]
    transitions: tuple[Transition, ...]
    record: tuple[Field, ...] = ()
    clocks: Mapping[str, Clock] = field(default_factory=lambda: MappingProxyType({}))
    catalogs: tuple[str, ...] = ()
    notifications: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    title_en: str = ""
    description: str = ""
    outcomes: Mapping[str, Outcome] = field(default_factory=lambda: MappingProxyType({}))
    handoffs: Mapping[str, Handoff] = field(default_factory=lambda: MappingProxyType({}))
    public: bool = False  # offered on the public form and the API intake
    answers: tuple[CannedAnswer, ...] = ()  # canned answer texts (workflow.spec.answers)
    version: int | None = None  # set when loaded from the store; None for a draft
    source_hash: str = ""

    @property
    def initial(self) -> str:
        return next(s.key for s in self.states.values() if s.initial)

    def transitions_from(self, state: str) -> list[Transition]:
        return list(self._from_state.get(state, ()))

    def transitions_named(self, trigger: str) -> list[Transition]:
        return list(self._named.get(trigger, ()))

    # Indexes built on first use and kept with the (immutable) definition: every fire and every ticket
    # page asks these questions, and scanning all transitions each time showed in bench_fire.py.
    @cached_property
    def _named(self) -> dict[str, tuple[Transition, ...]]:
        out: dict[str, list[Transition]] = {}
        for t in self.transitions:
            out.setdefault(t.trigger, []).append(t)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def _from_state(self) -> dict[str, tuple[Transition, ...]]:
        out: dict[str, list[Transition]] = {}
        for t in self.transitions:
            for source in dict.fromkeys(t.sources):
                out.setdefault(source, []).append(t)
        return {k: tuple(v) for k, v in out.items()}

    def record_field(self, name: str) -> Field | None:
        return next((f for f in self.record if f.name == name), None)

    def identity_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.record if f.identity)

    def supervisor_chain(self) -> list[Role]:
        """The escalation chain, lowest level first (Kepala Seksi → Kepala Bidang → Kepala Dinas)."""
        chain = [r for r in self.roles.values() if r.supervisor_level is not None]
        return sorted(chain, key=lambda r: r.supervisor_level or 0)

    def promise_clock(self) -> Clock | None:
        """The deadline a complainant is promised on the receipt: the first clock that starts when a complaint
        is opened (the SOP's overall deadline), or None."""
        return next((c for c in self.clocks.values() if c.start.open), None)

    def outcome_category(self, code: str | None) -> str | None:
        """The standard category of an outcome code (a declared outcome, or a category named directly)."""
        if code is None:
            return None
        declared = self.outcomes.get(code)
        if declared is not None:
            return declared.category
        return code if code in OUTCOME_CATEGORIES else None

    def handoff_in(self, state: str) -> Handoff | None:
        """The handoff a ticket waits on in ``state``, if the state is one's."""
        return next((h for h in self.handoffs.values() if h.state == state), None)

    def handoff_of_clock(self, clock: str) -> Handoff | None:
        """The handoff whose acknowledge or answer clock ``clock`` is (such clocks run once per agency)."""
        return next((h for h in self.handoffs.values() if clock in (h.acknowledge, h.answer)), None)

    def triggers(self) -> list[str]:
        seen: dict[str, None] = {}
        for t in self.transitions:
            seen.setdefault(t.trigger, None)
        return list(seen)


__all__ = [
    "UNITS", "OUTCOMES", "OUTCOME_CATEGORIES", "Outcome", "INPUT_TYPES", "CONFIDENTIALITY", "Span", "Lane", "Role",
    "Field", "State", "GuardRef", "Effect", "Transition", "Trigger", "Rung", "Clock", "Definition", "DateRule",
    "Handoff", "WEEKDAYS", "CannedAnswer",
]
