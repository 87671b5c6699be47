"""One `transitions` state machine per published definition version, built once and cached.

The machine is the authority on which moves exist: the engine picks the transition (by role and
guards, which it evaluates itself so it can explain refusals) and then fires the machine's event on
a throw-away model object, with a condition that admits only the chosen transition. No machine or
model object lives per ticket (see LIBRARY_NOTES: ``add_model`` costs ~0.3 ms and ~18 KiB).
"""
from __future__ import annotations

import threading
from typing import Any

from transitions import Machine, MachineError

from .spec import Definition


class _Model:
    """The minimal model transitions needs: a ``state`` attribute."""

    __slots__ = ("state",)

    def __init__(self, state: str):
        self.state = state


def _only(index: int):
    def condition(event: Any) -> bool:
        return event.kwargs.get("chosen") == index
    return condition


def build_machine(definition: Definition) -> Machine:
    machine = Machine(model=None, states=list(definition.states), initial=definition.initial,
                      auto_transitions=False, send_event=True, ignore_invalid_triggers=False)
    for t in definition.transitions:
        for source in t.sources:
            machine.add_transition(t.trigger, source, t.dest, conditions=[_only(t.index)])
    return machine


_CACHE: dict[tuple[str, int | None, str], Machine] = {}
_LOCK = threading.Lock()


def machine_for(definition: Definition) -> Machine:
    key = (definition.key, definition.version, definition.source_hash)
    machine = _CACHE.get(key)
    if machine is None:
        with _LOCK:
            machine = _CACHE.get(key)
            if machine is None:
                machine = _CACHE[key] = build_machine(definition)
    return machine


def move(definition: Definition, state: str, trigger: str, index: int) -> str:
    """The destination of transition ``index`` fired from ``state``; MachineError if impossible."""
    model = _Model(state)
    event = machine_for(definition).events.get(trigger)
    if event is None:
        raise MachineError(f"no trigger '{trigger}'")
    if not event.trigger(model, chosen=index):
        raise MachineError(f"transition {index} of '{trigger}' does not leave '{state}'")
    return model.state


__all__ = ["build_machine", "machine_for", "move", "MachineError"]
