"""Where complaints wait (issue 15): time per stage, lane and group of a period, read from the audit trail.

Who: console role ``supervisor``. The figures are `workflow.reports.stages.build_section`'s, the same the
quarterly report prints (tables 4.5-4.12) and ``alur history stages`` writes: per stage and lane, and per
agency, category, channel, severity or month (``by``), each as an SVG chart (ElementTree, accessible)
with the table of the same figures beside it; the bottleneck and how it moved; the promise kept. One
complaint's stays and pauses are shown when its receipt number is given.
"""
from __future__ import annotations

import threading
import time

from flask import Flask, request
from flask_admin import expose

from workflow.core.period import PeriodError, parse_period
from workflow.core.stages import STATE_KINDS, ticket_stages
from workflow.reports.stage_charts import bar_chart
from workflow.reports.stages import GROUP_TITLES, DefinitionBook, build_section

from ..auth import SecureBaseView
from . import common

BY = ("opd", "kategori", "kanal", "tingkat", "month")


def num(value: float | None, digits: int = 2) -> str:
    """A figure as the page prints it: decimal comma in Indonesian, a dash for none."""
    if value is None:
        return "–"
    text = f"{value:.{digits}f}"
    return text if common.lang() == "en" else text.replace(".", ",")


def _lower(title: str) -> str:
    """"Kategori" -> "kategori" inside a sentence; an acronym ("OPD") stays as it is."""
    return title if title.isupper() else title[0].lower() + title[1:]


def current_quarter() -> str:
    zone, _ = common.office_zone()
    today = common.utcnow().astimezone(zone).date()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def one_ticket(rt, receipt: str, now, book: DefinitionBook):
    """The stays and pauses of the complaint with this receipt number (None when it has no trail)."""
    rows = [r for r in rt.store.audit_rows(receipt_no=receipt) if r["kind"] in STATE_KINDS]
    return ticket_stages(rows, book, rt.engine.calendar, now) if rows else None


CACHE_SECONDS = 300
_sections: dict[tuple, tuple[float, object]] = {}
_lock = threading.Lock()


def cached_section(rt, period, by: str, locale: str, zone: str, now):
    """`build_section`, kept `CACHE_SECONDS` per process for the same period, grouping and language: a busy
    quarter's trail takes seconds to read (benchmarks/bench_stages.py), and supervisors open the page in turn.
    The page says when its figures were measured."""
    key = (id(rt), period.key, by, locale)
    with _lock:
        hit = _sections.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
    section = build_section(rt.store, period, catalogs=rt.catalogs, calendar=rt.engine.calendar, now=now,
                            by=(by,), locale=locale, timezone=zone)
    with _lock:
        _sections[key] = (time.monotonic() + CACHE_SECONDS, section)
    return section


class StagesView(SecureBaseView):
    """Time per stage from the trail, with charts and tables side by side."""

    roles = frozenset({"supervisor"})

    @expose("/")
    def index(self):
        rt = common.runtime()
        now = common.utcnow()
        locale = common.lang()
        text = (request.args.get("period") or "").strip()[:40] or current_quarter()
        error = ""
        try:
            period = parse_period(text)
        except PeriodError as exc:
            error, text = str(exc), current_quarter()
            period = parse_period(text)
        by = request.args.get("by", "opd")
        by = by if by in BY else "opd"
        zone, _ = common.office_zone()
        section = cached_section(rt, period, by, locale, str(zone), now)
        unit = common.tr("hari kerja", "working days")
        charts = {
            "state": bar_chart(common.tr("Lama waktu per tahapan", "Time per stage"), section.states[:15],
                               chart_id="chart-state", unit=unit, locale=locale),
            "lane": bar_chart(common.tr("Lama waktu per lajur", "Time per lane"), section.lanes[:15],
                              chart_id="chart-lane", unit=unit, locale=locale),
            "group": bar_chart(
                common.tr("Lama waktu per ", "Time per ") + _lower(GROUP_TITLES[by][1 if locale == "en" else 0]),
                section.group(by)[:15], chart_id="chart-group", unit=unit, locale=locale),
        }
        receipt = (request.args.get("receipt") or "").strip().upper()[:24]
        ticket = one_ticket(rt, receipt, now, DefinitionBook(rt.store, rt.catalogs)) if receipt else None
        definition = rt.engine.definition(ticket.definition_key) if ticket is not None else None
        return self.render("supervisor/stages.html", section=section, charts=charts, period=text, by=by,
                           by_choices=[(k, GROUP_TITLES[k][1 if locale == "en" else 0]) for k in BY],
                           group_title=GROUP_TITLES[by][1 if locale == "en" else 0], error=error,
                           receipt=receipt, ticket=ticket, definition=definition, common=common, num=num)


def register(admin, app: Flask) -> None:
    from . import Text

    admin.add_view(StagesView(name=Text("Lama per tahapan", "Time per stage"), endpoint="stages",
                              url="/admin/tahapan"))


__all__ = ["register", "StagesView", "current_quarter", "one_ticket", "num", "cached_section", "CACHE_SECONDS"]
