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
"""
from __future__ import annotations

import re
from collections import defaultdict, deque

from workflow.spec.catalog import Catalogs
from workflow.errors import DefinitionProblem
from workflow.core.guards import REGISTRY as GUARDS, check_params, mutually_exclusive
from workflow.spec.loader import Located, did_you_mean
from workflow.spec.model import Definition

RECIPIENT_WORDS = {"pemohon", "assignee", "opd", "escalation_target"}
USER_ID = re.compile(r"[A-Za-z0-9_.@-]{1,80}")
CLOCK_OPS = {"start", "stop", "pause", "resume", "restart"}
BUILTIN_FIELDS = {"opd", "state"}


def check_meaning(d: Definition, loc: Located, catalogs: Catalogs, templates: set[str] | None = None) -> list[DefinitionProblem]:
    before = len(loc.problems)
    problem = loc.problem
    lanes = {lane.key for lane in d.lanes}
    roles = set(d.roles)
    states = set(d.states)

    def need_state(name: str, path: str) -> bool:
        if name not in states:
            problem("D201", path, f"unknown state '{name}'", did_you_mean(name, states) or "states: " + ", ".join(sorted(states)))
            return False
        return True

    def need_role(name: str, path: str) -> bool:
        if name not in roles:
            problem("D202", path, f"unknown role '{name}'", did_you_mean(name, roles) or "roles: " + ", ".join(sorted(roles)))
            return False
        return True

    # catalogs
    for i, key in enumerate(d.catalogs):
        if key not in catalogs:
            problem("D205", f"catalogs[{i}]", f"unknown catalog '{key}'",
                    did_you_mean(key, catalogs) or f"catalogs: {', '.join(sorted(catalogs))}")
    field_names = set(BUILTIN_FIELDS)

    def check_fields(fields, base: str) -> None:
        seen: set[str] = set()
        for j, f in enumerate(fields):
            if f.name in seen:
                problem("D221", f"{base}[{j}].name", f"field '{f.name}' is declared twice here",
                        "remove one of them; a form cannot have two fields with the same name")
            seen.add(f.name)
            field_names.add(f.name)
            if f.catalog is not None:
                if f.catalog not in catalogs:
                    problem("D205", f"{base}[{j}].catalog", f"unknown catalog '{f.catalog}'",
                            did_you_mean(f.catalog, catalogs) or f"catalogs: {', '.join(sorted(catalogs))}")
                elif d.catalogs and f.catalog not in d.catalogs and f.catalog != "jenis_izin":
                    problem("D205", f"{base}[{j}].catalog", f"catalog '{f.catalog}' is not listed under 'catalogs'",
                            f"add '{f.catalog}' to the top-level 'catalogs' list")

    check_fields(d.record, "record")
    record_names = {f.name for f in d.record}
    for j, f in enumerate(d.record):
        if f.parent is not None and f.parent not in record_names:
            problem("D219", f"record[{j}].parent", f"field '{f.name}' is filtered by unknown field '{f.parent}'",
                    did_you_mean(f.parent, record_names) or "name another field of the record, e.g. parent: sektor")
    for t in d.transitions:
        check_fields(t.inputs, f"transitions[{t.index}].inputs")
    for t in d.transitions:  # fields written by `set` effects exist for every guard, wherever declared
        for e in t.effects:
            if e.kind == "set" and isinstance(e.params.get("field"), str):
                field_names.add(e.params["field"])

    # lanes and roles
    for key, role in d.roles.items():
        if lanes and role.lane not in lanes:
            problem("D216", f"roles.{key}.lane", f"unknown lane '{role.lane}'",
                    did_you_mean(role.lane, lanes) or "lanes: " + ", ".join(sorted(lanes)))

    # states
    initials = [s.key for s in d.states.values() if s.initial]
    if len(initials) != 1:
        # point at the second 'initial: true' when there are several, at 'states:' when there is none
        problem("D206", f"states.{initials[1]}.initial" if len(initials) > 1 else "states",
                f"a definition needs exactly one initial state, found {len(initials)}"
                + (f" ({', '.join(initials)})" if initials else ""),
                "keep 'initial: true' only on the intake state" if initials else "mark the intake state with 'initial: true'")
    for key, state in d.states.items():
        for j, actor in enumerate(state.actors):
            need_role(actor, f"states.{key}.actors[{j}]")
        inherited = bool(state.actors) and state.actors[0] in d.roles and d.roles[state.actors[0]].lane == state.lane
        if lanes and state.lane and state.lane not in lanes and not inherited:  # an inherited lane is reported on its role
            problem("D216", f"states.{key}.lane", f"unknown lane '{state.lane}'",
                    did_you_mean(state.lane, lanes) or "lanes: " + ", ".join(sorted(lanes)))
        if state.terminal and not state.outcome:
            problem("D215", f"states.{key}", f"terminal state '{key}' has no outcome",
                    "add e.g. 'outcome: answered' (answered, resolved_by_explanation, transferred, rejected, withdrawn…)")

    # transitions
    outgoing: dict[str, list] = defaultdict(list)
    clocks = set(d.clocks)
    unjudged: set[int] = set()  # transitions with unknown or malformed guards: no ambiguity verdict on them
    for t in d.transitions:
        base = f"transitions[{t.index}]"
        for j, src in enumerate(t.sources):
            if need_state(src, f"{base}.from" if len(t.sources) == 1 else f"{base}.from[{j}]"):
                outgoing[src].append(t)
        if t.dest:  # an empty dest means 'to' is missing or not a name: stage 1 reported it
            need_state(t.dest, f"{base}.to")
        if not t.roles and not _reported(loc, "D102", base, "roles"):
            problem("D202", f"{base}.roles", f"transition '{t.trigger}' names no role that may fire it", "add 'roles: [petugas]'")
        for j, role in enumerate(t.roles):
            need_role(role, f"{base}.roles[{j}]")
        for j, g in enumerate(t.guards):
            gpath = f"{base}.guards[{j}]"
            if g.name not in GUARDS:
                problem("D203", gpath, f"unknown guard '{g.name}'", did_you_mean(g.name, GUARDS) or "guards: " + ", ".join(sorted(GUARDS)))
                unjudged.add(t.index)
                continue
            for msg in check_params(g.name, g.params):
                problem("D204", gpath, msg, "see the guard table in definitions/README.md")
                unjudged.add(t.index)
            spec = GUARDS[g.name]
            if spec.field_param and isinstance(g.params.get(spec.field_param), str):
                name = g.params[spec.field_param]
                if name not in field_names:
                    problem("D219", gpath, f"guard '{g.name}' reads unknown field '{name}'",
                            did_you_mean(name, field_names) or "declare it in 'record' or in a transition's inputs")
            if g.name == "within" and isinstance(g.params.get("since"), str):
                need_state(g.params["since"], f"{gpath}.since")
        for j, e in enumerate(t.effects):
            _check_effect(e, f"{base}.effects[{j}]", d, loc, roles, clocks, field_names, templates)

    for state, ts in outgoing.items():
        by_trigger: dict[str, list] = defaultdict(list)
        for t in ts:
            by_trigger[t.trigger].append(t)
        for trigger, same in by_trigger.items():
            for i in range(len(same)):
                for j in range(i + 1, len(same)):
                    a, b = same[i], same[j]
                    path = f"transitions[{b.index}].trigger"
                    if a.guards == b.guards:
                        problem("D210", path, f"trigger '{trigger}' leaves state '{state}' twice "
                                f"(transitions[{a.index}] and [{b.index}]) with the same guards",
                                "remove one, or give each a guard that excludes the other")
                    elif {a.index, b.index} & unjudged:
                        continue  # 'values: ringan' (not a list) would be compared letter by letter
                    elif not mutually_exclusive(a.guards, b.guards):
                        problem("D211", path, f"trigger '{trigger}' from '{state}' is ambiguous: transitions[{a.index}] "
                                f"and [{b.index}] can both pass", "make the guards exclusive, e.g. field_in on disjoint values")

    for key, state in d.states.items():
        if state.terminal and outgoing.get(key):
            problem("D209", f"states.{key}", f"terminal state '{key}' has outgoing transitions "
                    f"({', '.join(sorted({t.trigger for t in outgoing[key]}))})",
                    "remove 'terminal: true' or move those transitions")
        elif not state.terminal and not outgoing.get(key):
            problem("D208", f"states.{key}", f"state '{key}' is a dead end: no transition leaves it and it is not terminal",
                    "add a transition out of it, or mark it 'terminal: true' with an outcome")

    if len(initials) == 1:
        seen = {initials[0]}
        queue = deque(seen)
        while queue:
            for t in outgoing.get(queue.popleft(), []):
                if t.dest in states and t.dest not in seen:
                    seen.add(t.dest)
                    queue.append(t.dest)
        for key in d.states:
            if key not in seen:
                problem("D207", f"states.{key}", f"state '{key}' cannot be reached from '{initials[0]}'",
                        "add a transition into it, or remove it")

    # clocks
    for key, clock in d.clocks.items():
        base = f"clocks.{key}"
        for part in ("start", "stop", "pause"):
            spec = getattr(clock, part)
            for j, s in enumerate(spec.states):
                need_state(s, f"{base}.{part}.states[{j}]")
            for j, trig in enumerate(spec.triggers):
                if trig not in {t.trigger for t in d.transitions}:
                    problem("D201", f"{base}.{part}.triggers[{j}]", f"unknown trigger '{trig}'",
                            did_you_mean(trig, {t.trigger for t in d.transitions})
                            or "triggers: " + ", ".join(d.triggers()))
        if not any(r.escalate_to for r in clock.escalation):
            problem("D212", base, f"clock '{key}' has no escalation target",
                    "add a rung such as {at: 100%, escalate_to: kepala_seksi}")
        last_at, last_after = -1.0, -1.0
        for r in clock.escalation:
            rpath = f"{base}.escalation[{r.index}]"
            if r.escalate_to is not None:
                if need_role(r.escalate_to, f"{rpath}.escalate_to") and d.roles[r.escalate_to].supervisor_level is None:
                    problem("D218", f"{rpath}.escalate_to", f"escalation target '{r.escalate_to}' is not a supervisor role",
                            "escalate to a role with supervisor_level (Kepala Seksi, Kepala Bidang, Kepala Dinas)")
            for j, who in enumerate(r.notify):
                _check_recipient(who, f"{rpath}.notify[{j}]", loc, roles)
            if r.at_percent is not None:
                if r.at_percent <= last_at or last_after >= 0 or r.at_percent <= 0:
                    problem("D220", rpath, "escalation rungs must go up: percentages ascending, then 'after' spans",
                            "order the ladder from the earliest warning to the last escalation")
                last_at = r.at_percent
            elif r.after is not None:
                # rough common scale: a working day spans a calendar day, and 8 office hours (08:00-16:00)
                # take one, so a working hour counts as 3 hours; '10 working_hours' comes after '1 working_days'
                hours = r.after.amount * (3 if r.after.unit == "working_hours" else 24)
                if hours <= last_after:
                    problem("D220", rpath, "escalation rungs must go up: 'after' spans ascending",
                            "order the ladder from the earliest warning to the last escalation")
                last_after = hours

    return loc.problems[before:]


def _check_recipient(who: str, path: str, loc: Located, roles: set[str]) -> None:
    if who in RECIPIENT_WORDS:
        return
    if who.startswith("role:"):
        if who[5:] not in roles:
            loc.problem("D202", path, f"unknown role '{who[5:]}' in recipient '{who}'",
                        did_you_mean(who[5:], roles) or "roles: " + ", ".join(sorted(roles)))
        return
    if who.startswith("user:"):  # one named account; delivery logs a skip if it is missing or disabled
        if not USER_ID.fullmatch(who[5:]):
            loc.problem("D217", path, f"recipient '{who}' does not name a user",
                        "write user:<username or id>, e.g. user:sekretaris_kadis")
        return
    loc.problem("D217", path, f"unknown recipient '{who}'",
                did_you_mean(who, RECIPIENT_WORDS) or
                "recipients: pemohon, assignee, opd, escalation_target, role:<role>, user:<username>")


def _check_effect(e, path, d: Definition, loc: Located, roles, clocks, field_names, templates) -> None:
    p = dict(e.params)
    kpath = f"{path}.{e.kind}"
    if e.kind == "assign":
        if not (set(p) <= {"role", "input", "clear"}) or len(p) != 1:
            loc.problem("D214", kpath, "assign takes exactly one of role / input / clear", "write {assign: {role: tim}}")
        elif not _names(p, "role", "input"):
            loc.problem("D214", kpath, "assign's role or input must be one name", "write {assign: {role: tim}}")
        elif "role" in p and p["role"] not in roles:
            loc.problem("D202", f"{kpath}.role", f"unknown role '{p['role']}'",
                        did_you_mean(p["role"], roles) or "roles: " + ", ".join(sorted(roles)))
        elif "input" in p and p["input"] not in field_names:
            loc.problem("D219", f"{kpath}.input", f"unknown field '{p['input']}'",
                        did_you_mean(p["input"], field_names) or "declare it in the transition's inputs")
    elif e.kind == "assign_opd":
        if set(p) - {"field", "clear"} or not p or not _names(p, "field"):
            loc.problem("D214", kpath, "assign_opd takes 'field' (the OPD field) or 'clear: true'",
                        "write {assign_opd: {field: opd}} or {assign_opd: {clear: true}}")
        elif "field" in p and p["field"] not in field_names:
            loc.problem("D219", f"{kpath}.field", f"unknown field '{p['field']}'",
                        did_you_mean(p["field"], field_names) or "declare an input of type opd with that name")
    elif e.kind == "clock":
        if len(p) != 1 or next(iter(p)) not in CLOCK_OPS or not isinstance(next(iter(p.values())), str):
            loc.problem("D214", kpath, f"clock takes exactly one of {', '.join(sorted(CLOCK_OPS))}",
                        "write {clock: {start: opd_ack}}")
        else:
            name = str(next(iter(p.values())))
            if name not in clocks:
                loc.problem("D213", kpath, f"unknown clock '{name}'", did_you_mean(name, clocks) or "declare it under 'clocks'")
    elif e.kind == "notify":
        if set(p) - {"to", "template"} or "to" not in p or "template" not in p or not _names(p, "template"):
            loc.problem("D214", kpath, "notify takes 'to' (recipients) and 'template'",
                        "write {notify: {to: [pemohon], template: jawaban}}")
            return
        targets = p["to"] if isinstance(p["to"], list) else [p["to"]]
        for j, who in enumerate(targets):
            _check_recipient(str(who), f"{kpath}.to[{j}]", loc, roles)
        if templates is not None and p["template"] not in templates:
            loc.problem("D217", f"{kpath}.template", f"unknown notification template '{p['template']}'",
                        did_you_mean(str(p["template"]), templates) or "templates: " + ", ".join(sorted(templates)))
    elif e.kind == "set":
        if set(p) != {"field", "value"} or not _names(p, "field"):
            loc.problem("D214", kpath, "set takes 'field' and 'value'", "write {set: {field: hasil, value: dijawab}}")
        else:
            field_names.add(str(p["field"]))


def _names(params: dict, *keys: str) -> bool:
    """Whether each of these parameters, when given, is one plain name (not a list or a mapping)."""
    return all(isinstance(params[k], str) for k in keys if k in params)


def _reported(loc: Located, code: str, path: str, key: str) -> bool:
    """Whether stage 1 already reported `key` missing at `path` (so stage 2 does not say it again)."""
    return any(p.code == code and p.path == path and f"'{key}'" in p.message for p in loc.problems)


__all__ = ["check_meaning"]
