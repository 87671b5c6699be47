"""Handoffs to several agencies at once: the ``handoffs:`` section, read (stage 1) and checked (stage 2).

A handoff names the state a ticket waits in while agencies work (``state``), the field that lists the
agencies (``agencies``, filled by the transition that enters the state), the two clocks each agency's
part runs (``acknowledge``, ``answer``: clocks of ``clocks:`` that run once per agency and have no
``start``/``stop``/``pause`` of their own), who answers for an agency (``roles``, with the agency on their
account) and who may withdraw a part (``withdraw``), what an answer holds (``inputs``), and where the
ticket goes once every part is answered or withdrawn (``then``). The engine's side is
`workflow.core.handoffs`; codes D240-D243 are listed in definitions/README.md.
"""
from __future__ import annotations

from typing import Any

from workflow.spec.located import did_you_mean, join_path
from workflow.spec.model import Field, Handoff, Transition, Trigger

HANDOFF_KEYS = {"label", "label_en", "description", "state", "then", "agencies", "request", "acknowledge",
                "answer", "roles", "withdraw", "template", "done", "inputs"}
REQUIRED = ("label", "state", "then", "agencies", "acknowledge", "answer", "roles")
AGENCY_TYPES = ("opd", "multichoice")


# -- stage 1 ------------------------------------------------------------------------------------------
def build_handoffs(b: Any, value: Any) -> dict[str, Handoff]:
    """The ``handoffs:`` mapping built with stage 1's readers (`workflow.spec.structure._Builder` ``b``)."""
    declared = b.mapping(value or {}, "handoffs", set(value) if isinstance(value, dict) else set())
    out: dict[str, Handoff] = {}
    for key, raw in declared.items():
        path = join_path("handoffs", key)
        raw = b.mapping(raw, path, HANDOFF_KEYS, REQUIRED)
        if not raw:
            continue
        names = {k: b.name(raw.get(k), join_path(path, k)) or ""
                 for k in ("state", "then", "agencies", "acknowledge", "answer")}
        done = raw.get("done")
        if done is not None and not isinstance(done, dict):
            b.loc.problem("D101", join_path(path, "done"), "expected a mapping with 'to' and 'template'",
                          "write {to: [assignee], template: tugas_baru}")
            done = None
        out[key] = Handoff(
            key=b.ident(key, path), label=b.text(raw.get("label"), join_path(path, "label"), key),
            label_en=b.text(raw.get("label_en"), join_path(path, "label_en")),
            description=b.text(raw.get("description"), join_path(path, "description")), **names,
            roles=tuple(str(r) for r in b.seq(raw.get("roles"), join_path(path, "roles"))),
            withdraw=tuple(str(r) for r in b.seq(raw.get("withdraw"), join_path(path, "withdraw"))),
            inputs=b.fields(raw.get("inputs"), join_path(path, "inputs")),
            request=b.name(raw.get("request"), join_path(path, "request")),
            template=b.name(raw.get("template"), join_path(path, "template")),
            done=_done(done),
        )
    return out


def _done(raw: dict | None) -> tuple[str, ...]:
    """``done: {to: [...], template: t}`` kept as (template, recipient...) for the engine's notice."""
    if not raw:
        return ()
    to = raw.get("to")
    targets = to if isinstance(to, list) else [to] if to is not None else []
    return (str(raw.get("template") or ""), *(str(t) for t in targets))


# -- stage 2 ------------------------------------------------------------------------------------------
def check_handoffs(m: Any) -> None:
    """Stage 2 for every handoff (``m`` is the run of `workflow.spec.validation`), then draw its edge.

    The move from the waiting state to ``then`` is the engine's, not a transition's; it is added to the
    graph here so reachability (D207) and dead ends (D208) see it.
    """
    d = m.d
    used_clocks: dict[str, str] = {}
    waiting: dict[str, str] = {}
    for key, h in d.handoffs.items():
        base = join_path("handoffs", key)
        _check_states(m, h, base, waiting)
        _check_agencies(m, h, base)
        for phase in ("acknowledge", "answer"):
            _check_clock(m, h, phase, base, used_clocks)
        for part in ("roles", "withdraw"):
            for j, role in enumerate(getattr(h, part)):
                m.need_role(role, f"{base}.{part}[{j}]")
        if not h.roles and not m.reported("D102", base, "roles"):
            m.problem("D202", f"{base}.roles", f"handoff '{key}' names no role that answers for an agency",
                      "add 'roles: [opd_liaison]'")
        if h.request and h.request not in m.field_names:
            m.problem("D219", f"{base}.request", f"unknown field '{h.request}'",
                      did_you_mean(h.request, m.field_names) or "name an input of the transition that hands over")
        m.check_fields(h.inputs, f"{base}.inputs")
        if h.template:
            m.check_notify({"to": ["opd"], "template": h.template}, base)
        if h.done:
            m.check_notify({"to": list(h.done[1:]), "template": h.done[0]}, f"{base}.done")
        if h.state in m.states and h.then in m.states:
            m.outgoing[h.state].append(Transition(trigger=f"handoff:{key}", sources=(h.state,), dest=h.then,
                                                  roles=h.roles, index=-1))


def _check_states(m: Any, h: Handoff, base: str, waiting: dict[str, str]) -> None:
    known = [m.need_state(h.state, f"{base}.state"), m.need_state(h.then, f"{base}.then")]
    if not known[0]:
        return
    state = m.d.states[h.state]
    if state.initial or state.terminal or h.state == h.then:
        m.problem("D243", f"{base}.state", f"handoff '{h.key}' waits in '{h.state}', which is "
                  + ("the initial state" if state.initial else "a closing state" if state.terminal
                     else "also where it goes on ('then')"),
                  "give the handoff a state of its own to wait in, and another state to go on to")
    elif h.state in waiting:
        m.problem("D243", f"{base}.state", f"handoffs '{waiting[h.state]}' and '{h.key}' both wait in '{h.state}'",
                  "give each handoff its own waiting state")
    waiting.setdefault(h.state, h.key)


def _agency_field(m: Any, name: str) -> Field | None:
    for f in m.d.record:
        if f.name == name:
            return f
    return next((f for t in m.d.transitions for f in t.inputs if f.name == name), None)


def _check_agencies(m: Any, h: Handoff, base: str) -> None:
    path = f"{base}.agencies"
    found = _agency_field(m, h.agencies)
    if found is None:
        m.problem("D219", path, f"unknown field '{h.agencies}'",
                  did_you_mean(h.agencies, m.field_names) or "declare an input of type opd (or multichoice over "
                  "an agency catalog) on the transition that hands the ticket over")
        return
    if found.type not in AGENCY_TYPES or (found.type == "multichoice" and not found.catalog):
        m.problem("D240", path, f"field '{h.agencies}' is a {found.type} field, not a list of agencies",
                  "make it {type: multichoice, catalog: opd} (several agencies) or {type: opd} (one)")
    for t in m.d.transitions:
        enters = t.dest == h.state and any(s != h.state for s in t.sources)
        if enters and h.agencies not in {f.name for f in t.inputs} and m.d.record_field(h.agencies) is None:
            m.problem("D241", f"transitions[{t.index}].to", f"transition '{t.trigger}' hands the ticket to "
                      f"handoff '{h.key}' without asking which agencies ('{h.agencies}')",
                      f"add the input {{name: {h.agencies}, type: multichoice, catalog: opd, required: true}}")


def _check_clock(m: Any, h: Handoff, phase: str, base: str, used: dict[str, str]) -> None:
    name = getattr(h, phase)
    path = f"{base}.{phase}"
    if name not in m.clocks:
        m.problem("D213", path, f"unknown clock '{name}'", did_you_mean(name, m.clocks) or "declare it under 'clocks'")
        return
    clock = m.d.clocks.get(name)
    if clock is None:  # declared, but stage 1 could not build it and said why: no second problem here
        return
    if name in used:
        m.problem("D242", path, f"clock '{name}' already runs for {used[name]}",
                  "give each handoff its own acknowledge and answer clock")
    elif (clock.start, clock.stop, clock.pause) != (Trigger(), Trigger(), Trigger()) or clock.from_date:
        m.problem("D242", path, f"clock '{name}' runs per agency for handoff '{h.key}' but declares when it "
                  "starts, stops, pauses or counts from", f"remove start/stop/pause/from_date from clocks.{name}: "
                  "the handoff starts and stops it for each agency")
    used.setdefault(name, f"handoff '{h.key}' ({phase})")


def check_clock_start(m: Any, key: str, clock: Any) -> None:
    """Every clock but a handoff's needs a ``start`` (D102), as before handoffs existed."""
    if clock.start == Trigger() and m.d.handoff_of_clock(key) is None and not m.reported("D102", f"clocks.{key}",
                                                                                          "start"):
        m.problem("D102", f"clocks.{key}", "missing required key 'start'",
                  "add 'start:' here, e.g. {open: true}; only a handoff's clocks start without one")


__all__ = ["build_handoffs", "check_handoffs", "check_clock_start", "HANDOFF_KEYS"]
