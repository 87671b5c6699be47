"""Working calendar of an office: when complaint clocks run and when they fall due.

SOP deadlines for complaints are written in three units, and each counts time differently. A
`WorkingCalendar` holds everything one office needs to count them: its time zone, its office hours per
weekday, the Indonesian public holidays and *cuti bersama* (collective leave), and the closure days the
office adds or removes itself (decrees move holidays mid-year, so the office must be able to correct the
package's list without waiting for a release).

The module is pure: it imports only the standard library and `holidays`, so the engine core, sweepers and
tests can use it without Flask, SQLAlchemy, Redis or rq.

Units (`UNITS`):

* ``calendar_days`` -- plain elapsed time: ``start + amount * 24 h`` ("7 hari kalender"). Holidays, nights
  and weekends do not matter.
* ``working_days`` -- counting starts at `WorkingCalendar.next_working_moment` of the start, so a complaint
  that arrives after hours, on a weekend or on a holiday starts counting at the next opening. Each whole
  working day consumed moves to the same time of day on the next working day; if that time falls outside the
  target day's office hours it is clamped to them (after closing means the closing time). A fractional part
  is a fraction of the office time between that moment and the same time on the next working day, which is
  one day's office hours whenever working days open at the same time (the usual case). `elapsed` is the exact
  inverse: ``elapsed(s, add(s, n, "working_days"), "working_days") == n`` (within float rounding) for any
  start inside office hours.
* ``working_hours`` -- consumes office time only, skipping nights, weekends, holidays and closures. Counting
  also starts at the next working moment.

Rules shared by every unit:

* Inputs must be timezone-aware datetimes (any zone); naive ones raise `ValueError`, because guessing a zone
  silently shifts deadlines by hours. Results of `add` and `next_working_moment` are in UTC.
* Office hours are half-open: a moment exactly at closing time is outside, so the next working moment after
  16:00 is the next opening. A due time, however, may be exactly the closing time.
* A working day is a weekday that has office hours and is not closed. Closed days are the package's holidays
  for every year touched (computed lazily, cached per year, always with ``language="id"`` so names do not
  follow the server's locale), minus ``removed_holidays``, plus ``added_closures``.
* Office hours are wall-clock times in the calendar's zone. Asia/Jakarta has a fixed offset, so the
  arithmetic is exact there; zones with daylight saving are accepted, but office hours must not straddle a
  change of offset.
* `elapsed` returns 0.0 when ``end`` is not after ``start``: no time of any unit has passed.

Thread safety: the per-year cache is filled idempotently, so concurrent first uses only compute the same
year twice; a calendar is otherwise immutable.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from workflow.core.hours import UNITS, DatedHours, OfficeHours, check_dated
from workflow.core.hours import check_amount as _check_amount
from workflow.core.hours import check_date as _check_date
from workflow.core.hours import check_hours as _check_hours
from workflow.core.hours import check_unit as _check_unit

__all__ = [
    "DEFAULT_HOURS",
    "DEFAULT_TIMEZONE",
    "OFFICE_TZ",
    "UNITS",
    "Closure",
    "DatedHours",
    "OfficeHours",
    "WorkingCalendar",
    "office_calendar",
    "cuti_bersama",
]

#: The zone an office counts in unless configured otherwise (WIB). Receipt years, report periods, month
#: buckets and every time shown to people are read in it.
DEFAULT_TIMEZONE = "Asia/Jakarta"
OFFICE_TZ = ZoneInfo(DEFAULT_TIMEZONE)

CLOSURE_SOURCES = ("holidays", "office")

#: Holiday categories of the `holidays` package: ``public`` are the national holidays, ``government`` the
#: *cuti bersama* decreed for civil servants (listed only for years decreed so far).
_COUNTRY = "ID"
_LANGUAGE = "id"
_PUBLIC = ("public",)
_WITH_CUTI_BERSAMA = ("public", "government")

#: Bumped when the meaning of a configuration changes, so old fingerprints stop matching.
_FINGERPRINT_FORMAT = 1

_ONE_DAY = timedelta(days=1)
_ONE_HOUR = timedelta(hours=1)
_ZERO = timedelta(0)
_INFINITY = math.inf


#: Office hours used when none are given: Monday to Friday 08:00-16:00, Saturday and Sunday closed. A
#: placeholder: offices set their own in their profile (`workflow.core.office`), which feeds `hours`.
DEFAULT_HOURS: Mapping[int, OfficeHours] = MappingProxyType(
    {weekday: OfficeHours(time(8, 0), time(16, 0)) for weekday in range(5)}
)


@dataclass(frozen=True)
class Closure:
    """A day the office is closed, with the name shown to staff and complainants.

    ``source`` says who closed it: ``"holidays"`` for a day from the `holidays` package (public holiday or
    cuti bersama), ``"office"`` for a day the office added itself.
    """

    day: date
    name: str
    source: str = "office"

    def __post_init__(self) -> None:
        _check_date(self.day, "Closure.day")
        if self.source not in CLOSURE_SOURCES:
            raise ValueError(
                f"Closure.source must be one of {', '.join(CLOSURE_SOURCES)}, got {self.source!r}; days the "
                "office closes itself use 'office'"
            )


class WorkingCalendar:
    """The working time of one office, used to compute and measure SOP deadlines.

    A calendar is immutable once built. Stored due times should be kept with `fingerprint`, so that a
    change of configuration (or of the holiday data) can be detected and the due times recomputed.

    Args:
        timezone: IANA name of the office's zone; WIB is ``"Asia/Jakarta"``.
        hours: weekday (0 = Monday ... 6 = Sunday) to office hours; weekdays absent are closed. Defaults
            to `DEFAULT_HOURS`.
        added_closures: days the office closes itself (``source="office"``), e.g. a governor's decree
            that the package does not know yet.
        removed_holidays: days listed by the package on which the office works anyway, e.g. a cuti
            bersama that was revoked. It cannot open a weekday without office hours: use ``hours``.
        include_cuti_bersama: whether *cuti bersama* close the office, as they do for civil servants.
        dated_hours: periods with their own week of hours (Ramadan), `DatedHours`; they may not overlap.
    """

    def __init__(
        self,
        *,
        timezone: str = DEFAULT_TIMEZONE,
        hours: Mapping[int, OfficeHours] | None = None,
        added_closures: Iterable[Closure] = (),
        removed_holidays: Iterable[date] = (),
        include_cuti_bersama: bool = True,
        dated_hours: Iterable[DatedHours] = (),
    ) -> None:
        try:
            self._zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(
                f"unknown time zone {timezone!r}; use an IANA name such as 'Asia/Jakarta' (WIB), "
                "'Asia/Makassar' (WITA) or 'Asia/Jayapura' (WIT)"
            ) from exc
        self._timezone = timezone
        self._hours = MappingProxyType(_check_hours(DEFAULT_HOURS if hours is None else hours))
        self._dated = check_dated(dated_hours)

        added: dict[date, Closure] = {}
        for closure in added_closures:
            if not isinstance(closure, Closure) or closure.source != "office":
                raise ValueError(
                    f"added_closures takes Closure(day, name, source='office') objects, got {closure!r}"
                )
            if closure.day in added:
                raise ValueError(f"{closure.day.isoformat()} is in added_closures twice; keep one of them")
            added[closure.day] = closure
        removed = frozenset(_check_date(day, "removed_holidays item") for day in removed_holidays)
        conflicts = sorted(removed & added.keys())
        if conflicts:
            listed = ", ".join(day.isoformat() for day in conflicts)
            raise ValueError(f"{listed} both added as closure and removed as holiday; keep it in one list only")
        self._added: Mapping[date, Closure] = MappingProxyType(added)
        self._removed = removed
        self._categories = _WITH_CUTI_BERSAMA if include_cuti_bersama else _PUBLIC
        self._closed_by_year: dict[int, dict[date, Closure]] = {}
        self._windows: dict[date, tuple[datetime, datetime] | None] = {}
        self._following: dict[date, date] = {}
        self._begins: dict[datetime, datetime] = {}
        self._spans: dict[tuple[datetime, time], timedelta] = {}
        self._fingerprint = self._compute_fingerprint()

    def __repr__(self) -> str:
        return f"WorkingCalendar(timezone={self._timezone!r}, fingerprint={self._fingerprint!r})"

    @property
    def timezone(self) -> str:
        """IANA name of the zone in which office hours are read."""
        return self._timezone

    @property
    def hours(self) -> Mapping[int, OfficeHours]:
        """Office hours per weekday (0 = Monday); weekdays absent are closed."""
        return self._hours

    @property
    def dated_hours(self) -> tuple[DatedHours, ...]:
        """Periods with their own office hours (Ramadan), by start date."""
        return self._dated

    def hours_on(self, day: date) -> OfficeHours | None:
        """The office hours of ``day`` before closures: a dated period's, else the week's (None: closed)."""
        for period in self._dated:
            if period.covers(day):
                return period.hours.get(day.weekday())
        return self._hours.get(day.weekday())

    # -- days --------------------------------------------------------------------------------------

    def closures(self, start: date, end: date) -> list[Closure]:
        """Closed days between ``start`` and ``end`` (both included) that would otherwise be working days.

        Holidays on weekdays without office hours (a Sunday Waisak) are left out: they change no deadline.
        A day an office closed itself is listed with its own name, even if the package also lists it.
        Returns an empty list when ``end`` is before ``start``.
        """
        start = _check_date(start, "start")
        end = _check_date(end, "end")
        found: list[Closure] = []
        for year in range(start.year, end.year + 1):
            for day, closure in sorted(self._closed_days(year).items()):
                if start <= day <= end and self.hours_on(day) is not None:
                    found.append(closure)
        return found

    def is_working_day(self, day: date) -> bool:
        """Whether the office opens on ``day`` (a `date`; for a moment use `next_working_moment`)."""
        day = _check_date(day, "day")
        return self._window(day) is not None

    # -- moments -----------------------------------------------------------------------------------

    def next_working_moment(self, moment: datetime) -> datetime:
        """The moment counting starts for something that arrives at ``moment``, in UTC.

        That is ``moment`` itself if it falls inside office hours on a working day, otherwise the next
        opening (later the same day, or on the next working day).
        """
        return self._first_moment(self._local(moment, "moment")).astimezone(UTC)

    def add(self, start: datetime, amount: float, unit: str) -> datetime:
        """The due time, in UTC, of a budget of ``amount`` ``unit`` that starts at ``start``.

        See the module docstring for how each unit counts. ``amount`` may be fractional and zero (for
        working units zero gives the next working moment).
        """
        if unit not in UNITS:
            _check_unit(unit)
        if amount.__class__ is not float or not 0.0 <= amount < _INFINITY:  # a plain valid float needs no check
            amount = _check_amount(amount, unit)
        if unit == "calendar_days":  # no office hours involved: skip the conversion to local time
            if not isinstance(start, datetime) or start.tzinfo is None:
                self._local(start, "start")  # raises its explanation
            return start.astimezone(UTC) + timedelta(days=amount)
        begin = self._begin(start, "start")
        if unit == "working_hours":
            return self._consume(begin, timedelta(hours=amount)).astimezone(UTC)
        whole = math.floor(amount)
        fraction = amount - whole
        time_of_day = begin.time()
        moment = begin
        for _ in range(whole):
            moment = self._step(moment.date(), time_of_day)
        if fraction:
            span = self._span(moment, time_of_day)
            moment = self._consume(moment, span * fraction)
        return moment.astimezone(UTC)

    def elapsed(self, start: datetime, end: datetime, unit: str) -> float:
        """How much of ``unit`` has passed from ``start`` to ``end``, counted as `add` counts.

        Used to place a running clock on its escalation ladder (50 %, 80 %, ...). Returns 0.0 when ``end``
        is not after ``start``.
        """
        begin = self._begin(start, "start")
        end_local = self._local(end, "end")
        if unit not in UNITS:
            _check_unit(unit)
        if end.astimezone(UTC) <= start.astimezone(UTC):
            return 0.0
        if unit == "calendar_days":
            return (end.astimezone(UTC) - start.astimezone(UTC)) / _ONE_DAY
        if unit == "working_hours":
            return self._office_time(begin, end_local) / _ONE_HOUR
        time_of_day = begin.time()
        moment = begin
        whole = 0
        while True:
            following = self._step(moment.date(), time_of_day)
            if following > end_local:
                break
            whole += 1
            moment = following
        span = self._span(moment, time_of_day)  # the office time from moment to following
        if not span:
            return float(whole)
        return whole + self._office_time(moment, end_local) / span

    def fingerprint(self) -> str:
        """A stable 16-hex-digit hash of everything that decides due times.

        Covers the time zone, office hours, holiday categories, the `holidays` package version (new releases
        add decreed cuti bersama and correct estimated dates), and the days added or removed. Closure names
        are left out: renaming a day moves no deadline. Equal configurations give equal fingerprints in
        every process, whatever the order of the lists given.
        """
        return self._fingerprint

    # -- internals ---------------------------------------------------------------------------------

    def _compute_fingerprint(self) -> str:
        payload = {
            "format": _FINGERPRINT_FORMAT,
            "timezone": self._timezone,
            "hours": {str(day): [h.start.isoformat(), h.end.isoformat()] for day, h in self._hours.items()},
            "holidays": {
                "country": _COUNTRY,
                "categories": list(self._categories),
                "package": holidays.__version__,
            },
            "added": sorted(day.isoformat() for day in self._added),
            "removed": sorted(day.isoformat() for day in self._removed),
        }
        if self._dated:  # left out when empty, so calendars without dated hours keep their fingerprints
            payload["dated"] = [[p.start.isoformat(), p.end.isoformat(),
                                 {str(d): [h.start.isoformat(), h.end.isoformat()] for d, h in p.hours.items()}]
                                for p in self._dated]
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    def _closed_days(self, year: int) -> dict[date, Closure]:
        """Closed days of one year, computed on first use and cached (the package takes ~0.5 ms a year)."""
        closed = self._closed_by_year.get(year)
        if closed is None:
            listed = holidays.country_holidays(
                _COUNTRY, years=year, categories=self._categories, language=_LANGUAGE
            )
            closed = {
                day: Closure(day, name, "holidays")
                for day, name in listed.items()
                if day.year == year and day not in self._removed
            }
            closed.update((day, closure) for day, closure in self._added.items() if day.year == year)
            self._closed_by_year[year] = closed
        return closed

    def _local(self, moment: datetime, name: str) -> datetime:
        zone = moment.tzinfo if moment.__class__ is datetime else None
        if zone is UTC or zone is self._zone:  # the usual aware moments, which need no checking
            return moment.astimezone(self._zone)
        if not isinstance(moment, datetime):
            raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(
                f"{name} is a naive datetime ({moment.isoformat()}); attach its time zone, e.g. "
                f"{name}.replace(tzinfo=ZoneInfo({self._timezone!r})) for office wall-clock time, or use "
                "datetime.now(UTC)"
            )
        return moment.astimezone(self._zone)

    def _begin(self, start: datetime, name: str) -> datetime:
        """Where counting from ``start`` begins: `_first_moment` of it in local time (checked by `_local`).

        Memoised per moment: a clock's start is counted from three times when it starts (due time, at-risk
        moment, first rung) and once more when it stops; equal instants begin at the same local moment."""
        try:
            return self._begins[start]
        except KeyError:
            pass
        begin = self._first_moment(self._local(start, name))
        if len(self._begins) > 50_000:
            self._begins.clear()
        self._begins[start] = begin
        return begin

    def _span(self, moment: datetime, time_of_day: time) -> timedelta:
        """The office time from ``moment`` to ``time_of_day`` on the next working day (`_step`): the length of
        the working day a fraction of a working day is a fraction of. Memoised like `_begin` (an at-risk
        moment and a rung of the same run ask for the same one, and so does stopping it)."""
        key = (moment, time_of_day)
        try:
            return self._spans[key]
        except KeyError:
            pass
        span = self._office_time(moment, self._step(moment.date(), time_of_day))
        if len(self._spans) > 50_000:
            self._spans.clear()
        self._spans[key] = span
        return span

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """Opening and closing moment of ``day`` in local time, or None if the office stays closed.

        Memoised per day: a calendar never changes after it is built, and every due-time computation
        walks the same few days again (about ten look-ups per fire).
        """
        try:
            return self._windows[day]
        except KeyError:
            pass
        hours = self.hours_on(day)
        if hours is None or day in self._closed_days(day.year):
            window = None
        else:
            window = (
                datetime.combine(day, hours.start, tzinfo=self._zone),
                datetime.combine(day, hours.end, tzinfo=self._zone),
            )
        if len(self._windows) > 20_000:  # a decade of days; beyond that start over rather than grow
            self._windows.clear()
        self._windows[day] = window
        return window

    def _next_working_day(self, day: date) -> date:
        # Terminates: at least one weekday has hours and closures are finite per year. Memoised per day like
        # `_window` (every step of a working-days count asks it, and over a weekend it walks three days).
        try:
            return self._following[day]
        except KeyError:
            pass
        following = day + _ONE_DAY
        while self._window(following) is None:
            following += _ONE_DAY
        if len(self._following) > 20_000:
            self._following.clear()
        self._following[day] = following
        return following

    def _first_moment(self, local: datetime) -> datetime:
        window = self._window(local.date())
        if window is not None:
            opens, closes = window
            if local < opens:
                return opens
            if local < closes:
                return local
        return self._opening(self._next_working_day(local.date()))

    def _opening(self, day: date) -> datetime:
        window = self._window(day)
        assert window is not None, "only called with working days"
        return window[0]

    def _step(self, day: date, time_of_day: time) -> datetime:
        """``time_of_day`` on the working day after ``day``, clamped into that day's office hours."""
        following = self._next_working_day(day)
        window = self._window(following)
        assert window is not None, "_next_working_day returns working days"
        opens, closes = window
        return min(max(datetime.combine(following, time_of_day, tzinfo=self._zone), opens), closes)

    def _consume(self, begin: datetime, amount: timedelta) -> datetime:
        """The moment when ``amount`` of office time has passed from ``begin`` (a working moment)."""
        moment, remaining = begin, amount
        while True:
            window = self._window(moment.date())
            assert window is not None, "_consume walks working days only"
            available = window[1] - moment
            if remaining <= available:
                return moment + remaining
            remaining -= available
            moment = self._opening(self._next_working_day(moment.date()))

    def _office_time(self, start: datetime, end: datetime) -> timedelta:
        """Office time between two local moments (zero when ``end`` is not after ``start``)."""
        total = _ZERO
        day = start.date()
        while day <= end.date():
            window = self._window(day)
            if window is not None:
                overlap = min(window[1], end) - max(window[0], start)
                if overlap > _ZERO:
                    total += overlap
            day += _ONE_DAY
        return total


def office_calendar(edits: Iterable, **settings) -> WorkingCalendar:
    """The office calendar: holidays and cuti bersama from the package, corrected by the office's own edits
    (records with ``day``, ``kind`` -- ``add`` closes the day, ``remove`` reopens a listed holiday -- and
    ``name``, as `workflow.store.port.ClosureRecord` has them)."""
    edits = list(edits)
    added = [Closure(day=e.day, name=e.name, source="office") for e in edits if e.kind == "add"]
    removed = [e.day for e in edits if e.kind == "remove"]
    return WorkingCalendar(added_closures=added, removed_holidays=removed, **settings)


def cuti_bersama(year: int) -> frozenset[date]:
    """The *cuti bersama* days the package lists for ``year`` (its ``government`` category), so a calendar page
    can tell them from the public holidays they sit beside."""
    listed = holidays.country_holidays(_COUNTRY, years=year, categories=("government",), language=_LANGUAGE)
    return frozenset(day for day in listed if day.year == year)
