"""Reports: the quarterly complaint evaluation (rekapitulasi, evaluation table, SLA truth, root causes
and action plans) built from SQL aggregations and rendered as DOCX, XLSX, HTML or JSON.

    report = build_report(runtime.store, "2021-Q1", catalogs=..., calendar=...)
    render(report, "docx")  # bytes
"""
from __future__ import annotations

from workflow.core.period import Period, PeriodError, parse_period
from workflow.reports.build import build_for_runtime, build_report
from workflow.reports.model import Report

FORMATS = ("docx", "xlsx", "html", "json")
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
}


def render(report: Report, fmt: str) -> bytes:
    """The report in one of `FORMATS`, as bytes (renderers are imported only when used). A published report
    (``report.publication``) renders to the same bytes every time (`workflow.reports.stable`)."""
    if fmt in ("docx", "xlsx"):
        if fmt == "docx":
            from workflow.reports.render_docx import render_docx
            data = render_docx(report)
        else:
            from workflow.reports.render_xlsx import render_xlsx
            data = render_xlsx(report)
        if report.publication is None:
            return data
        from datetime import datetime

        from workflow.reports.stable import fixed_zip
        return fixed_zip(data, datetime.fromisoformat(report.publication.published_at))
    if fmt == "html":
        from workflow.reports.render_html import render_html
        return render_html(report)
    if fmt == "json":
        from workflow.reports.render_json import render_json
        return render_json(report)
    raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")


def filename(report: Report, fmt: str) -> str:
    return f"laporan-pengaduan-{report.period.replace('..', '_')}.{fmt}"


__all__ = ["build_report", "build_for_runtime", "render", "filename", "Report", "Period", "PeriodError",
           "parse_period", "FORMATS", "MEDIA_TYPES"]
