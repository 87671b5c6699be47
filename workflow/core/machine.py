"""One `transitions` state machine per published definition version, built once and cached.

The machine is the authority on which moves exist: the engine picks the transition (by role and
guards, which it evaluates itself so it can explain refusals) and then asks the machine where that
transition leads from the ticket's state. Each machine transition carries a condition that admits
only its own definition transition (``chosen``), so two transitions that share a trigger and a
source stay apart. No machine or model object lives per ticket (see LIBRARY_NOTES: ``add_model``
costs ~0.3 ms and ~18 KiB).

`move` reads the machine's transition table (``Machine.events[trigger].transitions[source]``)
instead of running the event pipeline (``Event.trigger``: event data, prepare/before/after/enter/exit
callback lists, logging), which alur registers nothing on: the pipeline cost about 25 µs a fire, 4 %
of a persisted SQLite fire (benchmarks/bench_fire.py). tests/test_architecture.py holds `move` equal
to firing the event for every transition of the shipped SOP.
"""
from __future__ import annotations

import threading
from typing import Any

from transitions import Machine
from transitions import MachineError as _LibraryMachineError

from workflow.errors import MachineError
from workflow.spec.model import Definition


class _Model:
    """The minimal model transitions needs: a ``state`` attribute."""

    __slots__ = ("state",)

    def __init__(self, state: str):
        self.state = state


def _only(index: int):
    def condition(event: Any) -> bool:
        return event.kwargs.get("chosen") == index
    condition.chosen = index  # type: ignore[attr-defined]  # read by `move`
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


_MOVES: dict[tuple[str, int | None, str, str, str, int], str] = {}  # (machine, state, trigger, index) -> dest


def move(definition: Definition, state: str, trigger: str, index: int) -> str:
    """The destination of transition ``index`` fired from ``state``; MachineError if impossible.

    Remembered per machine (a machine never changes once built): every fire asks, and a replay asks again for
    every recorded step of every ticket."""
    key = (definition.key, definition.version, definition.source_hash, state, trigger, index)
    dest = _MOVES.get(key)
    if dest is not None:
        return dest
    event = machine_for(definition).events.get(trigger)
    if event is None:
        raise MachineError(f"no trigger '{trigger}'")
    for transition in event.transitions.get(state, ()):
        if any(getattr(c.func, "chosen", None) == index for c in transition.conditions):
            _MOVES[key] = transition.dest
            return transition.dest
    raise MachineError(f"transition {index} of '{trigger}' does not leave '{state}'")


def fire_event(definition: Definition, state: str, trigger: str, index: int) -> str:
    """`move` by running the machine's event pipeline on a throw-away model (the reference for `move`)."""
    model = _Model(state)
    event = machine_for(definition).events.get(trigger)
    if event is None:
        raise MachineError(f"no trigger '{trigger}'")
    try:
        moved = event.trigger(model, chosen=index)
    except _LibraryMachineError as exc:
        raise MachineError(str(exc)) from exc
    if not moved:
        raise MachineError(f"transition {index} of '{trigger}' does not leave '{state}'")
    return model.state


__all__ = ["build_machine", "machine_for", "move", "fire_event", "MachineError"]
