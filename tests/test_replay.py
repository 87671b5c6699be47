"""Replaying history (workflow.core.replay): against the very definition and calendar a ticket ran on, the
replay reproduces every recorded state, every recorded due time and every escalation rung exactly.

Histories are made by the engine itself on the memory store: tickets opened at random moments, random
plausible moves by random people with random inputs (refusals included, which record nothing), time passing
by random spans across nights, weekends and holidays, and the escalation sweep running before each step as
the always-running sweeper would. The trail is then replayed with the pure core and compared with what the
store recorded: each audit row's kind, trigger, states and clock notes (due times included), and each
ticket's final clock rows, flags, assignee and fired rungs.
"""
from __future__ import annotations

import json
import random
from datetime import timedelta

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

from workflow.core.audit import canonical
from workflow.core.calendar import Closure, WorkingCalendar
from workflow.core.calendar_pair import CalendarPair
from workflow.core.guards import Actor
from workflow.core.replay import STEP_KINDS, Replayer, Validations, histories, replay
from workflow.errors import InvalidInput, TransitionRejected
from workflow.services.escalation import sweep_due_rungs

from .conftest import MONDAY_9_WIB, memory_runtime, walk_in_record
from .scenario import sample_value
from .test_properties import ACTORS

KEY = "pengaduan-ptsp"
# A calendar with an office closure in the weeks the histories span, beside the package's holidays.
CALENDAR = WorkingCalendar(added_closures=[Closure(MONDAY_9_WIB.date() + timedelta(days=9), "Rapat kerja")])
# The same, with one more closure a year later: a what-if's proposed calendar that agrees on every day replayed.
FAR = WorkingCalendar(added_closures=[Closure(MONDAY_9_WIB.date() + timedelta(days=9), "Rapat kerja"),
                                      Closure(MONDAY_9_WIB.date() + timedelta(days=400), "Rapat tahunan")])


def _normal(value):
    """A value as the trail stores it (canonical JSON read back)."""
    return json.loads(canonical({"v": value}))["v"]


def make_history(ops: list[tuple[int, int]]):
    """Run the engine over ``ops`` (minutes to wait, a seed for the move) and return runtime, definition, now."""
    clock = {"now": MONDAY_9_WIB}
    rt = memory_runtime(now=lambda: clock["now"], calendar=CALENDAR)
    engine = rt.engine
    definition = engine.definition(KEY)
    tickets: list[int] = []
    for minutes, seed in ops:
        clock["now"] += timedelta(minutes=minutes)
        sweep_due_rungs(rt, clock["now"])
        rng = random.Random(seed)
        if not tickets or rng.random() < 0.15:
            tickets.append(engine.open(KEY, walk_in_record(kanal=rng.choice(["langsung", "email", "website"])),
                                       ACTORS[0]).ticket.id)
            continue
        _move(engine, definition, rng.choice(tickets), rng)
    sweep_due_rungs(rt, clock["now"])
    return rt, definition, clock["now"]


def _move(engine, definition, ticket_id: int, rng: random.Random) -> None:
    before = engine.load(ticket_id)
    leaving = definition.transitions_from(before.state)
    if not leaving:
        return
    chosen = rng.choice(leaving)
    holders = [a for a in ACTORS if a.roles & set(chosen.roles)] or ACTORS
    actor: Actor = rng.choice([a for a in holders if a.opd is None or a.opd == before.opd] or holders)
    inputs = {f.name: sample_value(f, engine.catalogs, rng) for f in chosen.inputs if f.required or rng.random() < .5}
    try:
        engine.fire(ticket_id, chosen.trigger, actor, inputs)
    except (TransitionRejected, InvalidInput):
        pass  # refused moves record nothing; the replay never sees them


def _trail(store):
    rows = [r for r in store.audit_rows() if r["ticket_id"] is not None]
    return sorted(rows, key=lambda r: (r["ticket_id"], r["seq"]))


def _recorded_rows(rows, ticket_id):
    return [r for r in rows if r["ticket_id"] == ticket_id and r["kind"] in STEP_KINDS]


def _step_view(kind, trigger, from_state, to_state, detail):
    return kind, trigger, from_state, to_state, _normal(detail)


def _run_view(run):
    return (run.clock, run.run, run.party, run.status, run.unit, run.budget, run.started_at, run.resumed_at,
            run.due_at, round(run.consumed, 9), run.paused_at, round(run.paused_seconds, 6), run.stopped_at,
            run.next_rung, run.next_rung_at, run.at_risk_at, run.calendar)


def _ticket_view(ticket):
    return (ticket.state, ticket.outcome, ticket.closed_at, ticket.opd, ticket.assignee_role, ticket.assignee_id,
            sorted(ticket.flags), ticket.fields, ticket.entered, ticket.updated_at)


def assert_replay_reproduces(rt, definition, until, calendar=CALENDAR):
    rows = _trail(rt.store)
    fired_rows = rt.store.escalations()
    replayed_count = 0
    # the what-if's way, beside: moves in place, inputs validated once for both sides, calendar answers shared
    pair = CalendarPair(calendar, FAR if calendar is CALENDAR else calendar, MONDAY_9_WIB.date() - timedelta(days=7),
                        until.date() + timedelta(days=180))
    checked = Validations()
    quick = [Replayer(definition, side, rt.catalogs, until=until, validations=checked)
             for side in (pair.today, pair.proposed)]
    for history in histories(rows):
        replayed = replay(definition, history, calendar, rt.catalogs, until=until, keep_events=True)
        assert replayed.complete and replayed.diverged is None, (history.receipt_no, replayed.refused)
        for fast in (quick[0](history), quick[1](history)):
            assert fast.complete and fast.diverged is None and fast.states == replayed.states
            assert _ticket_view(fast.ticket) == _ticket_view(replayed.ticket)
            assert sorted(_run_view(r)[:-1] for r in fast.ticket.clocks) == \
                sorted(_run_view(r)[:-1] for r in replayed.ticket.clocks)
            assert fast.escalations == replayed.escalations
        pair.forget()
        recorded = [_step_view(r["kind"], r["trigger"], r["from_state"], r["to_state"], r["detail"])
                    for r in _recorded_rows(rows, history.ticket_id)]
        made = [_step_view(e.kind, e.trigger, e.from_state, e.to_state, e.detail) for e in replayed.events
                if e.kind in STEP_KINDS]
        assert made == recorded, history.receipt_no  # every state and every clock note (due times) as recorded
        stored = rt.engine.load(history.ticket_id)
        ticket = replayed.ticket
        assert (ticket.state, ticket.outcome, ticket.closed_at, ticket.opd, ticket.assignee_role,
                ticket.assignee_id, sorted(ticket.flags), ticket.fields) == \
               (stored.state, stored.outcome, stored.closed_at, stored.opd, stored.assignee_role,
                stored.assignee_id, sorted(stored.flags), stored.fields)
        assert sorted(map(_run_view, ticket.clocks), key=repr) == sorted(map(_run_view, stored.clocks), key=repr)
        runs = {r.id: r for r in stored.clocks}
        fired = sorted((runs[f["clock_run_id"]].clock, runs[f["clock_run_id"]].run, f["rung"])
                       for f in fired_rows if f["clock_run_id"] in runs)
        spec = definition.clocks
        made_rungs = sorted((e.clock, e.run, next(r.index for r in spec[e.clock].escalation if r.key() == e.rung))
                            for e in replayed.escalations)
        assert made_rungs == fired
        replayed_count += 1
    assert replayed_count == len({r["ticket_id"] for r in rows if r["kind"] == "open"})


OPS = st.lists(st.tuples(st.integers(min_value=0, max_value=3 * 24 * 60), st.integers(0, 2**32 - 1)),
               min_size=1, max_size=45)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS)
def test_replaying_history_on_its_own_definition_and_calendar_reproduces_it(ops):
    rt, definition, until = make_history(ops)
    assert_replay_reproduces(rt, definition, until)


def test_a_long_history_with_pauses_escalations_and_closed_days_replays_exactly():
    """A fixed, long history (hundreds of steps over weeks): the same promise, on a bigger sample than the
    property test's examples."""
    rng = random.Random(20261203)
    ops = [(rng.choice([0, 5, 30, 90, 600, 1440, 2880]), rng.getrandbits(32)) for _ in range(400)]
    rt, definition, until = make_history(ops)
    assert sum(1 for r in rt.store.audit_rows() if r["kind"] == "escalation") > 10
    assert any(r["to_state"] == "menunggu_kelengkapan" for r in rt.store.audit_rows())
    assert_replay_reproduces(rt, definition, until)


def test_steps_after_until_are_not_replayed_and_rungs_fire_only_up_to_it():
    rt, definition, _ = make_history([(0, 1), (60, 7), (3000, 11), (3000, 13)])
    history = next(histories(_trail(rt.store)))
    cut = history.steps[0].at + timedelta(minutes=1)
    replayed = replay(definition, history, CALENDAR, rt.catalogs, until=cut)
    assert replayed.states == [definition.initial]
    assert replayed.escalations == []


def test_a_handoff_to_two_agencies_replays_exactly():
    """Each agency's acknowledgement, answer and withdrawal, its own clocks and its own escalation, and the
    ticket moving on when no part is open: replayed from the trail as they were recorded."""
    from workflow.runtime import Runtime
    from workflow.services import handoffs as acts
    from workflow.services.engine import Engine
    from workflow.services.publish import publish
    from workflow.store.memory import MemoryStore

    from .test_handoffs import ESDM, FIXTURE, PETUGAS, TIM

    store = MemoryStore()
    publish(store, FIXTURE.read_text(encoding="utf-8"), file=str(FIXTURE), actor_id="admin", now=MONDAY_9_WIB)
    engine = Engine(store, calendar=CALENDAR, now=lambda: MONDAY_9_WIB)
    rt = Runtime(store=store, engine=engine, catalogs=engine.catalogs)
    at = [MONDAY_9_WIB + timedelta(hours=h) for h in (0, 1, 2, 4, 27, 50, 75)]
    ticket = engine.open("mini-serah", {"perihal": "Izin reklame"}, PETUGAS, now=at[0]).ticket
    engine.fire(ticket.id, "teruskan", PETUGAS, {}, now=at[1])
    engine.fire(ticket.id, "serahkan", TIM, {"opd_teknis": ["dinas_esdm", "dinas_pupr"], "permintaan": "Verifikasi"},
                now=at[2])
    acts.act(engine, ticket.id, "verifikasi", "dinas_esdm", "terima", ESDM, now=at[3])
    sweep_due_rungs(rt, at[4])
    acts.act(engine, ticket.id, "verifikasi", "dinas_esdm", "jawab", ESDM, {"hasil": "Sesuai"}, now=at[4])
    sweep_due_rungs(rt, at[5])
    acts.act(engine, ticket.id, "verifikasi", "dinas_pupr", "tarik", TIM, {"alasan": "Bukan kewenangan"}, now=at[5])
    sweep_due_rungs(rt, at[6])
    assert engine.load(ticket.id).state == "telaah"
    assert any(r["kind"] == "escalation" and r["detail"].get("agency") == "dinas_pupr" for r in store.audit_rows())
    assert_replay_reproduces(rt, engine.definition("mini-serah"), at[6])
