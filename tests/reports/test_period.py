"""Report periods: every spelling the office uses, WIB day boundaries, and the period before."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from workflow.core.period import PeriodError, format_short, parse_period


@pytest.mark.parametrize("text, start, end, label", [
    ("2021-Q1", date(2021, 1, 1), date(2021, 3, 31), "Triwulan I Tahun 2021"),
    ("2021-q4", date(2021, 10, 1), date(2021, 12, 31), "Triwulan IV Tahun 2021"),
    ("2021-01", date(2021, 1, 1), date(2021, 1, 31), "Bulan Januari Tahun 2021"),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "Bulan Februari Tahun 2024"),
    ("2021-S1", date(2021, 1, 1), date(2021, 6, 30), "Semester I Tahun 2021"),
    ("2021-S2", date(2021, 7, 1), date(2021, 12, 31), "Semester II Tahun 2021"),
    ("2021", date(2021, 1, 1), date(2021, 12, 31), "Tahun 2021"),
    ("2025-12-01..2026-01-31", date(2025, 12, 1), date(2026, 1, 31), "1 Desember 2025 s.d. 31 Januari 2026"),
])
def test_every_spelling_parses_to_whole_office_days(text, start, end, label):
    period = parse_period(text)
    assert (period.start, period.end, period.label) == (start, end, label)


def test_boundaries_are_midnight_wib_in_utc():
    period = parse_period("2021-Q1")
    assert period.start_utc == datetime(2020, 12, 31, 17, tzinfo=timezone.utc)
    assert period.end_utc == datetime(2021, 3, 31, 17, tzinfo=timezone.utc)  # exclusive: 1 April 00:00 WIB


def test_previous_period_has_the_same_kind():
    assert parse_period("2021-Q1").previous().key == "2020-Q4"
    assert parse_period("2021-Q3").previous().key == "2021-Q2"
    assert parse_period("2021-01").previous().key == "2020-12"
    assert parse_period("2021-S1").previous().key == "2020-S2"
    assert parse_period("2021").previous().key == "2020"
    assert parse_period("2021-02-01..2021-02-10").previous().key == "2021-01-22..2021-01-31"


def test_year_boundary_range_lists_both_months():
    assert parse_period("2025-12-01..2026-01-31").months() == [(2025, 12), (2026, 1)]


@pytest.mark.parametrize("text", ["2021-Q5", "2021-13", "Q1 2021", "2021-03-31..2021-01-01", "2021-02-30..2021-03-01"])
def test_unknown_periods_say_which_spellings_work(text):
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    assert "2021-Q1" in str(caught.value) or "tukar" in str(caught.value)


def test_report_dates_are_wib_days():
    # 23:30 WIB on 31 March is still March in the office, though it is 16:30 UTC.
    assert format_short(datetime(2021, 3, 31, 16, 30, tzinfo=timezone.utc)) == "31/03/2021"
    assert format_short(datetime(2021, 3, 31, 17, 10, tzinfo=timezone.utc)) == "01/04/2021"
