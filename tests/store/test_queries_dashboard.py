"""The supervisor dashboard's read model (workflow/store/queries/dashboard.py) on SQLite and PostgreSQL:
its on-time rates are the quarterly report's, by the one rule (workflow/store/rules/on_time.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import MONDAY_9_WIB, walk_in_record
from workflow.reports import build_report
from workflow.store.queries.dashboard import (
    clock_risk_statement,
    dashboard_numbers,
    on_time_periods,
    on_time_statement,
    open_counts_by_state,
    period_bounds,
)

H, D = timedelta(hours=1), timedelta(days=1)
END_OF_QUARTER = MONDAY_9_WIB + 28 * D  # Monday 28 December 2026


def quarter_of_three(engine, actors) -> dict[str, int]:
    """Three complaints of Q4 2026, all closed inside it:

    waited:  the office asked for a document an hour in and waited three weeks; rejected while waiting, so
             both clocks stopped long after their due times with one hour of net time used: on time;
    slow:    rejected after two weeks: both clocks late;
    quick:   rejected after two hours: both on time.
    """
    petugas = actors["petugas"]

    def opened(perihal: str) -> int:
        return engine.open("pengaduan-ptsp", walk_in_record(perihal=perihal), petugas, now=MONDAY_9_WIB).ticket.id

    tickets = {"waited": opened("Menunggu dokumen"), "slow": opened("Lama"), "quick": opened("Cepat")}
    engine.fire(tickets["waited"], "minta_kelengkapan", petugas, {"kekurangan": "Akta"}, now=MONDAY_9_WIB + H)
    for name, after in (("waited", 21 * D), ("slow", 14 * D), ("quick", 2 * H)):
        engine.fire(tickets[name], "tolak", petugas, {"alasan": "x"}, now=MONDAY_9_WIB + after)
    return tickets


def test_the_dashboard_and_the_report_give_the_same_on_time_figures_for_a_quarter(store, engine, actors):
    quarter_of_three(engine, actors)
    quarter = dashboard_numbers(store, END_OF_QUARTER, {"kepala_seksi"})["quarter"]
    report = build_report(store, "2026-Q4", catalogs=engine.catalogs, calendar=engine.calendar, now=END_OF_QUARTER)

    dashboard = {r["clock"]: (r["on_time"], r["stopped"]) for r in quarter}
    reported = {s.clock: (s.on_time, s.runs) for s in report.sla.clocks if s.runs}
    assert dashboard == reported == {"tanggapan_awal": (2, 3), "penyelesaian": (2, 3)}
    # ... and the same rates, clock by clock and over all clocks
    assert {s.clock: round(s.on_time_rate) for s in report.sla.clocks if s.runs} == \
        {r["clock"]: round(100 * r["rate"]) for r in quarter}


def test_on_time_counts_a_run_stopped_while_paused_within_its_budget(store, engine, actors):
    tickets = quarter_of_three(engine, actors)
    waited = {run.clock: run for run in engine.load(tickets["waited"]).clocks}
    assert all(run.stopped_at > run.due_at for run in waited.values())  # stopped after the due time ...
    month = period_bounds(MONDAY_9_WIB + 21 * D, "month")  # December: only the waited and slow tickets
    rows = on_time_periods(store, {"december": month})["december"]
    assert {r["clock"]: (r["on_time"], r["stopped"]) for r in rows} == \
        {"tanggapan_awal": (1, 2), "penyelesaian": (1, 2)}  # ... yet on time, as the report says


def test_open_tickets_per_state_of_one_definition(store, engine, actors):
    petugas = actors["petugas"]
    first = engine.open("pengaduan-ptsp", walk_in_record(), petugas, now=MONDAY_9_WIB).ticket.id
    engine.open("pengaduan-ptsp", walk_in_record(), petugas, now=MONDAY_9_WIB)
    engine.fire(first, "tolak", petugas, {"alasan": "x"}, now=MONDAY_9_WIB + H)
    assert open_counts_by_state(store, "pengaduan-ptsp") == {"diterima": 1}
    assert open_counts_by_state(store, "lain") == {}


@pytest.mark.postgres
def test_postgresql_counts_clocks_from_the_partial_indexes_alone(pg_engine):
    """The on-time rule and the deadline rules read only columns their partial indexes carry (migrations
    0010 and 0012), so PostgreSQL answers the dashboard's clock counts with index-only scans."""
    now = END_OF_QUARTER
    statements = {"ix_clocks_stopped_at": on_time_statement({"month": period_bounds(now, "month"),
                                                             "quarter": period_bounds(now, "quarter")}),
                  "ix_clocks_running_clock": clock_risk_statement(now)}
    with pg_engine.connect() as conn:
        conn.execute(sa.text("SET LOCAL enable_seqscan = off"))  # tiny tables: make the planner show its options
        conn.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
        for index, statement in statements.items():
            compiled = statement.compile(conn)
            plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params))
            assert f"Index Only Scan using {index}" in plan, plan
