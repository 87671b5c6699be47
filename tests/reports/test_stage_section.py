"""The quarterly report's section "4.4 Lama Waktu per Tahapan" (issue 15) in every format, from the trail of a
quarter whose waits are known (tests/stage_quarter.py): the same figures in HTML (with accessible SVG charts
beside the tables), DOCX, XLSX and JSON, the promise sentence with its calendar, and the section read back
unchanged from a published report's stored content."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from tests.stage_quarter import MEASURED, walk_quarter
from workflow.reports import build_report, render

from .conftest import docx_tables, docx_text, xlsx_sheets

PROMISE = "1 dari 3 pengaduan triwulan ini dijawab dalam 7 hari kalender yang dijanjikan"


def test_the_report_shows_where_complaints_waited_and_the_promise_in_every_format(store, engine, actors):
    walk_quarter(engine, actors)
    report = build_report(store, "2026-Q4", catalogs=engine.catalogs, calendar=engine.calendar, now=MEASURED)
    assert report.stages.tickets == 4 and report.stages.promises[0].sentence == PROMISE

    html = render(report, "html").decode("utf-8")
    section = html[html.index('<section id="tahapan">'):]
    assert "4.4 Lama Waktu per Tahapan" in section and PROMISE in section
    assert "pada Triwulan III Tahun 2026: Terverifikasi" in section  # the bottleneck moved
    svg = ET.fromstring(section[section.index("<svg"):section.index("</svg>") + 6])
    assert svg.get("role") == "img" and svg.get("aria-labelledby")
    assert svg.find("{http://www.w3.org/2000/svg}title").text == "Tabel 4.5 Lama waktu per tahapan"
    bars = svg.findall("{http://www.w3.org/2000/svg}g")
    assert len(bars) == len(report.stages.states) and bars[0].find("{http://www.w3.org/2000/svg}title").text
    assert section.index("<svg") < section.index('id="tabel-4.5"')  # the table follows its chart

    docx = render(report, "docx")
    tables = docx_tables(docx)
    assert "4.4 Lama Waktu per Tahapan (dari Jejak Audit)" in docx_text(docx)
    promise_rows = tables["Tabel 4.12 Janji penyelesaian kepada pengadu"]
    assert promise_rows[1][2] == PROMISE and promise_rows[1][3:5] == ["1", "3"]
    agencies = tables["Tabel 4.7 Lama waktu per OPD"]
    esdm = next(row for row in agencies if row[1].startswith("Dinas Energi"))
    assert esdm[2] == "1" and esdm[4] == "3,00 / 3,00" and esdm[6] == "Diproses OPD"

    sheets = xlsx_sheets(render(report, "xlsx"))
    states = next(rows for name, rows in sheets.items() if name.startswith("4.5 "))
    assert list(states[1][:3]) == ["No", "Tahapan", "Jumlah pengaduan"]
    assert {row[1] for row in states[2:]} >= {"Diterima", "Ditangani Tim Penanganan"}

    data = json.loads(render(report, "json"))
    assert data["stages"]["promises"][0]["kept"] == 1 and data["stages"]["bottleneck"] == "Diterima"


def test_a_published_report_keeps_its_stage_section(store, engine, actors):
    snapshot = pytest.importorskip("workflow.reports.snapshot")  # the signed report's stored content
    walk_quarter(engine, actors)
    report = build_report(store, "2026-Q4", catalogs=engine.catalogs, calendar=engine.calendar, now=MEASURED)
    back = snapshot.report_from_content(snapshot.content_of(report))
    assert back.stages == report.stages
    assert render(back, "html") == render(report, "html")
