"""The "my turn" rule: a ticket waits on me when it is in a state where one of my roles acts.

Which roles act in a state is the definition's word (``states.<key>.actors``), and each ticket follows
its own definition version, so the rule spans every published definition and version the user acts
in: a petugas' turn is ``diterima`` and ``dijawab`` in one SOP and may be other states in another, or
in an older version a ticket still runs on.

`turns` reads that from the definitions once; `is_my_turn` (Python form) and `condition` (SQL form, on
``tickets``) answer from it. ``tests/store/test_rules.py`` holds the two forms equal on generated
tickets and definitions.
"""
from __future__ import annotations

from typing import Collection, Iterable, Mapping

from sqlalchemy import and_, false, or_
from sqlalchemy.sql import ColumnElement

from workflow.spec.model import Definition
from workflow.store import models as m

#: (definition key, version) -> the states where the actor's roles act.
Turns = Mapping[tuple[str, int], frozenset[str]]


def turns(definitions: Iterable[Definition], roles: Collection[str]) -> Turns:
    """For each definition version, the states whose actors include one of ``roles``."""
    roles = set(roles)
    return {(d.key, d.version or 0): frozenset(s.key for s in d.states.values() if roles & set(s.actors))
            for d in definitions}


def is_my_turn(my_turns: Turns, definition_key: str, definition_version: int, state: str) -> bool:
    """Whether a ticket in ``state`` of that definition version waits on the actor (Python form)."""
    return state in my_turns.get((definition_key, definition_version), ())


def condition(my_turns: Turns) -> ColumnElement[bool]:
    """The same test on ``tickets`` rows (SQL form): one arm per definition key and set of states,
    naming the versions that share it (usually every version of a key asks the same roles)."""
    groups: dict[tuple[str, frozenset[str]], list[int]] = {}
    for (key, version), states in sorted(my_turns.items()):
        if states:
            groups.setdefault((key, states), []).append(version)
    if not groups:
        return false()
    t = m.tickets.c
    return or_(*[and_(t.definition_key == key, t.definition_version.in_(versions), t.state.in_(sorted(states)))
                 for (key, states), versions in groups.items()])


__all__ = ["Turns", "turns", "is_my_turn", "condition"]
