"""The supervisor dashboard's pictures, each with its numbers as a table beside it (issue 14).

Complaints in and closed per week (the last twelve weeks), the on-time rate per clock over the last four
quarters (the quarterly report's rule, `workflow.store.rules.on_time`), open tickets by stage (the
dashboard's own counts) and by OPD. Charts are server-rendered SVG (`admin.console.charts`); the table
beside each is the text alternative and holds exactly the numbers drawn.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup

from workflow.core.period import MONTHS
from workflow.store.queries.dashboard_trends import on_time_by_quarter, open_by_opd, weekly_flow

from . import common
from .charts import Series, bars, columns

ROMAN = ("I", "II", "III", "IV")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class Picture:
    key: str
    title: str
    svg: Markup
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""


def _week(day) -> str:
    month = MONTHS_EN[day.month - 1] if common.lang() == "en" else MONTHS[day.month - 1][:3]
    return f"{day.day} {month}"


def _quarter(key: str) -> str:
    year, q = key.split("-Q")
    return f"Q{q} {year}" if common.lang() == "en" else f"TW {ROMAN[int(q) - 1]} {year}"


def _percent(value: float) -> str:
    return f"{value:.0f}%"


def weekly(rt, now: datetime) -> Picture:
    tr = common.tr
    flow = weekly_flow(rt.store, now)
    labels = [_week(w["week"]) for w in flow]
    opened, closed = tr("Masuk", "Received"), tr("Selesai", "Closed")
    title = tr("Pengaduan masuk dan selesai per minggu", "Complaints received and closed per week")
    desc = tr(f"12 minggu terakhir, mulai minggu {labels[0]}: masuk {sum(w['opened'] for w in flow)}, "
              f"selesai {sum(w['closed'] for w in flow)}. Angka per minggu ada pada tabel di sampingnya.",
              f"The last 12 weeks, from the week of {labels[0]}: {sum(w['opened'] for w in flow)} received, "
              f"{sum(w['closed'] for w in flow)} closed. The table beside it gives each week.")
    svg = columns("chart-weekly", title, desc, labels,
                  [Series(opened, [w["opened"] for w in flow]), Series(closed, [w["closed"] for w in flow])])
    return Picture("weekly", title, svg, [tr("Minggu mulai", "Week of"), opened, closed],
                   [[label, str(w["opened"]), str(w["closed"])] for label, w in zip(labels, flow)],
                   tr("Minggu Senin–Minggu, waktu kantor.", "Weeks run Monday to Sunday, office time."))


def on_time(rt, now: datetime, clock_labels: dict[str, str]) -> Picture:
    tr = common.tr
    periods = on_time_by_quarter(rt.store, now)
    quarters = [_quarter(k) for k in periods]
    clocks = sorted({r["clock"] for rows in periods.values() for r in rows})
    by = {(q, r["clock"]): r for q, rows in periods.items() for r in rows}
    series = [Series(clock_labels.get(c, c), [by[(q, c)]["rate"] * 100 if (q, c) in by else None for q in periods])
              for c in clocks]
    title = tr("Ketepatan waktu per tenggat, empat triwulan terakhir", "On-time rate per clock, last four quarters")
    desc = tr("Persentase jam layanan yang selesai tepat waktu per triwulan, dengan aturan laporan evaluasi. "
              "Tanda – pada tabel: tidak ada tenggat yang selesai pada triwulan itu.",
              "Share of clocks that stopped on time per quarter, by the evaluation report's rule. "
              "A dash in the table: no clock stopped in that quarter.")
    svg = columns("chart-on-time", title, desc, quarters, series, top=100, fmt=_percent)
    rows = []
    for c in clocks:
        cells = [clock_labels.get(c, c)]
        for q in periods:
            r = by.get((q, c))
            cells.append(f"{r['rate'] * 100:.0f}% ({r['on_time']}/{r['stopped']})" if r else "–")
        rows.append(cells)
    return Picture("on-time", title, svg, [tr("Tenggat", "Clock"), *quarters], rows,
                   tr("Triwulan menurut waktu kantor; angka dalam kurung: tepat waktu / selesai.",
                      "Quarters in office time; in brackets: on time / stopped."))


def by_stage(lanes) -> Picture:
    tr = common.tr
    labels = [f"{label} ({lane.label})" for lane in lanes for _, label, _ in lane.states]
    values = [n for lane in lanes for _, _, n in lane.states]
    title = tr("Pengaduan terbuka per tahap", "Open complaints by stage")
    desc = tr(f"{sum(values)} pengaduan terbuka pada {len(values)} tahap; jumlah per tahap pada tabel di sampingnya.",
              f"{sum(values)} open complaints in {len(values)} stages; the table beside it gives each stage.")
    return Picture("stage", title, bars("chart-stage", title, desc, labels, values),
                   [tr("Tahap (lajur)", "Stage (lane)"), tr("Jumlah", "Count")],
                   [[label, str(n)] for label, n in zip(labels, values)])


def by_opd(rt) -> Picture:
    tr = common.tr
    rows = open_by_opd(rt.store)
    labels = [common.catalog_label("opd", r["opd"]) for r in rows]
    values = [r["n"] for r in rows]
    title = tr("Pengaduan terbuka per OPD", "Open complaints by agency")
    desc = tr(f"{len(values)} OPD sedang menangani pengaduan terbuka; jumlah per OPD pada tabel di sampingnya.",
              f"{len(values)} agencies hold open complaints; the table beside it gives each agency.")
    return Picture("opd", title, bars("chart-opd", title, desc, labels, values),
                   [tr("OPD", "Agency"), tr("Jumlah", "Count")], [[label, str(n)] for label, n in zip(labels, values)],
                   tr("Pengaduan dihitung sekali per OPD, termasuk bagian penyerahan ke beberapa instansi yang masih "
                      "berjalan.",
                      "A complaint counts once per agency, open parts of a hand-over to several included."))


def pictures(rt, now: datetime, lanes, clock_labels: dict[str, str]) -> list[Picture]:
    """The dashboard's four pictures, in reading order."""
    return [weekly(rt, now), on_time(rt, now, clock_labels), by_stage(lanes), by_opd(rt)]


__all__ = ["Picture", "pictures"]
