"""Table 3.8 of the quarterly report: referrals per referring body (issue 16), counted from the tickets and
the updates ticked off, on SQLite and PostgreSQL, in every format."""
from __future__ import annotations

from workflow.reports import build_report, render
from workflow.services import dispositions

from .conftest import docx_tables, open_ticket, wib, xlsx_sheets


def test_referrals_are_counted_per_referring_body(store, engine, actors):
    from workflow.runtime import Runtime

    rt = Runtime(store=store, engine=engine, catalogs=engine.catalogs)
    # SP4N-LAPOR!: one withdrawn on day 2 (before the body's deadline), one still open past it; the DPRD: one
    # open, its deadline in its letter still to come when the report is made.
    done = open_ticket(engine, actors, wib(2026, 3, 2, 9, 0), kanal="lapor", nomor_rujukan="LAPOR-1")
    engine.fire(done.id, "cabut", actors["petugas"], {"alasan_cabut": "pemohon mencabut"}, now=wib(2026, 3, 3, 9, 0))
    late = open_ticket(engine, actors, wib(2026, 3, 2, 10, 0), kanal="lapor", nomor_rujukan="LAPOR-2")
    dispositions.mark_done(rt, actors["petugas"], late.id, "diterima", now=wib(2026, 3, 3, 9, 0))
    open_ticket(engine, actors, wib(2026, 3, 20, 9, 0), kanal="dprd", nomor_rujukan="DPRD/9",
                batas_rujukan="2026-04-30")
    open_ticket(engine, actors, wib(2026, 3, 4, 9, 0))  # a walk-in: no referral
    report = build_report(store, "2026-Q1", catalogs=engine.catalogs, calendar=engine.calendar,
                          now=wib(2026, 4, 6, 9, 0))
    lines = {line.channel: line for line in report.dispositions}
    assert (lines["lapor"].received, lines["lapor"].closed, lines["lapor"].closed_in_time,
            lines["lapor"].open_late) == (2, 1, 1, 1)
    # the open one owes 'tindak lanjut' and 'selesai' past their due times; the withdrawn one owes all three
    assert lines["lapor"].updates_late == 5
    # the DPRD's answer is due 14 working days after 20 March, past the Idul Fitri holidays: not late on 6 April
    assert (lines["dprd"].received, lines["dprd"].open_late, lines["dprd"].updates_late) == (1, 0, 0)
    assert lines["ombudsman"].received == 0
    table = docx_tables(render(report, "docx"))["Tabel 3.8 Disposisi dari instansi lain (SP4N-LAPOR!, Ombudsman, DPRD)"]
    assert table[1][1:] == ["SP4N-LAPOR!", "2", "1", "1", "1", "5"]
    sheet = next(rows for name, rows in xlsx_sheets(render(report, "xlsx")).items() if name.startswith("3.8"))
    assert [row[1] for row in sheet[2:]] == ["SP4N-LAPOR!", "Ombudsman RI", "DPRD"]
    assert "Tabel 3.8 Disposisi dari instansi lain" in render(report, "html").decode()
