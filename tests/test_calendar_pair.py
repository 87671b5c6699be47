"""`workflow.core.calendar_pair.CalendarPair`: each side answers exactly as its own calendar does.

A what-if's proposed replay takes today's calendar answer only where the two calendars agree on every day
the answer rests on. These tests ask both sides, today's first as a replay does, about moments all around
the days the calendars differ on (a closure added, a holiday reopened, other office hours), in every unit
and with whole and fractional budgets, and compare each answer with the calendar's own.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

import pytest

from workflow.core.calendar import Closure, DatedHours, OfficeHours, WorkingCalendar
from workflow.core.calendar_pair import CalendarPair
from workflow.core.clocks import SimpleCalendar

FIRST, LAST = date(2026, 7, 1), date(2026, 12, 31)
TODAY = WorkingCalendar(timezone="Asia/Jakarta")
AMOUNTS = (0.0, 0.25, 0.5, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0, 7.0)
UNITS = ("working_days", "working_hours", "calendar_days")


def _moments(rng: random.Random, around: list[date], n: int) -> list[datetime]:
    """Moments on and a few days around ``around`` (any hour, weekends too), plus some anywhere in the range."""
    out = []
    for _ in range(n):
        day = rng.choice(around) + timedelta(days=rng.randint(-6, 3)) if rng.random() < 0.8 else \
            FIRST + timedelta(days=rng.randint(0, (LAST - FIRST).days - 30))
        out.append(datetime.combine(day, time(0), tzinfo=timezone.utc) + timedelta(minutes=rng.randint(0, 1439)))
    return out


def _check(pair: CalendarPair, today, proposed, starts: list[datetime], rng: random.Random) -> None:
    for start in starts:
        pair.forget()
        for unit in UNITS:
            for amount in AMOUNTS:
                assert pair.today.add(start, amount, unit) == today.add(start, amount, unit)
                assert pair.proposed.add(start, amount, unit) == proposed.add(start, amount, unit), \
                    (start, amount, unit)
            end = start + timedelta(hours=rng.randint(-5, 200), minutes=rng.randint(0, 59))
            assert pair.today.elapsed(start, end, unit) == today.elapsed(start, end, unit)
            assert pair.proposed.elapsed(start, end, unit) == proposed.elapsed(start, end, unit), (start, end, unit)


def test_a_proposed_closure_and_reopened_holiday_change_only_the_answers_that_walk_those_days():
    closed, reopened = date(2026, 8, 21), date(2026, 12, 24)  # a Friday closed; a cuti bersama reopened
    assert TODAY.is_working_day(closed)
    proposed = WorkingCalendar(timezone="Asia/Jakarta", added_closures=[Closure(closed, "usulan")],
                               removed_holidays=[reopened] if not TODAY.is_working_day(reopened) else [])
    pair = CalendarPair(TODAY, proposed, FIRST, LAST)
    rng = random.Random(15)
    _check(pair, TODAY, proposed, _moments(rng, [closed, reopened], 150), rng)
    # and the shortcut is taken: a due time far from the closure is today's answer, not computed again
    assert pair.agree(date(2026, 9, 1), date(2026, 9, 30))
    assert not pair.agree(date(2026, 8, 20), date(2026, 8, 24))


def test_a_fraction_of_a_working_day_rests_on_the_next_working_day_too():
    """Half a working day from Friday is half of Friday-to-Monday: shorter Monday hours move its end on Friday."""
    short = DatedHours(date(2026, 8, 24), date(2026, 8, 28),
                       {d: OfficeHours(time(7, 0), time(12, 0)) for d in range(5)})
    proposed = WorkingCalendar(timezone="Asia/Jakarta", dated_hours=[short])
    friday = datetime(2026, 8, 21, 3, 0, tzinfo=timezone.utc)  # 10:00 WIB
    assert TODAY.add(friday, 0.5, "working_days") != proposed.add(friday, 0.5, "working_days")
    pair = CalendarPair(TODAY, proposed, FIRST, LAST)
    rng = random.Random(11)
    _check(pair, TODAY, proposed, [friday] + _moments(rng, [date(2026, 8, 21), date(2026, 8, 28)], 80), rng)


def test_other_office_hours_are_never_taken_from_today():
    proposed = WorkingCalendar(timezone="Asia/Jakarta",
                               hours={d: OfficeHours(time(7, 30), time(15, 30)) for d in range(5)})
    pair = CalendarPair(TODAY, proposed, FIRST, LAST)
    rng = random.Random(7)
    _check(pair, TODAY, proposed, _moments(rng, [date(2026, 8, 17)], 60), rng)
    assert not pair.agree(date(2026, 9, 1), date(2026, 9, 2))


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Asia/Makassar"])
def test_the_same_calendar_and_another_zone(zone):
    proposed = TODAY if zone == "Asia/Jakarta" else WorkingCalendar(timezone=zone)
    pair = CalendarPair(TODAY, proposed, FIRST, LAST)
    assert pair.same == (proposed is TODAY)
    rng = random.Random(3)
    _check(pair, TODAY, proposed, _moments(rng, [date(2026, 8, 17)], 40), rng)


def test_answers_outside_the_compared_days_are_computed_again():
    proposed = WorkingCalendar(timezone="Asia/Jakarta", added_closures=[Closure(date(2026, 8, 21), "usulan")])
    pair = CalendarPair(TODAY, proposed, date(2026, 9, 1), date(2026, 9, 30))
    assert not pair.agree(date(2026, 8, 31), date(2026, 9, 2)) and not pair.agree(date(2026, 9, 29), date(2026, 10, 1))
    rng = random.Random(5)
    _check(pair, TODAY, proposed, _moments(rng, [date(2026, 8, 21), date(2026, 9, 1)], 40), rng)


def test_calendars_other_than_working_calendars_are_asked_themselves():
    simple = SimpleCalendar()
    pair = CalendarPair(TODAY, simple, FIRST, LAST)
    rng = random.Random(9)
    _check(pair, TODAY, simple, _moments(rng, [date(2026, 8, 21)], 20), rng)
    assert pair.proposed.fingerprint() == "simple" and pair.today.timezone == "Asia/Jakarta"
