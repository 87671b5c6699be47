"""Each rule's Python form and SQL form agree (workflow/store/rules/): overdue, at risk, on time per clock
and overall, my turn, duplicate match.

Hypothesis generates clock runs and tickets around one moment, with due times, at-risk moments and stop
times on both sides of it and exactly at it, net time just within and just past the budget, and
missing values; they are stored in SQLite and PostgreSQL and every SQL form must give, row for row, what
its Python form says of the same record.
"""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import hypothesis.strategies as st
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from workflow.core.ticket import ClockRun
from workflow.store import models as m
from workflow.store.rules import at_risk, duplicates, my_turn, on_time, overdue

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_receipts = itertools.count(1)

OFFSETS = [-3600, -1, 0, 0, 0, 1, 3600]  # seconds from NOW; the boundary itself most often
moments = st.sampled_from(OFFSETS).map(lambda s: NOW + timedelta(seconds=s))
maybe_moments = st.sampled_from([None] + OFFSETS).map(lambda s: None if s is None else NOW + timedelta(seconds=s))
budgets = st.sampled_from([1.0, 7.0])


@st.composite
def clock_runs(draw) -> ClockRun:
    status = draw(st.sampled_from(["running", "paused", "stopped"]))
    budget = draw(budgets)
    consumed = draw(st.sampled_from([0.0, budget * 0.5, budget, budget + 1e-12, budget + 0.5]))
    return ClockRun(clock=draw(st.sampled_from(["tanggapan_awal", "penyelesaian", "opd"])), run=0,
                    unit="calendar_days", budget=budget, status=status, started_at=NOW - timedelta(days=3),
                    resumed_at=None, due_at=draw(maybe_moments), consumed=consumed,
                    stopped_at=draw(moments) if status == "stopped" else None, at_risk_at=draw(maybe_moments))


def new_ticket(conn, *, key: str = "sop", version: int = 1, state: str = "diterima", closed: bool = False,
               no_registrasi: str | None = None, kategori: str | None = None) -> int:
    receipt = f"ADU-2026-{next(_receipts):06d}"
    return conn.execute(sa.insert(m.tickets).values(
        receipt_no=receipt, token_hash="x" * 64, definition_key=key, definition_version=version, state=state,
        version=1, kerahasiaan="biasa", fields={"no_registrasi": no_registrasi, "kategori": kategori}, entered={},
        flags=[], no_registrasi=no_registrasi, kategori=kategori, created_at=NOW, updated_at=NOW,
        closed_at=NOW if closed else None, imported=False).returning(m.tickets.c.id)).scalar_one()


def store_runs(engine, runs: list[ClockRun]) -> tuple[int, list[int]]:
    """The runs on one new ticket; their row ids, in order."""
    with engine.begin() as conn:
        ticket_id = new_ticket(conn)
        ids = []
        for n, run in enumerate(runs, start=1):
            ids.append(conn.execute(sa.insert(m.clocks).values(
                ticket_id=ticket_id, clock=run.clock, run=n, unit=run.unit, budget=run.budget, status=run.status,
                started_at=run.started_at, resumed_at=run.resumed_at, due_at=run.due_at, consumed=run.consumed,
                paused_seconds=0.0, stopped_at=run.stopped_at, at_risk_at=run.at_risk_at, calendar="")
                .returning(m.clocks.c.id)).scalar_one())
    return ticket_id, ids


def per_row(engine, ticket_id: int, **columns) -> dict[int, dict[str, int]]:
    """``columns`` (0/1 SQL expressions) of each clock row of the ticket, by row id."""
    c = m.clocks.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(c.id, *[col.label(name) for name, col in columns.items()])
                            .where(c.ticket_id == ticket_id)).mappings().all()
    return {r["id"]: {name: int(r[name]) for name in columns} for r in rows}


def flag(condition):
    return sa.case((condition, 1), else_=0)


@SETTINGS
@given(runs=st.lists(clock_runs(), min_size=1, max_size=12))
def test_overdue_and_at_risk_are_the_same_runs_in_python_and_sql(db_engine, runs):
    ticket_id, ids = store_runs(db_engine, runs)
    found = per_row(db_engine, ticket_id, overdue=flag(overdue.condition(NOW)), at_risk=flag(at_risk.condition(NOW)))
    for row_id, run in zip(ids, runs):
        assert found[row_id] == {"overdue": int(overdue.is_overdue(run, NOW)),
                                 "at_risk": int(at_risk.is_at_risk(run, NOW))}, run


@SETTINGS
@given(runs=st.lists(clock_runs(), min_size=1, max_size=12))
def test_each_run_has_one_outcome_and_the_same_in_python_and_sql(db_engine, runs):
    ticket_id, ids = store_runs(db_engine, runs)
    found = per_row(db_engine, ticket_id, **on_time.outcome_columns(NOW),
                    stopped_on_time=flag(on_time.on_time_condition()))
    for row_id, run in zip(ids, runs):
        kind = on_time.outcome(run, NOW)
        expected = {name: int(name == kind or (name == on_time.LATE and kind == on_time.LATE_RUNNING))
                    for name in (on_time.ON_TIME, on_time.LATE, on_time.RUNNING, on_time.LATE_RUNNING)}
        assert found[row_id] == {**expected, "stopped_on_time": int(on_time.is_on_time(run))}, run


@SETTINGS
@given(runs=st.lists(clock_runs(), min_size=1, max_size=12))
def test_on_time_tallies_per_clock_and_overall_agree(db_engine, runs):
    ticket_id, _ = store_runs(db_engine, runs)
    per_clock, overall = on_time.tally(runs, NOW)
    c = m.clocks.c
    with db_engine.connect() as conn:
        grouped = conn.execute(sa.select(c.clock, *on_time.tally_columns(NOW)).where(c.ticket_id == ticket_id)
                               .group_by(c.clock)).mappings().all()
        whole = conn.execute(sa.select(*on_time.tally_columns(NOW)).where(c.ticket_id == ticket_id)).mappings().one()
    as_tally = lambda row: on_time.Tally(**{k: int(row[k]) for k in vars(on_time.Tally())})  # noqa: E731
    assert {row["clock"]: as_tally(row) for row in grouped} == per_clock
    assert as_tally(whole) == overall
    assert overall.runs == overall.on_time + overall.late + overall.running


def test_a_run_stopped_while_paused_after_its_due_time_is_on_time_within_its_budget():
    """The rule the dashboard once left out: the due time of a paused run is the one before the pause."""
    paused_long = ClockRun("penyelesaian", 1, "calendar_days", 7.0, "stopped", NOW - timedelta(days=20), None,
                           due_at=NOW - timedelta(days=10), consumed=2.0, stopped_at=NOW)
    used_up = ClockRun("penyelesaian", 1, "calendar_days", 7.0, "stopped", NOW - timedelta(days=20), None,
                       due_at=NOW - timedelta(days=10), consumed=7.5, stopped_at=NOW)
    assert on_time.outcome(paused_long, NOW) == on_time.ON_TIME and on_time.is_on_time(paused_long)
    assert on_time.outcome(used_up, NOW) == on_time.LATE


# -- my turn --------------------------------------------------------------------------------------
STATES = ("diterima", "ditangani_tim", "dijawab", "diserahkan_opd")
ROLES = ("petugas", "tim", "opd_liaison")


@st.composite
def definitions(draw) -> list:
    """Stand-ins for published definition versions: keys, versions, states and who acts in each."""
    out = []
    for key in draw(st.sets(st.sampled_from(["sop", "izin"]), min_size=1)):
        for version in range(1, draw(st.integers(1, 3)) + 1):
            states = {s: SimpleNamespace(key=s, actors=tuple(draw(st.sets(st.sampled_from(ROLES), max_size=2))))
                      for s in draw(st.sets(st.sampled_from(STATES), min_size=1))}
            out.append(SimpleNamespace(key=key, version=version, states=states))
    return out


tickets = st.tuples(st.sampled_from(["sop", "izin", "lain"]), st.integers(1, 4), st.sampled_from(STATES))


@SETTINGS
@given(defs=definitions(), roles=st.sets(st.sampled_from(ROLES + ("supervisor",))),
       found=st.lists(tickets, min_size=1, max_size=15))
def test_my_turn_spans_every_definition_version_alike_in_python_and_sql(db_engine, defs, roles, found):
    turns = my_turn.turns(defs, roles)
    with db_engine.begin() as conn:
        ids = [new_ticket(conn, key=key, version=version, state=state) for key, version, state in found]
        listed = set(conn.execute(sa.select(m.tickets.c.id).where(m.tickets.c.id.in_(ids),
                                                                  my_turn.condition(turns))).scalars())
    assert listed == {i for i, (key, version, state) in zip(ids, found)
                      if my_turn.is_my_turn(turns, key, version, state)}


def test_my_turn_reads_the_actors_of_the_shipped_sop():
    from tests.conftest import SOP
    from workflow.spec.catalog import default_catalogs
    from workflow.spec.loader import load_definition

    sop = load_definition(SOP.read_text(encoding="utf-8"), str(SOP), default_catalogs(), version=1)
    turns = my_turn.turns([sop], {"opd_liaison"})
    assert turns == {("pengaduan-ptsp", 1): frozenset({"diserahkan_opd", "diproses_opd"})}
    assert my_turn.is_my_turn(turns, "pengaduan-ptsp", 1, "diproses_opd")
    assert not my_turn.is_my_turn(turns, "pengaduan-ptsp", 2, "diproses_opd")  # a version not published


# -- duplicates ----------------------------------------------------------------------------------
values = st.sampled_from([None, "", "REG-1", "REG-2"])
categories = st.sampled_from([None, "durasi_waktu", "biaya"])


@SETTINGS
@given(others=st.lists(st.tuples(values, categories, st.booleans()), min_size=1, max_size=10),
       new=st.tuples(values, categories))
def test_a_duplicate_is_the_same_open_tickets_in_python_and_sql(db_engine, others, new):
    with db_engine.begin() as conn:
        ids = [new_ticket(conn, no_registrasi=reg, kategori=cat, closed=closed) for reg, cat, closed in others]
        listed = set(conn.execute(sa.select(m.tickets.c.id).where(m.tickets.c.id.in_(ids),
                                                                  duplicates.condition(*new))).scalars())
    assert listed == {i for i, (reg, cat, closed) in zip(ids, others)
                      if duplicates.repeats(new[0], new[1], {"no_registrasi": reg, "kategori": cat},
                                            NOW if closed else None)}
