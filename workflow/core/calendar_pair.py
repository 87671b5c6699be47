"""Today's calendar and a proposed one, answering a what-if's two replays of each ticket together (pure).

A what-if replays every ticket twice, against today's calendar and against a proposed one that usually
differs on a few days only (a closure added, a holiday reopened). Both replays of a ticket ask the calendar
the same questions for most steps (the due time of a clock started at the same moment with the same
budget, the working time a run used until it stopped), so the proposed side takes today's answer where the
two calendars cannot differ on it, instead of walking the same days again.

Why the answer is then the same: a `WorkingCalendar` decides everything from its zone and the opening and
closing moments of each day (``_window``; the next working day is derived from those). Counting
``add(start, n, unit)`` or ``elapsed(start, end, unit)`` looks at the days from the local date of ``start``
to, at the latest, the working day after the local date of the answer (``add``) or of ``end`` (``elapsed``):
a fraction of a working day is measured up to the same time on the next working day. Two calendars in the
same zone whose days agree over that range give the same answer. `CalendarPair` lists, once, the days in a
range around the period on which today's and the proposed calendar differ, and hands out two sides:
`today` remembers each answer with the range of days it rests on, `proposed` takes a remembered answer when
no differing day falls in that range (and the range lies inside the compared days), and asks its own
calendar otherwise. The unit ``calendar_days`` uses no day at all: its answers are always shared.

Answers are remembered per ticket pair (`CalendarPair.forget` between tickets keeps the memory flat); the
replays of one ticket ask today's side first.
"""
from __future__ import annotations

from bisect import bisect_left
from datetime import date, datetime, timedelta
from typing import Any

from workflow.core.calendar import WorkingCalendar

_ONE_DAY = timedelta(days=1)


class CalendarPair:
    """Two calendars that share the answers they agree on (see the module docstring)."""

    def __init__(self, today: Any, proposed: Any, first: date, last: date):
        self.today_calendar, self.proposed_calendar = today, proposed
        self._answers: dict[tuple, tuple[Any, date, date]] = {}
        # the same calendar, or one with the same fingerprint (everything that decides a due time), agrees
        # everywhere; otherwise two working calendars in one zone are compared day by day over [first, last]
        self.same = today is proposed or today.fingerprint() == proposed.fingerprint()
        self._comparable = isinstance(today, WorkingCalendar) and isinstance(proposed, WorkingCalendar) \
            and today.timezone == proposed.timezone
        self._first, self._last = first, last
        self._differ: list[date] = []
        day = first
        while self._comparable and not self.same and day <= last:
            if today._window(day) != proposed._window(day):  # the days are what decides
                self._differ.append(day)
            day += _ONE_DAY
        self.today = _Today(self)
        self.proposed = _Proposed(self)

    def forget(self) -> None:
        """Drop the remembered answers (between tickets: the next ticket asks about other moments)."""
        self._answers.clear()

    def agree(self, first: date, last: date) -> bool:
        """Whether today's and the proposed calendar agree on every day from ``first`` to ``last``."""
        if not self._comparable or first < self._first or last > self._last:
            return False
        at = bisect_left(self._differ, first)
        return at == len(self._differ) or self._differ[at] > last

    def span(self, start: datetime, end: datetime) -> tuple[date, date]:
        """The days an answer counted from ``start`` and ending at ``end`` may rest on (today's calendar)."""
        if not self._comparable or self.same:
            return date.max, date.min  # never asked about (same) or never agreeing (not comparable)
        calendar = self.today_calendar
        zone = calendar._zone
        return start.astimezone(zone).date(), calendar._next_working_day(end.astimezone(zone).date())


class _Side:
    def __init__(self, pair: CalendarPair, calendar: Any):
        self.pair, self.calendar = pair, calendar
        self.timezone = getattr(calendar, "timezone", None)

    def fingerprint(self) -> str:
        return self.calendar.fingerprint()

    def __getattr__(self, name: str) -> Any:  # anything else a calendar answers, as it answers it
        return getattr(self.calendar, name)


class _Today(_Side):
    """Today's calendar, remembering each answer and the days it rests on."""

    def __init__(self, pair: CalendarPair):
        super().__init__(pair, pair.today_calendar)

    def add(self, start: datetime, amount: float, unit: str) -> datetime:
        key = ("add", start, amount, unit)
        found = self.pair._answers.get(key)
        if found is not None:
            return found[0]
        answer = self.calendar.add(start, amount, unit)
        return self._keep(key, answer, unit, start, answer)

    def elapsed(self, start: datetime, end: datetime, unit: str) -> float:
        key = ("elapsed", start, end, unit)
        found = self.pair._answers.get(key)
        if found is not None:
            return found[0]
        return self._keep(key, self.calendar.elapsed(start, end, unit), unit, start, max(start, end))

    def _keep(self, key: tuple, answer: Any, unit: str, start: datetime, end: datetime) -> Any:
        """Remember ``answer`` with the days from ``start`` to ``end`` it rests on (none in calendar days)."""
        first, last = self.pair.span(start, end) if unit != "calendar_days" else (date.min, date.min)
        self.pair._answers[key] = (answer, first, last)
        return answer


class _Proposed(_Side):
    """The proposed calendar, taking today's answer where both calendars agree on the days it rests on."""

    def __init__(self, pair: CalendarPair):
        super().__init__(pair, pair.proposed_calendar)

    def _shared(self, key: tuple) -> tuple[bool, Any]:
        found = self.pair._answers.get(key)
        if found is None:
            return False, None
        answer, first, last = found
        if first == date.min or self.pair.same or self.pair.agree(first, last):
            return True, answer
        return False, None

    def add(self, start: datetime, amount: float, unit: str) -> datetime:
        shared, answer = self._shared(("add", start, amount, unit))
        return answer if shared else self.calendar.add(start, amount, unit)

    def elapsed(self, start: datetime, end: datetime, unit: str) -> float:
        shared, answer = self._shared(("elapsed", start, end, unit))
        return answer if shared else self.calendar.elapsed(start, end, unit)


__all__ = ["CalendarPair"]
