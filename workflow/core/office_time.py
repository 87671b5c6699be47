"""Office hours between many pairs of moments, fast: a running total of office time per day (pure).

`WorkingCalendar.elapsed(a, b, "working_hours")` walks the days from ``a`` to ``b`` for every call. Reading a
quarter's trail asks it for every stay of every complaint (hundreds of thousands of spans over the same
hundred days), so `OfficeTime` keeps, per day, the office seconds of all days before it since an origin, and
answers ``total(b) - total(a)``: the same sum of each day's office window clipped to the span, computed once
per day. Windows come from the calendar's public answers (`is_working_day`, `hours_on`) in its zone;
``tests/test_stages.py`` holds the two equal on random spans across weekends and holidays. A calendar
without office hours (`SimpleCalendar`) is asked directly.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

_DAY = timedelta(days=1)


class OfficeTime:
    """Office hours between moments by ``calendar``, with a per-day running total."""

    def __init__(self, calendar: Any):
        self.calendar = calendar
        self.direct = not (hasattr(calendar, "hours_on") and hasattr(calendar, "is_working_day"))
        self.zone = ZoneInfo(getattr(calendar, "timezone", "UTC")) if not self.direct else None
        self._origin: date | None = None
        self._before: list[float] = []  # office seconds of the days from the origin up to (not with) each day
        self._windows: list[tuple[datetime, datetime] | None] = []

    def hours(self, start: datetime, end: datetime) -> float:
        """Office hours from ``start`` to ``end`` (0 when ``end`` is not after ``start``)."""
        if end <= start:
            return 0.0
        if self.direct:
            return self.calendar.elapsed(start, end, "working_hours")
        before = self._total(start)  # first: an earlier day than any seen moves the origin, and totals with it
        return (self._total(end) - before) / 3600.0

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        if not self.calendar.is_working_day(day):
            return None
        h = self.calendar.hours_on(day)
        return datetime.combine(day, h.start, tzinfo=self.zone), datetime.combine(day, h.end, tzinfo=self.zone)

    def _index(self, day: date) -> int:
        if self._origin is None or day < self._origin:
            self._origin, self._before, self._windows = day - _DAY * 7, [], []
        index = (day - self._origin).days
        while len(self._windows) <= index:
            current = self._origin + _DAY * len(self._windows)
            before = self._before[-1] + _seconds(self._windows[-1]) if self._windows else 0.0
            self._before.append(before)
            self._windows.append(self._window(current))
        return index

    def _total(self, moment: datetime) -> float:
        local = moment.astimezone(self.zone)
        index = self._index(local.date())
        total, window = self._before[index], self._windows[index]
        if window is not None and local > window[0]:
            total += (min(local, window[1]) - window[0]).total_seconds()
        return total


def _seconds(window: tuple[datetime, datetime] | None) -> float:
    return (window[1] - window[0]).total_seconds() if window is not None else 0.0


__all__ = ["OfficeTime"]
