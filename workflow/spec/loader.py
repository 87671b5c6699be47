"""Load a definition from YAML, stage 1 of validation: structure.

The YAML is composed into nodes so every value keeps its line and column; each structural problem
(wrong type, missing or unknown key, bad identifier, a deadline without an explicit unit, a key
written twice) becomes a `DefinitionProblem` pointing at ``file:line:column`` with the YAML path and a
hint. Stage 2 (meaning) lives in `workflow.validation`. `load_definition` runs both and raises one
`DefinitionError` listing everything.
"""
from __future__ import annotations

import difflib
import hashlib
import re
from pathlib import Path
from typing import Any, Iterable

import yaml

from workflow.spec.catalog import Catalogs, default_catalogs
from workflow.errors import DefinitionError, DefinitionProblem
from workflow.spec.model import (
    INPUT_TYPES, OUTCOMES, UNITS, Clock, Definition, Effect, Field, GuardRef, Lane, Role, Rung, Span,
    State, Transition, Trigger, _frozen,
)

KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
DEF_KEY_RE = re.compile(r"^[a-z][a-z0-9-]*$")

TOP_KEYS = {"key", "title", "title_en", "description", "catalogs", "lanes", "roles", "record", "states",
            "clocks", "transitions", "notifications", "version"}
ROLE_KEYS = {"label", "label_en", "lane", "supervisor_level", "system", "description"}
LANE_KEYS = {"key", "label", "label_en"}
FIELD_KEYS = {"name", "type", "label", "label_en", "required", "catalog", "options", "default",
              "max_length", "identity", "help", "parent"}
STATE_KEYS = {"label", "label_en", "lane", "actors", "initial", "terminal", "outcome", "description"}
TRANSITION_KEYS = {"trigger", "label", "label_en", "from", "to", "roles", "guards", "inputs", "effects",
                   "description"}
CLOCK_KEYS = {"label", "label_en", "budget", "start", "stop", "pause", "escalation", "description"}
TRIGGER_KEYS = {"open", "triggers", "states"}
RUNG_KEYS = {"at", "after", "escalate_to", "notify", "flag", "reassign"}
EFFECT_KINDS = {"assign", "assign_opd", "clock", "notify", "set"}


class FrozenList(list):
    """A list nobody can change: the `values` of a guard or the `to` of a notify in a cached spec.

    It stays a `list` (guards check ``isinstance(values, list)``; JSON writes it as an array), but every
    mutating method raises, so one request cannot edit the definition every other ticket runs on.
    """

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a loaded definition is frozen; copy the list before changing it")

    append = extend = insert = pop = remove = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse

    def __reduce__(self):  # copy/pickle rebuild from the items instead of appending one by one
        return (FrozenList, (list(self),))


class FrozenDict(dict):
    """A dict nobody can change (nested mappings in effect parameters and notifications)."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a loaded definition is frozen; copy the mapping before changing it")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self):
        return (FrozenDict, (dict(self),))


def _deep_frozen(value: Any) -> Any:
    """`value` with every nested list and mapping made immutable (still a list / dict for JSON)."""
    if isinstance(value, dict):
        return FrozenDict({k: _deep_frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return FrozenList(_deep_frozen(v) for v in value)
    return value


def _frozen_params(params: dict) -> Any:
    """Top level read-only (MappingProxyType, as `spec._frozen`), nested values frozen too."""
    return _frozen({k: _deep_frozen(v) for k, v in params.items()})


class Located:
    """Line/column of every YAML path, kept beside the plain data."""

    def __init__(self, file: str):
        self.file = file
        self.marks: dict[str, tuple[int, int]] = {}
        self.problems: list[DefinitionProblem] = []

    def at(self, path: str) -> tuple[int | None, int | None]:
        probe = path
        while probe:
            if probe in self.marks:
                return self.marks[probe]
            parent = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", probe)
            if parent == probe:  # no shorter prefix: fall back to the document's start
                break
            probe = parent
        return self.marks.get("", (None, None))

    def problem(self, code: str, path: str, message: str, hint: str = "") -> None:
        line, column = self.at(path)
        self.problems.append(DefinitionProblem(code=code, message=message, path=path, file=self.file,
                                               line=line, column=column, hint=hint))


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _construct(node: yaml.Node, path: str, loc: Located) -> Any:
    """Turn a composed node into plain Python, recording each path's mark and duplicate keys."""
    loc.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                # `? [a, b]: x` is valid YAML but no definition key is a list or a mapping (and it
                # would not hash)
                loc.problems.append(DefinitionProblem(
                    "D101", "a key must be a plain name, not a list or a mapping", _join(path, "?"), loc.file,
                    key_node.start_mark.line + 1, key_node.start_mark.column + 1,
                    "write the key as a single word followed by ':'"))
                continue
            key = _scalar(key_node)
            child = _join(path, key)
            if key in out:
                loc.marks[child + "#dup"] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                loc.marks.setdefault(child, loc.marks[child + "#dup"])
                line, col = loc.marks[child + "#dup"]
                loc.problems.append(DefinitionProblem(
                    "D107", f"key '{key}' is written twice; YAML would silently keep only the last one",
                    child, loc.file, line, col, "remove or rename one of them"))
            loc.marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _construct(value_node, child, loc)
            loc.marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, _join(path, i), loc) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    """A scalar's Python value, with the tag the composer resolved (int, bool, date, str...)."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def parse_yaml(text: str, file: str) -> tuple[Any, Located]:
    loc = Located(file)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is None:
            loc.problems.append(DefinitionProblem("D101", "the file is empty", "", file, 1, 1,
                                                  "start from definitions/pengaduan-ptsp.yaml"))
            return None, loc
        return _construct(node, "", loc), loc
    except yaml.YAMLError as exc:  # syntax errors, and tags SafeLoader refuses (`!foo`, `!!python/...`)
        loc.problems.append(_syntax_problem(exc, file))
        return None, loc


def _syntax_problem(exc: yaml.YAMLError, file: str) -> DefinitionProblem:
    """D100 at the place the parser gave up, naming where the construct it was reading began."""
    mark = getattr(exc, "problem_mark", None)
    message = f"not valid YAML: {getattr(exc, 'problem', None) or exc}"
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark is not None and (mark is None or context_mark.line != mark.line):
        message += f" ({context} that starts on line {context_mark.line + 1})"
    hint = "check the indentation and quoting around this line"
    if "could not determine a constructor" in message:
        hint = "remove the '!' tag; definitions use plain YAML values only"
    elif "mapping values are not allowed" in message or "but got ':'" in message:
        hint = "a value containing ': ' must be quoted, e.g. label: \"Catatan: wajib\""
    return DefinitionProblem("D100", message, "", file, mark.line + 1 if mark else None,
                             mark.column + 1 if mark else None, hint)


def _kind(value: Any) -> str:
    """What a user wrote, in words ('a list', 'nothing'), for 'expected X, found Y' messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    return {dict: "a mapping", list: "a list", str: f"'{value}'", int: f"the number {value}",
            float: f"the number {value}"}.get(type(value), type(value).__name__)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


class _Builder:
    """Stage 1: check shapes and build the frozen spec, recording problems instead of stopping."""

    def __init__(self, data: Any, loc: Located):
        self.data = data
        self.loc = loc

    # -- helpers -------------------------------------------------------------------------------
    def mapping(self, value: Any, path: str, allowed: set[str], required: Iterable[str] = ()) -> dict:
        if not isinstance(value, dict):
            self.loc.problem("D101", path, f"expected a mapping, found {_kind(value)}",
                             "write it as 'key: value' lines indented under this one")
            return {}
        for key in value:
            if key not in allowed:
                self.loc.problem("D103", _join(path, key), f"unknown key '{key}'",
                                 did_you_mean(key, allowed) or f"allowed keys: {', '.join(sorted(allowed))}")
        for key in required:
            if key not in value:
                self.loc.problem("D102", path, f"missing required key '{key}'",
                                 f"add '{key}:' here")
        return value

    def seq(self, value: Any, path: str) -> list:
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            self.loc.problem("D101", path, f"expected a list, found {_kind(value)}",
                             "write it as [a, b] or one '- item' per line")
            return []
        return value

    def text(self, value: Any, path: str, default: str = "") -> str:
        if value is None:
            return default
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.loc.problem("D101", path, f"expected text, found {_kind(value)}",
                             "write the text on one line, quoted if it contains ': ' or starts with [ or {")
            return default
        return str(value)

    def name(self, value: Any, path: str) -> str | None:
        """A reference to something declared elsewhere (a role, a catalog): one plain word, or None."""
        if value is None:
            return None
        if not isinstance(value, str):
            self.loc.problem("D101", path, f"expected one name, found {_kind(value)}",
                             "write a single name, not a list or a mapping")
            return None
        return value

    def ident(self, value: Any, path: str, pattern: re.Pattern = KEY_RE) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            self.loc.problem("D104", path, f"'{value}' is not a valid identifier",
                             "use lower-case letters, digits and underscores, starting with a letter")
        return str(value)

    def boolean(self, value: Any, path: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.loc.problem("D101", path, f"expected true or false, found {_kind(value)}",
                             "write true or false (YAML reads 'ya' or 'tidak' as text)")
            return False
        return value

    def span(self, value: Any, path: str) -> Span | None:
        if not isinstance(value, dict) or "unit" not in value:
            self.loc.problem("D106", path, f"deadline '{value}' has no explicit unit",
                             "write {amount: 7, unit: calendar_days}; units: " + ", ".join(UNITS))
            return None
        self.mapping(value, path, {"amount", "unit"}, ("amount",))
        unit, amount = value.get("unit"), value.get("amount")
        if unit not in UNITS:
            self.loc.problem("D106", _join(path, "unit"), f"unknown deadline unit '{unit}'",
                             did_you_mean(unit, UNITS) or "units: " + ", ".join(UNITS))
            return None
        if not isinstance(amount, (int, float)) or isinstance(amount, bool) or amount <= 0:
            self.loc.problem("D105", _join(path, "amount"), f"deadline amount must be a positive number, not '{amount}'",
                             "write e.g. {amount: 7, unit: calendar_days}")
            return None
        return Span(float(amount), unit)

    # -- parts ---------------------------------------------------------------------------------
    def field(self, raw: Any, path: str) -> Field | None:
        raw = self.mapping(raw, path, FIELD_KEYS, ("name", "type"))
        if not raw:
            return None
        ftype = raw.get("type")
        if "type" in raw and (not isinstance(ftype, str) or ftype not in INPUT_TYPES):
            self.loc.problem("D105", _join(path, "type"), f"unknown field type '{ftype}'",
                             did_you_mean(ftype, INPUT_TYPES) or "types: " + ", ".join(INPUT_TYPES))
        options = tuple(str(o) for o in self.seq(raw.get("options"), _join(path, "options")))
        if ftype in ("choice", "multichoice") and not options and not raw.get("catalog"):
            self.loc.problem("D105", path, f"choice field '{raw.get('name')}' has neither options nor catalog",
                             "add 'catalog: <key>' or 'options: [a, b]'")
        default = raw.get("default")
        if options and default is not None and str(default) not in options:
            self.loc.problem("D105", _join(path, "default"), f"default '{default}' is not one of the options",
                             did_you_mean(str(default), options) or "options: " + ", ".join(options))
        max_length = raw.get("max_length")
        if max_length is not None and (not isinstance(max_length, int) or isinstance(max_length, bool)
                                       or max_length <= 0):
            self.loc.problem("D105", _join(path, "max_length"), "max_length must be a positive whole number",
                             "write e.g. 'max_length: 300' (characters)")
            max_length = None
        name = self.ident(raw["name"], _join(path, "name")) if "name" in raw else ""
        return Field(
            name=name, type=str(ftype) if ftype is not None else "",
            label=self.text(raw.get("label"), _join(path, "label"), name),
            label_en=self.text(raw.get("label_en"), _join(path, "label_en")),
            required=self.boolean(raw.get("required"), _join(path, "required")),
            catalog=self.name(raw.get("catalog"), _join(path, "catalog")), options=options,
            default=_deep_frozen(default), max_length=max_length,
            identity=self.boolean(raw.get("identity"), _join(path, "identity")),
            help=self.text(raw.get("help"), _join(path, "help")), parent=self.name(raw.get("parent"), _join(path, "parent")),
        )

    def guard(self, raw: Any, path: str) -> GuardRef | None:
        if isinstance(raw, str):
            raw = {"name": raw}
        if not isinstance(raw, dict) or "name" not in raw:
            self.loc.problem("D101", path, "a guard is a mapping with a 'name'",
                             "write {name: field_in, field: tingkat, values: [sedang, berat]}")
            return None
        name = self.name(raw["name"], _join(path, "name"))
        if name is None:
            return None
        params = {k: v for k, v in raw.items() if k not in ("name", "negate")}
        return GuardRef(name=name, params=_frozen_params(params),
                        negate=self.boolean(raw.get("negate"), _join(path, "negate")))

    def effect(self, raw: Any, path: str) -> Effect | None:
        if not isinstance(raw, dict) or len(raw) != 1:
            self.loc.problem("D101", path, "an effect is a mapping with exactly one kind",
                             "write e.g. {notify: {to: [pemohon], template: jawaban}}")
            return None
        kind, params = next(iter(raw.items()))
        if kind not in EFFECT_KINDS:
            self.loc.problem("D214", _join(path, kind), f"unknown effect '{kind}'",
                             did_you_mean(kind, EFFECT_KINDS) or "effects: " + ", ".join(sorted(EFFECT_KINDS)))
            return None
        if not isinstance(params, dict):
            self.loc.problem("D214", _join(path, kind), f"effect '{kind}' needs a mapping of parameters",
                             "write e.g. {clock: {start: opd_ack}}; see the effect table in definitions/README.md")
            return None
        return Effect(kind=kind, params=_frozen_params(params))

    def trigger_spec(self, raw: Any, path: str) -> Trigger:
        if raw is None:
            return Trigger()
        raw = self.mapping(raw, path, TRIGGER_KEYS)
        return Trigger(
            open=self.boolean(raw.get("open"), _join(path, "open")),
            triggers=tuple(str(t) for t in self.seq(raw.get("triggers"), _join(path, "triggers"))),
            states=tuple(str(s) for s in self.seq(raw.get("states"), _join(path, "states"))),
        )

    def rung(self, raw: Any, path: str, index: int) -> Rung | None:
        raw = self.mapping(raw, path, RUNG_KEYS)
        if not raw:
            return None
        at = raw.get("at")
        percent = None
        if at is not None:
            text = str(at).strip().rstrip("%")
            try:
                percent = float(text)
            except ValueError:
                self.loc.problem("D105", _join(path, "at"), f"'at: {at}' is not a percentage", "write e.g. 'at: 80%'")
                return None
        after = self.span(raw["after"], _join(path, "after")) if "after" in raw else None
        if (percent is None) == (after is None and "after" not in raw):
            self.loc.problem("D105", path, "a rung needs exactly one of 'at' (percent of the budget) or 'after' (span past due)",
                             "write {at: 100%, escalate_to: kepala_seksi}")
        return Rung(index=index, at_percent=percent, after=after,
                    escalate_to=self.name(raw.get("escalate_to"), _join(path, "escalate_to")),
                    notify=tuple(str(n) for n in self.seq(raw.get("notify"), _join(path, "notify"))),
                    flag=self.name(raw.get("flag"), _join(path, "flag")), reassign=self.boolean(raw.get("reassign"), _join(path, "reassign")))

    def build(self) -> Definition | None:
        data = self.mapping(self.data, "", TOP_KEYS, ("key", "title", "roles", "states", "transitions"))
        if not data:
            return None
        key = self.ident(data.get("key"), "key", DEF_KEY_RE)

        lanes = []
        for i, raw in enumerate(self.seq(data.get("lanes"), "lanes")):
            raw = self.mapping(raw, f"lanes[{i}]", LANE_KEYS, ("key", "label"))
            if raw:
                lanes.append(Lane(self.ident(raw.get("key"), f"lanes[{i}].key"), self.text(raw.get("label"), f"lanes[{i}].label"),
                                  self.text(raw.get("label_en"), f"lanes[{i}].label_en")))

        roles = {}
        for rkey, raw in self.mapping(data.get("roles"), "roles", _keys(data.get("roles"))).items():
            path = _join("roles", rkey)
            raw = self.mapping(raw, path, ROLE_KEYS, ("label",))
            level = raw.get("supervisor_level")
            if level is not None and (not isinstance(level, int) or isinstance(level, bool) or level < 1):
                self.loc.problem("D105", _join(path, "supervisor_level"), "supervisor_level must be 1, 2, 3 …",
                                 "1 is the first supervisor escalated to (Kepala Seksi), 2 the next, and so on")
                level = None
            roles[rkey] = Role(key=self.ident(rkey, path), label=self.text(raw.get("label"), _join(path, "label"), rkey),
                               lane=str(raw.get("lane") or rkey), label_en=self.text(raw.get("label_en"), _join(path, "label_en")),
                               supervisor_level=level, system=self.boolean(raw.get("system"), _join(path, "system")))

        record = tuple(f for i, raw in enumerate(self.seq(data.get("record"), "record"))
                       if (f := self.field(raw, f"record[{i}]")) is not None)

        states = {}
        for skey, raw in self.mapping(data.get("states"), "states", _keys(data.get("states"))).items():
            path = _join("states", skey)
            raw = self.mapping(raw, path, STATE_KEYS, ("label",))
            actors = tuple(str(a) for a in self.seq(raw.get("actors"), _join(path, "actors")))
            outcome = raw.get("outcome")
            if outcome is not None and outcome not in OUTCOMES:
                self.loc.problem("D105", _join(path, "outcome"), f"unknown outcome '{outcome}'",
                                 did_you_mean(outcome, OUTCOMES) or "outcomes: " + ", ".join(OUTCOMES))
            lane = raw.get("lane") or (roles[actors[0]].lane if actors and actors[0] in roles else "")
            states[skey] = State(key=self.ident(skey, path), label=self.text(raw.get("label"), _join(path, "label"), skey),
                                 lane=str(lane), label_en=self.text(raw.get("label_en"), _join(path, "label_en")),
                                 actors=actors, initial=self.boolean(raw.get("initial"), _join(path, "initial")),
                                 terminal=self.boolean(raw.get("terminal"), _join(path, "terminal")),
                                 outcome=outcome, description=self.text(raw.get("description"), _join(path, "description")))

        transitions = []
        for i, raw in enumerate(self.seq(data.get("transitions"), "transitions")):
            path = f"transitions[{i}]"
            raw = self.mapping(raw, path, TRANSITION_KEYS, ("trigger", "from", "to", "roles"))
            if not raw:
                continue
            sources = tuple(str(s) for s in self.seq(raw.get("from"), _join(path, "from")))
            if "*" in sources:
                self.loc.problem("D105", _join(path, "from"), "'*' is not allowed as a source",
                                 "list the states the move starts from; an explicit list keeps the SOP readable")
            dest = self.name(raw.get("to"), _join(path, "to")) or ""  # "" when missing: D102 said so already
            transitions.append(Transition(
                trigger=self.ident(raw["trigger"], _join(path, "trigger")) if "trigger" in raw else "",
                sources=sources, dest=dest, roles=tuple(str(r) for r in self.seq(raw.get("roles"), _join(path, "roles"))),
                label=self.text(raw.get("label"), _join(path, "label"), str(raw.get("trigger"))),
                label_en=self.text(raw.get("label_en"), _join(path, "label_en")),
                guards=tuple(g for j, g0 in enumerate(self.seq(raw.get("guards"), _join(path, "guards")))
                             if (g := self.guard(g0, f"{path}.guards[{j}]")) is not None),
                inputs=tuple(f for j, f0 in enumerate(self.seq(raw.get("inputs"), _join(path, "inputs")))
                             if (f := self.field(f0, f"{path}.inputs[{j}]")) is not None),
                effects=tuple(e for j, e0 in enumerate(self.seq(raw.get("effects"), _join(path, "effects")))
                              if (e := self.effect(e0, f"{path}.effects[{j}]")) is not None),
                index=i, description=self.text(raw.get("description"), _join(path, "description")),
            ))

        clocks = {}
        for ckey, raw in self.mapping(data.get("clocks") or {}, "clocks", _keys(data.get("clocks"))).items():
            path = _join("clocks", ckey)
            raw = self.mapping(raw, path, CLOCK_KEYS, ("budget", "start"))
            if not raw:
                continue
            budget = self.span(raw.get("budget"), _join(path, "budget")) if "budget" in raw else None
            rungs = tuple(r for j, r0 in enumerate(self.seq(raw.get("escalation"), _join(path, "escalation")))
                          if (r := self.rung(r0, f"{path}.escalation[{j}]", j)) is not None)
            if budget is None:
                continue
            clocks[ckey] = Clock(key=self.ident(ckey, path), label=self.text(raw.get("label"), _join(path, "label"), ckey),
                                 label_en=self.text(raw.get("label_en"), _join(path, "label_en")), budget=budget,
                                 start=self.trigger_spec(raw.get("start"), _join(path, "start")),
                                 stop=self.trigger_spec(raw.get("stop"), _join(path, "stop")),
                                 pause=self.trigger_spec(raw.get("pause"), _join(path, "pause")), escalation=rungs)

        notifications = data.get("notifications") or {}
        if not isinstance(notifications, dict):
            self.loc.problem("D101", "notifications", "expected a mapping of template keys",
                             "write one 'template_key: {label: ...}' line per template")
            notifications = {}
        return Definition(
            key=key, title=self.text(data.get("title"), "title"), title_en=self.text(data.get("title_en"), "title_en"),
            description=self.text(data.get("description"), "description"), lanes=tuple(lanes),
            roles=_frozen(roles), states=_frozen(states), transitions=tuple(transitions), record=record,
            clocks=_frozen(clocks), catalogs=tuple(str(c) for c in self.seq(data.get("catalogs"), "catalogs")),
            notifications=_frozen_params(notifications),
        )


def _keys(value: Any) -> set[str]:
    """The keys of a user-named mapping (roles, states, clocks); none when it is not a mapping."""
    return set(value) if isinstance(value, dict) else set()


def source_hash(text: str) -> str:
    """SHA-256 of the definition text; publishing identical text again is a no-op."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_definition(text: str, file: str = "<definition>", catalogs: Catalogs | None = None,
                     templates: set[str] | None = None) -> tuple[Definition | None, list[DefinitionProblem]]:
    """Both validation stages; returns the definition (None if structure failed) and every problem."""
    from workflow.spec.validation import check_meaning

    data, loc = parse_yaml(text, file)
    if data is None:
        return None, loc.problems
    definition = _Builder(data, loc).build()
    if definition is None or any(p.code in ("D100",) for p in loc.problems):
        return None, loc.problems
    structural = list(loc.problems)
    meaning = check_meaning(definition, loc, catalogs if catalogs is not None else default_catalogs(), templates)
    definition = _with_hash(definition, source_hash(text))
    return definition, structural + meaning


def _with_hash(definition: Definition, digest: str) -> Definition:
    from dataclasses import replace
    return replace(definition, source_hash=digest)


def load_definition(text: str, file: str = "<definition>", catalogs: Catalogs | None = None,
                    version: int | None = None, templates: set[str] | None = None) -> Definition:
    """A valid definition, or `DefinitionError` with every problem found."""
    from dataclasses import replace

    definition, problems = check_definition(text, file, catalogs, templates)
    if problems or definition is None:
        raise DefinitionError(problems or [DefinitionProblem("D101", "could not read the definition", file=file)])
    return replace(definition, version=version) if version is not None else definition


def load_definition_file(path: str | Path, catalogs: Catalogs | None = None) -> Definition:
    path = Path(path)
    return load_definition(path.read_text(encoding="utf-8"), str(path), catalogs)


__all__ = ["parse_yaml", "check_definition", "load_definition", "load_definition_file", "source_hash",
           "did_you_mean", "Located"]
