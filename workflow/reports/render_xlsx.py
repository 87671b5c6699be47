"""The report as a workbook: one sheet per numbered table (openpyxl), plus a summary sheet.

Counts are written as numbers (a spreadsheet sums them); dashes stay text, as the report prints them.
Sheet names are "3.1 Rekapitulasi pengaduan" etc., cut to Excel's 31 characters. Every text cell
passes `workflow.reports.cells.neutral`: names, analyses and plans are typed by people, and openpyxl
would store a text starting with ``=`` as a live formula.
"""
from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from workflow.reports.cells import neutral
from workflow.reports.charts import xlsx_chart_sheet
from workflow.reports.model import Report
from workflow.reports.narrative import section_blocks
from workflow.reports.tables import (
    ANCHOR_NOTE,
    ANCHOR_TITLE,
    PUBLICATION_TITLE,
    Table,
    anchor_rows,
    publication_rows,
    report_tables,
)

INVALID = set('[]:*?/\\')


def sheet_name(table: Table) -> str:
    name = "".join(ch for ch in f"{table.number} {table.title}" if ch not in INVALID)
    return name[:31]


def render_xlsx(report: Report) -> bytes:
    wb = Workbook()
    summary = wb.active
    summary.title = "Ringkasan"
    for label, value in (("Laporan", report.title), ("Periode", report.period_label), ("Kode periode", report.period),
                         ("Dari", report.period_start), ("Sampai", report.period_end),
                         ("Jumlah pengaduan", report.total), ("Dibuat", report.generated_at),
                         ("Sidik kalender", report.sla.calendar.fingerprint)):
        summary.append([label, neutral(value)])
    summary.append([])
    summary.append([ANCHOR_TITLE, ANCHOR_NOTE])
    summary.cell(summary.max_row, 1).font = Font(bold=True)
    for label, value in anchor_rows(report):  # machine-written (hex, base64): written as text, unchanged
        summary.append([label, value])
        summary.cell(summary.max_row, 2).data_type = "s"
    if report.publication is not None:
        summary.append([])
        summary.append([PUBLICATION_TITLE])
        summary.cell(summary.max_row, 1).font = Font(bold=True)
        for label, value in publication_rows(report):
            summary.append([label, neutral(value)])
            summary.cell(summary.max_row, 2).data_type = "s"
    summary.column_dimensions["A"].width = 20
    _narrative_sheet(wb, report)
    summary.column_dimensions["B"].width = 90
    for table in report_tables(report):
        ws = wb.create_sheet(sheet_name(table))
        ws.append([table.caption])
        ws["A1"].font = Font(bold=True)
        ws.append(list(table.header))
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            ws.append([neutral(cell) for cell in row.cells])
            if row.style:
                for cell in ws[ws.max_row]:
                    cell.font = Font(bold=True)
        if table.note:
            ws.append([])
            ws.append([neutral(table.note)])
        total = sum(table.widths) if table.widths else len(table.header)
        for i, share in enumerate(table.widths or (1,) * len(table.header), start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(6, 110 * share / total)
        for row in ws.iter_rows(min_row=3):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A3"
    xlsx_chart_sheet(wb, report)  # the HTML report's charts as native charts of their numbers
    if report.publication is not None:  # a published report's file is the same bytes every time
        wb.properties.created = wb.properties.modified = _moment(report.publication.published_at)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _moment(iso: str):
    from datetime import datetime, timezone

    return datetime.fromisoformat(iso).astimezone(timezone.utc).replace(tzinfo=None)


def _narrative_sheet(wb, report: Report) -> None:
    """The narrative sections (introduction, analysis, conclusions, recommendations), one paragraph a row."""
    from workflow.core.report_document import SECTION_KEYS, section_title

    ws = wb.create_sheet("Narasi")
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 110
    for key in SECTION_KEYS:
        lines = [item for block in section_blocks(report, key)
                 for item in (block.lines if block.kind == "p" else tuple(f"\u2022 {x}" for x in block.lines))]
        for i, line in enumerate(lines or [""]):
            ws.append([section_title(key) if i == 0 else "", neutral(line)])
            ws.cell(ws.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
            if i == 0:
                ws.cell(ws.max_row, 1).font = Font(bold=True)


__all__ = ["render_xlsx", "sheet_name"]
