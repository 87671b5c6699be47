"""The office profile: who runs this alur, where, in which time zone and in which hours.

No office is named in code: the receipt, the public pages, notifications, reports and the working
calendar read the profile an office stores (``alur office set``, the console's Profil kantor page, or
``alur office load FILE.yaml``, as for the example office under ``definitions/examples/``). Until one is
stored, `OfficeProfile()` is a nameless office on WIB, Monday to Friday 08:00-16:00.

The profile travels as plain data (`profile_from_data` / `OfficeProfile.to_data`): a JSON column in the
store, a YAML file, the CLI's ``--set name=value`` pairs and the console's form all go through the one
parser here, so every way of setting it refuses the same mistakes with the same message.

Pure: standard library and `workflow.core.hours`.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from workflow.core.hours import DatedHours, OfficeHours, check_dated, format_week, parse_week
from workflow.errors import OfficeError

LEVELS = ("provinsi", "kabupaten", "kota")
LEVEL_LABELS = {"provinsi": ("Provinsi", "Province"), "kabupaten": ("Kabupaten", "Regency"),
                "kota": ("Kota", "City")}
#: Indonesia's three zones: the IANA name an office stores, and what people call it.
ZONES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
DEFAULT_ZONE = "Asia/Jakarta"
DEFAULT_WEEK = "senin-jumat 08:00-16:00"
FIELDS = ("name", "short_name", "service_name", "level", "region", "city", "address", "phones", "email",
          "website", "timezone", "hours", "dated_hours", "public_reports")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^[0-9+()\- ]{5,32}$")  # [0-9], never str.isdigit (LIBRARY_NOTES: non-ASCII digits)
_LIMITS = {"name": 300, "short_name": 120, "service_name": 300, "region": 120, "city": 80, "address": 500,
           "email": 254, "website": 200}


@dataclass(frozen=True)
class OfficeProfile:
    """What an office says about itself; every text may be empty until the office fills it in."""

    name: str = ""  # official name, the report's header: "Dinas Penanaman Modal dan PTSP Provinsi …"
    short_name: str = ""  # what people call it, in receipts and notifications: "DPMPTSP Provinsi …"
    service_name: str = ""  # the service complaints are about, the report's title: "Pelayanan Terpadu Satu Pintu …"
    level: str = ""  # provinsi | kabupaten | kota
    region: str = ""  # "Provinsi …", "Kabupaten …", "Kota …"
    city: str = ""  # where reports are signed
    address: str = ""
    phones: tuple[str, ...] = ()
    email: str = ""
    website: str = ""
    timezone: str = DEFAULT_ZONE
    hours: Mapping[int, OfficeHours] = field(default_factory=lambda: MappingProxyType(parse_week(DEFAULT_WEEK)))
    dated_hours: tuple[DatedHours, ...] = ()
    logo_type: str | None = None  # set when a logo is stored (kept beside the settings, not among them)
    public_reports: bool = False  # list published quarterly reports on the public pages (the office chooses)

    @property
    def display_name(self) -> str:
        """The name to show people: the short name, else the official one, else a neutral title."""
        return self.short_name or self.name or "Layanan Pengaduan"

    @property
    def zone_name(self) -> str:
        """WIB, WITA or WIT."""
        return ZONES.get(self.timezone, self.timezone)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def utc_offset(self) -> str:
        """The zone's offset as ISO 8601 writes it, "+07:00" for WIB (Indonesia keeps no daylight saving):
        what a form's zoneless ``datetime-local`` value is completed with."""
        offset = datetime.now(self.zone).utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 420
        return f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"

    @property
    def configured(self) -> bool:
        return bool(self.name or self.short_name)

    def calendar_settings(self) -> dict[str, Any]:
        """Keyword arguments of `workflow.core.calendar.WorkingCalendar` for this office."""
        return {"timezone": self.timezone, "hours": dict(self.hours), "dated_hours": self.dated_hours}

    def hours_text(self, locale: str = "id") -> str:
        return format_week(self.hours, locale)

    def to_data(self) -> dict[str, Any]:
        """Plain data (JSON- and YAML-safe) that `profile_from_data` reads back to an equal profile."""
        return {
            "name": self.name, "short_name": self.short_name, "service_name": self.service_name,
            "level": self.level, "region": self.region, "city": self.city, "address": self.address,
            "phones": list(self.phones), "email": self.email, "website": self.website,
            "timezone": self.timezone, "hours": format_week(self.hours),
            "dated_hours": [{"label": p.label, "from": p.start.isoformat(), "to": p.end.isoformat(),
                             "hours": format_week(p.hours)} for p in self.dated_hours],
            "public_reports": self.public_reports,
        }


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise OfficeError(f"{name}: write text, not {type(value).__name__}")
    text = " ".join(str(value).split()) if name != "address" else str(value).strip()
    if len(text) > _LIMITS.get(name, 300):
        raise OfficeError(f"{name}: at most {_LIMITS.get(name, 300)} characters")
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise OfficeError(f"{name}: remove control characters")
    return text


def zone_of(value: Any) -> str:
    """``WIB`` / ``wita`` / ``Asia/Jayapura`` -> the IANA name; OfficeError naming the three zones."""
    text = str(value or "").strip()
    for iana, short in ZONES.items():
        if text.lower() in (iana.lower(), short.lower()):
            return iana
    raise OfficeError(f"timezone: '{text}' is not an Indonesian zone; use WIB (Asia/Jakarta), "
                      "WITA (Asia/Makassar) or WIT (Asia/Jayapura)")


def _phones(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,;\n]+", str(value or ""))
    phones = tuple(str(p).strip() for p in items if str(p).strip())
    for phone in phones:
        if not PHONE_RE.match(phone):
            raise OfficeError(f"phones: '{phone}' is not a telephone number; write digits, spaces, +, - and "
                              "brackets only, e.g. (0254) 8480012")
    if len(phones) > 5:
        raise OfficeError("phones: at most 5 numbers")
    return phones


def _day(value: Any, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise OfficeError(f"{what}: '{value}' is not a date; write YYYY-MM-DD, e.g. 2027-02-08") from None


def dated_from_data(items: Any) -> tuple[DatedHours, ...]:
    """``[{label, from, to, hours}]`` -> dated periods (Ramadan hours), checked not to overlap."""
    if items in (None, ""):
        return ()
    if not isinstance(items, (list, tuple)):
        raise OfficeError("dated_hours: give a list of {label, from, to, hours}")
    periods = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            raise OfficeError(f"dated_hours #{i}: give label, from, to and hours")
        label = _text(item, "label") or f"#{i}"
        try:
            periods.append(DatedHours(start=_day(item.get("from"), f"dated_hours '{label}' from"),
                                      end=_day(item.get("to"), f"dated_hours '{label}' to"),
                                      hours=parse_week(str(item.get("hours") or ""), allow_empty=True), label=label))
        except OfficeError:
            raise
        except ValueError as exc:
            raise OfficeError(f"dated_hours '{label}': {exc}") from None
    try:
        return check_dated(periods)
    except ValueError as exc:
        raise OfficeError(f"dated_hours: {exc}") from None


def profile_from_data(data: Mapping[str, Any], base: OfficeProfile | None = None) -> OfficeProfile:
    """A profile from plain data, each given key replacing ``base``'s; OfficeError says what to fix."""
    if not isinstance(data, Mapping):
        raise OfficeError("an office profile is a mapping of name: value")
    unknown = sorted(set(data) - set(FIELDS) - {"logo"})
    if unknown:
        raise OfficeError(f"unknown office setting(s) {', '.join(unknown)}; settings: {', '.join(FIELDS)}")
    profile = base or OfficeProfile()
    changes: dict[str, Any] = {name: _text(data, name) for name in _LIMITS if name in data}
    if "level" in data:
        level = _text(data, "level").lower()
        if level and level not in LEVELS:
            raise OfficeError(f"level: '{level}' is not one of {', '.join(LEVELS)}")
        changes["level"] = level
    if changes.get("email") and not EMAIL_RE.match(changes["email"]):
        raise OfficeError(f"email: '{changes['email']}' is not an email address")
    if "phones" in data:
        changes["phones"] = _phones(data["phones"])
    if "timezone" in data:
        changes["timezone"] = zone_of(data["timezone"])
    if "hours" in data:
        try:
            changes["hours"] = MappingProxyType(parse_week(str(data["hours"] or "")))
        except ValueError as exc:
            raise OfficeError(f"hours: {exc}") from None
    if "dated_hours" in data:
        changes["dated_hours"] = dated_from_data(data["dated_hours"])
    if "public_reports" in data:
        changes["public_reports"] = _yes_no(data["public_reports"], "public_reports")
    return replace(profile, **changes)


def _yes_no(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in ("1", "true", "yes", "ya", "on"):
        return True
    if text in ("", "0", "false", "no", "tidak", "off"):
        return False
    raise OfficeError(f"{name}: write yes or no (ya / tidak), not '{value}'")


__all__ = ["OfficeProfile", "LEVELS", "LEVEL_LABELS", "ZONES", "FIELDS", "profile_from_data", "dated_from_data",
           "zone_of", "DEFAULT_ZONE"]
