"""The guards a definition may name: their names and parameters, and when two guard lists exclude each other.

This is the vocabulary a definition is checked against when it loads (an unknown guard or a wrong
parameter is a located problem, never a surprise at fire time). What each guard decides about a ticket
is `workflow.core.guards`, which implements exactly these names (checked when it is imported).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from workflow.spec.model import UNITS, GuardRef


@dataclass(frozen=True)
class GuardSignature:
    """A guard's name, its required parameters and their types, and optional ones."""

    name: str
    params: Mapping[str, type | tuple[type, ...]]
    field_param: str | None = None  # the param naming a ticket field, checked against the definition
    optional: Mapping[str, type | tuple[type, ...]] = field(default_factory=dict)


SIGNATURES: dict[str, GuardSignature] = {
    sig.name: sig
    for sig in [
        GuardSignature("field_in", {"field": str, "values": list}, field_param="field"),
        GuardSignature("field_not_in", {"field": str, "values": list}, field_param="field"),
        GuardSignature("field_present", {"field": str}, field_param="field"),
        GuardSignature("field_absent", {"field": str}, field_param="field"),
        GuardSignature("opd_assigned", {}),
        GuardSignature("no_opd_assigned", {}),
        GuardSignature("actor_is_assignee", {}),
        GuardSignature("actor_in_ticket_opd", {}),
        GuardSignature("within", {"since": str, "amount": (int, float), "unit": str}),
    ]
}


def check_params(ref_name: str, params: Mapping[str, Any]) -> list[str]:
    """Problems with a guard's parameters (empty when fine)."""
    spec = SIGNATURES[ref_name]
    problems = []
    for name, kind in spec.params.items():
        if name not in params:
            problems.append(f"guard '{ref_name}' needs parameter '{name}'")
        elif not isinstance(params[name], kind) or isinstance(params[name], bool) and kind is not bool:
            problems.append(f"guard '{ref_name}' parameter '{name}' must be {getattr(kind, '__name__', kind)}")
    for name in params:
        if name not in spec.params and name not in spec.optional:
            problems.append(f"guard '{ref_name}' takes no parameter '{name}'")
    if ref_name == "within" and params.get("unit") not in UNITS:
        problems.append(f"guard 'within' unit must be one of {', '.join(UNITS)}")
    return problems


def _values(ref: GuardRef) -> set:
    return set(map(str, ref.params.get("values", [])))


def mutually_exclusive(a: tuple[GuardRef, ...], b: tuple[GuardRef, ...]) -> bool:
    """True when no ticket can pass both guard lists (so the same trigger is not ambiguous)."""
    for x in a:
        for y in b:
            if _exclusive_pair(x, y):
                return True
    return False


def _exclusive_pair(x: GuardRef, y: GuardRef) -> bool:
    if x.name == y.name and dict(x.params) == dict(y.params) and x.negate != y.negate:
        return True
    if x.negate or y.negate:
        return False
    names = {x.name, y.name}
    fx, fy = x.params.get("field"), y.params.get("field")
    if names == {"opd_assigned", "no_opd_assigned"}:
        return True
    if fx is None or fx != fy:
        return False
    if names == {"field_present", "field_absent"}:
        return True
    if x.name == y.name == "field_in":
        return not (_values(x) & _values(y))
    if names == {"field_in", "field_not_in"}:
        inc, exc = (x, y) if x.name == "field_in" else (y, x)
        return _values(inc) <= _values(exc)
    if names == {"field_in", "field_absent"}:
        inc = x if x.name == "field_in" else y
        return "None" not in _values(inc) and "" not in _values(inc)
    return False


__all__ = ["GuardSignature", "SIGNATURES", "check_params", "mutually_exclusive"]
