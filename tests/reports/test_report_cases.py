"""Edge cases a supervisor will hit: an empty period, a period across New Year, protected complainants."""
from __future__ import annotations

import json

from workflow.reports import build_report, render

from .conftest import docx_tables, docx_text, open_ticket, rekap_from_rows, wib, xlsx_sheets


def test_an_empty_period_still_renders_every_sector_with_a_dash(store, engine):
    report = build_report(store, "2030-Q1", catalogs=engine.catalogs, calendar=engine.calendar)
    assert report.total == 0 and report.rekapitulasi.total == 0
    assert len(report.rekapitulasi.sectors) == 15 and all(s.total == 0 for s in report.rekapitulasi.sectors)
    rows = docx_tables(render(report, "docx"))["Tabel 3.1 Rekapitulasi pengaduan"]
    rekap = rekap_from_rows(rows)
    assert rekap.pop("TOTAL")[0] == "0"
    assert len(rekap) == 15 and all(total == "-" and items == [] for total, items in rekap.values())
    assert rows.count(["-", "-", "-", "-"]) == 15
    assert xlsx_sheets(render(report, "xlsx"))["4.1 Evaluasi pengaduan"][2][1] == "Tidak ada pengaduan pada periode ini"
    html = render(report, "html").decode()
    assert html.count("data:image/png;base64,") == 4
    assert json.loads(render(report, "json"))["total"] == 0


def test_a_period_across_new_year_counts_by_office_days(store, engine, actors):
    # 23:30 WIB on 31 Dec 2025 and 00:10 WIB on 1 Jan 2026 are both 31 Dec in UTC; the office puts them in
    # different months. 1 Feb 2026 00:30 WIB is outside the period, 30 Nov 2025 23:59 WIB too.
    open_ticket(engine, actors, wib(2025, 11, 30, 23, 59), nama="Sebelum")
    open_ticket(engine, actors, wib(2025, 12, 31, 23, 30), nama="Malam Tahun Baru")
    open_ticket(engine, actors, wib(2026, 1, 1, 0, 10), nama="Tahun Baru", sektor="Kesehatan", jenis_izin=None)
    open_ticket(engine, actors, wib(2026, 2, 1, 0, 30), nama="Sesudah")
    report = build_report(store, "2025-12-01..2026-01-31", catalogs=engine.catalogs, calendar=engine.calendar,
                          now=wib(2026, 2, 2, 9, 0))
    assert report.total == 2
    assert [(c.label, c.count) for c in report.by_month] == [("Desember 2025", 1), ("Januari 2026", 1)]
    assert [e.tanggal for e in report.evaluation] == ["31/12/2025", "01/01/2026"]
    assert [e.pemohon for e in report.evaluation] == ["Malam Tahun Baru", "Tahun Baru"]
    sectors = {s.label: s for s in report.rekapitulasi.sectors}
    assert sectors["Kesehatan"].total == 1 and sectors["Kesehatan"].items[0].label == "Tidak dicatat"
    assert report.previous_period == "2025-09-30..2025-11-30"  # as many days, just before
    assert report.title.endswith("1 DESEMBER 2025 S.D. 31 JANUARI 2026")


def test_confidential_complainants_appear_as_such_in_every_format(store, engine, actors):
    open_ticket(engine, actors, wib(2026, 3, 2, 9, 0), nama="Rahmat Rahasia", kerahasiaan="rahasia")
    open_ticket(engine, actors, wib(2026, 3, 3, 9, 0), nama="Anita Anonim", kerahasiaan="anonim")
    open_ticket(engine, actors, wib(2026, 3, 4, 9, 0), nama="Siti Terbuka")
    report = build_report(store, "2026-03", catalogs=engine.catalogs, calendar=engine.calendar)
    assert [e.pemohon for e in report.evaluation] == ["Dirahasiakan", "Anonim", "Siti Terbuka"]
    docx = render(report, "docx")
    evaluation = docx_tables(docx)["Tabel 4.1 Evaluasi pengaduan"]
    assert [row[1].split(",")[0] for row in evaluation[1:]] == ["Dirahasiakan", "Anonim", "Siti Terbuka"]
    xlsx = xlsx_sheets(render(report, "xlsx"))["4.1 Evaluasi pengaduan"]
    assert [row[1].split(",")[0] for row in xlsx[2:]] == ["Dirahasiakan", "Anonim", "Siti Terbuka"]
    texts = {"docx": docx_text(docx), "xlsx": json.dumps(xlsx), "html": render(report, "html").decode(),
             "json": render(report, "json").decode()}
    for fmt, text in texts.items():
        assert "Rahmat" not in text and "Anita" not in text, fmt
        assert "Siti Terbuka" in text, fmt
