"""SLA truth for tickets driven through the real engine: on time vs late, net vs gross, percentiles
computed in SQL (percentile_cont on PostgreSQL, a windowed query on SQLite) — same numbers on both."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from workflow.reports import build_report, render
from workflow.store import models as m

from ..conftest import MONDAY_9_WIB
from .conftest import docx_tables, open_ticket

T0 = MONDAY_9_WIB  # Monday 30 November 2026, 09:00 WIB
NOW = T0 + timedelta(days=10)
H = timedelta(hours=1)
D = timedelta(days=1)


def answer_directly(engine, actors, ticket_id, at):
    petugas = actors["petugas"]
    engine.fire(ticket_id, "verifikasi", petugas, {"tingkat": "ringan", "kewenangan": "dalam"}, now=at)
    engine.fire(ticket_id, "jawab_langsung", petugas, {"analisa": "Pemohon belum membaca panduan SIPEKA",
                                                        "jawaban": "Sudah dijelaskan", "tindak_lanjut": "Dipandu"},
                now=at + 0.25 * H)
    engine.fire(ticket_id, "arsipkan", petugas, {"nomor_arsip": "A-1"}, now=at + 0.5 * H)
    engine.fire(ticket_id, "sampaikan", petugas, {"media_jawaban": "email"}, now=at + H)


@pytest.fixture
def scenario(engine, actors):
    """Six complaints of Q4 2026 with known outcomes on the 7-day ``penyelesaian`` clock."""
    petugas, tim, esdm = actors["petugas"], actors["tim"], actors["opd"]
    a = open_ticket(engine, actors, T0, nama="A")
    answer_directly(engine, actors, a.id, T0 + H)  # answered after 2 h: on time
    b = open_ticket(engine, actors, T0, nama="B")  # waits 3 days on the complainant, answered on day 9
    engine.fire(b.id, "minta_kelengkapan", petugas, {"kekurangan": "Nomor registrasi"}, now=T0 + H)
    engine.fire(b.id, "lengkapi", actors["pemohon"], {"kelengkapan": "REG-1"}, now=T0 + H + 3 * D)
    answer_directly(engine, actors, b.id, T0 + 9 * D - H)
    c = open_ticket(engine, actors, T0, nama="C")  # never answered: still running past its due time at NOW
    d = open_ticket(engine, actors, T0, nama="D")
    answer_directly(engine, actors, d.id, T0 + 8 * D - H)  # answered on day 8: late
    e = open_ticket(engine, actors, T0 + 9 * D, nama="E")  # opened yesterday: running, not yet due
    f = open_ticket(engine, actors, T0, nama="F")  # through the team and Dinas ESDM
    engine.fire(f.id, "verifikasi", petugas, {"tingkat": "sedang", "kewenangan": "dalam"}, now=T0 + H)
    engine.fire(f.id, "teruskan_tim", petugas, {}, now=T0 + 2 * H)
    engine.fire(f.id, "serahkan_opd", tim, {"opd": "dinas_esdm", "permintaan": "Jadwal peninjauan lapangan"},
                now=T0 + 3 * H)  # opd_ack due Tuesday 12:00
    engine.fire(f.id, "konfirmasi_opd", esdm, {}, now=T0 + 3 * D + H)  # Thursday 10:00: acknowledged late
    engine.fire(f.id, "jawab_opd", esdm, {"jawaban_opd": "Dijadwalkan Senin"}, now=T0 + 4 * D + H)  # 1 working day
    engine.fire(f.id, "jawab", tim, {"analisa": "Peninjauan lapangan belum dijadwalkan Dinas ESDM",
                                     "tindak_lanjut": "Berkoordinasi dengan Dinas ESDM", "jawaban": "Dijadwalkan"},
                now=T0 + 4 * D + 2 * H)
    engine.fire(f.id, "arsipkan", petugas, {}, now=T0 + 4 * D + 3 * H)
    engine.fire(f.id, "sampaikan", petugas, {"media_jawaban": "email"}, now=T0 + 4 * D + 5 * H)
    return {"a": a.id, "b": b.id, "c": c.id, "d": d.id, "e": e.id, "f": f.id}


def percentile_cont(values: list[float], p: float) -> float:
    """The textbook definition, as a reference for the SQL."""
    xs = sorted(values)
    pos = p * (len(xs) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def report_of(store, engine):
    return build_report(store, "2026-Q4", catalogs=engine.catalogs, calendar=engine.calendar, now=NOW)


def test_on_time_and_late_are_counted_from_the_clock_rows(store, engine, scenario):
    report = report_of(store, engine)
    clocks = {s.clock: s for s in report.sla.clocks}
    total = clocks["penyelesaian"]
    assert (total.runs, total.on_time, total.late, total.running, total.late_running) == (6, 3, 2, 1, 1)
    assert total.on_time_rate == 60.0
    ack = clocks["opd_ack"]
    assert (ack.runs, ack.on_time, ack.late) == (1, 0, 1)
    answer = clocks["opd_jawaban"]
    assert (answer.runs, answer.on_time, answer.late, answer.net_median) == (1, 1, 0, 1.0)
    assert report.sla.measured == 6 and report.sla.unmeasured_imported == 0
    assert report.sla.calendar.fingerprint == engine.calendar.fingerprint()
    assert report.sla.calendar.fingerprints_in_clocks == (engine.calendar.fingerprint(),)
    assert "2026-12-25" in {h.day for h in report.sla.calendar.holidays}


def test_paused_time_is_excluded_from_net_but_not_from_gross(db_engine, store, engine, scenario):
    b = engine.load(scenario["b"]).clock("penyelesaian")
    assert b.paused_seconds == pytest.approx(3 * 86400)
    assert b.consumed == pytest.approx(6.0)  # 9 days lived, 3 of them waiting on the complainant
    assert b.stopped_at <= b.due_at  # the pause pushed the due time by 3 days: on time
    report = report_of(store, engine)
    total = next(s for s in report.sla.clocks if s.clock == "penyelesaian")
    with db_engine.connect() as conn:
        rows = conn.execute(sa.select(m.clocks.c.consumed, m.clocks.c.started_at, m.clocks.c.stopped_at)
                            .where(m.clocks.c.clock == "penyelesaian", m.clocks.c.stopped_at.isnot(None))).all()
    net = [r.consumed for r in rows]
    gross = [(r.stopped_at - r.started_at).total_seconds() / 86400 for r in rows]
    assert sorted(round(x, 4) for x in net) == [0.0833, 4.2083, 6.0, 8.0]
    assert sorted(round(x, 4) for x in gross) == [0.0833, 4.2083, 8.0, 9.0]
    assert total.net_median == round(percentile_cont(net, 0.5), 2) == 5.1
    assert total.net_p90 == round(percentile_cont(net, 0.9), 2)
    assert total.gross_median_days == round(percentile_cont(gross, 0.5), 2) == 6.1
    assert total.gross_p90_days == round(percentile_cont(gross, 0.9), 2)
    assert total.gross_median_days > total.net_median


def test_per_opd_figures_name_the_agency_that_was_late(store, engine, scenario):
    report = report_of(store, engine)
    esdm = {s.clock: s for s in report.sla.by_opd if s.opd == "dinas_esdm"}
    assert {s.opd for s in report.sla.by_opd} == {"dinas_esdm"}  # only F involved an OPD
    assert (esdm["opd_ack"].late, esdm["opd_jawaban"].on_time, esdm["penyelesaian"].on_time) == (1, 1, 1)
    assert esdm["opd_ack"].opd_label.startswith("Dinas Energi dan Sumber Daya Mineral")
    assert any("Dinas Energi dan Sumber Daya Mineral" in line and "terlambat" in line for line in report.analysis)


def test_sla_tables_in_docx_and_json_agree(store, engine, scenario):
    import json

    report = report_of(store, engine)
    data = json.loads(render(report, "json"))
    tables = docx_tables(render(report, "docx"))
    stages = tables["Tabel 4.2 Ketepatan waktu per tahapan"]
    assert stages[0][:7] == ["No", "Tahapan", "Tenggat", "Jumlah", "Tepat waktu", "Terlambat", "Berjalan"]
    by_label = {row[1]: row for row in stages[1:]}
    for clock in data["sla"]["clocks"]:
        row = by_label[clock["label"]]
        assert [int(x) for x in row[3:7]] == [clock["runs"], clock["on_time"], clock["late"], clock["running"]]
    total = by_label["Penyelesaian pengaduan (SOP 3.1.f)"]
    assert total[2] == "7 hari kalender" and total[7] == "60,0%"
    assert total[8].startswith("5,10 / ") and total[8].endswith("hari kalender")
    opd = tables["Tabel 4.3 Ketepatan waktu per OPD"]
    assert any(row[1].startswith("Dinas Energi") and row[2] == "Konfirmasi penerimaan oleh OPD" and row[5] == "1"
               for row in opd[1:])
