"""What changes between two versions of a definition, and what it means for open tickets (pure).

Three views a supervisor needs before publishing:

* `text_diff`: the unified diff of the YAML text, what a reviewer reads line by line;
* `semantic_diff`: the same change in the definition's own terms (states, transitions, clocks, lanes,
  roles and record fields added, removed or changed, with what changed in each), which stays readable
  when the YAML was merely reformatted;
* `impact`: which open tickets of the previous version sit in states the new version no longer has.
  Those tickets keep running on their own version (a ticket stores its definition's version), but they
  can only move to the new version with ``alur tickets migrate --map old=new``.

Transitions have no key of their own; they are matched by trigger, first the siblings whose sources and
destination are unchanged, then the rest in file order, so editing a transition's ``to`` shows as one
changed transition rather than one removed and one added.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Mapping

from workflow.spec.model import Clock, Definition, Field, Lane, Role, State, Transition

ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class Difference:
    """One element added, removed or changed; ``details`` lists ``(attribute, old, new)``."""

    kind: str  # state | transition | clock | lane | role | field
    key: str
    change: str  # added | removed | changed
    details: tuple[tuple[str, str, str], ...] = ()

    def describe(self) -> str:
        text = f"{self.kind} {self.key} {self.change}"
        if self.details:
            text += ": " + "; ".join(f"{name} {old or '-'} → {new or '-'}" for name, old, new in self.details)
        return text


@dataclass(frozen=True)
class DefinitionDiff:
    differences: tuple[Difference, ...]

    def __bool__(self) -> bool:
        return bool(self.differences)

    def of(self, kind: str, change: str | None = None) -> list[Difference]:
        return [d for d in self.differences if d.kind == kind and (change is None or d.change == change)]

    def keys(self, kind: str, change: str) -> set[str]:
        return {d.key for d in self.of(kind, change)}

    def summary(self) -> dict[str, dict[str, int]]:
        """Counts per kind and change, e.g. ``{"state": {"added": 1}}``."""
        out: dict[str, dict[str, int]] = {}
        for d in self.differences:
            out.setdefault(d.kind, {}).setdefault(d.change, 0)
            out[d.kind][d.change] += 1
        return out


@dataclass(frozen=True)
class StateImpact:
    state: str
    tickets: int
    exists: bool  # the state is still in the new version
    suggestion: str | None = None  # a close state name in the new version, for --map


@dataclass(frozen=True)
class Impact:
    rows: tuple[StateImpact, ...]

    @property
    def stranded(self) -> list[StateImpact]:
        """Open tickets in states the new version does not have."""
        return [r for r in self.rows if not r.exists and r.tickets]

    @property
    def stranded_tickets(self) -> int:
        return sum(r.tickets for r in self.stranded)

    @property
    def needs_migration(self) -> bool:
        return bool(self.stranded)

    def migrate_command(self, key: str, to_version: int | str) -> str:
        """The CLI call that would move the stranded tickets, with guesses marked for review."""
        maps = " ".join(f"--map {r.state}={r.suggestion or '<tahap_baru>'}" for r in self.stranded)
        return f"alur tickets migrate --definition {key} --to {to_version} {maps}".strip()


def text_diff(old_text: str, new_text: str, old_name: str = "published", new_name: str = "draft",
              context: int = 3) -> str:
    """The unified diff of two YAML texts ('' when they are equal)."""
    lines = difflib.unified_diff(old_text.splitlines(keepends=True), new_text.splitlines(keepends=True),
                                 fromfile=old_name, tofile=new_name, n=context)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _show(value: Any) -> str:
    if value is None or value == () or value == "":
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, (tuple, list)):
        return ", ".join(_show(v) for v in value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    return str(value)


def _state_view(s: State) -> dict[str, str]:
    return {"label": s.label, "label_en": s.label_en, "lane": s.lane, "actors": _show(s.actors),
            "initial": _show(s.initial), "terminal": _show(s.terminal), "outcome": _show(s.outcome)}


def _field_view(f: Field) -> dict[str, str]:
    return {"type": f.type, "label": f.label, "required": _show(f.required), "catalog": _show(f.catalog),
            "options": _show(f.options), "identity": _show(f.identity), "max_length": _show(f.max_length)}


def _transition_view(t: Transition) -> dict[str, str]:
    return {"from": _show(t.sources), "to": t.dest, "roles": _show(t.roles), "label": t.label,
            "guards": _show([g.describe() for g in t.guards]),
            "inputs": _show([f"{f.name}{'*' if f.required else ''}:{f.type}" for f in t.inputs]),
            "effects": _show([f"{e.kind} {_show(e.params)}" for e in t.effects])}


def _clock_view(c: Clock) -> dict[str, str]:
    def trig(x) -> str:
        parts = (["open"] if x.open else []) + [f"trigger {t}" for t in x.triggers] + [f"state {s}" for s in x.states]
        return ", ".join(parts)

    rungs = []
    for r in c.escalation:
        when = f"{r.at_percent:g}%" if r.at_percent is not None else f"+{r.after.describe()}" if r.after else "?"
        what = [f"escalate_to {r.escalate_to}"] if r.escalate_to else []
        what += [f"notify {','.join(r.notify)}"] if r.notify else []
        what += [f"flag {r.flag}"] if r.flag else []
        rungs.append(f"{when} {' '.join(what)}".strip())
    return {"label": c.label, "budget": c.budget.describe(), "start": trig(c.start), "stop": trig(c.stop),
            "pause": trig(c.pause), "escalation": " | ".join(rungs)}


def _lane_view(lane: Lane) -> dict[str, str]:
    return {"label": lane.label, "label_en": lane.label_en}


def _role_view(r: Role) -> dict[str, str]:
    return {"label": r.label, "lane": r.lane, "supervisor_level": _show(r.supervisor_level),
            "system": _show(r.system)}


def _compare(kind: str, old: Mapping[str, dict[str, str]], new: Mapping[str, dict[str, str]]) -> list[Difference]:
    out = []
    for key in old:
        if key not in new:
            out.append(Difference(kind, key, REMOVED))
    for key, view in new.items():
        if key not in old:
            out.append(Difference(kind, key, ADDED))
            continue
        details = tuple((name, old[key].get(name, ""), value) for name, value in view.items()
                        if old[key].get(name, "") != value)
        if details:
            out.append(Difference(kind, key, CHANGED, details))
    return out


def _pair_transitions(old: Definition, new: Definition) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    old_views: dict[str, dict[str, str]] = {}
    new_views: dict[str, dict[str, str]] = {}
    for trigger in dict.fromkeys([t.trigger for t in old.transitions] + [t.trigger for t in new.transitions]):
        a = [t for t in old.transitions if t.trigger == trigger]
        b = [t for t in new.transitions if t.trigger == trigger]
        pairs: list[tuple[Transition | None, Transition | None]] = []
        rest_b = list(b)
        rest_a = []
        for t in a:  # siblings with the same sources and destination are the same transition
            same = next((u for u in rest_b if set(u.sources) == set(t.sources) and u.dest == t.dest), None)
            if same is not None:
                rest_b.remove(same)
                pairs.append((t, same))
            else:
                rest_a.append(t)
        for i in range(max(len(rest_a), len(rest_b))):
            pairs.append((rest_a[i] if i < len(rest_a) else None, rest_b[i] if i < len(rest_b) else None))
        pairs.sort(key=lambda p: (p[0] or p[1]).index)  # type: ignore[union-attr]
        for n, (x, y) in enumerate(pairs):
            shown = y or x
            assert shown is not None
            name = trigger if len(pairs) == 1 else f"{trigger} ({_show(shown.sources)} → {shown.dest})"
            if name in old_views or name in new_views:
                name = f"{name} #{n + 1}"
            if x is not None:
                old_views[name] = _transition_view(x)
            if y is not None:
                new_views[name] = _transition_view(y)
    return old_views, new_views


def semantic_diff(old: Definition, new: Definition) -> DefinitionDiff:
    """States, transitions, clocks, lanes, roles and record fields added, removed or changed."""
    found: list[Difference] = []
    found += _compare("lane", {lane.key: _lane_view(lane) for lane in old.lanes},
                      {lane.key: _lane_view(lane) for lane in new.lanes})
    found += _compare("role", {k: _role_view(r) for k, r in old.roles.items()},
                      {k: _role_view(r) for k, r in new.roles.items()})
    found += _compare("field", {f.name: _field_view(f) for f in old.record},
                      {f.name: _field_view(f) for f in new.record})
    found += _compare("state", {k: _state_view(s) for k, s in old.states.items()},
                      {k: _state_view(s) for k, s in new.states.items()})
    old_t, new_t = _pair_transitions(old, new)
    found += _compare("transition", old_t, new_t)
    found += _compare("clock", {k: _clock_view(c) for k, c in old.clocks.items()},
                      {k: _clock_view(c) for k, c in new.clocks.items()})
    return DefinitionDiff(tuple(found))


def impact(definition_new: Definition, open_tickets_by_state: Mapping[str, int]) -> Impact:
    """Which open tickets of the previous version sit in states the new version no longer has.

    Args:
        open_tickets_by_state: state key -> number of open tickets on the previous version(s).
    """
    rows = []
    for state, count in sorted(open_tickets_by_state.items(), key=lambda kv: (-kv[1], kv[0])):
        exists = state in definition_new.states
        suggestion = None
        if not exists:
            close = difflib.get_close_matches(state, [k for k, s in definition_new.states.items()
                                                      if not s.terminal], n=1, cutoff=0.5)
            suggestion = close[0] if close else None
        rows.append(StateImpact(state, int(count), exists, suggestion))
    return Impact(tuple(rows))


__all__ = ["Difference", "DefinitionDiff", "Impact", "StateImpact", "text_diff", "semantic_diff", "impact",
           "ADDED", "REMOVED", "CHANGED"]
