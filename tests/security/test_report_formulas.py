"""What a complainant types cannot become a live formula in the supervisors' quarterly workbook."""
from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from workflow.reports import build_report, render
from workflow.services.engine import Engine
from workflow.services.publish import publish
from workflow.store.sql import SqlStore

from ..conftest import MONDAY_9_WIB, SOP, walk_in_record

ATTACK = '=HYPERLINK("http://evil.example/","Klik")'


def test_a_name_typed_as_a_formula_is_plain_text_in_the_xlsx_report(sqlite_engine, calendar, actors):
    store = SqlStore(sqlite_engine)
    publish(store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
    engine = Engine(store, calendar=calendar, now=lambda: MONDAY_9_WIB)
    engine.open("pengaduan-ptsp", walk_in_record(nama=ATTACK, perihal="+1+1"), actors["petugas"], now=MONDAY_9_WIB)
    report = build_report(store, "2026-11", catalogs=engine.catalogs, calendar=calendar, now=MONDAY_9_WIB)
    workbook = load_workbook(BytesIO(render(report, "xlsx")))
    cells = [cell for ws in workbook.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"], "a cell would run as a formula"
    evaluation = workbook["4.1 Evaluasi pengaduan"]
    assert evaluation["B3"].value == "'" + ATTACK + ", +1+1"  # shown as typed, behind the apostrophe
    rekap = [[c.value for c in row] for row in workbook["3.1 Rekapitulasi pengaduan"].iter_rows()]
    assert ["-", "-", "-", "-"] in rekap  # the report's dash for "none" stays a dash
