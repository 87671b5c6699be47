"""Report periods: a month, a quarter, a semester, a year or a date range, in office (WIB) dates.

A period is a span of whole office days, both ends included, because that is how the office speaks
("Triwulan I Tahun 2021" = 1 January to 31 March, WIB). Queries need instants: `Period.start_utc` is
the first day's midnight WIB and `Period.end_utc` the midnight WIB after the last day (exclusive), both
in UTC, so a complaint filed at 23:30 WIB on 31 March (16:30 UTC) belongs to the first quarter and one
filed at 00:10 WIB on 1 April (17:10 UTC on 31 March) does not.

Accepted spellings (`parse_period`): ``2021-Q1`` · ``2021-01`` · ``2021-S1`` · ``2021`` ·
``2021-01-01..2021-03-31``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from workflow.core.calendar import OFFICE_TZ
from workflow.errors import PeriodError

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
ROMAN = ("I", "II", "III", "IV")


HELP = "gunakan 2021-Q1, 2021-01, 2021-S1, 2021 atau 2021-01-01..2021-03-31"


@dataclass(frozen=True)
class Period:
    """Whole office days ``start``..``end`` (both included), with the key it was parsed from."""

    kind: str  # month | quarter | semester | year | range
    start: date
    end: date
    key: str

    @property
    def start_utc(self) -> datetime:
        return _midnight_utc(self.start)

    @property
    def end_utc(self) -> datetime:
        """Exclusive: midnight WIB after the last day."""
        return _midnight_utc(self.end + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """How the office names the period: "Triwulan I Tahun 2021"."""
        y = self.start.year
        if self.kind == "quarter":
            return f"Triwulan {ROMAN[(self.start.month - 1) // 3]} Tahun {y}"
        if self.kind == "semester":
            return f"Semester {'I' if self.start.month == 1 else 'II'} Tahun {y}"
        if self.kind == "month":
            return f"Bulan {MONTHS[self.start.month - 1]} Tahun {y}"
        if self.kind == "year":
            return f"Tahun {y}"
        return f"{format_long(self.start)} s.d. {format_long(self.end)}"

    def months(self) -> list[tuple[int, int]]:
        """Every (year, month) the period touches, in order."""
        out = []
        y, mo = self.start.year, self.start.month
        while (y, mo) <= (self.end.year, self.end.month):
            out.append((y, mo))
            y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
        return out

    def previous(self) -> "Period":
        """The period of the same kind just before (a range: as many days, ending the day before)."""
        if self.kind == "range":
            end = self.start - timedelta(days=1)
            start = end - timedelta(days=self.days - 1)
            return Period("range", start, end, f"{start.isoformat()}..{end.isoformat()}")
        y = self.start.year
        if self.kind == "year":
            return parse_period(str(y - 1))
        if self.kind == "semester":
            return parse_period(f"{y}-S1" if self.start.month == 7 else f"{y - 1}-S2")
        if self.kind == "quarter":
            q = (self.start.month - 1) // 3 + 1
            return parse_period(f"{y}-Q{q - 1}" if q > 1 else f"{y - 1}-Q4")
        mo = self.start.month
        return parse_period(f"{y}-{mo - 1:02d}" if mo > 1 else f"{y - 1}-12")

    def __str__(self) -> str:
        return self.key


def _midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=OFFICE_TZ).astimezone(timezone.utc)


def _month_end(y: int, mo: int) -> date:
    return (date(y + 1, 1, 1) if mo == 12 else date(y, mo + 1, 1)) - timedelta(days=1)


def parse_period(text: str) -> Period:
    """Parse a period key; `PeriodError` (with the accepted spellings) otherwise."""
    raw = str(text).strip()
    s = raw.upper()
    try:
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", s):
            y, q = int(m[1]), int(m[2])
            return Period("quarter", date(y, 3 * q - 2, 1), _month_end(y, 3 * q), f"{y}-Q{q}")
        if m := re.fullmatch(r"(\d{4})-S([12])", s):
            y, h = int(m[1]), int(m[2])
            return Period("semester", date(y, 6 * h - 5, 1), _month_end(y, 6 * h), f"{y}-S{h}")
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", s):
            y, mo = int(m[1]), int(m[2])
            if not 1 <= mo <= 12:
                raise PeriodError(f"bulan {mo} tidak ada pada periode {raw!r}; {HELP}")
            return Period("month", date(y, mo, 1), _month_end(y, mo), f"{y}-{mo:02d}")
        if m := re.fullmatch(r"(\d{4})", s):
            y = int(m[1])
            return Period("year", date(y, 1, 1), date(y, 12, 31), str(y))
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})", s):
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if end < start:
                raise PeriodError(f"periode {raw!r} berakhir sebelum dimulai; tukar kedua tanggalnya")
            return Period("range", start, end, f"{start.isoformat()}..{end.isoformat()}")
    except ValueError as exc:
        if isinstance(exc, PeriodError):
            raise
        raise PeriodError(f"tanggal tidak valid pada periode {raw!r} ({exc}); {HELP}") from exc
    raise PeriodError(f"periode {raw!r} tidak dikenali; {HELP}")


def format_long(day: date) -> str:
    """``31 Maret 2021``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def format_short(moment: datetime | date | None) -> str:
    """The report's date column, in WIB: ``18/01/2021``."""
    if moment is None:
        return "-"
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        moment = moment.astimezone(OFFICE_TZ).date()
    return moment.strftime("%d/%m/%Y")


def month_label(year: int, month: int) -> str:
    return f"{MONTHS[month - 1]} {year}"


__all__ = ["Period", "PeriodError", "parse_period", "format_long", "format_short", "month_label", "OFFICE_TZ",
           "MONTHS"]
