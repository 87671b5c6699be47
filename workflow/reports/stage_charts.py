"""Charts of where complaints wait, as SVG built with ElementTree (every label escaped by the writer).

A chart is a horizontal bar per group: the median office time as a solid bar, the 90th percentile as a
lighter bar behind it, and the share waiting on the complainant as a hatched end. It is accessible on its
own (``role="img"``, a ``<title>`` and a ``<desc>`` naming what it shows, each bar with its own ``<title>``
read on hover and by screen readers) and is always printed beside the table of the same figures, which is
the text alternative. Pages embed the markup as is: it is produced by `xml.etree.ElementTree`, never by
joining strings, and handed over as `markupsafe.Markup` so a template prints it without anyone else vouching
for it.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from markupsafe import Markup

BAR_H, GAP, LABEL_W, PLOT_W, TOP = 18, 8, 240, 380, 34
MEDIAN, P90, WAITING = "#2a6f97", "#a9cce3", "#e67e22"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}".replace(".", ",")


def bar_chart(title: str, rows: Sequence, *, chart_id: str, unit: str = "hari kerja", locale: str = "id") -> Markup:
    """An SVG of ``rows`` (`workflow.reports.stages.Row`: label, office median and P90, waiting percent)."""
    en = locale == "en"
    longest = max([1e-9, *((r.office_p90 or 0.0) for r in rows)])
    height = TOP + len(rows) * (BAR_H + GAP) + 30
    width = LABEL_W + PLOT_W + 90
    # width 100% with the viewBox: the chart scales to its column (the table beside it keeps its room)
    svg = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "viewBox": f"0 0 {width} {height}",
                             "width": "100%", "preserveAspectRatio": "xMinYMin meet", "role": "img",
                             "aria-labelledby": f"{chart_id}-title {chart_id}-desc", "class": "alur-chart",
                             "id": chart_id, "font-family": "Arial, Helvetica, sans-serif", "font-size": "12"})
    ET.SubElement(svg, "title", {"id": f"{chart_id}-title"}).text = title
    what = ("Bars: median office time ({unit}); lighter bar: 90th percentile; orange mark: share of time waiting "
            "on the complainant. The table beside the chart holds the same figures.") if en else \
        ("Batang: median waktu kerja ({unit}); batang muda: persentil ke-90; tanda jingga: bagian waktu menunggu "
         "pemohon. Tabel di samping grafik memuat angka yang sama.")
    ET.SubElement(svg, "desc", {"id": f"{chart_id}-desc"}).text = what.format(unit=unit)
    ET.SubElement(svg, "text", {"x": "0", "y": "16", "font-weight": "bold"}).text = title
    scale = PLOT_W / longest
    for i, row in enumerate(rows):
        y = TOP + i * (BAR_H + GAP)
        group = ET.SubElement(svg, "g", {"class": "bar", "data-key": str(row.key or "")})
        waiting = "" if row.waiting_percent is None else f"; {row.waiting_percent:g}% " + (
            "waiting on the complainant" if en else "menunggu pemohon")
        ET.SubElement(group, "title").text = (f"{row.label}: {row.count} "
                                              + ("complaints" if en else "pengaduan")
                                              + f", median {_num(row.office_median)}, P90 {_num(row.office_p90)} "
                                              + unit + waiting)
        label = row.label if len(row.label) <= 36 else row.label[:35] + "…"
        ET.SubElement(group, "text", {"x": str(LABEL_W - 6), "y": str(y + 13), "text-anchor": "end"}).text = label
        p90 = (row.office_p90 or 0.0) * scale
        median = (row.office_median or 0.0) * scale
        ET.SubElement(group, "rect", {"x": str(LABEL_W), "y": str(y), "width": f"{p90:.1f}", "height": str(BAR_H),
                                      "fill": P90})
        ET.SubElement(group, "rect", {"x": str(LABEL_W), "y": str(y), "width": f"{median:.1f}",
                                      "height": str(BAR_H), "fill": MEDIAN})
        if row.waiting_percent:
            share = max(2.0, median * row.waiting_percent / 100.0)
            ET.SubElement(group, "rect", {"x": f"{LABEL_W + median - share:.1f}", "y": str(y + BAR_H - 5),
                                          "width": f"{share:.1f}", "height": "5", "fill": WAITING})
        ET.SubElement(group, "text", {"x": f"{LABEL_W + max(p90, median) + 4:.1f}", "y": str(y + 13)}).text = \
            _num(row.office_median)
    axis_y = TOP + len(rows) * (BAR_H + GAP) + 14
    ET.SubElement(svg, "text", {"x": str(LABEL_W), "y": str(axis_y)}).text = \
        ("median / P90, " if en else "median / P90, ") + unit
    return Markup(ET.tostring(svg, encoding="unicode"))


__all__ = ["bar_chart"]
