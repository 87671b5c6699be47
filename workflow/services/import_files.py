"""Reading the historical import's table from a CSV file or an Excel workbook (.xlsx), within limits.

Both give the same thing to `workflow.services.imports.check_file`: the header's column names
(normalised) and the data rows, each with the number a person sees beside it (the CSV's line, the
sheet's row). Offices keep a row-number column ("No", "No.", "Nomor"); it is read and left out.

A workbook is read with openpyxl in read-only mode, so a large sheet is streamed rather than loaded
whole. What cannot be imported as typed is refused with a message saying what to do: a file that is
not a workbook (or a damaged one), a cell holding a formula (its value is whatever the spreadsheet last
computed, which openpyxl does not know; paste the values instead), a title or header spread over merged
cells, a sheet that is not there, and a file or sheet past the limits.
"""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, time
from pathlib import Path

from workflow.errors import ImportFailed, ImportLineError
from workflow.spec.catalog import normalise

MAX_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED = 400 * 1024 * 1024  # a workbook's parts once inflated: a small zip can expand enormously
MAX_ROWS = 200_000
MAX_COLUMNS = 64  # the evaluation table has 13; a wider sheet is something else
MAX_SHEET_ROW = MAX_ROWS + 10_000  # the last sheet row read: openpyxl yields an empty row for every gap
ROW_NUMBER = frozenset({"no", "nomor", "no urut", "nomor urut"})  # normalised: "No." is "no"



class Header(list):
    """The header's column names, and the line (or sheet row) they were read from."""

    line = 1


Table = tuple[Header, list[tuple[int, list[str]]]]


def _fail(line: int, message: str, column: str = "") -> ImportFailed:
    return ImportFailed([ImportLineError(line, column, message)])


def read_table(path: Path, sheet: str | None = None) -> Table:
    """The header (normalised names, the row-number column left out) and the non-empty data rows."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise _fail(0, f"file is {size // 1024 // 1024} MiB; split it into files under {MAX_BYTES // 1024 // 1024} MiB")
    if path.suffix.lower() in (".xlsx", ".xlsm") or zipfile.is_zipfile(path):
        header, rows, line = _read_xlsx(path, sheet)
    elif sheet is not None:
        raise _fail(0, f"--sheet is for an .xlsx workbook; {path.name} is read as CSV")
    else:
        header, rows = _read_csv(path)
        line = 1
    names, rows = _drop_row_numbers(header, rows)
    out = Header(names)
    out.line = line
    return out, rows


def _drop_row_numbers(header: list[str], rows: list[tuple[int, list[str]]]) -> tuple[list[str], list]:
    names = [normalise(h) for h in header]
    keep = [i for i, name in enumerate(names) if name not in ROW_NUMBER]
    if len(keep) == len(names):
        return [n.replace(" ", "_") for n in names], rows
    width = len(names)
    out_rows = [(line, [cells[i] for i in keep] if len(cells) == width else cells) for line, cells in rows]
    return [names[i].replace(" ", "_") for i in keep], out_rows


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise _fail(line, "not UTF-8 text; save the spreadsheet as 'CSV UTF-8' or as an .xlsx workbook") from None
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        header = next(reader)
    except StopIteration:
        raise _fail(1, "the file is empty; the first line must name the columns") from None
    except csv.Error as exc:
        raise _fail(1, f"broken CSV: {exc}") from None
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _fail(reader.line_num, f"broken CSV ({exc}); check the quotes on this line") from None
        if any(cell.strip() for cell in row):
            rows.append((reader.line_num, row))
            if len(rows) > MAX_ROWS:
                raise _fail(reader.line_num, f"more than {MAX_ROWS} rows; split the file")
    return header, rows


def _check_zip(path: Path) -> None:
    if not zipfile.is_zipfile(path):
        raise _fail(0, f"{path.name} is not an .xlsx workbook (it is not a zip file); open it in the spreadsheet and "
                       "save it as 'Excel Workbook (.xlsx)' or as 'CSV UTF-8'")
    try:
        with zipfile.ZipFile(path) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
            broken = archive.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        raise _fail(0, f"{path.name} is a damaged workbook ({exc}); save it again from the spreadsheet") from None
    if broken is not None:
        raise _fail(0, f"{path.name} is a damaged workbook (part {broken} is corrupt); save it again")
    if inflated > MAX_UNZIPPED:
        raise _fail(0, f"the workbook unpacks to {inflated / 2**20:.1f} MiB (limit {MAX_UNZIPPED / 2**20:.1f} MiB); "
                       "split it or save the sheet as CSV")


def _text(value) -> str:
    """A cell's value as the text a CSV of the same sheet would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path, sheet: str | None) -> tuple[list[str], list[tuple[int, list[str]]], int]:
    _check_zip(path)
    from openpyxl import load_workbook  # only an import of a workbook needs it

    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds (KeyError, InvalidFileException, XML errors)
        raise _fail(0, f"{path.name} cannot be read as an .xlsx workbook ({type(exc).__name__}: {exc}); save it "
                       "again from the spreadsheet as 'Excel Workbook (.xlsx)'") from None
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise _fail(0, f"no sheet named '{sheet}'; the workbook has: {', '.join(book.sheetnames)}")
        return _sheet_rows(ws)
    finally:
        book.close()


def _sheet_rows(ws) -> tuple[list[str], list[tuple[int, list[str]]], int]:
    header: list[str] | None = None
    header_line = 1
    rows: list[tuple[int, list[str]]] = []
    formulas: list[ImportLineError] = []
    # A workbook names its last row and column (its dimension); a crafted one names row 1,048,576 with one
    # cell there, and openpyxl would yield a million empty rows before it. Read within bounds, or refuse.
    from openpyxl.utils import get_column_letter

    if (ws.max_column or 0) > MAX_COLUMNS:
        raise _fail(1, f"sheet '{ws.title}' uses {ws.max_column} columns; the import reads at most {MAX_COLUMNS}: "
                       f"delete the columns after {get_column_letter(MAX_COLUMNS)}")
    if (ws.max_row or 0) > MAX_SHEET_ROW:
        raise _fail(MAX_SHEET_ROW, f"sheet '{ws.title}' reaches row {ws.max_row}; the import reads up to row "
                                   f"{MAX_SHEET_ROW}: delete the empty rows below the table, or split it")
    for number, cells in enumerate(ws.iter_rows(min_row=1, max_row=MAX_SHEET_ROW, max_col=MAX_COLUMNS), start=1):
        for cell in cells:
            if cell.data_type == "f":
                formulas.append(ImportLineError(number, cell.coordinate, f"holds a formula ({str(cell.value)[:40]}); "
                                                "copy the column and paste it as values, then import again"))
        values = [_text(c.value) for c in cells]
        if header is None:
            if not any(v.strip() for v in values):
                continue
            header, header_line = _header(number, values), number
            width = len(header)
            continue
        values = (values + [""] * width)[:width] if len(values) < width else values
        if any(v.strip() for v in values[width:]):
            formulas.append(ImportLineError(number, "", f"has {len([v for v in values if v.strip()])} filled cells "
                                                        f"but the header names {width} columns"))
        values = values[:width]
        if any(v.strip() for v in values):
            rows.append((number, values))
            if len(rows) > MAX_ROWS:
                raise _fail(number, f"more than {MAX_ROWS} rows; split the sheet")
    if header is None:
        raise _fail(1, f"sheet '{ws.title}' is empty; its first row must name the columns")
    if formulas:
        raise ImportFailed(formulas)
    return header, rows, header_line


def _header(number: int, values: list[str]) -> list[str]:
    """The header row: every column named, none spread over merged cells."""
    while values and not values[-1].strip():
        values.pop()
    filled = [v for v in values if v.strip()]
    if len(filled) == 1 and len(values) >= 1:
        raise _fail(number, f"row {number} holds one cell ('{filled[0][:60]}') alone, like a title spread over merged "
                            "cells; the first filled row must name the columns: delete the title rows above the "
                            "header")
    gaps = [i for i, v in enumerate(values) if not v.strip()]
    if gaps:
        from openpyxl.utils import get_column_letter

        names = ", ".join(f"{get_column_letter(i + 1)}{number}" for i in gaps)
        raise _fail(number, f"header cell(s) {names} are empty (merged header cells?); unmerge the header so every "
                            "column has its own name in one row")
    return values


__all__ = ["MAX_BYTES", "MAX_COLUMNS", "MAX_ROWS", "MAX_SHEET_ROW", "MAX_UNZIPPED", "ROW_NUMBER", "Header",
           "read_table"]
