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
OUTCOMES = (
    "answered", "resolved_by_explanation", "transferred", "rejected", "withdrawn", "merged",
    "closed_unconfirmed", "imported",
)
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

    def triggers(self) -> list[str]:
        seen: dict[str, None] = {}
        for t in self.transitions:
            seen.setdefault(t.trigger, None)
        return list(seen)


__all__ = [
    "UNITS", "OUTCOMES", "INPUT_TYPES", "CONFIDENTIALITY", "Span", "Lane", "Role", "Field", "State",
    "GuardRef", "Effect", "Transition", "Trigger", "Rung", "Clock", "Definition",
]
