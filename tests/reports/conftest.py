"""Fixtures of the report tests: a runtime on the parametrised database, the Q1 2021 source data
imported through the real importer, tickets driven through the real engine, and readers that open
the DOCX and XLSX files the way an office worker's software would."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from io import BytesIO

import pytest

from workflow.runtime import build_runtime
from workflow.services.office import load_profile_file

from ..conftest import ROOT, walk_in_record

Q1_CSV = ROOT / "tests" / "data" / "evaluasi_2021_q1.csv"
OFFICE = ROOT / "definitions" / "examples" / "office-banten.yaml"  # the office the Q1 2021 report is of
WIB = timezone(timedelta(hours=7))


@pytest.fixture
def runtime(db_engine, published, calendar, monkeypatch, tmp_path):
    """A runtime on the test database with the SOP published and the office calendar."""
    monkeypatch.setenv("ALUR_IDENTITY_SALT", "test")
    monkeypatch.setenv("ALUR_INSTANCE_PATH", str(tmp_path))
    made = build_runtime(db=db_engine)
    load_profile_file(made, OFFICE, actor_id="test", now=datetime(2021, 1, 4, 2, tzinfo=timezone.utc))
    made.engine.calendar = calendar
    return made


@pytest.fixture
def q1_2021(runtime):
    """The report's own 16 complaints of Q1 2021, imported as the office would import them."""
    from workflow.services.imports import import_complaints

    result = import_complaints(runtime, Q1_CSV, actor_id="import", now=datetime(2021, 4, 5, 2, tzinfo=timezone.utc))
    assert result.count == 16
    return runtime


def wib(*args) -> datetime:
    """An office wall-clock moment (WIB) as an aware datetime."""
    return datetime(*args, tzinfo=WIB)


def open_ticket(engine, actors, when: datetime, **record):
    return engine.open("pengaduan-ptsp", walk_in_record(**record), actors["petugas"], now=when).ticket


def docx_tables(data: bytes) -> dict[str, list[list[str]]]:
    """Every table of a DOCX by the caption paragraph just before it ("Tabel 3.1 …")."""
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = Document(BytesIO(data))
    out: dict[str, list[list[str]]] = {}
    caption = None
    for child in doc.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(child, doc).text.strip()
            if text.startswith("Tabel "):
                caption = text
        elif tag == "tbl" and caption:
            table = Table(child, doc)
            out[caption] = [[cell.text for cell in row.cells] for row in table.rows]
            caption = None
    return out


def docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def xlsx_sheets(data: bytes) -> dict[str, list[list]]:
    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(data), read_only=True)
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def rekap_from_rows(rows: list[list]) -> dict[str, tuple]:
    """Parse the rekapitulasi table (header row first) into {sector label: (total, [(item, n, kategori)])}."""
    sectors: dict[str, tuple] = {}
    current = None
    for row in rows[1:]:
        first = str(row[0] or "")
        if first == "TOTAL":
            sectors["TOTAL"] = (row[2], [])
        elif ". " in first and first.split(". ", 1)[0].isalpha():
            current = first.split(". ", 1)[1]
            sectors[current] = (row[2], [])
        elif first == "-":
            continue
        else:
            sectors[current][1].append((row[1], row[2], row[3]))
    return sectors
