"""The report's charts are in the DOCX and the XLSX the office files and prints, not only in the HTML (issue 14).

Read back as an office worker's software would: the DOCX (python-docx) holds the HTML report's four
charts as PNG pictures, each with alternative text and a caption; the XLSX (openpyxl) holds four native
charts on a "Grafik" sheet whose series refer to the cells holding the report's numbers."""
from __future__ import annotations

from io import BytesIO

from docx import Document
from openpyxl import load_workbook

from workflow.reports import build_report, render
from workflow.reports.charts import CHARTS, SHEET, chart_pngs

PNG = b"\x89PNG\r\n\x1a\n"
DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


def report(rt):
    return build_report(rt.store, "2021-Q1", catalogs=rt.catalogs, calendar=rt.engine.calendar)


def test_the_docx_holds_the_four_charts_as_captioned_pictures_with_alt_text(q1_2021):
    rep = report(q1_2021)
    doc = Document(BytesIO(render(rep, "docx")))

    shapes = list(doc.inline_shapes)
    assert len(shapes) == len(CHARTS) == 4
    blobs = []
    for shape in shapes:
        rid = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
        part = doc.part.related_parts[rid]
        assert part.content_type == "image/png" and part.blob.startswith(PNG)
        blobs.append(part.blob)
        assert 15.9 < shape.width.cm < 16.1
    assert blobs == [chart_pngs(rep)[c.key] for c in CHARTS]  # the very charts of the HTML report, in order
    alts = [p.get("descr") for p in doc.element.body.iter(f"{DRAWING}docPr")]
    assert alts == [c.alt for c in CHARTS]
    texts = [p.text for p in doc.paragraphs]
    for chart in CHARTS:
        assert f"Gambar {chart.number} {chart.title}" in texts
    # each picture sits in the section it illustrates
    assert texts.index("Gambar 3.1 Pengaduan per bulan") < texts.index("3.3 Rekapitulasi Pengaduan")
    assert texts.index("4.2 Ketepatan Waktu Penyelesaian") < texts.index("Gambar 4.1 Ketepatan waktu per tahapan") \
        < texts.index("4.3 Akar Masalah Pengaduan")


def _cells(ws, ref: str) -> list:
    area = ref.split("!")[1].replace("$", "")
    found = ws[area]
    if not isinstance(found, tuple):  # one cell
        return [found.value]
    return [c.value for row in found for c in (row if isinstance(row, tuple) else (row,))]


def test_the_xlsx_has_native_charts_of_the_cells_that_hold_the_reports_numbers(q1_2021):
    rep = report(q1_2021)
    wb = load_workbook(BytesIO(render(rep, "xlsx")))
    ws = wb[SHEET]
    charts = ws._charts
    assert len(charts) == 4

    expected = {
        "3.1": [[c.count for c in rep.by_month]],
        "3.2": [[c.count for c in rep.by_kategori]],
        "3.3": [[c.count for c in rep.by_sektor]],
        "4.1": [[s.on_time for s in rep.sla.clocks], [s.late for s in rep.sla.clocks],
                [s.running for s in rep.sla.clocks]],
    }
    labels = {"3.1": [c.label for c in rep.by_month], "3.2": [c.label for c in rep.by_kategori],
              "3.3": [c.label for c in rep.by_sektor], "4.1": [s.label for s in rep.sla.clocks]}
    for chart, spec in zip(charts, CHARTS):
        title = "".join(r.t for p in chart.title.tx.rich.p for r in (p.r or []))
        assert title == f"Gambar {spec.number} {spec.title}"
        values = []
        for series in chart.series:
            ref = series.val.numRef.f
            assert ref.startswith(f"'{SHEET}'!$")
            values.append(_cells(ws, ref))
            cat = series.cat.strRef.f if series.cat.strRef is not None else series.cat.numRef.f
            assert _cells(ws, cat) == labels[spec.number]
        assert values == expected[spec.number], spec.number
    assert sum(expected["3.2"][0]) == rep.total == 16
    stacked = charts[3]
    assert stacked.grouping == "stacked"
    assert [_cells(ws, s.tx.strRef.f) for s in stacked.series] == [["Tepat waktu"], ["Terlambat"], ["Berjalan"]]
