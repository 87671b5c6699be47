"""Stage 1 of validation: check the shape of every part and build the frozen `Definition`.

Problems are recorded in the `Located` the text was parsed into (wrong type, missing or unknown key, bad
identifier, a deadline without an explicit unit) and building goes on, so one run reports them all.
Stage 2, whether the definition means something possible, is `workflow.spec.validation`.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

from workflow.spec.answers import build_answers
from workflow.spec.dates import build_date_rule
from workflow.spec.frozen import deep_frozen, frozen_mapping, frozen_params
from workflow.spec.handoffs import build_handoffs
from workflow.spec.located import Located, did_you_mean, join_path
from workflow.spec.model import (
    INPUT_TYPES,
    Clock,
    Definition,
    Effect,
    Field,
    GuardRef,
    Lane,
    Role,
    Rung,
    State,
    Transition,
    Trigger,
)
from workflow.spec.outcomes import build_outcomes, check_state_outcome
from workflow.spec.shapes import DEF_KEY_RE, Shapes, keys_of

TOP_KEYS = {"key", "title", "title_en", "description", "catalogs", "lanes", "roles", "record", "states",
            "clocks", "transitions", "notifications", "version", "outcomes", "public", "handoffs", "answers"}
ROLE_KEYS = {"label", "label_en", "lane", "supervisor_level", "system", "description"}
LANE_KEYS = {"key", "label", "label_en"}
FIELD_KEYS = {"name", "type", "label", "label_en", "required", "catalog", "options", "default",
              "max_length", "identity", "help", "parent", "date_rule", "option_labels", "option_labels_en",
              "office_only", "group", "group_en"}
STATE_KEYS = {"label", "label_en", "lane", "actors", "initial", "terminal", "outcome", "description"}
TRANSITION_KEYS = {"trigger", "label", "label_en", "from", "to", "roles", "guards", "inputs", "effects",
                   "description"}
CLOCK_KEYS = {"label", "label_en", "budget", "start", "stop", "pause", "escalation", "description", "from_date"}
TRIGGER_KEYS = {"open", "triggers", "states"}
RUNG_KEYS = {"at", "after", "escalate_to", "notify", "flag", "reassign"}
EFFECT_KINDS = {"assign", "assign_opd", "clock", "notify", "set"}


def build_definition(data: Any, loc: Located) -> Definition | None:
    """The definition the plain data describes (None when the top level is not a mapping)."""
    return _Builder(loc).definition(data)


class _Builder(Shapes):
    """Builds each part from its plain data; the readers of single values come from `Shapes`."""

    lanes_declared = False  # set once 'lanes:' is read: it decides how the lanes of roles and states are checked
    declared_outcomes: dict = {}  # set once 'outcomes:' is read: what a terminal state's outcome may name

    # -- the definition, section by section ------------------------------------------------------
    def definition(self, data: Any) -> Definition | None:
        data = self.mapping(data, "", TOP_KEYS, ("key", "title", "roles", "states", "transitions"))
        if not data:
            return None
        key = self.ident(data.get("key"), "key", DEF_KEY_RE)
        lanes = self.lanes(data.get("lanes"))
        self.lanes_declared = bool(lanes)
        roles = self.roles(data.get("roles"))
        record = self.fields(data.get("record"), "record")
        self.declared_outcomes = build_outcomes(self, data.get("outcomes"))
        states = self.states(data.get("states"), roles)
        transitions = self.transitions(data.get("transitions"))
        clocks = self.clocks(data.get("clocks"))
        notifications = self.notifications(data.get("notifications"))
        handoffs = build_handoffs(self, data.get("handoffs"))
        return Definition(
            key=key, title=self.text(data.get("title"), "title"), title_en=self.text(data.get("title_en"), "title_en"),
            description=self.text(data.get("description"), "description"), lanes=lanes,
            roles=frozen_mapping(roles), states=frozen_mapping(states), transitions=transitions, record=record,
            clocks=frozen_mapping(clocks), catalogs=tuple(str(c) for c in self.seq(data.get("catalogs"), "catalogs")),
            notifications=frozen_params(notifications), outcomes=frozen_mapping(self.declared_outcomes),
            public=self.boolean(data.get("public"), "public"), handoffs=frozen_mapping(handoffs),
            answers=build_answers(self, data.get("answers")),
        )

    def lanes(self, value: Any) -> tuple[Lane, ...]:
        lanes = []
        for i, raw in enumerate(self.seq(value, "lanes")):
            path = f"lanes[{i}]"
            raw = self.mapping(raw, path, LANE_KEYS, ("key", "label"))
            if raw:
                lanes.append(Lane(self.ident(raw.get("key"), f"{path}.key"),
                                  self.text(raw.get("label"), f"{path}.label"),
                                  self.text(raw.get("label_en"), f"{path}.label_en")))
        return tuple(lanes)

    def roles(self, value: Any) -> dict[str, Role]:
        return {rkey: self.role(raw, rkey) for rkey, raw in self.mapping(value, "roles", keys_of(value)).items()}

    def states(self, value: Any, roles: dict[str, Role]) -> dict[str, State]:
        return {skey: self.state(raw, skey, roles)
                for skey, raw in self.mapping(value, "states", keys_of(value)).items()}

    def transitions(self, value: Any) -> tuple[Transition, ...]:
        built = (self.transition(raw, i) for i, raw in enumerate(self.seq(value, "transitions")))
        return tuple(t for t in built if t is not None)

    def clocks(self, value: Any) -> dict[str, Clock]:
        declared = self.mapping(value or {}, "clocks", keys_of(value))
        built = {ckey: self.clock(raw, ckey) for ckey, raw in declared.items()}
        return {ckey: clock for ckey, clock in built.items() if clock is not None}

    def notifications(self, value: Any) -> dict:
        if not isinstance(value or {}, dict):
            self.loc.problem("D101", "notifications", "expected a mapping of template keys",
                             "write one 'template_key: {label: ...}' line per template")
            return {}
        return value or {}

    def fields(self, value: Any, path: str) -> tuple[Field, ...]:
        built = (self.field(raw, f"{path}[{i}]") for i, raw in enumerate(self.seq(value, path)))
        return tuple(f for f in built if f is not None)

    # -- the parts ---------------------------------------------------------------------------------
    def role(self, raw: Any, rkey: str) -> Role:
        path = join_path("roles", rkey)
        raw = self.mapping(raw, path, ROLE_KEYS, ("label",))
        level = raw.get("supervisor_level")
        if level is not None and (not isinstance(level, int) or isinstance(level, bool) or level < 1):
            self.loc.problem("D105", join_path(path, "supervisor_level"), "supervisor_level must be 1, 2, 3 …",
                             "1 is the first supervisor escalated to (Kepala Seksi), 2 the next, and so on")
            level = None
        return Role(key=self.ident(rkey, path), label=self.text(raw.get("label"), join_path(path, "label"), rkey),
                    lane=self.lane(raw.get("lane"), join_path(path, "lane")) or rkey,
                    label_en=self.text(raw.get("label_en"), join_path(path, "label_en")),
                    supervisor_level=level, system=self.boolean(raw.get("system"), join_path(path, "system")))

    def state(self, raw: Any, skey: str, roles: dict[str, Role]) -> State:
        path = join_path("states", skey)
        raw = self.mapping(raw, path, STATE_KEYS, ("label",))
        actors = tuple(str(a) for a in self.seq(raw.get("actors"), join_path(path, "actors")))
        outcome = raw.get("outcome")
        check_state_outcome(self.loc, join_path(path, "outcome"), outcome, self.declared_outcomes)
        inherited = roles[actors[0]].lane if actors and actors[0] in roles else ""  # checked on the role
        return State(key=self.ident(skey, path), label=self.text(raw.get("label"), join_path(path, "label"), skey),
                     lane=self.lane(raw.get("lane"), join_path(path, "lane")) or inherited,
                     label_en=self.text(raw.get("label_en"), join_path(path, "label_en")),
                     actors=actors, initial=self.boolean(raw.get("initial"), join_path(path, "initial")),
                     terminal=self.boolean(raw.get("terminal"), join_path(path, "terminal")),
                     outcome=outcome, description=self.text(raw.get("description"), join_path(path, "description")))

    def lane(self, value: Any, path: str) -> str:
        """The lane a role or state names ("" for none), which the diagram draws with the name in its markup.

        Declared lanes are checked in stage 2 (an undeclared one is D216). Without 'lanes:', every name a
        role or state gives becomes a lane of its own, so it must be an identifier like any other key.
        """
        if not value:
            return ""
        return str(value) if self.lanes_declared else self.ident(value, path)

    def transition(self, raw: Any, i: int) -> Transition | None:
        path = f"transitions[{i}]"
        raw = self.mapping(raw, path, TRANSITION_KEYS, ("trigger", "from", "to", "roles"))
        if not raw:
            return None
        sources = tuple(str(s) for s in self.seq(raw.get("from"), join_path(path, "from")))
        if "*" in sources:
            self.loc.problem("D105", join_path(path, "from"), "'*' is not allowed as a source",
                             "list the states the move starts from; an explicit list keeps the SOP readable")
        dest = self.name(raw.get("to"), join_path(path, "to")) or ""  # "" when missing: D102 said so already
        return Transition(
            trigger=self.ident(raw["trigger"], join_path(path, "trigger")) if "trigger" in raw else "",
            sources=sources, dest=dest,
            roles=tuple(str(r) for r in self.seq(raw.get("roles"), join_path(path, "roles"))),
            label=self.text(raw.get("label"), join_path(path, "label"), str(raw.get("trigger"))),
            label_en=self.text(raw.get("label_en"), join_path(path, "label_en")),
            guards=self.each(self.guard, raw.get("guards"), join_path(path, "guards")),
            inputs=self.fields(raw.get("inputs"), join_path(path, "inputs")),
            effects=self.each(self.effect, raw.get("effects"), join_path(path, "effects")),
            index=i, description=self.text(raw.get("description"), join_path(path, "description")),
        )

    def each(self, part, value: Any, path: str) -> tuple:
        """Every item of the list at `path` built by `part`, leaving out those it could not build."""
        built = (part(raw, f"{path}[{j}]") for j, raw in enumerate(self.seq(value, path)))
        return tuple(item for item in built if item is not None)

    def clock(self, raw: Any, ckey: str) -> Clock | None:
        path = join_path("clocks", ckey)
        raw = self.mapping(raw, path, CLOCK_KEYS, ("budget",))  # 'start': stage 2 (a handoff's clocks have none)
        if not raw:
            return None
        budget = self.span(raw.get("budget"), join_path(path, "budget")) if "budget" in raw else None
        escalation = join_path(path, "escalation")
        rungs = tuple(r for j, r0 in enumerate(self.seq(raw.get("escalation"), escalation))
                      if (r := self.rung(r0, f"{escalation}[{j}]", j)) is not None)
        if budget is None:
            return None
        return Clock(key=self.ident(ckey, path), label=self.text(raw.get("label"), join_path(path, "label"), ckey),
                     label_en=self.text(raw.get("label_en"), join_path(path, "label_en")), budget=budget,
                     start=self.trigger_spec(raw.get("start"), join_path(path, "start")),
                     stop=self.trigger_spec(raw.get("stop"), join_path(path, "stop")),
                     pause=self.trigger_spec(raw.get("pause"), join_path(path, "pause")), escalation=rungs,
                     from_date=self.name(raw.get("from_date"), join_path(path, "from_date")))

    def field(self, raw: Any, path: str) -> Field | None:
        raw = self.mapping(raw, path, FIELD_KEYS, ("name", "type"))
        if not raw:
            return None
        ftype = raw.get("type")
        if "type" in raw and (not isinstance(ftype, str) or ftype not in INPUT_TYPES):
            self.loc.problem("D105", join_path(path, "type"), f"unknown field type '{ftype}'",
                             did_you_mean(ftype, INPUT_TYPES) or "types: " + ", ".join(INPUT_TYPES))
        options = tuple(str(o) for o in self.seq(raw.get("options"), join_path(path, "options")))
        if ftype in ("choice", "multichoice") and not options and not raw.get("catalog"):
            self.loc.problem("D105", path, f"choice field '{raw.get('name')}' has neither options nor catalog",
                             "add 'catalog: <key>' or 'options: [a, b]'")
        default = raw.get("default")
        if options and default is not None and str(default) not in options:
            self.loc.problem("D105", join_path(path, "default"), f"default '{default}' is not one of the options",
                             did_you_mean(str(default), options) or "options: " + ", ".join(options))
        max_length = self.max_length(raw.get("max_length"), join_path(path, "max_length"))
        name = self.ident(raw["name"], join_path(path, "name")) if "name" in raw else ""
        return Field(
            name=name, type=str(ftype) if ftype is not None else "",
            label=self.text(raw.get("label"), join_path(path, "label"), name),
            label_en=self.text(raw.get("label_en"), join_path(path, "label_en")),
            required=self.boolean(raw.get("required"), join_path(path, "required")),
            catalog=self.name(raw.get("catalog"), join_path(path, "catalog")), options=options,
            default=deep_frozen(default), max_length=max_length,
            identity=self.boolean(raw.get("identity"), join_path(path, "identity")),
            help=self.text(raw.get("help"), join_path(path, "help")),
            parent=self.name(raw.get("parent"), join_path(path, "parent")),
            date_rule=build_date_rule(self, raw.get("date_rule"), join_path(path, "date_rule"), ftype),
            option_labels=self.option_labels(raw.get("option_labels"), options, join_path(path, "option_labels")),
            option_labels_en=self.option_labels(raw.get("option_labels_en"), options,
                                                join_path(path, "option_labels_en")),
            office_only=self.boolean(raw.get("office_only"), join_path(path, "office_only")),
            group=self.text(raw.get("group"), join_path(path, "group")),
            group_en=self.text(raw.get("group_en"), join_path(path, "group_en")),
        )

    def option_labels(self, raw: Any, options: tuple[str, ...], path: str) -> Mapping[str, str]:
        """``{option: label}``: what people read for a field's own options; each key must be one of them."""
        if raw is None or not self.expect(raw, path, isinstance(raw, dict), "a mapping",
                                          "write one 'option: Label' per line"):
            return MappingProxyType({})
        out = {}
        for code, label in raw.items():
            if str(code) not in options:
                self.loc.problem("D105", join_path(path, str(code)), f"'{code}' is not one of the options",
                                 did_you_mean(str(code), options) or "options: " + ", ".join(options))
                continue
            out[str(code)] = self.text(label, join_path(path, str(code)), str(code))
        return MappingProxyType(out)

    def max_length(self, value: Any, path: str) -> int | None:
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
            self.loc.problem("D105", path, "max_length must be a positive whole number",
                             "write e.g. 'max_length: 300' (characters)")
            return None
        return value

    def guard(self, raw: Any, path: str) -> GuardRef | None:
        if isinstance(raw, str):
            raw = {"name": raw}
        if not isinstance(raw, dict) or "name" not in raw:
            self.loc.problem("D101", path, "a guard is a mapping with a 'name'",
                             "write {name: field_in, field: tingkat, values: [sedang, berat]}")
            return None
        name = self.name(raw["name"], join_path(path, "name"))
        if name is None:
            return None
        params = {k: v for k, v in raw.items() if k not in ("name", "negate")}
        return GuardRef(name=name, params=frozen_params(params),
                        negate=self.boolean(raw.get("negate"), join_path(path, "negate")))

    def effect(self, raw: Any, path: str) -> Effect | None:
        if not isinstance(raw, dict) or len(raw) != 1:
            self.loc.problem("D101", path, "an effect is a mapping with exactly one kind",
                             "write e.g. {notify: {to: [pemohon], template: jawaban}}")
            return None
        kind, params = next(iter(raw.items()))
        if kind not in EFFECT_KINDS:
            self.loc.problem("D214", join_path(path, kind), f"unknown effect '{kind}'",
                             did_you_mean(kind, EFFECT_KINDS) or "effects: " + ", ".join(sorted(EFFECT_KINDS)))
            return None
        if not isinstance(params, dict):
            self.loc.problem("D214", join_path(path, kind), f"effect '{kind}' needs a mapping of parameters",
                             "write e.g. {clock: {start: opd_ack}}; see the effect table in definitions/README.md")
            return None
        return Effect(kind=kind, params=frozen_params(params))

    def trigger_spec(self, raw: Any, path: str) -> Trigger:
        if raw is None:
            return Trigger()
        raw = self.mapping(raw, path, TRIGGER_KEYS)
        return Trigger(
            open=self.boolean(raw.get("open"), join_path(path, "open")),
            triggers=tuple(str(t) for t in self.seq(raw.get("triggers"), join_path(path, "triggers"))),
            states=tuple(str(s) for s in self.seq(raw.get("states"), join_path(path, "states"))),
        )

    def rung(self, raw: Any, path: str, index: int) -> Rung | None:
        raw = self.mapping(raw, path, RUNG_KEYS)
        if not raw:
            return None
        at = raw.get("at")
        percent = None
        if at is not None:
            try:
                percent = float(str(at).strip().rstrip("%"))
            except ValueError:
                self.loc.problem("D105", join_path(path, "at"), f"'at: {at}' is not a percentage",
                                 "write e.g. 'at: 80%'")
                return None
        after = self.span(raw["after"], join_path(path, "after")) if "after" in raw else None
        if (percent is None) == (after is None and "after" not in raw):
            self.loc.problem("D105", path,
                             "a rung needs exactly one of 'at' (percent of the budget) or 'after' (span past due)",
                             "write {at: 100%, escalate_to: kepala_seksi}")
        return Rung(index=index, at_percent=percent, after=after,
                    escalate_to=self.name(raw.get("escalate_to"), join_path(path, "escalate_to")),
                    notify=tuple(str(n) for n in self.seq(raw.get("notify"), join_path(path, "notify"))),
                    flag=self.name(raw.get("flag"), join_path(path, "flag")),
                    reassign=self.boolean(raw.get("reassign"), join_path(path, "reassign")))


__all__ = ["build_definition", "EFFECT_KINDS"]
