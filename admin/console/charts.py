"""Small server-rendered SVG bar charts for the supervisor dashboard (no JavaScript).

Each chart is built with `xml.etree.ElementTree`, so every label (state names, agency names, clock names
come from definitions and catalogs people write) is escaped by the writer, never joined into markup. A
chart is an image to assistive technology (``role="img"``, labelled by its ``<title>`` and described by
its ``<desc>``), each bar carries a ``<title>`` with its number, and the page prints the same numbers in
a table beside it, which is the text alternative. A chart is returned as `markupsafe.Markup`, made by the
writer, so pages print it as is and never wrap strings of their own.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

#: Colours with at least 3:1 contrast against white for the bars, and text in near-black.
PALETTE = ("#1f5f8b", "#b35900", "#2d7d46", "#7a3e9d", "#9c2b2b", "#4a5560")
TEXT = "#212529"
CHAR_W = 6.8  # a generous average width of a 12px character


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def _num(value: float | None, fmt: Callable[[float], str]) -> str:
    return "–" if value is None else fmt(value)


def _root(chart_id: str, width: float, height: float, title: str, desc: str) -> ET.Element:
    svg = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "viewBox": f"0 0 {width:.0f} {height:.0f}",
                             "width": f"{width:.0f}", "height": f"{height:.0f}", "role": "img",
                             "aria-labelledby": f"{chart_id}-title", "aria-describedby": f"{chart_id}-desc",
                             "class": "alur-chart", "id": chart_id, "style": "max-width:100%;height:auto"})
    ET.SubElement(svg, "title", {"id": f"{chart_id}-title"}).text = title
    ET.SubElement(svg, "desc", {"id": f"{chart_id}-desc"}).text = desc
    return svg


def _text(parent: ET.Element, x: float, y: float, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, "text", {"x": f"{x:.1f}", "y": f"{y:.1f}", "fill": TEXT, "font-size": "12",
                                             "font-family": "system-ui, Arial, sans-serif", **attrs})
    element.text = text
    return element


def _legend_rows(series: Sequence[Series], width: float) -> list[list[tuple[int, float]]]:
    """Legend entries (series index, x) wrapped into rows that fit `width`."""
    rows: list[list[tuple[int, float]]] = [[]]
    x = 0.0
    for i, s in enumerate(series):
        w = 24 + len(s.name) * CHAR_W
        if rows[-1] and x + w > width:
            rows.append([])
            x = 0.0
        rows[-1].append((i, x))
        x += w
    return rows


def _legend(svg: ET.Element, series: Sequence[Series], rows, left: float, top: float) -> None:
    for r, row in enumerate(rows):
        y = top + r * 16
        for i, x in row:
            ET.SubElement(svg, "rect", {"x": f"{left + x:.1f}", "y": f"{y - 9:.1f}", "width": "10", "height": "10",
                                        "fill": PALETTE[i % len(PALETTE)]})
            _text(svg, left + x + 14, y, series[i].name)


def columns(chart_id: str, title: str, desc: str, categories: Sequence[str], series: Sequence[Series], *,
            top: float | None = None, fmt: Callable[[float], str] = lambda v: f"{v:g}") -> Markup:
    """Grouped vertical bars: one group per category (weeks, quarters), one bar per series."""
    plot_h, left, bottom = 160.0, 44.0, 26.0
    every = 1 if len(categories) <= 8 else 2  # a label under every (other) group
    widest = max([0.0, *(len(c) * CHAR_W for c in categories)])
    group_w = max(28.0, 14.0 * len(series) + 10, (widest + 8) / every)
    width = max(320.0, left + group_w * len(categories) + 20)
    legend = _legend_rows(series, width - left - 10)
    height = 30 + plot_h + bottom + 16 * len(legend)
    svg = _root(chart_id, width, height, title, desc)
    top = top or max([1.0, *(v for s in series for v in s.values if v is not None)])
    base = 30 + plot_h
    for k in range(5):  # gridlines with their values
        value = top * k / 4
        y = base - plot_h * k / 4
        ET.SubElement(svg, "line", {"x1": f"{left:.1f}", "x2": f"{width - 10:.1f}", "y1": f"{y:.1f}", "y2": f"{y:.1f}",
                                    "stroke": "#dee2e6"})
        _text(svg, left - 4, y + 4, fmt(value), **{"text-anchor": "end"})
    bar_w = (group_w - 10) / max(1, len(series))
    for c, category in enumerate(categories):
        x0 = left + c * group_w + 5
        for i, s in enumerate(series):
            value = s.values[c]
            h = 0.0 if value is None else plot_h * value / top
            bar = ET.SubElement(svg, "rect", {"x": f"{x0 + i * bar_w:.1f}", "y": f"{base - h:.1f}",
                                              "width": f"{max(bar_w - 1, 1):.1f}", "height": f"{h:.1f}",
                                              "fill": PALETTE[i % len(PALETTE)], "data-value": _num(value, fmt)})
            ET.SubElement(bar, "title").text = f"{category} · {s.name}: {_num(value, fmt)}"
        if c % every == 0:
            _text(svg, x0 + (group_w - 10) / 2, base + 15, category, **{"text-anchor": "middle"})
    _legend(svg, series, legend, left, base + bottom + 10)
    return Markup(ET.tostring(svg, encoding="unicode"))


def _wrap(text: str, width: int) -> list[str]:
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*out, line] if line else out or [""]


def bars(chart_id: str, title: str, desc: str, labels: Sequence[str], values: Sequence[float], *,
         fmt: Callable[[float], str] = lambda v: f"{v:g}") -> Markup:
    """Horizontal bars, one per label (stages, agencies): the whole name above its bar, the number after it."""
    width, plot_w, bar_h = 360.0, 290.0, 14.0
    chars = int((width - 12) / CHAR_W)
    svg_rows, y = [], 8.0
    for label in labels:
        lines = _wrap(label, chars)
        svg_rows.append((lines, y))
        y += len(lines) * 14 + bar_h + 10
    svg = _root(chart_id, width, max(y, 30.0), title, desc)
    top = max([1.0, *values])
    for (lines, y0), label, value in zip(svg_rows, labels, values):
        for j, line in enumerate(lines):
            _text(svg, 6, y0 + 11 + j * 14, line)
        y_bar = y0 + len(lines) * 14 + 2
        w = plot_w * value / top
        bar = ET.SubElement(svg, "rect", {"x": "6", "y": f"{y_bar:.1f}", "width": f"{w:.1f}", "height": f"{bar_h:.1f}",
                                          "fill": PALETTE[0], "data-value": fmt(value)})
        ET.SubElement(bar, "title").text = f"{label}: {fmt(value)}"
        _text(svg, 6 + w + 4, y_bar + 11, fmt(value))
    return Markup(ET.tostring(svg, encoding="unicode"))


__all__ = ["PALETTE", "Series", "bars", "columns"]
