"""Office hours: per weekday, and for dated periods such as Ramadan, with the checks the calendar runs.

`workflow.core.calendar.WorkingCalendar` counts deadlines in office time; it takes the week's hours
(`OfficeHours` per weekday) and any number of `DatedHours` (a date range with its own week, e.g. the
shorter Ramadan hours decreed each year). The office profile (`workflow.core.office`) stores both and
writes them as text (``senin-kamis 08:00-15:00, jumat 08:00-11:30``), parsed and printed here.

Pure: standard library only.
"""
from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from types import MappingProxyType

UNITS = ("calendar_days", "working_days", "working_hours")
DAY_NAMES = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")  # 0 = Monday
DAY_NAMES_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class OfficeHours:
    """Opening and closing time of one weekday, as wall-clock times in the calendar's zone.

    Overnight shifts are not supported: the office must open before it closes on the same day. Breaks are
    not modelled; complaint SOPs count the whole span between opening and closing.
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        for label, value in (("start", self.start), ("end", self.end)):
            if not isinstance(value, time):
                raise ValueError(f"OfficeHours.{label} must be a datetime.time, e.g. time(8, 0); got {value!r}")
            if value.tzinfo is not None:
                raise ValueError(
                    f"OfficeHours.{label} carries a tzinfo ({value!r}); give a plain wall-clock time: the "
                    "calendar's timezone places it"
                )
        if not self.start < self.end:
            raise ValueError(
                f"office hours must open before they close, got {self.start:%H:%M}-{self.end:%H:%M}; "
                "overnight shifts are not supported"
            )

    @property
    def length(self) -> timedelta:
        """Office time of the day (the unit a fraction of a working day refers to)."""
        return datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)


@dataclass(frozen=True)
class DatedHours:
    """Office hours that replace the week's from ``start`` to ``end`` (both included), e.g. Ramadan.

    Weekdays absent from ``hours`` are closed during the period, as in the ordinary week."""

    start: date
    end: date
    hours: Mapping[int, OfficeHours]
    label: str = ""

    def __post_init__(self) -> None:
        check_date(self.start, "DatedHours.start")
        check_date(self.end, "DatedHours.end")
        if self.end < self.start:
            raise ValueError(f"dated hours end ({self.end}) before they start ({self.start}); swap the dates")
        object.__setattr__(self, "hours", MappingProxyType(check_hours(self.hours, allow_empty=True)))

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


def check_hours(hours: Mapping[int, OfficeHours], *, allow_empty: bool = False) -> dict[int, OfficeHours]:
    checked: dict[int, OfficeHours] = {}
    for weekday, office_hours in hours.items():
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"hours keys are weekdays 0 (Monday) to 6 (Sunday), got {weekday!r}")
        if not isinstance(office_hours, OfficeHours):
            raise ValueError(
                f"hours[{weekday}] must be OfficeHours(start, end), got {office_hours!r}; leave a closed "
                "weekday out of the mapping"
            )
        checked[weekday] = office_hours
    if not checked and not allow_empty:
        raise ValueError("hours is empty: give office hours for at least one weekday, or no clock could run")
    return dict(sorted(checked.items()))


def check_dated(periods) -> tuple[DatedHours, ...]:
    """Dated periods sorted by start; two that overlap are refused (which hours would a day have?)."""
    ordered = sorted(periods, key=lambda p: p.start)
    for period in ordered:
        if not isinstance(period, DatedHours):
            raise ValueError(f"dated hours take DatedHours(start, end, hours) objects, got {period!r}")
    for before, after in pairwise(ordered):
        if after.start <= before.end:
            raise ValueError(f"dated hours {before.start}..{before.end} and {after.start}..{after.end} overlap; "
                             "end one before the other starts")
    return tuple(ordered)


def check_unit(unit: str) -> None:
    if unit not in UNITS:
        close = difflib.get_close_matches(str(unit), UNITS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown unit {unit!r}{hint}; use one of {', '.join(UNITS)}")


def check_amount(amount: float, unit: str) -> float:
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):  # a tuple: faster than int | float
        raise ValueError(f"amount must be a number of {unit}, got {amount!r}")
    value = float(amount)
    if not math.isfinite(value):
        raise ValueError(f"amount must be a finite number of {unit}, got {amount!r}")
    if value < 0:
        raise ValueError(
            f"amount must be zero or more {unit}, got {amount!r}; to move a deadline earlier, start the "
            "clock earlier instead"
        )
    return value


def check_date(day: date, name: str) -> date:
    # datetime is a subclass of date but never equals one, so it would miss every closure silently.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise ValueError(f"{name} must be a datetime.date (not a datetime), got {day!r}")
    return day


# -- hours as text -----------------------------------------------------------------------------------
_PART = re.compile(r"^\s*(?P<days>[a-z]+(?:\s*-\s*[a-z]+)?)\s+(?P<start>\d{1,2}[:.]\d{2})\s*-\s*"
                   r"(?P<end>\d{1,2}[:.]\d{2})\s*$")


def _day(name: str) -> int:
    name = name.strip().lower()
    for names in (DAY_NAMES, DAY_NAMES_EN):
        if name in names:
            return names.index(name)
    close = difflib.get_close_matches(name, DAY_NAMES, n=1)
    raise ValueError(f"unknown day '{name}'" + (f" (did you mean '{close[0]}'?)" if close else "")
                     + "; days are senin, selasa, rabu, kamis, jumat, sabtu, minggu")


def _clock(text: str) -> time:
    hours, minutes = (int(x) for x in text.replace(".", ":").split(":"))
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise ValueError(f"'{text}' is not a time of day; write e.g. 08:00")
    return time(hours, minutes)


def parse_week(text: str, *, allow_empty: bool = False) -> dict[int, OfficeHours]:
    """``"senin-kamis 08:00-16:00, jumat 08:00-16:30"`` -> hours per weekday; ValueError saying what to fix.

    Days not named are closed; ``libur`` (or nothing, where allowed) closes every day."""
    text = (text or "").strip().lower()
    if text in ("", "libur", "tutup", "closed"):
        if allow_empty:
            return {}
        raise ValueError("give office hours for at least one day, e.g. 'senin-jumat 08:00-16:00'")
    out: dict[int, OfficeHours] = {}
    for part in re.split(r"[,;\n]+", text):
        if not part.strip():
            continue
        found = _PART.match(part)
        if found is None:
            raise ValueError(f"'{part.strip()}' is not 'days hh:mm-hh:mm'; write e.g. 'senin-jumat 08:00-16:00'")
        first, _, last = found.group("days").partition("-")
        a, b = _day(first), _day(last) if last else _day(first)
        if b < a:
            raise ValueError(f"'{found.group('days')}' runs backwards; write the earlier day first")
        hours = OfficeHours(_clock(found.group("start")), _clock(found.group("end")))
        for weekday in range(a, b + 1):
            if weekday in out:
                raise ValueError(f"{DAY_NAMES[weekday]} is given twice; name each day once")
            out[weekday] = hours
    return check_hours(out, allow_empty=allow_empty)


def format_week(hours: Mapping[int, OfficeHours], locale: str = "id") -> str:
    """The inverse of `parse_week`, with runs of days that share hours joined (``senin-jumat 08:00-16:00``)."""
    names = DAY_NAMES_EN if locale == "en" else DAY_NAMES
    parts: list[str] = []
    days = sorted(hours)
    i = 0
    while i < len(days):
        j = i
        while j + 1 < len(days) and days[j + 1] == days[j] + 1 and hours[days[j + 1]] == hours[days[i]]:
            j += 1
        h = hours[days[i]]
        span = names[days[i]] if i == j else f"{names[days[i]]}-{names[days[j]]}"
        parts.append(f"{span} {h.start:%H:%M}-{h.end:%H:%M}")
        i = j + 1
    return ", ".join(parts) or ("closed" if locale == "en" else "libur")


__all__ = ["OfficeHours", "DatedHours", "UNITS", "DAY_NAMES", "check_hours", "check_dated", "check_unit",
           "check_amount", "check_date", "parse_week", "format_week"]
