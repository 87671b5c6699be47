"""Stage 2 of definition validation: does the SOP mean something possible?

Codes are stable (tests/fixtures/invalid/ holds one failing definition per code):

    D201 unknown state (or trigger)  D211 ambiguous transitions (same trigger and source, guards overlap)
    D202 unknown role                D212 clock without an escalation target
    D203 unknown guard               D213 unknown clock
    D204 bad guard parameters        D214 unknown or malformed effect
    D205 unknown catalog             D215 terminal state without an outcome
    D206 not exactly one initial     D216 unknown lane
    D207 unreachable state           D217 unknown notification recipient or template
    D208 non-terminal dead end       D218 escalation target is not a supervisor role
    D209 terminal state with outgoing transitions
    D210 duplicate trigger from one state (same guards)
    D219 unknown field (guard/effect/parent names a field no record or input defines)
    D220 escalation ladder out of order
    D221 a field declared twice in the record or in one transition's inputs
    D240 a handoff's agencies field is not a list of agencies    D241 a transition hands over without asking which
    D242 a handoff's clock also runs otherwise, or twice          D243 a handoff waits where it cannot
    D244 a clock counts from a field that is not a date           D245 a template the definition ships is malformed
    D246 a recipient names a field that is not an address (field:) or an agency (agency:)
    D247 a canned answer fills a field no transition asks for as a textarea, or names an unknown trigger
    D230 unknown agency (an ``opd`` field's options name an agency neither catalog nor office lists)

The sections run in a fixed order (catalogs and fields, lanes and roles, states, transitions and their
effects, ambiguity, dead ends, reachability, clocks and ladders), which is the order problems are listed.
"""
from __future__ import annotations

import re
from collections import defaultdict, deque
from dataclasses import replace
from typing import Iterable

from workflow.errors import DefinitionProblem
from workflow.spec.answers import check_answers
from workflow.spec.catalog import Catalogs
from workflow.spec.dates import check_clock_anchor
from workflow.spec.guards import SIGNATURES as GUARDS
from workflow.spec.guards import check_params, mutually_exclusive
from workflow.spec.handoffs import check_clock_start, check_handoffs
from workflow.spec.located import Located, did_you_mean
from workflow.spec.model import Clock, Definition, Effect, Field, GuardRef, Rung, Transition
from workflow.spec.notices import check_contact_recipient, check_own_templates, own_templates

RECIPIENT_WORDS = {"pemohon", "assignee", "opd", "escalation_target"}
USER_ID = re.compile(r"[A-Za-z0-9_.@-]{1,80}")
CLOCK_OPS = {"start", "stop", "pause", "resume", "restart"}
BUILTIN_FIELDS = {"opd", "state"}


def check_meaning(d: Definition, loc: Located, catalogs: Catalogs,
                  templates: set[str] | None = None) -> list[DefinitionProblem]:
    """Every meaning problem of a definition stage 1 could build, recorded in `loc` and returned."""
    before = len(loc.problems)
    _Meaning(d, loc, catalogs, templates).check()
    loc.problems[before:] = collapse_repeats(loc.problems[before:])
    return loc.problems[before:]


#: Codes whose message names one unknown thing; the same unknown name written in several places is one mistake.
UNKNOWN_NAME_CODES = {"D201", "D202", "D203", "D205", "D213", "D216", "D219", "D230"}


def collapse_repeats(problems: list[DefinitionProblem]) -> list[DefinitionProblem]:
    """One problem per unknown name: a state renamed in one place and used under its old name in five is one
    mistake, reported where it is first used, and the hint lists the other places (issue 14, item 3)."""
    first: dict[tuple[str, str], int] = {}
    others: dict[int, list[str]] = defaultdict(list)
    kept: list[DefinitionProblem] = []
    for p in problems:
        key = (p.code, p.message)
        if p.code in UNKNOWN_NAME_CODES and key in first:
            others[first[key]].append(f"{p.line}" if p.line is not None else p.path)
            continue
        first[key] = len(kept)
        kept.append(p)
    for index, places in others.items():
        p = kept[index]
        shown = ", ".join(places[:5]) + (f" and {len(places) - 5} more" if len(places) > 5 else "")
        also = f"also used on line(s) {shown}"
        kept[index] = replace(p, hint=f"{p.hint}; {also}" if p.hint else also)
    return kept


class _Meaning:
    """One run of stage 2 over one definition: what the sections learn and share, and the sections."""

    def __init__(self, d: Definition, loc: Located, catalogs: Catalogs, templates: set[str] | None):
        self.d, self.loc, self.catalogs, self.templates = d, loc, catalogs, templates
        self.problem = loc.problem
        self.lanes = {lane.key for lane in d.lanes}
        # names written in the file count as declared even when stage 1 could not build them (it said why):
        # a clock with a bad budget is not also an "unknown clock" wherever it is used
        self.roles = set(d.roles) | written(loc, "roles")
        self.states = set(d.states) | written(loc, "states")
        self.clocks = set(d.clocks) | written(loc, "clocks")
        self.start = len(loc.problems)
        self.field_names = set(BUILTIN_FIELDS)  # grows with the record, every input and every `set` effect
        self.outgoing: dict[str, list[Transition]] = defaultdict(list)
        self.unjudged: set[int] = set()  # transitions with unknown or malformed guards: no ambiguity verdict
        self.initials = [s.key for s in d.states.values() if s.initial]

    def check(self) -> None:
        self.check_catalogs_and_fields()
        self.check_lanes_and_roles()
        self.check_states()
        for t in self.d.transitions:
            self.check_transition(t)
        check_handoffs(self)  # handoffs, and the engine's move out of each waiting state (workflow.spec.handoffs)
        check_own_templates(self)
        check_answers(self)
        self.check_ambiguity()
        if not self.graph_broken():  # with a state misnamed, dead ends and unreachable states are its echoes
            self.check_dead_ends()
            self.check_reachability()
        for key, clock in self.d.clocks.items():
            check_clock_start(self, key, clock)
            check_clock_anchor(self, key, clock)
            self.check_clock(key, clock)

    # -- references ----------------------------------------------------------------------------
    def known(self, code: str, what: str, name: str, declared, path: str) -> bool:
        """Whether `name` is declared; if not, `code` at `path` with the closest name or the whole list."""
        if name in declared:
            return True
        self.problem(code, path, f"unknown {what} '{name}'",
                     did_you_mean(name, declared) or f"{what}s: " + ", ".join(sorted(declared)))
        return False

    def need_state(self, name: str, path: str) -> bool:
        return self.known("D201", "state", name, self.states, path)

    def need_role(self, name: str, path: str) -> bool:
        return self.known("D202", "role", name, self.roles, path)

    def need_catalog(self, key: str, path: str) -> bool:
        return self.known("D205", "catalog", key, self.catalogs, path)

    def need_lane(self, lane: str, path: str) -> None:
        if self.lanes:  # without declared lanes, stage 1 checked each lane name as an identifier
            self.known("D216", "lane", lane, self.lanes, path)

    # -- catalogs and fields -------------------------------------------------------------------
    def check_catalogs_and_fields(self) -> None:
        for i, key in enumerate(self.d.catalogs):
            self.need_catalog(key, f"catalogs[{i}]")
        self.check_fields(self.d.record, "record")
        record_names = {f.name for f in self.d.record}
        for j, f in enumerate(self.d.record):
            if f.parent is not None and f.parent not in record_names:
                self.problem("D219", f"record[{j}].parent",
                             f"field '{f.name}' is filtered by unknown field '{f.parent}'",
                             did_you_mean(f.parent, record_names)
                             or "name another field of the record, e.g. parent: sektor")
        for t in self.d.transitions:
            self.check_fields(t.inputs, f"transitions[{t.index}].inputs")
        for t in self.d.transitions:  # fields written by `set` effects exist for every guard, wherever declared
            for e in t.effects:
                if e.kind == "set" and isinstance(e.params.get("field"), str):
                    self.field_names.add(e.params["field"])

    def check_fields(self, fields: Iterable[Field], base: str) -> None:
        seen: set[str] = set()
        for j, f in enumerate(fields):
            if f.name in seen:
                self.problem("D221", f"{base}[{j}].name", f"field '{f.name}' is declared twice here",
                             "remove one of them; a form cannot have two fields with the same name")
            seen.add(f.name)
            self.field_names.add(f.name)
            if f.type == "opd" and f.options:
                self.check_agencies(f, f"{base}[{j}].options")
            if f.catalog is None or not self.need_catalog(f.catalog, f"{base}[{j}].catalog"):
                continue
            if self.d.catalogs and f.catalog not in self.d.catalogs and f.catalog != "jenis_izin":
                self.problem("D205", f"{base}[{j}].catalog", f"catalog '{f.catalog}' is not listed under 'catalogs'",
                             f"add '{f.catalog}' to the top-level 'catalogs' list")

    def check_agencies(self, f: Field, path: str) -> None:
        """An ``opd`` field's own list of agencies names agencies of the office's catalog (the shipped
        catalog plus the agencies the office added, `workflow.services.agencies`)."""
        catalog = self.catalogs.get(f.catalog or "opd")
        if catalog is None:
            return  # an unknown catalog is reported on the field (D205)
        for k, code in enumerate(f.options):
            if code not in catalog:
                self.problem("D230", f"{path}[{k}]", f"unknown agency '{code}'",
                             did_you_mean(code, catalog.entries) or "add it to the office's agencies "
                             "('alur agencies add' or the console's Instansi page), or fix the code")

    # -- lanes, roles and states ---------------------------------------------------------------
    def check_lanes_and_roles(self) -> None:
        for key, role in self.d.roles.items():
            self.need_lane(role.lane, f"roles.{key}.lane")

    def check_states(self) -> None:
        initials = self.initials
        if len(initials) != 1:
            # point at the second 'initial: true' when there are several, at 'states:' when there is none
            self.problem("D206", f"states.{initials[1]}.initial" if len(initials) > 1 else "states",
                         f"a definition needs exactly one initial state, found {len(initials)}"
                         + (f" ({', '.join(initials)})" if initials else ""),
                         "keep 'initial: true' only on the intake state" if initials
                         else "mark the intake state with 'initial: true'")
        for key, state in self.d.states.items():
            for j, actor in enumerate(state.actors):
                self.need_role(actor, f"states.{key}.actors[{j}]")
            first = self.d.roles.get(state.actors[0]) if state.actors else None
            inherited = first is not None and first.lane == state.lane
            if state.lane and not inherited:  # an inherited lane is reported on its role
                self.need_lane(state.lane, f"states.{key}.lane")
            if state.terminal and not state.outcome:
                self.problem("D215", f"states.{key}", f"terminal state '{key}' has no outcome",
                             "add e.g. 'outcome: answered' (answered, resolved_by_explanation, transferred, "
                             "rejected, withdrawn…)")

    # -- transitions and their effects ---------------------------------------------------------
    def check_transition(self, t: Transition) -> None:
        base = f"transitions[{t.index}]"
        for j, src in enumerate(t.sources):
            if self.need_state(src, f"{base}.from" if len(t.sources) == 1 else f"{base}.from[{j}]"):
                self.outgoing[src].append(t)
        if t.dest:  # an empty dest means 'to' is missing or not a name: stage 1 reported it
            self.need_state(t.dest, f"{base}.to")
        if not t.roles and not self.reported("D102", base, "roles"):
            self.problem("D202", f"{base}.roles", f"transition '{t.trigger}' names no role that may fire it",
                         "add 'roles: [petugas]'")
        for j, role in enumerate(t.roles):
            self.need_role(role, f"{base}.roles[{j}]")
        for j, g in enumerate(t.guards):
            self.check_guard(g, f"{base}.guards[{j}]", t.index)
        for j, e in enumerate(t.effects):
            self.check_effect(e, f"{base}.effects[{j}]")

    def check_guard(self, g: GuardRef, gpath: str, index: int) -> None:
        if g.name not in GUARDS:
            self.problem("D203", gpath, f"unknown guard '{g.name}'",
                         did_you_mean(g.name, GUARDS) or "guards: " + ", ".join(sorted(GUARDS)))
            self.unjudged.add(index)
            return
        for msg in check_params(g.name, g.params):
            self.problem("D204", gpath, msg, "see the guard table in definitions/README.md")
            self.unjudged.add(index)
        spec = GUARDS[g.name]
        if spec.field_param and isinstance(g.params.get(spec.field_param), str):
            name = g.params[spec.field_param]
            if name not in self.field_names:
                self.problem("D219", gpath, f"guard '{g.name}' reads unknown field '{name}'",
                             did_you_mean(name, self.field_names)
                             or "declare it in 'record' or in a transition's inputs")
        if g.name == "within" and isinstance(g.params.get("since"), str):
            self.need_state(g.params["since"], f"{gpath}.since")

    def check_effect(self, e: Effect, path: str) -> None:
        checks = {"assign": self.check_assign, "assign_opd": self.check_assign_opd, "clock": self.check_clock_effect,
                  "notify": self.check_notify, "set": self.check_set}
        if e.kind in checks:  # stage 1 builds no effect of another kind (D214 there)
            checks[e.kind](dict(e.params), f"{path}.{e.kind}")

    def check_assign(self, p: dict, kpath: str) -> None:
        if not (set(p) <= {"role", "input", "clear"}) or len(p) != 1:
            self.problem("D214", kpath, "assign takes exactly one of role / input / clear",
                         "write {assign: {role: tim}}")
        elif not _names(p, "role", "input"):
            self.problem("D214", kpath, "assign's role or input must be one name", "write {assign: {role: tim}}")
        elif "role" in p:  # exactly one parameter: 'input' is not given
            self.need_role(p["role"], f"{kpath}.role")
        elif "input" in p and p["input"] not in self.field_names:
            self.problem("D219", f"{kpath}.input", f"unknown field '{p['input']}'",
                         did_you_mean(p["input"], self.field_names) or "declare it in the transition's inputs")

    def check_assign_opd(self, p: dict, kpath: str) -> None:
        if set(p) - {"field", "clear"} or not p or not _names(p, "field"):
            self.problem("D214", kpath, "assign_opd takes 'field' (the OPD field) or 'clear: true'",
                         "write {assign_opd: {field: opd}} or {assign_opd: {clear: true}}")
        elif "field" in p and p["field"] not in self.field_names:
            self.problem("D219", f"{kpath}.field", f"unknown field '{p['field']}'",
                         did_you_mean(p["field"], self.field_names) or "declare an input of type opd with that name")

    def check_clock_effect(self, p: dict, kpath: str) -> None:
        if len(p) != 1 or next(iter(p)) not in CLOCK_OPS or not isinstance(next(iter(p.values())), str):
            self.problem("D214", kpath, f"clock takes exactly one of {', '.join(sorted(CLOCK_OPS))}",
                         "write {clock: {start: opd_ack}}")
            return
        name = str(next(iter(p.values())))
        if name not in self.clocks:
            self.problem("D213", kpath, f"unknown clock '{name}'",
                         did_you_mean(name, self.clocks) or "declare it under 'clocks'")

    def check_set(self, p: dict, kpath: str) -> None:
        if set(p) != {"field", "value"} or not _names(p, "field"):
            self.problem("D214", kpath, "set takes 'field' and 'value'", "write {set: {field: hasil, value: dijawab}}")
        else:
            self.field_names.add(str(p["field"]))

    # -- notifications -------------------------------------------------------------------------
    def check_notify(self, p: dict, kpath: str) -> None:
        if set(p) - {"to", "template"} or "to" not in p or "template" not in p or not _names(p, "template"):
            self.problem("D214", kpath, "notify takes 'to' (recipients) and 'template'",
                         "write {notify: {to: [pemohon], template: jawaban}}")
            return
        targets = p["to"] if isinstance(p["to"], list) else [p["to"]]
        for j, who in enumerate(targets):
            self.check_recipient(str(who), f"{kpath}.to[{j}]")
        if self.templates is not None and p["template"] not in self.templates \
                and p["template"] not in own_templates(self.d):
            self.problem("D217", f"{kpath}.template", f"unknown notification template '{p['template']}'",
                         did_you_mean(str(p["template"]), self.templates)
                         or "templates: " + ", ".join(sorted(self.templates)))

    def check_recipient(self, who: str, path: str) -> None:
        if who in RECIPIENT_WORDS:
            return
        if who.startswith("role:"):
            if who[5:] not in self.roles:
                self.problem("D202", path, f"unknown role '{who[5:]}' in recipient '{who}'",
                             did_you_mean(who[5:], self.roles) or "roles: " + ", ".join(sorted(self.roles)))
            return
        if who.startswith(("field:", "agency:")):  # an address or an agency the ticket carries
            check_contact_recipient(self, who, path)
            return
        if who.startswith("user:"):  # one named account; delivery logs a skip if it is missing or disabled
            if not USER_ID.fullmatch(who[5:]):
                self.problem("D217", path, f"recipient '{who}' does not name a user",
                             "write user:<username or id>, e.g. user:sekretaris_kadis")
            return
        self.problem("D217", path, f"unknown recipient '{who}'",
                     did_you_mean(who, RECIPIENT_WORDS) or
                     "recipients: pemohon, assignee, opd, escalation_target, role:<role>, user:<username>, "
                     "field:<email or phone field>, agency:<opd field>")

    # -- the graph of states -------------------------------------------------------------------
    def check_ambiguity(self) -> None:
        for state, ts in self.outgoing.items():
            by_trigger: dict[str, list[Transition]] = defaultdict(list)
            for t in ts:
                by_trigger[t.trigger].append(t)
            for trigger, same in by_trigger.items():
                for i in range(len(same)):
                    for j in range(i + 1, len(same)):
                        self.check_pair(state, trigger, same[i], same[j])

    def check_pair(self, state: str, trigger: str, a: Transition, b: Transition) -> None:
        path = f"transitions[{b.index}].trigger"
        if a.guards == b.guards:
            self.problem("D210", path, f"trigger '{trigger}' leaves state '{state}' twice "
                         f"(transitions[{a.index}] and [{b.index}]) with the same guards",
                         "remove one, or give each a guard that excludes the other")
        elif {a.index, b.index} & self.unjudged:
            return  # 'values: ringan' (not a list) would be compared letter by letter
        elif not mutually_exclusive(a.guards, b.guards):
            self.problem("D211", path, f"trigger '{trigger}' from '{state}' is ambiguous: transitions[{a.index}] "
                         f"and [{b.index}] can both pass",
                         "make the guards exclusive, e.g. field_in on disjoint values")

    def check_dead_ends(self) -> None:
        for key, state in self.d.states.items():
            leaving = self.outgoing.get(key)
            if state.terminal and leaving:
                self.problem("D209", f"states.{key}", f"terminal state '{key}' has outgoing transitions "
                             f"({', '.join(sorted({t.trigger for t in leaving}))})",
                             "remove 'terminal: true' or move those transitions")
            elif not state.terminal and not leaving:
                self.problem("D208", f"states.{key}",
                             f"state '{key}' is a dead end: no transition leaves it and it is not terminal",
                             "add a transition out of it, or mark it 'terminal: true' with an outcome")

    def check_reachability(self) -> None:
        if len(self.initials) != 1:
            return  # D206 said so; from where would one search?
        seen = {self.initials[0]}
        queue = deque(seen)
        while queue:
            for t in self.outgoing.get(queue.popleft(), []):
                if t.dest in self.states and t.dest not in seen:
                    seen.add(t.dest)
                    queue.append(t.dest)
        for key in self.d.states:
            if key not in seen:
                self.problem("D207", f"states.{key}", f"state '{key}' cannot be reached from '{self.initials[0]}'",
                             "add a transition into it, or remove it")

    # -- clocks and ladders --------------------------------------------------------------------
    def check_clock(self, key: str, clock: Clock) -> None:
        base = f"clocks.{key}"
        triggers = {t.trigger for t in self.d.transitions}
        for part in ("start", "stop", "pause"):
            spec = getattr(clock, part)
            for j, s in enumerate(spec.states):
                self.need_state(s, f"{base}.{part}.states[{j}]")
            for j, trig in enumerate(spec.triggers):
                if trig not in triggers:
                    self.problem("D201", f"{base}.{part}.triggers[{j}]", f"unknown trigger '{trig}'",
                                 did_you_mean(trig, triggers) or "triggers: " + ", ".join(self.d.triggers()))
        if not any(r.escalate_to for r in clock.escalation):
            self.problem("D212", base, f"clock '{key}' has no escalation target",
                         "add a rung such as {at: 100%, escalate_to: kepala_seksi}")
        self.check_ladder(base, clock.escalation)

    def check_ladder(self, base: str, rungs: tuple[Rung, ...]) -> None:
        last_at, last_after = -1.0, -1.0
        for r in rungs:
            rpath = f"{base}.escalation[{r.index}]"
            if r.escalate_to is not None and self.need_role(r.escalate_to, f"{rpath}.escalate_to") \
                    and self.d.roles[r.escalate_to].supervisor_level is None:
                self.problem("D218", f"{rpath}.escalate_to",
                             f"escalation target '{r.escalate_to}' is not a supervisor role",
                             "escalate to a role with supervisor_level (Kepala Seksi, Kepala Bidang, Kepala Dinas)")
            for j, who in enumerate(r.notify):
                self.check_recipient(who, f"{rpath}.notify[{j}]")
            if r.at_percent is not None:
                if r.at_percent <= last_at or last_after >= 0 or r.at_percent <= 0:
                    self.problem("D220", rpath,
                                 "escalation rungs must go up: percentages ascending, then 'after' spans",
                                 "order the ladder from the earliest warning to the last escalation")
                last_at = r.at_percent
            elif r.after is not None:
                # rough common scale: a working day spans a calendar day, and 8 office hours (08:00-16:00)
                # take one, so a working hour counts as 3 hours; '10 working_hours' comes after '1 working_days'
                hours = r.after.amount * (3 if r.after.unit == "working_hours" else 24)
                if hours <= last_after:
                    self.problem("D220", rpath, "escalation rungs must go up: 'after' spans ascending",
                                 "order the ladder from the earliest warning to the last escalation")
                last_after = hours

    def graph_broken(self) -> bool:
        """Whether a transition names an unknown state or a state could not be built: the graph is not the
        one the author meant, so what it leaves unreachable says nothing more."""
        return any(p.code == "D201" for p in self.loc.problems[self.start:]) or any(
            p.path.startswith(("states.", "transitions")) for p in self.loc.problems[:self.start])

    def reported(self, code: str, path: str, key: str) -> bool:
        """Whether stage 1 already reported `key` missing at `path` (so stage 2 does not say it again)."""
        return any(p.code == code and p.path == path and f"'{key}'" in p.message for p in self.loc.problems)


def written(loc: Located, section: str) -> set[str]:
    """The keys written under a top-level mapping (``states``, ``clocks``, ``roles``), built or not."""
    prefix = section + "."
    return {path[len(prefix):] for path in loc.marks
            if path.startswith(prefix) and "." not in path[len(prefix):] and "[" not in path[len(prefix):]
            and "#" not in path}


def _names(params: dict, *keys: str) -> bool:
    """Whether each of these parameters, when given, is one plain name (not a list or a mapping)."""
    return all(isinstance(params[k], str) for k in keys if k in params)


__all__ = ["check_meaning"]
