"""The report as HTML for the console: the same chapters and tables, plus charts.

Charts are matplotlib figures drawn on the Agg canvas (no pyplot, no display, no global backend
state, safe in a web worker) and embedded as ``data:image/png;base64`` URIs, so the page is a single
self-contained file that can also be saved or mailed.

The markup is written by Jinja2 templates with autoescaping (`workflow.reports.templating`,
``templates/report.html.j2`` and the fragment it includes), never by joining strings: every label and
every line of the office's text is escaped by the writer.
"""
from __future__ import annotations

import base64
from io import BytesIO

from markupsafe import Markup
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from workflow.reports.model import Report
from workflow.reports.narrative import section_blocks
from workflow.reports.stage_tables import html_section
from workflow.reports.tables import (
    ANCHOR_NOTE,
    ANCHOR_TITLE,
    PUBLICATION_TITLE,
    anchor_rows,
    publication_rows,
    report_tables,
    sla_note,
)
from workflow.reports.templating import macros, render_template

NARRATIVE = ("pendahuluan", "analisa", "kesimpulan", "rekomendasi")  # the sections the HTML prints


def _png(fig: Figure) -> str:
    FigureCanvasAgg(fig)
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _barh(title: str, labels: list[str], values: list[int], color: str = "#2a6f97") -> str:
    fig = Figure(figsize=(8, max(2.2, 0.32 * len(labels) + 1)), layout="constrained")
    ax = fig.add_subplot()
    positions = list(range(len(labels)))
    ax.barh(positions, values, color=color)
    ax.set_yticks(positions, labels=labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max([1, *values]) * 1.15)
    for y, v in zip(positions, values):
        if v:
            ax.text(v, y, f" {v}", va="center", fontsize=8)
    ax.set_title(title, fontsize=11)
    return _png(fig)


def chart_months(report: Report) -> str:
    fig = Figure(figsize=(8, 3), layout="constrained")
    ax = fig.add_subplot()
    labels = [c.label for c in report.by_month]
    values = [c.count for c in report.by_month]
    positions = list(range(len(labels)))
    ax.bar(positions, values, color="#2a6f97")
    ax.set_xticks(positions, labels=labels, fontsize=8, rotation=30 if len(labels) > 6 else 0)
    ax.set_ylim(0, max([1, *values]) * 1.2)
    ax.set_title("Pengaduan per bulan", fontsize=11)
    return _png(fig)


def chart_categories(report: Report) -> str:
    return _barh("Pengaduan per kategori", [c.label for c in report.by_kategori], [c.count for c in report.by_kategori])


def chart_sectors(report: Report) -> str:
    return _barh("Pengaduan per sektor", [c.label for c in report.by_sektor], [c.count for c in report.by_sektor],
                 color="#468faf")


def chart_on_time(report: Report) -> str:
    clocks = list(report.sla.clocks)
    fig = Figure(figsize=(8, max(2.2, 0.45 * len(clocks) + 1)), layout="constrained")
    ax = fig.add_subplot()
    positions = list(range(len(clocks)))
    on_time = [s.on_time for s in clocks]
    late = [s.late for s in clocks]
    running = [s.running for s in clocks]
    ax.barh(positions, on_time, color="#2d936c", label="Tepat waktu")
    ax.barh(positions, late, left=on_time, color="#c0392b", label="Terlambat")
    ax.barh(positions, running, left=[a + b for a, b in zip(on_time, late)], color="#bbbbbb", label="Berjalan")
    ax.set_yticks(positions, labels=[s.label for s in clocks], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max([1, *(s.runs for s in clocks)]) * 1.25)
    for y, s in zip(positions, clocks):
        if s.on_time_rate is not None:
            ax.text(s.runs, y, f" {s.on_time_rate:.1f}%".replace(".", ","), va="center", fontsize=8)
    if clocks:
        ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Ketepatan waktu per tahapan", fontsize=11)
    return _png(fig)


def charts(report: Report) -> dict[str, str]:
    """The four charts as data URIs, keyed by name."""
    return {"bulan": chart_months(report), "kategori": chart_categories(report), "sektor": chart_sectors(report),
            "ketepatan": chart_on_time(report)}


def narrative_html(report: Report, key: str) -> Markup:
    """A narrative section as escaped paragraphs and lists (the office's text is never markup)."""
    return macros().narrative(section_blocks(report, key), key)


def render_html_fragment(report: Report) -> Markup:
    """The report's body, for embedding in a console page (styles scoped to ``.alur-report``)."""
    return render_template("report_fragment.html.j2", **_context(report))


def render_html(report: Report) -> bytes:
    """A standalone HTML document."""
    return render_template("report.html.j2", **_context(report)).encode("utf-8")


def _context(report: Report) -> dict:
    """What the templates print: the report, its numbered tables, charts, narrative and closing rows."""
    return {"report": report, "tables": {table.number: table for table in report_tables(report)},
            "charts": charts(report), "blocks": {key: section_blocks(report, key) for key in NARRATIVE},
            "stage_section": html_section(report), "publication": publication_rows(report),
            "publication_title": PUBLICATION_TITLE, "anchor": anchor_rows(report), "anchor_title": ANCHOR_TITLE,
            "anchor_note": ANCHOR_NOTE}


__all__ = ["render_html", "render_html_fragment", "charts", "sla_note", "narrative_html"]
