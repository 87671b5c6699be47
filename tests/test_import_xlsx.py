"""Historical import straight from the office's spreadsheet (issue 14): an .xlsx workbook written by openpyxl
(the first sheet or ``--sheet``), and the row-number column every office sheet has ("No", "No.", "Nomor")
accepted and ignored, in CSV and workbook alike. Same all-or-nothing checks, errors naming the row a
person sees in the spreadsheet; a workbook that cannot be imported as typed says what to do."""
from __future__ import annotations

import zipfile
from datetime import datetime

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from workflow.cli import cli
from workflow.errors import ImportFailed
from workflow.services import import_files
from workflow.services.imports import check_file

from .conftest import memory_runtime

COLUMNS = ["No.", "Tanggal", "Pemohon", "Perihal", "Sektor", "Jenis Izin", "Kategori", "Analisa", "Tindak Lanjut"]
GOOD = [
    [1, datetime(2021, 1, 18), "PT A", "Izin lama", "Energi dan Sumber Daya Mineral", "SIPA", "Durasi Waktu", "ok",
     "ok"],
    [2, "21/01/2021", "PT B", "Izin lama", "energi dan sumber daya mineral", "sipa", "durasi waktu", "ok", "ok"],
]


def workbook(path, rows, *, header=COLUMNS, title=None, sheets=("Rekap",), at=None):
    wb = Workbook()
    ws = wb.active
    ws.title = sheets[0]
    for name in sheets[1:]:
        wb.create_sheet(name)
    target = wb[at] if at else ws
    if title:
        target.append([title])
        target.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    target.append(header)
    for row in rows:
        target.append(row)
    wb.save(path)
    return path


def run(runtime, *args):
    return CliRunner().invoke(cli, list(args), obj={"runtime": runtime}, catch_exceptions=False)


def receipts(runtime) -> list[str]:
    return [row["receipt_no"] for row in runtime.store.audit_rows(kind="import")]


def test_a_workbook_imports_with_its_row_number_column_ignored(tmp_path):
    runtime = memory_runtime()
    path = workbook(tmp_path / "rekap.xlsx", GOOD)

    result = run(runtime, "import", "complaints", str(path))

    assert result.exit_code == 0, result.output
    assert "imported 2 complaint(s)" in result.output
    with runtime.store.unit_of_work() as uow:
        first = uow.tickets.load(uow.tickets.id_by_receipt("ADU-2021-000001"))
    assert first.fields["sektor"] == "esdm" and first.identity == {"nama": "PT A"}
    assert first.created_at.date().isoformat() == "2021-01-18"  # a date cell, not text
    assert "no" not in first.fields


def test_the_sheet_is_chosen_by_name_and_an_unknown_one_is_named(tmp_path):
    runtime = memory_runtime()
    path = workbook(tmp_path / "rekap.xlsx", GOOD, sheets=("Petunjuk", "2021"), at="2021")

    first_sheet = run(runtime, "import", "complaints", str(path), "--check")
    assert first_sheet.exit_code == 1 and "sheet 'Petunjuk' is empty" in first_sheet.output
    wrong = run(runtime, "import", "complaints", str(path), "--sheet", "2020")
    assert wrong.exit_code == 1 and "no sheet named '2020'; the workbook has: Petunjuk, 2021" in wrong.output
    assert receipts(runtime) == []
    right = run(runtime, "import", "complaints", str(path), "--sheet", "2021")
    assert right.exit_code == 0, right.output
    assert len(receipts(runtime)) == 2


def test_a_bad_row_imports_nothing_and_names_the_spreadsheet_row(tmp_path):
    runtime = memory_runtime()
    rows = GOOD + [[3, "2021-02-30", "PT C", "Izin lama", "Energi dan SDM", "SIPA", "Lambat", "ok", "ok"]]
    path = workbook(tmp_path / "rekap.xlsx", rows)

    result = run(runtime, "import", "complaints", str(path))

    assert result.exit_code == 1
    assert "line 4, column 'tanggal'" in result.output  # row 4 of the sheet: header on 1, data from 2
    assert "line 4, column 'sektor': 'Energi dan SDM' is not in the sektor catalog" in result.output
    assert "line 4, column 'kategori': 'Lambat'" in result.output
    assert "nothing imported" in result.output and receipts(runtime) == []


def test_a_formula_cell_is_refused_with_what_to_do(tmp_path):
    runtime = memory_runtime()
    rows = [GOOD[0], [2, "=TODAY()", *GOOD[1][2:]]]
    path = workbook(tmp_path / "rumus.xlsx", rows)

    with pytest.raises(ImportFailed) as caught:
        check_file(path, runtime.engine.definition("pengaduan-ptsp"), runtime.catalogs)
    [error] = caught.value.errors
    assert (error.line, error.column) == (3, "B3")
    assert "formula (=TODAY())" in error.message and "paste it as values" in error.message


def test_a_merged_title_or_header_is_refused_with_what_to_do(tmp_path):
    runtime = memory_runtime()
    definition = runtime.engine.definition("pengaduan-ptsp")
    titled = workbook(tmp_path / "judul.xlsx", GOOD, title="REKAP PENGADUAN 2021")
    with pytest.raises(ImportFailed, match="like a title spread over merged cells") as caught:
        check_file(titled, definition, runtime.catalogs)
    assert caught.value.errors[0].line == 1

    wb = Workbook()
    ws = wb.active
    ws.append(["Tanggal", "Identitas", None, "Perihal"])
    ws.merge_cells("B1:C1")
    ws.append(["2021-01-18", "PT A", "x", "y"])
    wb.save(tmp_path / "gabung.xlsx")
    with pytest.raises(ImportFailed, match=r"header cell\(s\) C1 are empty \(merged header cells\?\)"):
        check_file(tmp_path / "gabung.xlsx", definition, runtime.catalogs)


def test_a_file_that_is_not_a_workbook_or_is_damaged_says_so(tmp_path):
    runtime = memory_runtime()
    definition = runtime.engine.definition("pengaduan-ptsp")
    fake = tmp_path / "rekap.xlsx"
    fake.write_bytes(b"\xd0\xcf\x11\xe0 an old .xls saved with a new name")
    with pytest.raises(ImportFailed, match="is not an .xlsx workbook \\(it is not a zip file\\)"):
        check_file(fake, definition, runtime.catalogs)

    damaged = tmp_path / "rusak.xlsx"
    with zipfile.ZipFile(damaged, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(ImportFailed, match="cannot be read as an .xlsx workbook"):
        check_file(damaged, definition, runtime.catalogs)


def test_the_limits_hold_for_workbooks(tmp_path, monkeypatch):
    runtime = memory_runtime()
    definition = runtime.engine.definition("pengaduan-ptsp")
    path = workbook(tmp_path / "rekap.xlsx", GOOD * 3)
    monkeypatch.setattr(import_files, "MAX_ROWS", 4)
    with pytest.raises(ImportFailed, match="more than 4 rows; split the sheet"):
        check_file(path, definition, runtime.catalogs)
    monkeypatch.setattr(import_files, "MAX_ROWS", 200_000)
    monkeypatch.setattr(import_files, "MAX_UNZIPPED", 1000)
    with pytest.raises(ImportFailed, match=r"unpacks to 0\.\d MiB \(limit 0\.0 MiB\); split it"):
        check_file(path, definition, runtime.catalogs)
    monkeypatch.setattr(import_files, "MAX_BYTES", 100)
    with pytest.raises(ImportFailed, match="split it into files under"):
        check_file(path, definition, runtime.catalogs)


@pytest.mark.parametrize("name", ["No", "No.", "Nomor", "NO"])
def test_a_csv_with_a_row_number_column_imports(tmp_path, name):
    runtime = memory_runtime()
    path = tmp_path / "rekap.csv"
    path.write_text(f"{name};Tanggal;Pemohon;Perihal;Sektor;Jenis Izin;Kategori;Analisa;Tindak Lanjut\n"
                    "1;18/01/2021;PT A;Izin lama;Energi dan Sumber Daya Mineral;SIPA;Durasi Waktu;ok;ok\n"
                    "2;19/01/2021;PT B;Izin lama;Energi dan Sumber Daya Mineral;SIPA;Durasi Waktu;ok;ok\n",
                    encoding="utf-8")
    result = run(runtime, "import", "complaints", str(path))
    assert result.exit_code == 0, result.output
    assert len(receipts(runtime)) == 2


def test_a_csv_given_a_sheet_is_told_sheets_are_for_workbooks(tmp_path):
    runtime = memory_runtime()
    path = tmp_path / "rekap.csv"
    path.write_text("tanggal\n", encoding="utf-8")
    result = run(runtime, "import", "complaints", str(path), "--sheet", "2021")
    assert result.exit_code == 1 and "--sheet is for an .xlsx workbook" in result.output


def test_blank_rows_above_the_header_keep_the_row_numbers_of_the_sheet(tmp_path):
    runtime = memory_runtime()
    wb = Workbook()
    ws = wb.active
    ws.append([])
    ws.append([])
    ws.append(["No", "Tanggal", "Pemohon", "Perihal", "Sektr", "Jenis Izin", "Kategori", "Analisa", "Tindak Lanjut"])
    ws.append(GOOD[0])
    wb.save(tmp_path / "kosong.xlsx")
    with pytest.raises(ImportFailed) as caught:
        check_file(tmp_path / "kosong.xlsx", runtime.engine.definition("pengaduan-ptsp"), runtime.catalogs)
    assert {(e.line, e.column) for e in caught.value.errors} == {(3, "sektr"), (3, "sektor")}


def test_a_sheet_reaching_far_beyond_its_table_is_refused_quickly(tmp_path):
    """A workbook whose last row is 1,048,576 (one stray cell) or that spans 200 columns is refused from its
    dimension, before a million empty rows are read."""
    runtime = memory_runtime()
    definition = runtime.engine.definition("pengaduan-ptsp")
    wb = Workbook()
    ws = wb.active
    ws.append(COLUMNS)
    ws.append(GOOD[0])
    ws.cell(1_048_576, 1, "x")
    wb.save(tmp_path / "jauh.xlsx")
    with pytest.raises(ImportFailed, match="reaches row 1048576; the import reads up to row 210000"):
        check_file(tmp_path / "jauh.xlsx", definition, runtime.catalogs)

    wb = Workbook()
    ws = wb.active
    ws.append(COLUMNS)
    ws.cell(2, 200, "x")
    wb.save(tmp_path / "lebar.xlsx")
    with pytest.raises(ImportFailed,
                       match="uses 200 columns; the import reads at most 64: delete the columns after BL"):
        check_file(tmp_path / "lebar.xlsx", definition, runtime.catalogs)
