"""Complaint box sessions: the rules of opening the box and of closing a session (pure).

The box is opened on set days (the shipped SOP: Monday and Thursday). Which days is the definition's business:
the channel catalog marks the box channel with ``collection_date: FIELD`` (the record field that carries
the day the box was opened) and the definition gives that field a ``date_rule`` (``weekdays``,
``not_future``). A session is one opening: the petugas records each form found as a complaint (its box
date is the session's day) and closes the session with the number of forms found, which is audited as one
event. Forms that are not complaints (a suggestion, an empty form) are counted and explained in a note.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflow.core.dates import check_date_rule, said

MAX_FORMS = 10_000


@dataclass(frozen=True)
class BoxChannel:
    """The channel complaints from the box are recorded on, and the record field of the box date."""

    code: str
    label: str
    field: str


def box_channels(definition, catalogs) -> list[BoxChannel]:
    """The box channels a definition can record: catalog entries with ``collection_date`` naming a date
    field the definition's record declares."""
    kanal = catalogs.get("kanal") if "kanal" in catalogs else None
    names = {f.name: f for f in definition.record}
    found = []
    for entry in (kanal.entries.values() if kanal is not None else ()):
        name = entry.extra.get("collection_date")
        if isinstance(name, str) and name in names and names[name].type == "date":
            found.append(BoxChannel(entry.code, entry.label, name))
    return found


def check_opening(definition, channel: BoxChannel, day: date, today: date) -> None:
    """``ValueError`` in Indonesian when the box cannot have been opened on ``day``: a day still to come,
    or a day the definition's rule for the box date refuses (with the rule's own reason)."""
    if day > today:
        raise ValueError(f"{said(day)} belum tiba; sesi kotak pengaduan dibuka pada hari kotak dibuka")
    field = next(f for f in definition.record if f.name == channel.field)
    check_date_rule(field, day.isoformat(), today)


def latest_box_day(definition, channel: BoxChannel, day: date) -> date:
    """The last day on or before ``day`` the box may have been opened (by the box date's weekday rule)."""
    field = next(f for f in definition.record if f.name == channel.field)
    weekdays = field.date_rule.weekdays if field.date_rule is not None else ()
    while weekdays and day.weekday() not in weekdays:
        day = date.fromordinal(day.toordinal() - 1)
    return day


def check_closing(forms_found: int, recorded: int, note: str) -> None:
    """``ValueError`` in Indonesian when the count of forms does not add up: fewer forms than complaints
    recorded from them, or forms left unrecorded without a word on what they were."""
    if not 0 <= forms_found <= MAX_FORMS:
        raise ValueError(f"jumlah formulir harus antara 0 dan {MAX_FORMS}")
    if forms_found < recorded:
        raise ValueError(f"sudah tercatat {recorded} pengaduan dari sesi ini, lebih banyak dari {forms_found} formulir "
                         "yang disebut; periksa jumlahnya")
    if forms_found > recorded and not note.strip():
        raise ValueError(f"{forms_found} formulir ditemukan tetapi {recorded} yang dicatat sebagai pengaduan; "
                         "jelaskan sisanya di catatan (misalnya saran, formulir kosong) atau catat pengaduannya dulu")


__all__ = ["BoxChannel", "box_channels", "check_opening", "check_closing", "latest_box_day", "MAX_FORMS"]
