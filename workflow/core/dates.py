"""Date rules on inputs, checked as a person would explain them (`workflow.spec.dates` reads them).

"Kotak pengaduan hanya dibuka hari Senin dan Kamis; 24 November 2026 adalah hari Selasa" -- the rule's
own ``reason`` (or a plain "only Monday and Thursday may be chosen"), then the day that was entered and
its weekday, so the officer sees at once what to correct.
"""
from __future__ import annotations

from datetime import date, datetime

from workflow.core.calendar import OFFICE_TZ
from workflow.spec.model import Field

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")


def said(day: date) -> str:
    """A day as people write it: "24 November 2026"."""
    return f"{day.day} {BULAN[day.month - 1]} {day.year}"


def check_date_rule(f: Field, stored: str, today: date | None) -> None:
    """``ValueError`` (in Indonesian) when the stored value of a date field breaks its ``date_rule``.

    A datetime is judged by its day in the office's zone; a day still to come is refused only when
    ``today`` (the office's date) is given.
    """
    rule = f.date_rule
    if rule is None:
        return
    day = date.fromisoformat(stored) if len(stored) == 10 else \
        datetime.fromisoformat(stored).astimezone(OFFICE_TZ).date()
    if rule.weekdays and day.weekday() not in rule.weekdays:
        names = [HARI[d] for d in rule.weekdays]
        allowed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " dan " + names[-1]
        reason = rule.reason or f"hanya hari {allowed} yang dapat dipilih"
        raise ValueError(f"{reason}; {said(day)} adalah hari {HARI[day.weekday()]}")
    if rule.not_future and today is not None and day > today:
        raise ValueError(f"{said(day)} belum tiba; isi tanggal yang sudah lewat")


__all__ = ["check_date_rule", "said", "HARI", "BULAN"]
