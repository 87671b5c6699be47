"""The report as JSON, for other programs: the same figures as every other format (`Report.as_dict`)."""
from __future__ import annotations

import json

from workflow.reports.model import Report

FORMAT_VERSION = 1


def report_data(report: Report) -> dict:
    return {"format": "alur.report", "format_version": FORMAT_VERSION, **report.as_dict()}


def render_json(report: Report) -> bytes:
    return json.dumps(report_data(report), ensure_ascii=False, indent=2).encode("utf-8")


__all__ = ["render_json", "report_data", "FORMAT_VERSION"]
