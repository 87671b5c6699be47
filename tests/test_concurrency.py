"""Concurrent fires from separate processes: no lost update, one audit row per successful fire.

Each worker is a real OS process (multiprocessing, 'spawn'), builds its own engine from the database
URL (and PostgreSQL schema), and starts each round behind a `multiprocessing.Barrier`, so the fires
really overlap. What must hold, whatever the interleaving:

* the ticket's ``UPDATE … WHERE version = :read`` lets exactly one writer through per version: a fire
  that planned from a stale read gets `ConcurrentUpdate` and writes nothing. Under READ COMMITTED the
  blocked loser's UPDATE re-checks its WHERE against the winner's committed row, finds the version
  moved and matches no row: it never applies a plan made from the old state to the new one;
* a fire that *reads* after the winner committed plans from the new state, like any later fire; it may
  succeed (if its trigger still applies) or be refused, but it is a new, valid step, not a lost update;
* the audit gets exactly one row per successful fire and the chain verifies (the ``audit_head`` row lock
  on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite, serialise appends).
"""
from __future__ import annotations

import multiprocessing
import queue as queue_module
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from workflow.core.audit import verify_rows
from workflow.core.guards import Actor
from workflow.services.engine import Engine
from workflow.services.publish import publish
from workflow.store.db import make_engine, upgrade
from workflow.store.sql import SqlStore

from .conftest import MONDAY_9_WIB, POSTGRES_URL, SOP, drop_schema, postgres_engine, walk_in_record

KEY = "pengaduan-ptsp"
TIMEOUT = 60  # seconds any process may wait on a barrier or a result before the test fails
OFFICER = ("petugas",)
COMPLAINANT = ("pemohon",)
CONFLICTING = [  # three officers act on the same fresh ticket at once, each with a different decision
    ("tolak", OFFICER, {"alasan": "pengaduan ganda"}, "ditolak"),
    ("minta_kelengkapan", OFFICER, {"kekurangan": "fotokopi KTP"}, "menunggu_kelengkapan"),
    ("verifikasi", OFFICER, {"tingkat": "sedang", "kewenangan": "dalam"}, "terverifikasi"),
]
CYCLE = [("minta_kelengkapan", OFFICER, {"kekurangan": "fotokopi KTP"}),
         ("lengkapi", COMPLAINANT, {"kelengkapan": "terlampir"})]


# -- worker processes -------------------------------------------------------------------------------

class _RendezvousStore(SqlStore):
    """A store whose fires all wait, after reading the ticket, until every worker has read it too.

    This forces the worst interleaving (every process plans from the same version) without a sleep.
    Only meaningful on PostgreSQL: SQLite's BEGIN IMMEDIATE lets one writer in at a time, so there a
    rendezvous inside the transaction would deadlock.
    """

    def __init__(self, engine, rendezvous):
        super().__init__(engine)
        self.rendezvous = rendezvous

    @contextmanager
    def unit_of_work(self, *, read_only: bool = False):
        with super().unit_of_work(read_only=read_only) as uow:
            load = uow.tickets.load

            def load_then_wait(ticket_id):
                ticket = load(ticket_id)
                self.rendezvous.wait(TIMEOUT)
                return ticket

            uow.tickets.load = load_then_wait
            yield uow


def _worker(index, url, schema, rounds, barrier, rendezvous, results):
    """Run ``rounds`` (a list of fire lists) in step with the other workers; report every outcome."""
    from workflow.core.calendar import WorkingCalendar
    from workflow.core.machine import machine_for
    from workflow.errors import ConcurrentUpdate, TransitionRejected

    db = make_engine(url, schema=schema)
    try:
        store = _RendezvousStore(db, rendezvous) if rendezvous is not None else SqlStore(db)
        engine = Engine(store, calendar=WorkingCalendar(), now=lambda: MONDAY_9_WIB)
        machine_for(engine.definition(KEY, 1))  # load and build before the race, not inside it
        for number, fires in enumerate(rounds):
            barrier.wait(TIMEOUT)
            outcomes = []
            for ticket_id, trigger, roles, inputs, expected in fires:
                actor = Actor(f"{roles[0]}-{index}", frozenset(roles))
                try:
                    saved = engine.fire(ticket_id, trigger, actor, inputs, expected_version=expected)
                    outcomes.append(("ok", trigger, saved.state, saved.version))
                except ConcurrentUpdate:
                    outcomes.append(("ConcurrentUpdate", trigger, None, None))
                except TransitionRejected:
                    outcomes.append(("TransitionRejected", trigger, None, None))
                except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the test
                    outcomes.append(("error", trigger, f"{type(exc).__name__}: {exc}", None))
            results.put((index, number, outcomes))
    finally:
        db.dispose()


def run_workers(url, schema, plans, *, rendezvous=False):
    """Start one spawned process per plan (a list of rounds); return outcomes[round][worker]."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(plans))
    meeting = ctx.Barrier(len(plans)) if rendezvous else None
    results = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(i, url, schema, plan, barrier, meeting, results), daemon=True)
               for i, plan in enumerate(plans)]
    for w in workers:
        w.start()
    rounds = max(len(p) for p in plans)
    outcomes: list[list] = [[None] * len(plans) for _ in range(rounds)]
    try:
        for _ in range(sum(len(p) for p in plans)):
            index, number, got = results.get(timeout=TIMEOUT)
            outcomes[number][index] = got
    except queue_module.Empty:
        pytest.fail(f"workers did not report within {TIMEOUT}s (exit codes {[w.exitcode for w in workers]})")
    finally:
        for w in workers:
            w.join(TIMEOUT)
            if w.is_alive():  # only our own children, by handle
                w.terminate()
                w.join(5)
    assert [w.exitcode for w in workers] == [0] * len(workers)
    errors = [o for rnd in outcomes for worker in rnd for o in worker if o[0] == "error"]
    assert not errors, errors
    return outcomes


# -- databases ----------------------------------------------------------------------------------------

class Db:
    """A migrated database with the SOP published, reachable by URL (+ schema) from other processes."""

    def __init__(self, url, schema, engine):
        self.url, self.schema, self.engine = url, schema, engine
        self.store = SqlStore(engine)
        publish(self.store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
        self.alur = Engine(self.store, now=lambda: MONDAY_9_WIB)

    def open(self, count):
        officer = Actor("petugas0", frozenset(OFFICER))
        return [self.alur.open(KEY, walk_in_record(), officer).ticket for _ in range(count)]

    def transitions(self, ticket_id):
        return [r for r in self.store.audit_rows(ticket_id=ticket_id) if r["kind"] == "transition"]

    def assert_chain_verifies(self, rows_expected=None):
        status = verify_rows(self.store.audit_rows())
        assert status.ok, status
        if rows_expected is not None:
            assert status.rows == rows_expected


@pytest.fixture
def pg():
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin, engine = postgres_engine(schema)
    try:
        upgrade(engine)
        yield Db(POSTGRES_URL, schema, engine)
    finally:
        engine.dispose()
        drop_schema(admin, schema)


@pytest.fixture
def sqlite_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'alur.db'}"
    engine = make_engine(url)
    upgrade(engine)
    yield Db(url, None, engine)
    engine.dispose()


def _conflict_plans(tickets, expected):
    """Worker i fires CONFLICTING[i] on every ticket, one ticket per round."""
    return [[[(t.id, trigger, roles, inputs, expected)] for t in tickets]
            for trigger, roles, inputs, _ in CONFLICTING]


def _assert_exactly_one_won(db, tickets, outcomes):
    for ticket, rnd in zip(tickets, outcomes):
        flat = [worker[0] for worker in rnd]
        winners = [o for o in flat if o[0] == "ok"]
        assert len(winners) == 1, flat
        assert sorted(o[0] for o in flat if o[0] != "ok") == ["ConcurrentUpdate"] * (len(flat) - 1), flat
        _, trigger, state, version = winners[0]
        dest = next(d for t, _, _, d in CONFLICTING if t == trigger)
        stored = db.alur.load(ticket.id)
        assert (stored.state, stored.version) == (dest, 2) == (state, version)
        rows = db.transitions(ticket.id)
        assert [(r["trigger"], r["from_state"], r["to_state"]) for r in rows] == [(trigger, "diterima", dest)]


# -- PostgreSQL ---------------------------------------------------------------------------------------

@pytest.mark.postgres
def test_conflicting_fires_with_expected_version_one_wins_the_rest_must_reload(pg):
    """Three officers read version 1 and decide differently at once: one decision stands, two reload."""
    tickets = pg.open(4)
    outcomes = run_workers(pg.url, pg.schema, _conflict_plans(tickets, expected=1))
    _assert_exactly_one_won(pg, tickets, outcomes)
    pg.assert_chain_verifies(rows_expected=1 + len(tickets) * 2)  # publish + (open + one fire) per ticket


@pytest.mark.postgres
def test_without_expected_version_the_version_check_still_stops_a_stale_plan(pg):
    """Every process reads version 1 before any writes (forced): the row's version lets one through.

    The losers block on the winner's row lock; when it commits, READ COMMITTED re-evaluates their
    ``WHERE version = 1`` against the new row, which no longer matches: ConcurrentUpdate, nothing
    written, although e.g. `tolak` would have been allowed from the winner's new state too.
    """
    tickets = pg.open(3)
    outcomes = run_workers(pg.url, pg.schema, _conflict_plans(tickets, expected=None), rendezvous=True)
    _assert_exactly_one_won(pg, tickets, outcomes)
    pg.assert_chain_verifies(rows_expected=1 + len(tickets) * 2)


@pytest.mark.postgres
def test_without_expected_version_free_running_fires_never_lose_an_update(pg):
    """No forced interleaving: a fire that reads after a commit plans from the new state and may succeed.

    What must hold is no lost update: version = 1 + successful fires, one audit row per success, and
    the audit rows form one unbroken path of states (each starts where the previous one ended).
    """
    tickets = pg.open(4)
    # minta_kelengkapan then tolak is a valid sequence, so both may succeed if they do not overlap.
    plans = [[[(t.id, trigger, roles, inputs, None)] for t in tickets]
             for trigger, roles, inputs, _ in CONFLICTING[:2]]
    outcomes = run_workers(pg.url, pg.schema, plans)
    for ticket, rnd in zip(tickets, outcomes):
        flat = [worker[0] for worker in rnd]
        successes = [o for o in flat if o[0] == "ok"]
        assert successes, flat
        assert all(o[0] in ("ok", "ConcurrentUpdate", "TransitionRejected") for o in flat), flat
        stored = pg.alur.load(ticket.id)
        assert stored.version == 1 + len(successes)
        rows = pg.transitions(ticket.id)
        assert len(rows) == len(successes)
        assert sorted(r["trigger"] for r in rows) == sorted(o[1] for o in successes)
        path = ["diterima"] + [r["to_state"] for r in rows]
        assert [r["from_state"] for r in rows] == path[:-1]
        assert stored.state == path[-1]
    pg.assert_chain_verifies()


@pytest.mark.postgres
def test_many_processes_on_different_tickets_all_succeed_and_the_chain_verifies(pg):
    """Four processes, each walking its own tickets: no conflicts, and the head lock keeps one chain."""
    workers, per_worker, steps = 4, 2, 6
    tickets = pg.open(workers * per_worker)
    plans = []
    for w in range(workers):
        mine = tickets[w * per_worker:(w + 1) * per_worker]
        fires = [(t.id, *CYCLE[s % 2], None) for s in range(steps) for t in mine]
        plans.append([fires])
    outcomes = run_workers(pg.url, pg.schema, plans)
    flat = [o for worker in outcomes[0] for o in worker]
    assert len(flat) == workers * per_worker * steps
    assert all(o[0] == "ok" for o in flat), [o for o in flat if o[0] != "ok"]
    for t in tickets:
        assert pg.alur.load(t.id).version == 1 + steps
        assert len(pg.transitions(t.id)) == steps
    pg.assert_chain_verifies(rows_expected=1 + len(tickets) * (1 + steps))


# -- SQLite -----------------------------------------------------------------------------------------

def test_sqlite_writers_from_several_processes_serialise_without_locking_errors(sqlite_db):
    """On a file database, BEGIN IMMEDIATE + busy_timeout queue the writers: no "database is locked".

    Round 1: three processes walk their own tickets at once, all succeed. Round 2: they all fire on one
    ticket they read at version 1: writers run one after another, so the later ones see the new
    version and are told to reload.
    """
    workers, steps = 3, 8
    tickets = sqlite_db.open(workers)
    shared = sqlite_db.open(1)[0]
    plans = []
    for w, (trigger, roles, inputs, _) in zip(range(workers), CONFLICTING):
        walk = [(tickets[w].id, *CYCLE[s % 2], None) for s in range(steps)]
        plans.append([walk, [(shared.id, trigger, roles, inputs, 1)]])
    outcomes = run_workers(sqlite_db.url, None, plans)
    walked = [o for worker in outcomes[0] for o in worker]
    assert all(o[0] == "ok" for o in walked), walked  # an OperationalError would show up as "error"
    for t in tickets:
        assert sqlite_db.alur.load(t.id).version == 1 + steps
    raced = [worker[0] for worker in outcomes[1]]
    assert [o[0] for o in raced].count("ok") == 1, raced
    assert [o[0] for o in raced].count("ConcurrentUpdate") == workers - 1, raced
    assert sqlite_db.alur.load(shared.id).version == 2
    assert len(sqlite_db.transitions(shared.id)) == 1
    sqlite_db.assert_chain_verifies(rows_expected=1 + (workers + 1) + workers * steps + 1)
    with sqlite_db.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
