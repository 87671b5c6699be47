"""Property-based tests: random triggers fired by random roles never break the engine's promises.

Whatever sequence of moves people try, every ticket stays in a state its definition has, the audit
chain verifies, and audit rows match successful fires one to one (refusals write nothing).
"""
from __future__ import annotations

import random
from datetime import timedelta

import hypothesis.strategies as st
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from workflow.core.audit import verify_rows
from workflow.core.calendar import WorkingCalendar
from workflow.core.guards import Actor
from workflow.errors import ConcurrentUpdate, InvalidInput, TransitionRejected
from workflow.services.engine import Engine
from workflow.services.publish import publish
from workflow.store.db import make_engine, upgrade
from workflow.store.sql import SqlStore

from .conftest import MONDAY_9_WIB, SOP, walk_in_record
from .scenario import sample_value

ACTORS = [
    Actor("petugas1", frozenset({"petugas"})),
    Actor("tim1", frozenset({"tim"})),
    Actor("esdm1", frozenset({"opd_liaison"}), opd="dinas_esdm"),
    Actor("pupr1", frozenset({"opd_liaison"}), opd="dinas_pupr"),
    Actor("kasi1", frozenset({"kepala_seksi"})),
    Actor("pemohon", frozenset({"pemohon"})),
    Actor.system(),
]


class EngineMachine(RuleBasedStateMachine):
    """Drives one database through random opens and fires."""

    def __init__(self):
        super().__init__()
        import tempfile
        self.tmp = tempfile.TemporaryDirectory()
        self.db = make_engine(f"sqlite:///{self.tmp.name}/p.db")
        upgrade(self.db)
        self.store = SqlStore(self.db)
        publish(self.store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
        self.now = MONDAY_9_WIB
        self.engine = Engine(self.store, calendar=WorkingCalendar(), now=lambda: self.now)
        self.definition = self.engine.definition("pengaduan-ptsp")
        self.tickets: list[int] = []
        self.fires = 0
        self.refusals = 0

    @initialize()
    def open_first(self):
        self.tickets.append(self.engine.open("pengaduan-ptsp", walk_in_record(), ACTORS[0]).ticket.id)

    @precondition(lambda self: len(self.tickets) < 3)
    @rule()
    def open_ticket(self):
        self.tickets.append(self.engine.open("pengaduan-ptsp", walk_in_record(), ACTORS[0]).ticket.id)

    @rule(hours=st.integers(min_value=0, max_value=400))
    def pass_time(self, hours):
        self.now += timedelta(hours=hours)

    @rule(data=st.data())
    def fire_something(self, data):
        self._fire(data)

    @rule(data=st.data())
    def fire_something_else(self, data):  # a second rule doubles the share of fires among steps
        self._fire(data)

    def _fire(self, data):
        ticket_id = data.draw(st.sampled_from(self.tickets), label="ticket")
        before = self.engine.load(ticket_id)
        leaving = self.definition.transitions_from(before.state)
        rng = random.Random(data.draw(st.integers(0, 2**16), label="seed"))
        if leaving and rng.random() < 0.85:
            # mostly plausible moves (a transition leaving this state, by someone holding its role),
            # so random walks get deep into the SOP; the rest are anything at all
            onward = [t for t in leaving if not self.definition.states[t.dest].terminal]
            pool = onward if onward and rng.random() < 0.8 else leaving
            chosen = rng.choice(pool)
            trigger = chosen.trigger
            holders = [a for a in ACTORS if a.roles & set(chosen.roles)]
            matching = [a for a in holders if a.opd is None or a.opd == before.opd]
            actor = rng.choice(matching or holders)
        else:
            trigger = data.draw(st.sampled_from(self.definition.triggers()), label="trigger")
            actor = data.draw(st.sampled_from(ACTORS), label="actor")
            chosen = data.draw(st.sampled_from(self.definition.transitions_named(trigger)), label="transition")
        candidates = self.definition.transitions_named(trigger)
        inputs = {f.name: sample_value(f, self.engine.catalogs, rng) for f in chosen.inputs
                  if f.required or rng.random() < 0.5}
        if rng.random() < 0.1 and inputs:
            inputs.pop(sorted(inputs)[0])
        try:
            after = self.engine.fire(ticket_id, trigger, actor, inputs, expected_version=before.version)
        except (TransitionRejected, InvalidInput):
            self.refusals += 1
            assert self.engine.load(ticket_id).version == before.version  # a refusal changes nothing
            return
        except ConcurrentUpdate:  # impossible here: one writer
            raise
        self.fires += 1
        assert after.version == before.version + 1
        assert before.state in chosen.sources or any(before.state in t.sources for t in candidates)
        assert actor.roles & set(next(t for t in candidates
                                      if t.dest == after.state and before.state in t.sources).roles)

    @invariant()
    def states_are_in_the_definition(self):
        with self.db.connect() as conn:
            states = set(conn.execute(sa.text("SELECT DISTINCT state FROM tickets")).scalars())
        assert states <= set(self.definition.states)

    @invariant()
    def audit_rows_match_successful_fires_and_verify(self):
        rows = list(self.store.audit_rows())
        assert sum(1 for r in rows if r["kind"] == "transition") == self.fires
        assert sum(1 for r in rows if r["kind"] == "open") == len(self.tickets)
        assert verify_rows(rows).ok

    @invariant()
    def closed_tickets_have_an_outcome_and_no_running_clock(self):
        with self.db.connect() as conn:
            bad = conn.execute(sa.text(
                "SELECT count(*) FROM tickets t WHERE (t.closed_at IS NULL) != (t.outcome IS NULL) OR "
                "(t.closed_at IS NOT NULL AND EXISTS (SELECT 1 FROM ticket_clocks c WHERE c.ticket_id = t.id "
                "AND c.status != 'stopped'))")).scalar()
        assert bad == 0

    def teardown(self):
        self.db.dispose()
        self.tmp.cleanup()


EngineMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=40, deadline=None,
                                           suppress_health_check=[HealthCheck.too_slow])
TestEngineProperties = EngineMachine.TestCase
