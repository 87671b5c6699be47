"""The supervisor dashboard's pictures: complaints in and closed per week, on-time rate per clock over the
last quarters, open tickets by OPD (open tickets by stage come from `dashboard.dashboard_numbers`).

Each is one aggregate statement. Weeks and quarters are counted in the office's time zone, like the
report's periods. The on-time rates are `dashboard.on_time_periods`, the rule of the quarterly report
(`workflow.store.rules.on_time`), so a quarter's bar reads as the report of that quarter does.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from workflow.core.calendar import OFFICE_TZ
from workflow.store import models as m
from workflow.store.db import read_only
from workflow.store.queries.dashboard import on_time_periods

OPEN_PARTS = ("menunggu", "diproses")  # a handoff part the agency still has to act on


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), OFFICE_TZ).astimezone(UTC)


def week_starts(now: datetime, weeks: int) -> list[date]:
    """The Mondays (office time) of the last `weeks` weeks, this week last."""
    today = now.astimezone(OFFICE_TZ).date()
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def weekly_flow(store, now: datetime, weeks: int = 12) -> list[dict[str, Any]]:
    """Per week: complaints received (``created_at``) and closed (``closed_at``) in it, oldest week first."""
    starts = week_starts(now, weeks)
    bounds = [(_utc(d), _utc(d + timedelta(weeks=1))) for d in starts]
    t = m.tickets.c
    columns = []
    for i, (lo, hi) in enumerate(bounds):
        columns += [func.count().filter(and_(t.created_at >= lo, t.created_at < hi)).label(f"in_{i}"),
                    func.count().filter(and_(t.closed_at >= lo, t.closed_at < hi)).label(f"out_{i}")]
    low = bounds[0][0]
    with read_only(store.engine) as conn:
        row = conn.execute(select(*columns).where(or_(t.created_at >= low, t.closed_at >= low))).one()
    return [{"week": d, "opened": int(row._mapping[f"in_{i}"] or 0), "closed": int(row._mapping[f"out_{i}"] or 0)}
            for i, d in enumerate(starts)]


def quarter_bounds(now: datetime, quarters: int) -> dict[str, tuple[datetime, datetime]]:
    """The last `quarters` quarters (this one last) as ``{"2026-Q3": (start, end)}`` in UTC, office time."""
    local = now.astimezone(OFFICE_TZ)
    year, q = local.year, (local.month - 1) // 3
    out = []
    for _ in range(quarters):
        start = date(year, 3 * q + 1, 1)
        end = date(year + (q == 3), 1 if q == 3 else 3 * q + 4, 1)
        out.append((f"{year}-Q{q + 1}", (_utc(start), _utc(end))))
        year, q = (year - 1, 3) if q == 0 else (year, q - 1)
    return dict(reversed(out))


def on_time_by_quarter(store, now: datetime, quarters: int = 4) -> dict[str, list[dict[str, Any]]]:
    """Per quarter (oldest first) and clock: runs stopped in it, on time, rate (the report's rule)."""
    return on_time_periods(store, quarter_bounds(now, quarters))


def open_by_opd(store) -> list[dict[str, Any]]:
    """Open tickets per agency: the ticket's current OPD, and each agency with an open part of a
    hand-over to several (a ticket counts once per agency), most first."""
    t = m.tickets.c
    with read_only(store.engine) as conn:
        rows = conn.execute(select(t.id, t.opd, t.handoffs).where(
            t.closed_at.is_(None), or_(t.opd.isnot(None), t.handoffs.isnot(None)))).all()
    counts: dict[str, int] = {}
    for _, opd, parts in rows:
        agencies = {opd} if opd else set()
        for part in parts or []:
            if isinstance(part, dict) and part.get("status") in OPEN_PARTS and part.get("agency"):
                agencies.add(part["agency"])
        for agency in agencies:
            counts[agency] = counts.get(agency, 0) + 1
    return [{"opd": k, "n": n} for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


__all__ = ["on_time_by_quarter", "open_by_opd", "quarter_bounds", "week_starts", "weekly_flow"]
