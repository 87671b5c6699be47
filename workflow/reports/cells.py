"""Spreadsheet cells that cannot become formulas.

A complainant can type ``=HYPERLINK("http://evil.example/","Klik")`` as their name; written as is into
a CSV or XLSX that a supervisor opens, it runs as a formula (CSV/formula injection, OWASP). Every text
a person supplied goes through `neutral` before it reaches a cell: text that a spreadsheet would read
as a formula (starting with ``= + - @``, a tab or a carriage return) is prefixed with an apostrophe,
which spreadsheets show as plain text. Numbers and dates written as such are untouched, and so is a
lone dash, the reports' mark for "none" (a spreadsheet reads it as text).

Used by the audit CSV export (`workflow.reports.audit_export`) and the quarterly report's workbook
(`workflow.reports.render_xlsx`), whose cells would otherwise be formulas: openpyxl stores any text
starting with ``=`` as one.
"""
from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: Any) -> Any:
    """``value``, or for text a spreadsheet would run as a formula, the same text made inert."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and value != "-":
        return "'" + value
    return value


__all__ = ["neutral", "FORMULA_START"]
