"""Dispositions: complaints another body refers to the office (SP4N-LAPOR!, the Ombudsman, the DPRD).

A referral arrives with the referring body's reference number, its own deadline, and status updates the
body expects back ("received" in LAPOR! within 3 working days, the follow-up within 5 ...). None of that is
the office's SOP, so it is not in the definition: the channel catalog declares it per referring body
(``disposition:`` on a ``kanal`` entry, see ``definitions/catalog/kanal.yaml``), naming the record fields
that hold the reference number and the deadline. This module reads that declaration and works out, for one
ticket, what the body is owed and when: pure, so the ticket page, the list of open dispositions, its export
and the report all say the same.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo

from workflow.core.calendar import OFFICE_TZ

UNITS = ("working_days", "calendar_days")


@dataclass(frozen=True)
class Span:
    amount: int
    unit: str  # working_days | calendar_days


@dataclass(frozen=True)
class Obligation:
    """A status update the referring body expects, due ``within`` after the complaint arrived."""

    key: str
    label: str
    label_en: str
    within: Span


@dataclass(frozen=True)
class DispositionRule:
    """What a referring body (a channel) declares: where its reference and deadline are kept, what it expects."""

    channel: str
    body: str  # the channel's label: the referring body as people name it
    body_en: str
    reference_field: str
    due_field: str | None
    due_within: Span | None
    obligations: tuple[Obligation, ...]


@dataclass(frozen=True)
class ObligationStatus:
    obligation: Obligation
    due_at: datetime
    done_at: datetime | None = None
    done_by: str | None = None
    note: str = ""

    @property
    def done(self) -> bool:
        return self.done_at is not None

    def late(self, now: datetime) -> bool:
        return (self.done_at or now) > self.due_at


@dataclass(frozen=True)
class Disposition:
    """One ticket's referral: the body, its reference, its deadline, and each expected update's state."""

    rule: DispositionRule
    reference: str
    body_due: datetime | None  # the end of the body's last day, in UTC
    obligations: tuple[ObligationStatus, ...]

    def next_open(self) -> ObligationStatus | None:
        return next((o for o in sorted(self.obligations, key=lambda o: o.due_at) if not o.done), None)

    def overdue(self, now: datetime) -> bool:
        return (self.body_due is not None and now > self.body_due) or any(
            not o.done and now > o.due_at for o in self.obligations)


def _span(raw: Any, where: str) -> Span:
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be {{amount: N, unit: working_days|calendar_days}}")
    amount, unit = raw.get("amount"), raw.get("unit", "working_days")
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= 366:
        raise ValueError(f"{where}.amount must be a whole number of days between 1 and 366, not {amount!r}")
    if unit not in UNITS:
        raise ValueError(f"{where}.unit must be one of {', '.join(UNITS)}, not {unit!r}")
    return Span(amount, unit)


def rule_of(entry) -> DispositionRule | None:
    """The disposition a channel catalog entry declares; None for an ordinary channel. ``ValueError`` naming
    the key when the declaration is malformed (a catalog an office edited)."""
    raw = entry.extra.get("disposition") if entry is not None else None
    if raw is None:
        return None
    where = f"kanal '{entry.code}': disposition"
    if not isinstance(raw, Mapping) or not isinstance(raw.get("reference_field"), str):
        raise ValueError(f"{where} must name its reference_field (the record field of the reference number)")
    obligations = []
    for i, item in enumerate(raw.get("obligations") or ()):
        if not isinstance(item, Mapping) or not item.get("key") or not item.get("label"):
            raise ValueError(f"{where}.obligations[{i}] needs a key and a label")
        obligations.append(Obligation(str(item["key"]), str(item["label"]), str(item.get("label_en") or ""),
                                      _span(item.get("within"), f"{where}.obligations[{i}].within")))
    if len({o.key for o in obligations}) != len(obligations):
        raise ValueError(f"{where}.obligations: each key may appear once")
    due_within = _span(raw["due_within"], f"{where}.due_within") if raw.get("due_within") is not None else None
    return DispositionRule(channel=entry.code, body=entry.label, body_en=entry.label_en or entry.label,
                           reference_field=raw["reference_field"], due_field=raw.get("due_field") or None,
                           due_within=due_within, obligations=tuple(obligations))


def rules(catalogs) -> dict[str, DispositionRule]:
    """Every referring body the channel catalog declares, by channel code."""
    kanal = catalogs.get("kanal") if "kanal" in catalogs else None
    found = {}
    for entry in (kanal.entries.values() if kanal is not None else ()):
        rule = rule_of(entry)
        if rule is not None:
            found[entry.code] = rule
    return found


def record_problems(values: Mapping[str, Any], catalogs, declared: Iterable[str]) -> dict[str, str]:
    """Field errors of a record on a referral channel: the body's reference number is required (when the
    definition declares the field the catalog names)."""
    kanal = catalogs.get("kanal") if "kanal" in catalogs else None
    rule = rule_of(kanal.get(values.get("kanal", ""))) if kanal is not None else None
    if rule is None or rule.reference_field not in set(declared) or values.get(rule.reference_field):
        return {}
    return {rule.reference_field: f"wajib diisi untuk pengaduan rujukan dari {rule.body}: nomor rujukan "
                                  f"dari surat atau tiketnya"}


def _zone(calendar):
    name = getattr(calendar, "timezone", None)
    return ZoneInfo(name) if isinstance(name, str) else OFFICE_TZ


def _end_of_day(day: date, zone) -> datetime:
    """The last second of ``day`` in the office's zone: a body's "by the 5th" means the whole of the 5th."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)


def _due(calendar, start: datetime, span: Span) -> datetime:
    zone = _zone(calendar)
    if span.unit == "calendar_days":
        return _end_of_day(start.astimezone(zone).date() + timedelta(days=span.amount), zone)
    return _end_of_day(calendar.add(start, span.amount, "working_days").astimezone(zone).date(), zone)


def disposition_of(ticket_fields: Mapping[str, Any], channel: str | None, arrived: datetime, catalogs, calendar,
                   updates: Mapping[str, Any] = None) -> Disposition | None:
    """The referral of a ticket (its case fields, channel and arrival), None when its channel is no referral.

    ``updates`` maps an obligation key to what was recorded when an officer ticked it off (an object with
    ``done_at``, ``done_by`` and ``note``). The body's deadline is the date entered in its due field, else
    ``due_within`` after arrival; each obligation is due at the end of its day."""
    kanal = catalogs.get("kanal") if "kanal" in catalogs else None
    rule = rule_of(kanal.get(channel or "")) if kanal is not None else None
    if rule is None:
        return None
    entered = ticket_fields.get(rule.due_field) if rule.due_field else None
    if entered:
        body_due = _end_of_day(date.fromisoformat(str(entered)[:10]), _zone(calendar))
    elif rule.due_within is not None:
        body_due = _due(calendar, arrived, rule.due_within)
    else:
        body_due = None
    updates = updates or {}
    statuses = []
    for ob in rule.obligations:
        done = updates.get(ob.key)
        statuses.append(ObligationStatus(ob, _due(calendar, arrived, ob.within),
                                         done_at=getattr(done, "done_at", None), done_by=getattr(done, "done_by", None),
                                         note=getattr(done, "note", "") or ""))
    return Disposition(rule=rule, reference=str(ticket_fields.get(rule.reference_field) or ""),
                       body_due=body_due,
                       obligations=tuple(statuses))


__all__ = ["Disposition", "DispositionRule", "Obligation", "ObligationStatus", "Span", "disposition_of",
           "record_problems", "rule_of", "rules"]
