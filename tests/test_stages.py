"""Where complaints wait, from the audit trail alone (workflow/core/stages.py, stage_figures.py, issue 15):
time per state in office and gross time with pauses, the figures per group, the bottleneck and how it moved,
and the promise figure, on a quarter whose waits are known (tests/stage_quarter.py)."""
from __future__ import annotations

import pytest

from tests.conftest import MONDAY_9_WIB, memory_runtime
from tests.stage_quarter import MEASURED, D, H, walk_quarter
from workflow.core.period import parse_period
from workflow.core.stage_figures import aggregate, bottleneck, movement, percentile, promise_figure
from workflow.reports.stages import DefinitionBook, build_section, collect


@pytest.fixture
def quarter(actors):
    rt = memory_runtime()
    ids = walk_quarter(rt.engine, actors)
    book = DefinitionBook(rt.store, rt.catalogs)
    tickets = {t.ticket_id: t for t in collect(rt.store, parse_period("2026-Q4"), book=book,
                                               calendar=rt.engine.calendar, now=MEASURED)}
    return rt, ids, tickets, book


def test_a_ticket_s_stays_come_from_its_trail_with_the_wait_on_the_complainant_and_its_pauses(quarter):
    _, ids, tickets, _ = quarter
    waited = tickets[ids["waited"]]
    assert [(s.state, s.gross_seconds / 3600, s.waiting) for s in waited.stays] == [
        ("diterima", 1, False), ("menunggu_kelengkapan", 47, True), ("diterima", 2, False),
        ("terverifikasi", 1, False), ("dijawab", 1, False), ("diarsipkan", 1, False),
        ("menunggu_konfirmasi", (12 * D - 53 * H) / H, True)]
    assert waited.stays[-1].left is None  # still waiting for the complainant's confirmation
    # the ticket's two clocks paused while the office waited, and each pause is shown with its span
    assert sorted((p.clock, p.start - MONDAY_9_WIB, p.end - MONDAY_9_WIB) for p in waited.pauses) == [
        ("penyelesaian", H, 2 * D), ("tanggapan_awal", H, 2 * D)]
    assert waited.stays[1].paused_seconds == 47 * 3600 and waited.stays[0].paused_seconds == 0
    # office time: Monday 09:00-10:00 WIB is one office hour of an eight-hour day (08:00-16:00)
    assert waited.stays[0].office_days == pytest.approx(1 / 8)
    handed = tickets[ids["opd"]]
    assert [(s.state, s.agencies) for s in handed.stays if s.agencies] == [
        ("diserahkan_opd", ("dinas_esdm",)), ("diproses_opd", ("dinas_esdm",))]
    assert handed.values["kanal"] == "email" and handed.values["tingkat"] == "berat"


def test_office_time_leaves_out_nights_and_weekends_that_gross_time_counts(quarter):
    _, ids, tickets, _ = quarter
    opd_stay = next(s for s in tickets[ids["opd"]].stays if s.state == "diproses_opd")
    assert opd_stay.gross_seconds == 70 * 3600  # Tuesday 11:00 to Friday 09:00 WIB
    assert 2.5 < opd_stay.office_days < 3.0  # about three working days less the hours before 11:00


def test_the_promise_run_read_from_the_trail_equals_the_stored_clock(quarter):
    rt, ids, tickets, _ = quarter
    for name in ("waited", "opd", "withdrawn"):
        stored = rt.engine.load(ids[name]).clock("penyelesaian")
        promise = tickets[ids[name]].promise
        assert promise.net == pytest.approx(stored.consumed, abs=1e-6), name
        assert promise.stopped_at == stored.stopped_at
    assert tickets[ids["waited"]].promise.net == pytest.approx(0.25)  # 6 hours of 7 days: the wait not counted


def test_figures_per_state_agency_and_channel(quarter):
    tickets = quarter[2]
    states = {f.key: f for f in aggregate(tickets.values(), "state")}
    assert states["diterima"].count == 4  # every complaint of the quarter started there
    assert states["menunggu_kelengkapan"].waiting and states["menunggu_kelengkapan"].waiting_share == 1.0
    diterima_hours = sorted(v / 3600 for v in (3 * 3600, 50 * 60, 12 * 86400 - 2 * 3600, 3 * 3600))
    assert states["diterima"].gross_median_days == pytest.approx(percentile(diterima_hours, 0.5) / 24)
    agencies = {f.key: f for f in aggregate(tickets.values(), "opd")}
    assert agencies["dinas_esdm"].count == 1 and agencies["dinas_esdm"].gross_median_days == pytest.approx(3.0)
    assert agencies["dinas_esdm"].bottleneck == ("pengaduan-ptsp", "diproses_opd")
    assert agencies[None].count == 4  # time before and after the hand-over is nobody's agency
    channels = {f.key: f for f in aggregate(tickets.values(), "kanal")}
    assert channels["email"].count == 1 and channels["langsung"].count == 3
    waited_share = channels["langsung"].waiting_share
    assert 0 < waited_share < 1


def test_the_bottleneck_moved_from_verified_in_q3_to_received_in_q4(quarter):
    rt, _, tickets, book = quarter
    before = collect(rt.store, parse_period("2026-Q3"), book=book, calendar=rt.engine.calendar, now=MEASURED)
    assert len(before) == 2
    move = movement(aggregate(tickets.values(), "state"), aggregate(before, "state"))
    assert (move.previous.key, move.current.key, move.moved) == ("terverifikasi", "diterima", True)
    assert bottleneck(aggregate(before, "state")).key == "terverifikasi"
    assert move.median_change == pytest.approx(move.current.office_median - move.previous_of_current.office_median)
    assert move.median_change > 0  # the officer's intake queue grew slower
    section = build_section(rt.store, "2026-Q4", catalogs=rt.catalogs, calendar=rt.engine.calendar, now=MEASURED)
    assert section.movement_sentence.startswith(
        "Tahapan yang paling lama menahan pengaduan: Diterima (pada Triwulan III Tahun 2026: Terverifikasi); "
        "median waktu kerjanya naik ")


def test_the_promise_figure_counts_only_decided_complaints_and_states_its_calendar(quarter):
    rt, _, tickets, book = quarter
    figure = promise_figure(tickets.values(), book("pengaduan-ptsp", None))
    # waited: kept; opd: 9 days; open: 12 days and counting (late); withdrawn: owed no answer
    assert (figure.received, figure.kept, figure.late, figure.decided, figure.pending, figure.not_owed) == \
        (4, 1, 2, 3, 0, 1)
    section = build_section(rt.store, "2026-Q4", catalogs=rt.catalogs, calendar=rt.engine.calendar, now=MEASURED)
    (line,) = section.promises
    assert line.sentence == "1 dari 3 pengaduan triwulan ini dijawab dalam 7 hari kalender yang dijanjikan"
    assert "zona Asia/Jakarta" in section.calendar and rt.engine.calendar.fingerprint() in section.calendar


def test_office_time_from_running_totals_equals_the_calendar_s_own_count():
    import random
    from datetime import timedelta

    from workflow.core.calendar import WorkingCalendar
    from workflow.core.office_time import OfficeTime

    calendar = WorkingCalendar()  # Indonesian holidays and cuti bersama, office hours 08:00-16:00
    office = OfficeTime(calendar)
    rng = random.Random(15)
    start = MONDAY_9_WIB - timedelta(days=60)  # across the Christmas and New Year closures too
    for _ in range(400):
        a = start + timedelta(minutes=rng.randrange(0, 120 * 24 * 60))
        b = a + timedelta(minutes=rng.randrange(0, 20 * 24 * 60))
        assert office.hours(a, b) == pytest.approx(calendar.elapsed(a, b, "working_hours"), abs=1e-9), (a, b)
    assert office.hours(MONDAY_9_WIB, MONDAY_9_WIB - H) == 0.0


def _row(seq, kind, at, source, dest, *, key, version=1, trigger=None, inputs=None, clocks=None, ticket=7):
    return {"ticket_id": ticket, "seq": seq, "kind": kind, "at": at, "trigger": trigger, "from_state": source,
            "to_state": dest, "inputs": inputs or {}, "definition_key": key, "definition_version": version,
            "detail": {"clocks": clocks} if clocks else {}, "receipt_no": "ADU-2026-000007"}


def test_a_hand_over_to_several_agencies_counts_the_stay_for_each_of_them():
    from tests.conftest import ROOT
    from workflow.core.calendar import WorkingCalendar
    from workflow.core.stages import ticket_stages
    from workflow.spec.catalog import default_catalogs
    from workflow.spec.loader import load_definition

    path = ROOT / "definitions" / "examples" / "pengaduan-perizinan-sleman.yaml"
    sleman = load_definition(path.read_text(encoding="utf-8"), str(path), default_catalogs(), version=1)
    handoff = sleman.handoffs["kajian_teknis"]
    t0, key = MONDAY_9_WIB, sleman.key
    before = next(t for t in sleman.transitions if t.dest == handoff.state)
    rows = [_row(1, "open", t0, None, sleman.initial, key=key, inputs={"kanal": "email"}),
            _row(2, "migrate", t0 + H, sleman.initial, before.sources[0], key=key),
            _row(3, "transition", t0 + 2 * H, before.sources[0], handoff.state, key=key, trigger=before.trigger,
                 inputs={handoff.agencies: ["dinas_pupr", "dinas_lhk"]}),
            _row(4, "handoff", t0 + 3 * H, handoff.state, handoff.state, key=key),  # one agency acknowledges
            _row(5, "handoff", t0 + 2 * D, handoff.state, handoff.then, key=key)]
    found = ticket_stages(rows, lambda k, v: sleman, WorkingCalendar(), t0 + 3 * D)
    assert [(s.state, s.agencies) for s in found.stays] == [
        (sleman.initial, ()), (before.sources[0], ()), (handoff.state, ("dinas_pupr", "dinas_lhk")),
        (handoff.then, ())]
    assert found.stays[2].gross_seconds == (2 * D - 2 * H).total_seconds()  # the agency's own row moves nothing
    per_agency = {f.key: f.count for f in aggregate([found], "opd")}
    assert per_agency == {"dinas_pupr": 1, "dinas_lhk": 1, None: 1}


def test_an_imported_complaint_has_no_stays_and_a_trail_without_its_opening_is_skipped():
    from workflow.core.calendar import WorkingCalendar
    from workflow.core.stages import ticket_stages, trail_stages

    calendar = WorkingCalendar()
    imported = [_row(1, "import", MONDAY_9_WIB, None, "selesai", key="pengaduan-ptsp")]
    found = ticket_stages(imported, lambda k, v: None, calendar, MEASURED)
    assert found.imported and found.stays == () and found.promise is None
    orphan = [_row(9, "transition", MONDAY_9_WIB, "diterima", "terverifikasi", key="pengaduan-ptsp", ticket=8)]
    assert list(trail_stages(imported + orphan, lambda k, v: None, calendar, MEASURED)) == [found]
