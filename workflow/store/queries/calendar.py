"""The office's own calendar edits of a span of days, for the calendar page (who changed which day, when).

The calendar itself (holidays, cuti bersama, with the edits applied) is `workflow.core.calendar`;
changes go through `workflow.services.calendar`.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from workflow.store import models as m
from workflow.store.db import read_only
from workflow.store.sql.rows import utc


def office_edits(store, start: date, end: date) -> dict[date, dict[str, Any]]:
    """The office's rows for days in [start, end] by day: kind (``add`` closes, ``remove`` reopens a
    listed holiday), name, created_by, created_at."""
    c = m.closures.c
    with read_only(store.engine) as conn:
        rows = conn.execute(select(c.day, c.kind, c.name, c.created_by, c.created_at)
                            .where(c.day >= start, c.day <= end)).mappings().all()
    return {(r["day"] if isinstance(r["day"], date) else date.fromisoformat(str(r["day"]))):
            {**r, "created_at": utc(r["created_at"])} for r in rows}


__all__ = ["office_edits"]
