"""The dashboard pictures' read models on SQLite and PostgreSQL: complaints in and closed per week (office
time), quarters, and open tickets per agency including open parts of a hand-over to several."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import MONDAY_9_WIB, walk_in_record
from workflow.core.guards import Actor
from workflow.store.queries.dashboard_trends import open_by_opd, quarter_bounds, week_starts, weekly_flow

PETUGAS = Actor("petugas", frozenset({"petugas"}), "Petugas")
TIM = Actor("tim", frozenset({"tim"}))


def test_weeks_quarters_and_agencies(store, engine):
    ids = [engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS, now=MONDAY_9_WIB + timedelta(weeks=w)).ticket.id
           for w in range(3)]
    later = MONDAY_9_WIB + timedelta(weeks=2, days=1)
    engine.now = lambda: later
    engine.fire(ids[0], "tolak", PETUGAS, {"alasan": "bukan pengaduan"}, now=later)
    engine.fire(ids[1], "verifikasi", PETUGAS, {"tingkat": "sedang", "kewenangan": "dalam"}, now=later)
    engine.fire(ids[1], "teruskan_tim", PETUGAS, {}, now=later)
    engine.fire(ids[1], "serahkan_opd", TIM, {"opd": "dinas_esdm", "permintaan": "Mohon tinjau."}, now=later)

    flow = weekly_flow(store, later, weeks=4)
    assert [w["week"] for w in flow] == week_starts(later, 4)
    assert [(w["opened"], w["closed"]) for w in flow] == [(0, 0), (1, 0), (1, 0), (1, 1)]
    assert open_by_opd(store) == [{"opd": "dinas_esdm", "n": 1}]
    quarters = quarter_bounds(later, 4)
    assert len(quarters) == 4 and list(quarters)[-1].endswith(f"Q{(later.month - 1) // 3 + 1}")
    starts = [start for start, _ in quarters.values()]
    assert starts == sorted(starts) and all(b[1] == a[0] for a, b in zip(list(quarters.values())[1:],
                                                                        list(quarters.values())[:-1]))
