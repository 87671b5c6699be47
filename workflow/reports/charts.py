"""The report's charts in the documents the office files and prints (issue 14): the DOCX and the XLSX carry the
same four charts as the HTML report (complaints per month, per category, per sector; on time per clock).

DOCX: the HTML's own matplotlib drawings (`render_html.charts`, drawn once on the Agg canvas) as PNG
pictures, each with its caption ("Gambar 3.1 …") and its alternative text in the picture's description,
placed in the sections they illustrate. python-docx takes PNG or JPEG only, and matplotlib is already
what the HTML uses, so no second drawing library is needed.

XLSX: native Excel charts (openpyxl), which a spreadsheet redraws from cells: a "Grafik" sheet holds each
chart's numbers as a small table and the chart beside it refers to that range, so the numbers a person
sees and the bars are the same cells. Labels come from catalogs and definitions people write and pass
`cells.neutral` like every other text cell.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from io import BytesIO

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from workflow.reports.cells import neutral
from workflow.reports.model import Report

SHEET = "Grafik"


@dataclass(frozen=True)
class Chart:
    key: str  # as in render_html.charts
    number: str  # "3.1": Gambar 3.1
    title: str
    alt: str


CHARTS = (
    Chart("bulan", "3.1", "Pengaduan per bulan", "Diagram batang jumlah pengaduan per bulan pada periode ini"),
    Chart("kategori", "3.2", "Pengaduan per kategori", "Diagram batang jumlah pengaduan per kategori"),
    Chart("sektor", "3.3", "Pengaduan per sektor", "Diagram batang jumlah pengaduan per sektor"),
    Chart("ketepatan", "4.1", "Ketepatan waktu per tahapan",
          "Diagram batang bertumpuk per tenggat: tepat waktu, terlambat dan masih berjalan"),
)
BY_KEY = {c.key: c for c in CHARTS}


def chart_pngs(report: Report) -> dict[str, bytes]:
    """The HTML report's four charts as PNG bytes, keyed like `render_html.charts`."""
    from workflow.reports.render_html import charts

    return {key: base64.b64decode(uri.split(",", 1)[1]) for key, uri in charts(report).items()}


def docx_charts(doc, pngs: dict[str, bytes], keys: tuple[str, ...]) -> None:
    """Each chart of `keys` as a picture 16 cm wide, its alternative text set, and its caption under it."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    for key in keys:
        chart = BY_KEY[key]
        doc.add_picture(BytesIO(pngs[key]), width=Cm(16))
        picture = doc.paragraphs[-1]
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for prop in picture._p.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"):
            prop.set("descr", chart.alt)  # Word's "alt text", read by screen readers
            prop.set("title", chart.title)
        caption = doc.add_paragraph()
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        caption.add_run(f"Gambar {chart.number} {chart.title}").italic = True


def _block(ws, row: int, title: str, header: list[str], rows: list[list]) -> tuple[int, int]:
    """A titled table from `row`; returns its first and last data rows."""
    ws.cell(row, 1, title).font = Font(bold=True)
    for col, name in enumerate(header, start=1):
        ws.cell(row + 1, col, name).font = Font(bold=True)
    for r, values in enumerate(rows, start=row + 2):
        for col, value in enumerate(values, start=1):
            ws.cell(r, col, neutral(value))
    return row + 2, row + 1 + max(1, len(rows))


def _bar(chart: Chart, *, horizontal: bool, stacked: bool = False) -> BarChart:
    bar = BarChart()
    bar.type = "bar" if horizontal else "col"
    bar.title = f"Gambar {chart.number} {chart.title}"
    bar.style = 10
    bar.width, bar.height = 18, 9
    bar.legend = None if not stacked else bar.legend
    if stacked:
        bar.grouping, bar.overlap = "stacked", 100
    if horizontal:
        bar.x_axis.scaling.orientation = "maxMin"  # first row on top, as in the table
    return bar


def xlsx_chart_sheet(wb, report: Report) -> None:
    """The "Grafik" sheet: per chart its numbers (label, count) and a native chart of that range."""
    ws = wb.create_sheet(SHEET)
    ws.column_dimensions["A"].width = 40
    for col in "BCD":
        ws.column_dimensions[col].width = 13
    data = (
        ("bulan", ["Bulan", "Jumlah"], [[c.label, c.count] for c in report.by_month], False),
        ("kategori", ["Kategori", "Jumlah"], [[c.label, c.count] for c in report.by_kategori], True),
        ("sektor", ["Sektor", "Jumlah"], [[c.label, c.count] for c in report.by_sektor], True),
        ("ketepatan", ["Tenggat", "Tepat waktu", "Terlambat", "Berjalan"],
         [[s.label, s.on_time, s.late, s.running] for s in report.sla.clocks], True),
    )
    row = 1
    for key, header, rows, horizontal in data:
        chart = BY_KEY[key]
        first, last = _block(ws, row, f"Gambar {chart.number} {chart.title}", header, rows)
        bar = _bar(chart, horizontal=horizontal, stacked=key == "ketepatan")
        bar.add_data(Reference(ws, min_col=2, max_col=len(header), min_row=first - 1, max_row=last),
                     titles_from_data=True)
        bar.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
        ws.add_chart(bar, f"F{row}")
        row = max(last + 3, row + 20)  # the next table starts below this chart (9 cm is about 18 rows)


__all__ = ["CHARTS", "SHEET", "chart_pngs", "docx_charts", "xlsx_chart_sheet"]
