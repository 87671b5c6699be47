"""Behaviour of workflow.calendar: when complaint clocks run and when they fall due."""

import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.core.calendar import DEFAULT_HOURS, UNITS, Closure, OfficeHours, WorkingCalendar

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")

# Real 2026 days, checked against the holidays package in the tests that use them.
INDEPENDENCE_DAY = date(2026, 8, 17)  # Monday
CUTI_BERSAMA_NATAL = date(2026, 12, 24)  # Thursday, cuti bersama before Christmas (Friday 25th)

CALENDAR = WorkingCalendar()


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


def id_holidays(year: int, *categories: str) -> holidays.HolidayBase:
    return holidays.country_holidays("ID", years=year, categories=categories, language="id")


# -- working days --------------------------------------------------------------------------------


def test_complaint_filed_friday_afternoon_with_one_working_day_is_due_monday_same_time():
    assert CALENDAR.add(wib(2026, 11, 6, 15, 0), 1, "working_days") == wib(2026, 11, 9, 15, 0)


def test_complaint_filed_on_saturday_starts_counting_monday_at_opening():
    saturday = wib(2026, 11, 7, 10, 30)

    assert CALENDAR.next_working_moment(saturday) == wib(2026, 11, 9, 8, 0)
    assert CALENDAR.add(saturday, 1, "working_days") == wib(2026, 11, 10, 8, 0)


def test_complaint_filed_after_closing_starts_counting_next_morning():
    assert CALENDAR.add(wib(2026, 11, 3, 19, 45), 1, "working_days") == wib(2026, 11, 5, 8, 0)


def test_public_holiday_pushes_the_due_time_by_one_day():
    assert id_holidays(2026, "public")[INDEPENDENCE_DAY] == "Hari Kemerdekaan Republik Indonesia"

    due = CALENDAR.add(wib(2026, 8, 14, 10, 0), 1, "working_days")

    assert due == wib(2026, 8, 18, 10, 0)
    assert not CALENDAR.is_working_day(INDEPENDENCE_DAY)


def test_cuti_bersama_pushes_the_due_time_unless_excluded():
    cuti_bersama = id_holidays(2026, "government")
    assert cuti_bersama[CUTI_BERSAMA_NATAL].startswith("Cuti Bersama")
    assert CUTI_BERSAMA_NATAL not in id_holidays(2026, "public")
    filed = wib(2026, 12, 23, 10, 0)  # Wednesday; Friday 25th is Christmas

    with_cuti = CALENDAR.add(filed, 1, "working_days")
    without_cuti = WorkingCalendar(include_cuti_bersama=False).add(filed, 1, "working_days")

    assert with_cuti == wib(2026, 12, 28, 10, 0)
    assert without_cuti == wib(2026, 12, 24, 10, 0)


def test_closure_added_by_the_office_pushes_the_due_time():
    closure = Closure(date(2026, 9, 7), "Hari jadi kantor", "office")
    calendar = WorkingCalendar(added_closures=[closure])
    filed = wib(2026, 9, 4, 10, 0)  # Friday

    assert CALENDAR.add(filed, 1, "working_days") == wib(2026, 9, 7, 10, 0)
    assert calendar.add(filed, 1, "working_days") == wib(2026, 9, 8, 10, 0)
    assert calendar.closures(date(2026, 9, 1), date(2026, 9, 30)) == [closure]


def test_holiday_removed_by_the_office_no_longer_pushes_the_due_time():
    calendar = WorkingCalendar(removed_holidays=[INDEPENDENCE_DAY])

    assert calendar.is_working_day(INDEPENDENCE_DAY)
    assert calendar.add(wib(2026, 8, 14, 10, 0), 1, "working_days") == wib(2026, 8, 17, 10, 0)
    assert calendar.closures(date(2026, 8, 1), date(2026, 8, 31)) == [
        Closure(date(2026, 8, 25), "Maulid Nabi Muhammad", "holidays")
    ]


def test_working_days_cross_into_a_new_year_using_that_years_holidays():
    assert id_holidays(2027, "public")[date(2027, 1, 1)] == "Tahun Baru Masehi"

    assert CALENDAR.add(wib(2026, 12, 31, 10, 0), 1, "working_days") == wib(2027, 1, 4, 10, 0)


def test_working_day_landing_after_a_short_days_closing_is_clamped_to_closing():
    short_friday = dict(DEFAULT_HOURS)
    short_friday[4] = OfficeHours(time(8, 0), time(11, 0))
    calendar = WorkingCalendar(hours=short_friday)

    assert calendar.add(wib(2026, 11, 5, 15, 0), 1, "working_days") == wib(2026, 11, 6, 11, 0)


def test_half_a_working_day_is_half_of_the_office_hours():
    assert CALENDAR.add(wib(2026, 11, 2, 8, 0), 0.5, "working_days") == wib(2026, 11, 2, 12, 0)
    assert CALENDAR.add(wib(2026, 11, 2, 14, 0), 0.5, "working_days") == wib(2026, 11, 3, 10, 0)


# -- working hours and calendar days -------------------------------------------------------------


def test_working_hours_skip_the_night():
    assert CALENDAR.add(wib(2026, 11, 2, 15, 0), 2, "working_hours") == wib(2026, 11, 3, 9, 0)


def test_working_hours_skip_the_weekend():
    assert CALENDAR.add(wib(2026, 11, 6, 15, 30), 1.5, "working_hours") == wib(2026, 11, 9, 9, 0)


def test_calendar_days_ignore_holidays_and_weekends():
    filed = wib(2026, 8, 12, 10, 0)  # the week span includes Independence Day and a weekend

    assert CALENDAR.add(filed, 7, "calendar_days") == wib(2026, 8, 19, 10, 0)
    assert CALENDAR.add(wib(2026, 11, 7, 23, 0), 0.5, "calendar_days") == wib(2026, 11, 8, 11, 0)


# -- time zones ----------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", UNITS)
def test_due_times_are_returned_in_utc(unit):
    due = CALENDAR.add(wib(2026, 11, 6, 15, 0), 1, unit)

    assert due.tzinfo is UTC
    assert due.utcoffset() == timedelta(0)


def test_friday_afternoon_due_time_in_utc_is_seven_hours_before_wib():
    due = CALENDAR.add(wib(2026, 11, 6, 15, 0), 1, "working_days")

    assert (due.year, due.month, due.day, due.hour) == (2026, 11, 9, 8)


def test_start_given_in_another_zone_is_read_as_the_same_instant():
    in_wita = datetime(2026, 11, 6, 16, 0, tzinfo=WITA)  # 15:00 WIB

    assert CALENDAR.add(in_wita, 1, "working_days") == wib(2026, 11, 9, 15, 0)
    assert CALENDAR.add(in_wita.astimezone(UTC), 1, "working_days") == wib(2026, 11, 9, 15, 0)


# -- next working moment, closures ---------------------------------------------------------------


def test_moment_inside_office_hours_is_its_own_next_working_moment():
    moment = wib(2026, 11, 4, 11, 22, 33)

    assert CALENDAR.next_working_moment(moment) == moment


def test_moment_at_closing_time_waits_for_the_next_opening():
    assert CALENDAR.next_working_moment(wib(2026, 11, 4, 16, 0)) == wib(2026, 11, 5, 8, 0)
    assert CALENDAR.next_working_moment(wib(2026, 11, 4, 6, 0)) == wib(2026, 11, 4, 8, 0)


def test_closures_list_weekday_holidays_and_cuti_bersama_with_indonesian_names():
    listed = CALENDAR.closures(date(2026, 3, 16), date(2026, 3, 27))

    assert [(c.day, c.name, c.source) for c in listed] == [
        (date(2026, 3, 18), "Cuti Bersama Hari Suci Nyepi", "holidays"),
        (date(2026, 3, 19), "Hari Suci Nyepi", "holidays"),
        (date(2026, 3, 20), "Cuti Bersama Hari Raya Idul Fitri", "holidays"),
        (date(2026, 3, 23), "Cuti Bersama Hari Raya Idul Fitri", "holidays"),
        (date(2026, 3, 24), "Cuti Bersama Hari Raya Idul Fitri", "holidays"),
    ]  # Idul Fitri itself (Saturday 21st, Sunday 22nd) changes no deadline


def test_closures_without_cuti_bersama_keep_only_public_holidays():
    listed = WorkingCalendar(include_cuti_bersama=False).closures(date(2026, 12, 1), date(2026, 12, 31))

    assert listed == [Closure(date(2026, 12, 25), "Hari Raya Natal", "holidays")]


# -- elapsed -------------------------------------------------------------------------------------


def test_elapsed_counts_working_days_from_the_next_opening():
    assert CALENDAR.elapsed(wib(2026, 11, 7, 10, 0), wib(2026, 11, 10, 12, 0), "working_days") == 1.5
    assert CALENDAR.elapsed(wib(2026, 11, 6, 17, 0), wib(2026, 11, 9, 7, 0), "working_hours") == 0.0


def test_elapsed_is_zero_when_end_is_not_after_start():
    assert CALENDAR.elapsed(wib(2026, 11, 4, 10, 0), wib(2026, 11, 3, 10, 0), "calendar_days") == 0.0


office_moments = st.builds(
    lambda day, offset: datetime.combine(day, time(8, 0), tzinfo=WIB) + timedelta(microseconds=offset),
    st.dates(date(2026, 1, 1), date(2027, 12, 31)).filter(CALENDAR.is_working_day),
    st.integers(0, 8 * 3600 * 10**6 - 1),
)


@settings(max_examples=300, deadline=None)
@given(
    start=office_moments,
    amount=st.floats(0, 40, allow_nan=False, allow_infinity=False),
    unit=st.sampled_from(UNITS),
    zone=st.sampled_from([WIB, WITA, UTC]),
)
def test_elapsed_is_the_inverse_of_add_for_starts_inside_office_hours(start, amount, unit, zone):
    start = start.astimezone(zone)

    due = CALENDAR.add(start, amount, unit)

    assert CALENDAR.elapsed(start, due, unit) == pytest.approx(amount, abs=1e-6)


# -- fingerprint ---------------------------------------------------------------------------------


def test_fingerprint_changes_when_a_closure_is_added():
    closed = WorkingCalendar(added_closures=[Closure(date(2026, 9, 7), "Hari jadi kantor")])

    assert closed.fingerprint() != CALENDAR.fingerprint()


def test_fingerprint_is_stable_for_equal_configurations_and_ignores_closure_names():
    a = Closure(date(2026, 9, 7), "Hari jadi kantor")
    b = Closure(date(2026, 10, 5), "Rapat kerja")
    renamed = Closure(date(2026, 9, 7), "HUT kantor")

    first = WorkingCalendar(added_closures=[a, b], removed_holidays=[INDEPENDENCE_DAY])
    second = WorkingCalendar(added_closures=[b, renamed], removed_holidays=[INDEPENDENCE_DAY])

    assert first.fingerprint() == second.fingerprint()
    assert len(first.fingerprint()) == 16
    assert WorkingCalendar().fingerprint() == CALENDAR.fingerprint()
    assert WorkingCalendar(include_cuti_bersama=False).fingerprint() != CALENDAR.fingerprint()


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["add", "elapsed", "next_working_moment"])
def test_naive_datetime_is_refused_with_a_hint(method):
    naive = datetime(2026, 11, 6, 15, 0)
    call = {
        "add": lambda: CALENDAR.add(naive, 1, "working_days"),
        "elapsed": lambda: CALENDAR.elapsed(wib(2026, 11, 6, 8, 0), naive, "working_days"),
        "next_working_moment": lambda: CALENDAR.next_working_moment(naive),
    }[method]

    with pytest.raises(ValueError, match="naive datetime") as caught:
        call()

    assert "tzinfo=ZoneInfo('Asia/Jakarta')" in str(caught.value)


def test_unknown_unit_is_refused_with_the_valid_units():
    with pytest.raises(ValueError, match="unknown unit 'working_day'") as caught:
        CALENDAR.add(wib(2026, 11, 6, 15, 0), 1, "working_day")

    assert "did you mean 'working_days'" in str(caught.value)
    assert "calendar_days, working_days, working_hours" in str(caught.value)


def test_negative_amount_is_refused():
    with pytest.raises(ValueError, match="zero or more working_days") as caught:
        CALENDAR.add(wib(2026, 11, 6, 15, 0), -1, "working_days")

    assert "-1" in str(caught.value)


def test_invalid_configuration_is_refused_when_the_calendar_is_built():
    with pytest.raises(ValueError, match="open before they close"):
        OfficeHours(time(16, 0), time(8, 0))
    with pytest.raises(ValueError, match="unknown time zone 'Asia/Jakrta'"):
        WorkingCalendar(timezone="Asia/Jakrta")
    with pytest.raises(ValueError, match="at least one weekday"):
        WorkingCalendar(hours={})
    with pytest.raises(ValueError, match="keep it in one list only") as caught:
        WorkingCalendar(
            added_closures=[Closure(INDEPENDENCE_DAY, "Libur kantor")], removed_holidays=[INDEPENDENCE_DAY]
        )

    assert "2026-08-17" in str(caught.value)


def test_datetime_given_where_a_day_is_expected_is_refused():
    with pytest.raises(ValueError, match="not a datetime"):
        CALENDAR.is_working_day(wib(2026, 8, 17, 10, 0))


# -- purity --------------------------------------------------------------------------------------


def test_calendar_module_imports_no_web_database_or_queue_library():
    probe = (
        "import sys, workflow.core.calendar; "
        "print(sorted(m for m in ('flask', 'sqlalchemy', 'redis', 'rq') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parent.parent

    result = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "[]"
