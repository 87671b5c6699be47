"""The quarterly report's section "4.4 Lama Waktu per Tahapan" (issue 15), laid out for every format.

Tables 4.5 to 4.12 come from ``report.stages`` (`workflow.reports.stages.StageSection`, read from the
audit trail): time per stage, lane, agency, category, channel, severity and month, then the promise figure
with the calendar it was counted with. XLSX takes them with the report's other tables (`report_tables`);
HTML and DOCX place the section after table 4.4 with `html_section` and `docx_section`, the HTML with
an SVG chart beside each of the first three tables, written by a template that escapes
(``templates/stage_section.html.j2``).
"""
from __future__ import annotations

from typing import Any, Callable

from markupsafe import Markup

from workflow.reports.stage_charts import bar_chart
from workflow.reports.tables import Row, Table, num
from workflow.reports.templating import render_template

TITLE = "4.4 Lama Waktu per Tahapan (dari Jejak Audit)"
HEADER = ("No", "{what}", "Jumlah pengaduan", "Waktu kerja median / P90 (hari kerja)",
          "Waktu kotor median / P90 (hari)", "Menunggu pemohon")
GROUPS = (("4.5", "state", "Lama waktu per tahapan", "Tahapan"), ("4.6", "lane", "Lama waktu per lajur", "Lajur"),
          ("4.7", "opd", "Lama waktu per OPD", "OPD"), ("4.8", "kategori", "Lama waktu per kategori", "Kategori"),
          ("4.9", "kanal", "Lama waktu per kanal", "Kanal"), ("4.10", "tingkat", "Lama waktu per tingkat", "Tingkat"),
          ("4.11", "month", "Lama waktu per bulan penerimaan", "Bulan"))
#: The groupings the report asks `workflow.reports.stages.build_section` for (state and lane always come).
REPORT_BY = ("opd", "kategori", "kanal", "tingkat", "month")


def intro(section: Any) -> str:
    """The paragraph before the tables: what was measured, how, and the bottleneck."""
    imported = f" {section.imported} pengaduan hasil impor tidak memiliki jejak tahapan." if section.imported else ""
    return (f"Lama waktu setiap pengaduan yang diterima pada periode {section.period_label} di setiap tahapan dihitung "
            f"dari jejak audit ({section.tickets} pengaduan): waktu kerja menurut {section.calendar}; waktu kotor "
            "adalah waktu kalender yang dialami pengadu. Tahapan yang masih berjalan dihitung sampai laporan dibuat; "
            f"masa jeda tenggat tercatat {section.pauses} kali.{imported} {section.movement_sentence}")


def _rows(section: Any, key: str) -> tuple:
    if key == "state":
        return section.states
    if key == "lane":
        return section.lanes
    return section.group(key)


def _group_table(number: str, title: str, what: str, rows: tuple, key: str) -> Table:
    out = [Row((i, r.label + (" (menunggu pemohon)" if r.waiting else ""), r.count,
                f"{num(r.office_median)} / {num(r.office_p90)}",
                f"{num(r.gross_median_days)} / {num(r.gross_p90_days)}",
                "-" if r.waiting_percent is None else f"{num(r.waiting_percent, 1)}%")
               + ((r.bottleneck or "-",) if key not in ("state", "lane") else ()))
           for i, r in enumerate(rows, start=1)]
    header = tuple(h.format(what=what) for h in HEADER) + (("Tahapan terlama",) if key not in ("state", "lane") else ())
    if not out:
        out = [Row(("-", "Tidak ada pengaduan dengan jejak tahapan pada periode ini") + ("-",) * (len(header) - 2))]
    return Table(number, title, f"tahapan_{key}", header, tuple(out), chapter="IV",
                 widths=(1, 5, 2, 3, 3, 2) + ((3,) if key not in ("state", "lane") else ()))


def promise_table(section: Any) -> Table:
    rows = [Row((i, p.title, p.sentence, p.kept, p.decided, p.pending, p.not_owed,
                 "-" if p.rate is None else f"{num(p.rate, 1)}%"))
            for i, p in enumerate(section.promises, start=1)]
    if not rows:
        rows = [Row(("-", "Tidak ada definisi dengan tenggat yang dijanjikan", "-", "-", "-", "-", "-", "-"))]
    return Table("4.12", "Janji penyelesaian kepada pengadu", "janji", (
        "No", "Layanan", "Pernyataan", "Tepat janji", "Sudah diputuskan", "Masih dalam tenggat",
        "Dicabut / digabung", "Persentase"), tuple(rows), chapter="IV", widths=(1, 4, 6, 2, 2, 2, 2, 2),
        note=f"Dihitung dari jejak audit dengan {section.calendar}.")


def stage_tables(report: Any) -> list[Table]:
    """Tables 4.5-4.12, or none when the report carries no stage section."""
    section = getattr(report, "stages", None)
    if section is None:
        return []
    return [_group_table(n, title, what, _rows(section, key), key) for n, key, title, what in GROUPS] + \
        [promise_table(section)]


def html_section(report: Any) -> Markup:
    """The section's HTML: intro, each table (the first three with their chart), the promise."""
    section = getattr(report, "stages", None)
    if section is None:
        return Markup()
    tables = stage_tables(report)
    entries = []
    for (number, key, title, _), table in zip(GROUPS, tables, strict=False):
        rows = _rows(section, key)
        chart = bar_chart(f"Tabel {number} {title}", rows[:15], chart_id=f"grafik-{number}") \
            if rows and key in ("state", "lane", "opd") else None
        entries.append((chart, table))
    entries.append((None, tables[-1]))
    return render_template("stage_section.html.j2", title=TITLE, intro=intro(section), entries=entries)


def docx_section(doc: Any, report: Any, add_table: Callable[[Any, Table], None]) -> None:
    """The section in the Word document, after table 4.4."""
    section = getattr(report, "stages", None)
    if section is None:
        return
    doc.add_heading(TITLE, level=2)
    doc.add_paragraph(intro(section))
    for table in stage_tables(report):
        add_table(doc, table)


__all__ = ["stage_tables", "html_section", "docx_section", "promise_table", "intro", "TITLE", "REPORT_BY"]
