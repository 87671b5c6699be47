"""The report as HTML for the console: the same chapters and tables, plus charts.

Charts are matplotlib figures drawn on the Agg canvas (no pyplot, no display, no global backend
state, safe in a web worker) and embedded as ``data:image/png;base64`` URIs, so the page is a single
self-contained file that can also be saved or mailed.
"""
from __future__ import annotations

import base64
from html import escape
from io import BytesIO

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from workflow.reports.model import Report
from workflow.reports.stage_tables import html_section
from workflow.reports.narrative import section_blocks
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

CSS = """
.alur-report{font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222;max-width:1100px}
.alur-report h1{text-align:center;font-size:20px}.alur-report h2{margin-top:28px;font-size:17px}
.alur-report h3{font-size:15px}.alur-report table{border-collapse:collapse;width:100%;margin:6px 0 18px}
.alur-report th,.alur-report td{border:1px solid #888;padding:3px 6px;vertical-align:top;text-align:left}
.alur-report #audit-anchor th{width:14em}.alur-report #audit-anchor code{word-break:break-all}
.alur-report th{background:#eee}.alur-report tr.sector td,.alur-report tr.total td{font-weight:bold;background:#f6f6f6}
.alur-report caption{font-weight:bold;padding:4px}.alur-report .charts img{max-width:100%;margin:8px 0}
.alur-report .note{font-size:12px;color:#555}
"""


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


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in table.header)
    body = []
    for row in table.rows:
        cls = f' class="{row.style}"' if row.style else ""
        if row.style in ("sector", "total"):
            first, _, *rest = row.cells
            cells = f'<td colspan="2">{escape(str(first))}</td>' + "".join(f"<td>{escape(str(v))}</td>" for v in rest)
        else:
            cells = "".join(f"<td>{escape(str(v))}</td>" for v in row.cells)
        body.append(f"<tr{cls}>{cells}</tr>")
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return (f'<table id="tabel-{escape(table.number)}" data-key="{table.key}"><caption>{escape(table.caption)}'
            f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}")


def narrative_html(report: Report, key: str) -> str:
    """A narrative section as escaped paragraphs and lists (the office's text is never markup)."""
    out = []
    for block in section_blocks(report, key):
        if block.kind == "ul":
            out.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in block.lines) + "</ul>")
        else:
            out.append(f"<p>{escape(block.lines[0])}</p>")
    return f'<div class="narrative" data-section="{escape(key)}">{"".join(out)}</div>'


def _publication(report: Report) -> str:
    rows = publication_rows(report)
    if not rows:
        return ""
    return (f'<section id="publication"><h2>{escape(PUBLICATION_TITLE)}</h2><table>'
            + "".join(f"<tr><th>{escape(label)}</th><td><code>{escape(value)}</code></td></tr>"
                      for label, value in rows)
            + "</table></section>")


def render_html_fragment(report: Report) -> str:
    """The report's body, for embedding in a console page (styles scoped to ``.alur-report``)."""
    t = {table.number: table for table in report_tables(report)}
    pics = charts(report)
    img = lambda key, alt: f'<img src="{pics[key]}" alt="{escape(alt)}" data-chart="{key}">'  # noqa: E731
    parts = [
        f"<style>{CSS}</style>",
        '<div class="alur-report">',
        f"<h1>{escape(report.title)}</h1>",
        f"<p style='text-align:center'>{escape(report.office)}</p>",
        f"<p>Periode {escape(report.period_label)} ({escape(report.period_start)} s.d. {escape(report.period_end)}); "
        f"jumlah pengaduan: <strong id='total'>{report.total}</strong>.</p>",
        "<h2>BAB I PENDAHULUAN</h2>", narrative_html(report, "pendahuluan"),
        '<section class="charts"><h2>Grafik</h2>',
        img("bulan", "Pengaduan per bulan"), img("kategori", "Pengaduan per kategori"),
        img("sektor", "Pengaduan per sektor"), img("ketepatan", "Ketepatan waktu per tahapan"), "</section>",
        "<h2>BAB III PELAKSANAAN PELAYANAN PENGADUAN</h2><h3>3.3 Rekapitulasi Pengaduan</h3>", _table(t["3.1"]),
        "<h3>3.2 Jenis Layanan Pengaduan</h3>", *(_table(t[n]) for n in ("3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8")),
        "<h2>BAB IV EVALUASI PELAKSANAAN PELAYANAN PENGADUAN</h2>",
        f"<h3>4.1 Evaluasi Pelayanan Pengaduan pada Periode {escape(report.period_label)}</h3>", _table(t["4.1"]),
        "<h3>4.2 Ketepatan Waktu Penyelesaian</h3>",
        f"<p>Diukur pada {report.sla.measured} pengaduan yang memiliki catatan tenggat.</p>",
        _table(t["4.2"]), _table(t["4.3"]),
        "<h3>4.3 Akar Masalah Pengaduan</h3>", _table(t["4.4"]), html_section(report, _table),
        "<h2>BAB V ANALISA DAN RENCANA TINDAK LANJUT</h2><h3>5.1 Analisa Pengaduan</h3>",
        narrative_html(report, "analisa"), "<h3>5.2 Rencana Tindak Lanjut Hasil Pengaduan</h3>", _table(t["5.1"]),
        _table(t["5.2"]), "<h3>5.3 Kesimpulan</h3>", narrative_html(report, "kesimpulan"),
        "<h3>5.4 Rekomendasi</h3>", narrative_html(report, "rekomendasi"), _publication(report),
        f'<section id="audit-anchor"><h2>{escape(ANCHOR_TITLE)}</h2><p>{escape(ANCHOR_NOTE)}</p><table>',
        *(f"<tr><th>{escape(label)}</th><td><code>{escape(value)}</code></td></tr>"
          for label, value in anchor_rows(report)),
        "</table></section>",
        "</div>",
    ]
    return "\n".join(parts)


def render_html(report: Report) -> bytes:
    """A standalone HTML document."""
    return (f'<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8"><title>{escape(report.title)}</title>'
            f"</head><body>\n{render_html_fragment(report)}\n</body></html>\n").encode("utf-8")


__all__ = ["render_html", "render_html_fragment", "charts", "sla_note", "narrative_html"]
