"""The report as a Word document laid out like the office's own (python-docx).

Cover ("LAPORAN" / "EVALUASI PENGADUAN …" / the office), DAFTAR ISI, then BAB I–V with the report's
section numbers and numbered tables ("Tabel 3.1 Rekapitulasi pengaduan"), and the closing with the
place, month and the head of office's signature block.
"""
from __future__ import annotations

import copy
import functools
import re
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from lxml import etree

from workflow.core.period import MONTHS
from workflow.reports.charts import chart_pngs, docx_charts
from workflow.reports.model import Report
from workflow.reports.narrative import section_blocks
from workflow.reports.stage_tables import docx_section
from workflow.reports.tables import (
    ANCHOR_NOTE,
    ANCHOR_TITLE,
    PUBLICATION_TITLE,
    Table,
    anchor_rows,
    publication_rows,
    report_tables,
    sla_note,
)

CHAPTERS = (
    ("I", "PENDAHULUAN", ()),
    ("II", "SARANA DAN PRASARANA", ("2.1. Kanal Pengaduan", "2.2. Standar Waktu Pelayanan Pengaduan")),
    ("III", "PELAKSANAAN PELAYANAN PENGADUAN", ("3.1. Mekanisme Layanan Pengaduan", "3.2. Jenis Layanan Pengaduan",
                                                 "3.3. Rekapitulasi Pengaduan")),
    ("IV", "EVALUASI PELAKSANAAN PELAYANAN PENGADUAN", ("4.1. Evaluasi Pelayanan Pengaduan",
                                                          "4.2. Ketepatan Waktu Penyelesaian",
                                                          "4.3. Akar Masalah Pengaduan")),
    ("V", "ANALISA DAN RENCANA TINDAK LANJUT", ("5.1. Analisa Pengaduan", "5.2. Rencana Tindak Lanjut Hasil Pengaduan",
                                                 "5.3. Kesimpulan", "5.4. Rekomendasi")),
)


def render_docx(report: Report) -> bytes:
    doc = Document()
    _styles(doc)
    tables = {t.number: t for t in report_tables(report)}
    pictures = chart_pngs(report)  # the HTML report's charts, as pictures (workflow.reports.charts)
    _cover(doc, report)
    _contents(doc)

    _chapter(doc, "I", "PENDAHULUAN")
    _narrative(doc, section_blocks(report, "pendahuluan"))

    _chapter(doc, "II", "SARANA DAN PRASARANA")
    doc.add_heading("2.1 Kanal Pengaduan", level=2)
    doc.add_paragraph("Pengaduan diterima melalui kanal berikut; jumlah pengaduan per kanal pada Tabel 3.3.")
    for count in report.by_kanal:
        doc.add_paragraph(count.label, style="List Bullet")
    doc.add_heading("2.2 Standar Waktu Pelayanan Pengaduan", level=2)
    doc.add_paragraph("Waktu penyelesaian pengaduan dilakukan paling lambat 7 (tujuh) hari kalender (SOP 3.1.f). "
                      "Tenggat per tahapan yang berlaku:")
    for line in report.clocks_described or ("-",):
        doc.add_paragraph(line, style="List Bullet")

    _chapter(doc, "III", "PELAKSANAAN PELAYANAN PENGADUAN")
    doc.add_heading("3.1 Mekanisme Layanan Pengaduan", level=2)
    doc.add_paragraph("Pengaduan dicatat petugas, dijawab langsung bila ringan, diteruskan ke Tim Penanganan "
                      "Pengaduan bila sedang atau berat, dikoordinasikan dengan OPD terkait bila perlu, diarsipkan, "
                      "lalu disampaikan kepada pemohon.")
    doc.add_heading("3.2 Jenis Layanan Pengaduan", level=2)
    doc.add_paragraph("Pengaduan menurut kategori, kanal, tingkat, status penyelesaian dan bulan:")
    docx_charts(doc, pictures, ("bulan", "kategori", "sektor"))
    for number in ("3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8"):
        _table(doc, tables[number])
    doc.add_heading("3.3 Rekapitulasi Pengaduan", level=2)
    doc.add_paragraph(
        "Sebagai dasar tindak lanjut pengaduan disusun rekapitulasi pengaduan yang telah disampaikan oleh "
        f"masyarakat pada periode {report.period_label} sebagai berikut:")
    _table(doc, tables["3.1"])

    _chapter(doc, "IV", "EVALUASI PELAKSANAAN PELAYANAN PENGADUAN")
    doc.add_heading(f"4.1 Evaluasi Pelayanan Pengaduan pada Periode {report.period_label}", level=2)
    _table(doc, tables["4.1"])
    doc.add_heading("4.2 Ketepatan Waktu Penyelesaian", level=2)
    doc.add_paragraph(f"Diukur pada {report.sla.measured} pengaduan yang memiliki catatan tenggat. " + sla_note(report))
    docx_charts(doc, pictures, ("ketepatan",))
    _table(doc, tables["4.2"])
    _table(doc, tables["4.3"])
    doc.add_heading("4.3 Akar Masalah Pengaduan", level=2)
    total = report.total
    doc.add_paragraph(f"Memperhatikan pengaduan yang ada, diidentifikasi {total} pengaduan yang timbul karena "
                      "akar masalah berikut:")
    _table(doc, tables["4.4"])
    docx_section(doc, report, _table)

    _chapter(doc, "V", "ANALISA DAN RENCANA TINDAK LANJUT")
    doc.add_heading("5.1 Analisa Pengaduan", level=2)
    doc.add_paragraph(f"Berdasarkan uraian hasil pengaduan pada periode {report.period_label} dapat ditarik beberapa "
                      "hal sebagai berikut:")
    _narrative(doc, section_blocks(report, "analisa"), numbered=True)
    doc.add_heading("5.2 Rencana Tindak Lanjut Hasil Pengaduan", level=2)
    doc.add_paragraph("Memperhatikan analisa tersebut akan dilakukan rencana tindak lanjut berikut, dan tindak lanjut "
                      "periode sebelumnya dinilai dari berulang atau tidaknya pengaduan dengan akar masalah yang sama:")
    _table(doc, tables["5.1"])
    _table(doc, tables["5.2"])
    doc.add_heading("5.3 Kesimpulan", level=2)
    _narrative(doc, section_blocks(report, "kesimpulan"))
    doc.add_heading("5.4 Rekomendasi", level=2)
    _narrative(doc, section_blocks(report, "rekomendasi"))

    doc.add_paragraph("Demikian laporan yang dapat kami susun semoga dapat bermanfaat dan sebagai bentuk upaya "
                      f"perbaikan kinerja penyelenggaraan {report.service_name}.")
    sign = doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    signed = report.publication.published_at if report.publication else report.generated_at
    generated = datetime.fromisoformat(signed).astimezone(ZoneInfo(report.timezone))
    sign.add_run(f"{report.place}, {MONTHS[generated.month - 1]} {generated.year}\n"
                 f"KEPALA {report.office},\n\n\n\n(nama dan tanda tangan)")
    _anchor(doc, report)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def _narrative(doc, blocks, *, numbered: bool = False) -> None:
    """The office's text (`workflow.core.report_document.blocks`): paragraphs and lists, as plain runs."""
    for block in blocks:
        if block.kind == "ul":
            for item in block.lines:
                doc.add_paragraph(_CONTROL.sub("", item), style="List Number" if numbered else "List Bullet")
        else:
            doc.add_paragraph(_CONTROL.sub("", block.lines[0]))


def _anchor(doc, report: Report) -> None:
    """The audit trail's latest signed checkpoint, on a page of its own at the end (`tables.anchor_rows`)."""
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    if report.publication is not None:
        doc.add_heading(f"Lampiran: {PUBLICATION_TITLE}", level=1)
        for label, value in publication_rows(report):
            line = doc.add_paragraph()
            line.add_run(f"{label}: ").bold = True
            line.add_run(_CONTROL.sub("", value))
    doc.add_heading(f"Lampiran: {ANCHOR_TITLE}", level=1)
    doc.add_paragraph(ANCHOR_NOTE)
    for label, value in anchor_rows(report):
        line = doc.add_paragraph()
        line.add_run(f"{label}: ").bold = True
        code = line.add_run(value)
        code.font.name = "Courier New"
        code.font.size = Pt(9)


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.left_margin = section.right_margin = Cm(2.5)


def _cover(doc, report: Report) -> None:
    for _ in range(6):
        doc.add_paragraph()
    doc.core_properties.title = report.title
    if report.publication is not None:  # a published report's file is the same bytes every time
        moment = datetime.fromisoformat(report.publication.published_at)
        doc.core_properties.created = doc.core_properties.modified = moment
        doc.core_properties.last_modified_by = report.publication.published_by
        doc.core_properties.revision = report.publication.edition
    doc.core_properties.subject = report.period_label
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(report.title)
    run.bold, run.font.size = True, Pt(18)
    for _ in range(8):
        doc.add_paragraph()
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(report.office)
    run.bold, run.font.size = True, Pt(13)
    p.add_run().add_break(WD_BREAK.PAGE)


def _contents(doc) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("DAFTAR ISI").bold = True
    for roman, title, sections in CHAPTERS:
        doc.add_paragraph().add_run(f"{roman}. {title}").bold = True
        for section in sections:
            doc.add_paragraph(section, style="List Bullet")


def _chapter(doc, roman: str, title: str) -> None:
    doc.add_page_break()
    heading = doc.add_heading(f"BAB {roman}\n{title}", level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _table(doc, table: Table) -> None:
    """A numbered table: its caption, then the grid built as one element tree.

    python-docx's cell API costs milliseconds per cell (it searches and inserts child elements one at a
    time); the evaluation table of a busy quarter has thousands of cells. So the grid is written with
    lxml directly (the same ``w:tbl`` markup python-docx itself produces): each kind of row (its widths,
    bold or not, spanning or not) is built once and copied (`copy.deepcopy` runs in C), and only its
    texts are set, which lxml escapes.
    """
    caption = doc.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.add_run(table.caption).bold = True
    ncols = len(table.header)
    shares = table.widths or (1,) * ncols
    widths = [int(TABLE_TWIPS * share / sum(shares)) for share in shares]
    try:
        style = doc.styles["Table Grid"].style_id
    except KeyError:
        style = "TableGrid"
    tbl = OxmlElement("w:tbl")
    props = _w(tbl, "tblPr")
    _w(props, "tblStyle", val=style)
    _w(props, "tblW", w=sum(widths), type="dxa")
    _w(props, "tblLayout", type="fixed")
    _w(props, "tblLook", val="04A0", firstRow=1, lastRow=0, firstColumn=1, lastColumn=0, noHBand=0, noVBand=1)
    grid = _w(tbl, "tblGrid")
    for width in widths:
        _w(grid, "gridCol", w=width)
    columns = tuple(widths)
    _add_row(tbl, _row(columns, bold=True, header=True), table.header)
    for row in table.rows:
        span = row.style in ("sector", "total")
        # a sector's name (and TOTAL) spans the first two columns: the second cell is not written
        _add_row(tbl, _row(columns, bold=bool(row.style), span_first=span),
                 (row.cells[0], *row.cells[2:]) if span else row.cells)
    spacer = doc.add_paragraph()
    spacer._p.addprevious(tbl)
    if table.note and table.number != "4.2":
        doc.add_paragraph(table.note)


TABLE_TWIPS = 9072  # 16 cm of text width
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TEXT = qn("w:t")
_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_WIDTH = qn("w:w")


def _w(parent, tag: str, **attrs) -> etree._Element:
    """A ``w:`` element under ``parent``, its attributes in the ``w:`` namespace."""
    return etree.SubElement(parent, qn(f"w:{tag}"), {qn(f"w:{k}"): str(v) for k, v in attrs.items()})


@functools.cache
def _cell(*, bold: bool, span: int = 1) -> etree._Element:
    """An empty cell, built once per kind and copied (`_row` sets its width)."""
    tc = OxmlElement("w:tc")
    props = _w(tc, "tcPr")
    _w(props, "tcW", w=0, type="dxa")
    if span > 1:
        _w(props, "gridSpan", val=span)
    run = _w(_w(tc, "p"), "r")
    run_props = _w(run, "rPr")
    if bold:
        _w(run_props, "b")
    _w(run_props, "sz", val=18)
    _w(run_props, "szCs", val=18)
    _w(run, "t").set(_SPACE, "preserve")
    return tc


@functools.lru_cache(maxsize=256)
def _row(widths: tuple[int, ...], *, bold: bool, span_first: bool = False, header: bool = False) -> etree._Element:
    """An empty row of cells of these widths, built once and only ever copied (`_add_row` sets the texts).

    The cached rows and cells are never changed once built, so renders in several threads may copy them at once.
    """
    tr = OxmlElement("w:tr")
    if header:
        _w(_w(tr, "trPr"), "tblHeader")
    cells = [(widths[0] + widths[1], 2), *((w, 1) for w in widths[2:])] if span_first else [(w, 1) for w in widths]
    for width, span in cells:
        tc = copy.deepcopy(_cell(bold=bold, span=span))
        tc[0][0].set(_WIDTH, str(width))  # tcPr/tcW
        tr.append(tc)
    return tr


def _add_row(tbl, empty: etree._Element, cells) -> None:
    tr = copy.deepcopy(empty)
    for t, value in zip(tr.iter(_TEXT), cells):
        t.text = _CONTROL.sub("", "" if value is None else str(value)) or None  # None: <w:t/>, as Word writes it
    tbl.append(tr)


def _long(iso: str) -> str:
    y, mo, d = iso.split("-")
    return f"{int(d)} {MONTHS[int(mo) - 1]} {y}"


__all__ = ["render_docx"]
