"""The supervisor's report page: pick a period, read the evaluation report, download it, and keep the
root causes and action plans the report lists.

Who: console role ``supervisor``. The report is the same object every format renders
(`workflow.reports.build_report`), so the page, the DOCX and the JSON cannot disagree. Downloads write
an ``identity_view`` audit row when the file carries complainant names (the evaluation table), because
that is the moment names leave the system. Root-cause and action-plan changes go through
`workflow.services.rootcause`, which audits them; the lists are `workflow.store.queries.rootcause`.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timezone

from flask import Flask, Response, flash, redirect, request, url_for
from flask_admin import expose

from workflow.core.period import OFFICE_TZ, PeriodError, parse_period
from workflow.errors import AlurError, InvalidInput
from workflow.reports import FORMATS, MEDIA_TYPES, build_for_runtime, filename, render
from workflow.reports.render_html import render_html_fragment
from workflow.services import rootcause
from workflow.services.identity import record_report_view
from workflow.store.queries.rootcause import list_action_plans, list_root_causes

from ..auth import SecureBaseView, current_actor
from . import common
from .common import tr

logger = logging.getLogger(__name__)

PAGE_ROWS = 500  # evaluation rows shown on the page; the downloads carry all of them


def _now() -> datetime:
    return common.runtime().engine.now().astimezone(timezone.utc)


def current_quarter(now: datetime) -> str:
    local = now.astimezone(OFFICE_TZ)
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


SPANS = ("Q1", "Q2", "Q3", "Q4", "S1", "S2", *(f"{m:02d}" for m in range(1, 13)), "year", "range")


def period_text(values) -> str:
    """The period asked for: picked (``year`` and ``span``: a quarter, semester, month, the whole year, or a
    ``range`` of ``from``..``to``), else typed or linked (``period``, e.g. ``2021-Q1``)."""
    year, span = (values.get("year") or "").strip(), (values.get("span") or "").strip()
    if year and span in SPANS:
        if span == "year":
            return year
        if span == "range":
            return f"{(values.get('from') or '').strip()}..{(values.get('to') or '').strip()}"
        return f"{year}-{span}"
    return (values.get("period") or "").strip()


def picker(period, now: datetime) -> dict:
    """What the period picker shows: the years to choose from, the spans with their labels, and the choice now."""
    this_year = now.astimezone(OFFICE_TZ).year
    years = sorted({*range(this_year - 6, this_year + 1), period.start.year}, reverse=True)
    romans = ("I", "II", "III", "IV")
    spans = [(tr("Triwulan", "Quarter"),
              [(f"Q{q}", tr(f"Triwulan {romans[q - 1]}", f"Quarter {q}")) for q in (1, 2, 3, 4)]),
             (tr("Semester", "Half year"), [(f"S{h}", tr(f"Semester {romans[h - 1]}", f"Half {h}")) for h in (1, 2)]),
             (tr("Bulan", "Month"), [(f"{m:02d}", tr(*MONTHS[m - 1])) for m in range(1, 13)]),
             (tr("Lainnya", "Other"), [("year", tr("Setahun penuh", "The whole year")),
                                       ("range", tr("Rentang tanggal", "Date range"))])]
    key = period.key
    chosen = {"quarter": key[-2:], "semester": key[-2:], "month": key[-2:], "year": "year"}.get(period.kind, "range")
    return {"years": years, "spans": spans, "year": period.start.year, "span": chosen,
            "from": period.start.isoformat(), "to": period.end.isoformat()}


MONTHS = (("Januari", "January"), ("Februari", "February"), ("Maret", "March"), ("April", "April"), ("Mei", "May"),
          ("Juni", "June"), ("Juli", "July"), ("Agustus", "August"), ("September", "September"),
          ("Oktober", "October"), ("November", "November"), ("Desember", "December"))


class ReportsView(SecureBaseView):
    """Laporan evaluasi pengaduan: the report of a period, downloads, root causes and action plans."""

    roles = frozenset({"supervisor"})

    def _period(self):
        text = period_text(request.values) or current_quarter(_now())
        try:
            return parse_period(text), None
        except PeriodError as exc:
            return parse_period(current_quarter(_now())), str(exc)

    @expose("/")
    def index(self):
        rt = common.runtime()
        period, error = self._period()
        if error:
            flash(error, "danger")
        definition = (request.args.get("definition") or "").strip() or None
        report = build_for_runtime(rt, period, definition_key=definition, now=_now(), evaluation_limit=PAGE_ROWS)
        return self.render("reports/index.html", report=report, period=period, definition=definition or "",
                           picker=picker(period, _now()),
                           definitions=common.live_definitions(),
                           body=render_html_fragment(report), formats=FORMATS,
                           causes=list_root_causes(rt.store), plans=list_action_plans(rt.store, period.key),
                           statuses=[s.value for s in rootcause.PlanStatus])

    @expose("/unduh")
    def download(self):
        rt = common.runtime()
        period, error = self._period()
        fmt = request.args.get("format", "docx")
        if error or fmt not in FORMATS:
            flash(error or tr(f"Format {fmt} tidak dikenal; pilih {', '.join(FORMATS)}.",
                              f"Unknown format {fmt}; choose {', '.join(FORMATS)}."), "danger")
            return redirect(url_for(".index"))
        definition = (request.args.get("definition") or "").strip() or None
        now = _now()
        report = build_for_runtime(rt, period, definition_key=definition, now=now)
        data = render(report, fmt)
        record_report_view(rt, current_actor().id, report, fmt, now)
        return Response(data, mimetype=MEDIA_TYPES[fmt],
                        headers={"Content-Disposition": f'attachment; filename="{filename(report, fmt)}"'})

    def _back(self):
        return redirect(url_for(".index", period=request.form.get("period") or None))

    @expose("/akar-masalah", methods=("POST",))
    def add_cause(self):
        form = request.form
        try:
            rootcause.create_root_cause(common.runtime().store, code=form.get("code", ""), title=form.get("title", ""),
                                        description=form.get("description", ""), actor_id=current_actor().id,
                                        now=_now())
            flash(tr("Akar masalah disimpan.", "Root cause saved."), "success")
        except InvalidInput as exc:
            flash("; ".join(f"{k}: {v}" for k, v in exc.errors.items()), "danger")
        return self._back()

    @expose("/tautkan", methods=("POST",))
    def link(self):
        form = request.form
        receipts = [x for x in form.get("tickets", "").replace(",", " ").split() if x]
        try:
            added = rootcause.link_complaints(common.runtime().store, int(form.get("root_cause_id", "0")), receipts,
                                              actor_id=current_actor().id, now=_now())
            flash(tr(f"{added} pengaduan ditautkan.", f"{added} complaint(s) linked."), "success")
        except (AlurError, ValueError) as exc:
            flash(str(exc), "danger")
        return self._back()

    @expose("/rencana", methods=("POST",))
    def add_plan(self):
        form = request.form
        try:
            due = date.fromisoformat(form["due_date"]) if form.get("due_date") else None
            rootcause.add_action_plan(common.runtime().store, root_cause_id=int(form.get("root_cause_id", "0")),
                                      period=form.get("plan_period") or form.get("period", ""),
                                      title=form.get("title", ""), owner=form.get("owner", ""), due_date=due,
                                      actor_id=current_actor().id, now=_now())
            flash(tr("Rencana tindak lanjut disimpan.", "Action plan saved."), "success")
        except InvalidInput as exc:
            flash("; ".join(f"{k}: {v}" for k, v in exc.errors.items()), "danger")
        except (AlurError, ValueError) as exc:
            flash(str(exc), "danger")
        return self._back()

    @expose("/rencana/<int:plan_id>/status", methods=("POST",))
    def plan_status(self, plan_id: int):
        try:
            rootcause.set_plan_status(common.runtime().store, plan_id, request.form.get("status", ""),
                                      actor_id=current_actor().id, now=_now())
            flash(tr("Status rencana diperbarui.", "Plan status updated."), "success")
        except AlurError as exc:
            flash(str(exc), "danger")
        return self._back()


def register(admin, app: Flask) -> None:
    from . import Text

    admin.add_view(ReportsView(name=Text("Laporan evaluasi", "Evaluation report"), endpoint="reports",
                               url="/admin/laporan"))
    from . import report_documents  # the report the office signs: drafts, approval, publication

    report_documents.register(admin, app)


__all__ = ["register", "ReportsView", "current_quarter"]
