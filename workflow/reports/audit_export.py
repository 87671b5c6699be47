"""Audit exports for auditors: JSON Lines (with hashes, re-verifiable offline) and CSV (for spreadsheets,
every text cell made inert against formula injection: `workflow.reports.cells`)."""
from __future__ import annotations

import csv
import json
from typing import Any, Callable, Iterable, Mapping, TextIO

from workflow.core.audit import CONTENT_FIELDS, _default, iter_jsonl
from workflow.reports.cells import neutral

CSV_COLUMNS = list(CONTENT_FIELDS) + ["prev_hash", "hash"]


def write_audit(rows: Iterable[Mapping[str, Any]], stream: TextIO, fmt: str = "jsonl",
                progress: Callable[[int], None] | None = None) -> int:
    """Write rows to ``stream``; returns how many."""
    count = 0
    if fmt == "jsonl":
        for line in iter_jsonl(rows):
            stream.write(line + "\n")
            count += 1
            if progress:
                progress(1)
        return count
    writer = csv.writer(stream)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        out = []
        for name in CSV_COLUMNS:
            value = row[name]
            if isinstance(value, (dict, list)):
                value = json.dumps(value, ensure_ascii=False, sort_keys=True, default=_default)
            elif hasattr(value, "isoformat"):
                value = _default(value)
            out.append("" if value is None else neutral(value))
        writer.writerow(out)
        count += 1
        if progress:
            progress(1)
    return count


__all__ = ["write_audit", "CSV_COLUMNS"]
