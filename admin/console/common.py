"""Helpers shared by the console pages: WIB dates, durations, clocks, labels, form fields and queue pages.

Nothing here touches Flask-Admin's translation functions (see admin/translations/README.md: a lookup
outside an admin view pins the process to English), so it is safe on any page.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from flask import current_app, g
from flask_babel import get_locale

from workflow.core.calendar import OFFICE_TZ
from workflow.core.clocks import AT_RISK_PERCENT, gross_seconds, net  # noqa: F401 - the templates read it from here
from workflow.errors import AlurError, UnknownDefinition
from workflow.services import identity
from workflow.services.office import current_office
from workflow.spec.model import Definition, Field
from workflow.store.queries import definitions, search, worklist
from workflow.store.queries.worklist import Filters, Queue
from workflow.store.rules.at_risk import is_at_risk
from workflow.store.rules.overdue import is_overdue

logger = logging.getLogger(__name__)



def lang() -> str:
    """The request's language, "id" or "en" (looked up once per request: pages ask hundreds of times)."""
    try:
        cached = g.get("_alur_lang")
    except RuntimeError:  # outside a request
        return "id"
    if cached is None:
        locale = get_locale()
        cached = locale.language if locale is not None and locale.language in ("id", "en") else "id"
        g._alur_lang = cached
    return cached


def tr(id_text: str, en_text: str) -> str:
    return en_text if lang() == "en" else id_text


def runtime():
    return current_app.extensions["alur"]


def utcnow() -> datetime:
    """The runtime's clock (the engine's ``now``) inside the app, the wall clock outside it.

    Every console page answers for the engine's moment, so the queue, the ticket page and the
    dashboard agree about what is overdue or at risk (and tests can pin time for the whole app)."""
    try:
        engine = runtime().engine
    except (RuntimeError, KeyError):  # outside an app context, or an app without a runtime
        return datetime.now(timezone.utc)
    return engine.now().astimezone(timezone.utc)


def as_utc(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}
MONTHS_SHORT = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
DAYS = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def wib(value: datetime | str | None, style: str = "medium") -> str:
    """A moment in the office's time zone, Indonesian style: "Senin, 30 November 2026 pukul 09.00 WIB".

    Hand-rolled rather than Babel's format_datetime: a work queue formats a hundred dates per page and
    Babel's per-call locale parsing cost a third of the page time."""
    moment = as_utc(value)
    if moment is None:
        return "–"
    code = lang()
    zone, zone_name = office_zone()
    local = moment.astimezone(zone)
    sep = ":" if code == "en" else "."
    clock = f"{local.hour:02d}{sep}{local.minute:02d}"
    if style == "date":
        return f"{local.day} {MONTHS[code][local.month - 1]} {local.year}"
    if style == "long":
        at = "at" if code == "en" else "pukul"
        return (f"{DAYS[code][local.weekday()]}, {local.day} {MONTHS[code][local.month - 1]} {local.year} "
                f"{at} {clock} {zone_name}")
    if style == "short":
        return f"{local.day:02d}/{local.month:02d}/{local.year % 100:02d} {clock} {zone_name}"
    return f"{local.day} {MONTHS_SHORT[code][local.month - 1]} {local.year} {clock} {zone_name}"


def office_zone() -> tuple[Any, str]:
    """The office's zone and its name (WIB, WITA, WIT) from its profile, read once per request."""
    def read() -> tuple[Any, str]:
        try:
            office = current_office(runtime())
        except (RuntimeError, KeyError):  # outside an app: the default zone
            return OFFICE_TZ, "WIB"
        return office.zone, office.zone_name

    return _per_request("_alur_zone", read)


def duration(seconds: float) -> str:
    """A span for people: "2 hari 3 jam", "45 menit"."""
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    en = lang() == "en"
    parts = []
    if days:
        parts.append(f"{days} {'days' if en and days != 1 else 'day' if en else 'hari'}")
    if hours:
        parts.append(f"{hours} {'hours' if en and hours != 1 else 'hour' if en else 'jam'}")
    if not days and (minutes or not parts):
        parts.append(f"{minutes} {'min' if en else 'menit'}")
    return " ".join(parts[:2])


UNIT_NAMES = {"calendar_days": ("hari kalender", "calendar days"), "working_days": ("hari kerja", "working days"),
              "working_hours": ("jam kerja", "working hours")}


def unit_amount(amount: float, unit: str) -> str:
    number = f"{amount:.1f}".rstrip("0").rstrip(".")
    if lang() == "id":
        number = number.replace(".", ",")
    names = UNIT_NAMES.get(unit, (unit, unit))
    return f"{number} {names[1] if lang() == 'en' else names[0]}"


@dataclass
class ClockView:
    key: str
    label: str
    status: str
    budget: str
    due_at: datetime | None
    used_net: str
    left_net: str
    gross: str
    overdue: bool
    at_risk: bool
    share: float  # 0..1+ of the budget used (net)


def clock_views(definition: Definition, ticket, calendar, now: datetime | None = None) -> list[ClockView]:
    """The latest run of each clock with net time used/left (office time) and gross time (lived time)."""
    now = now or utcnow()
    out = []
    latest: dict[str, Any] = {}
    for run in ticket.clocks:
        if run.party:  # an agency's run of a handoff: the handoff panel shows it (admin/console/handoffs.py)
            continue
        if run.clock not in latest or run.run > latest[run.clock].run:
            latest[run.clock] = run
    for key, run in latest.items():
        spec = definition.clocks.get(key)
        used = net(run, now, calendar)
        left = run.budget - used
        overdue = is_overdue(run, now)  # the queue's and the dashboard's rule (workflow.store.rules), row for row
        at_risk = not overdue and is_at_risk(run, now)
        label = (spec.label_en or spec.label) if spec and lang() == "en" else (spec.label if spec else key)
        out.append(ClockView(
            key=key, label=label, status=run.status, budget=unit_amount(run.budget, run.unit), due_at=run.due_at,
            used_net=unit_amount(used, run.unit),
            left_net=((tr("terlambat ", "late by ") + unit_amount(-left, run.unit)) if left < 0
                      else unit_amount(left, run.unit)),
            gross=duration(gross_seconds(run, now)), overdue=overdue, at_risk=at_risk,
            share=used / run.budget if run.budget else 0.0))
    order = list(definition.clocks)
    out.sort(key=lambda c: order.index(c.key) if c.key in order else 99)
    return out


# -- labels ---------------------------------------------------------------------------------------
def state_label(definition: Definition | None, state: str) -> str:
    if definition is None or state not in definition.states:
        return state
    s = definition.states[state]
    return (s.label_en or s.label) if lang() == "en" else s.label


def field_label(f: Field) -> str:
    return (f.label_en or f.label or f.name) if lang() == "en" else (f.label or f.name)


def catalog_label(catalog: str, code: str | None) -> str:
    if code in (None, ""):
        return "–"
    cat = runtime().catalogs.get(catalog)
    return cat.label_of(code, lang()) if cat is not None else str(code)


def field_choices(f: Field) -> list[tuple[str, str, str | None]]:
    """(code, label, parent) for a choice field: its own options or its catalog's entries."""
    if f.options:
        return [(o, f.option_label(o, lang()), None) for o in f.options]
    key = "opd" if f.type == "opd" and not f.catalog else f.catalog
    cat = runtime().catalogs.get(key or "")
    if cat is None:
        return []
    return [(e.code, (e.label_en or e.label) if lang() == "en" else e.label, e.parent) for e in cat.entries.values()]


def display_value(f: Field | None, value: Any) -> str:
    if value in (None, "", []):
        return "–"
    if f is None:
        return str(value)
    if f.type in ("choice", "opd") and not f.options:
        return catalog_label("opd" if f.type == "opd" and not f.catalog else f.catalog or "", value)
    if f.options and f.type != "multichoice":  # the definition's own options, by their labels
        return f.option_label(value, lang())
    if f.type == "multichoice":
        return ", ".join(catalog_label(f.catalog or "", v) for v in value) if f.catalog else \
            ", ".join(f.option_label(v, lang()) for v in value)
    if f.type == "boolean":
        return tr("Ya", "Yes") if value else tr("Tidak", "No")
    if f.type == "datetime":
        return wib(value)
    if f.type == "date":
        try:
            day = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        return f"{day.day} {MONTHS[lang()][day.month - 1]} {day.year}"
    return str(value)


def form_values(fields: Iterable[Field], form: Mapping[str, Any]) -> dict[str, Any]:
    """Raw values from a posted form for the given fields (what `validate_fields` expects)."""
    raw: dict[str, Any] = {}
    for f in fields:
        if f.type == "multichoice":
            values = form.getlist(f.name) if hasattr(form, "getlist") else form.get(f.name)
            if values:
                raw[f.name] = values
            continue
        value = form.get(f.name)
        if f.type == "boolean":
            raw[f.name] = bool(value)
            continue
        if value is None:
            continue
        if f.type == "datetime" and value and len(value) <= 16 and "+" not in value:
            value = value + ":00" + current_office(runtime()).utc_offset()  # datetime-local has no zone
        raw[f.name] = value
    return raw


# -- queues ---------------------------------------------------------------------------------------
def list_tickets(queue: Queue, f: Filters, *, identity_search: bool = False, include_secret_names: bool = False,
                 order: str = "oldest", now: datetime | None = None, searcher=None) -> tuple[list[dict], bool]:
    """One page of a queue (`workflow.store.queries.worklist`), labelled for the request's language.

    A search that may match confidential names (``include_secret_names``) is a read of identities: the
    rahasia complaints on the page whose name matched are recorded for ``searcher`` (the actor)."""
    now = now or utcnow()
    rt = runtime()
    rows, more = worklist.page(rt.store, queue, f, now=now, identity_search=identity_search,
                               include_secret_names=include_secret_names, order=order)
    if include_secret_names and f.q and not worklist.looks_like_receipt(f.q):
        secret = [r["id"] for r in rows if r["kerahasiaan"] == "rahasia"]
        identity.record_name_search(rt.store, searcher, search.secret_name_matches(rt.store, f.q, secret), now)
    code = lang()
    catalogs = rt.catalogs
    for r in rows:
        # labels resolved here once, not per cell in the template (a page shows hundreds of them)
        for name in ("kategori", "sektor", "kanal", "tingkat"):
            cat = catalogs.get(name)
            r[f"{name}_label"] = (cat.label_of(r[name], code) if cat is not None else r[name]) if r[name] else "–"
        definition = _version(r.get("definition_key"), r.get("definition_version"))
        r["state_label"] = state_label(definition, r["state"])
        r["definition_title"] = definition_title(definition) if definition else (r.get("definition_key") or "")
        r["left"] = (r["due_at"] - now).total_seconds() if r["due_at"] is not None else None
    return rows, more


def tab_counts(queues: Mapping[str, Queue], f: Filters, *, identity_search: bool = False,
               include_secret_names: bool = False) -> dict[str, str]:
    """Each tab's count under the page's filters (page number aside), as the tab shows it ("999+" past the cap)."""
    counted = worklist.counts(runtime().store, queues, Filters(**{**f.__dict__, "page": 1}), now=utcnow(),
                              identity_search=identity_search, include_secret_names=include_secret_names)
    return {k: (f"{worklist.COUNT_CAP}+" if n > worklist.COUNT_CAP else str(n)) for k, n in counted.items()}


def _per_request(name: str, compute):
    """``compute()`` once per request (kept on ``g`` under ``name``); every call outside a request."""
    try:
        known = g.get(name)
    except RuntimeError:  # outside a request
        return compute()
    if known is None:
        known = compute()
        setattr(g, name, known)
    return known


def published_versions() -> dict[str, list[int]]:
    """Each published definition key's versions, newest first (one statement per request)."""
    def read() -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for row in definitions.versions(runtime().store):
            out.setdefault(row["key"], []).append(row["version"])
        return out

    return _per_request("_alur_versions", read)


def published_definitions() -> list[Definition]:
    """Every published definition version, parsed (the engine keeps them: a version never changes)."""
    engine = runtime().engine
    out = []
    for key, numbers in published_versions().items():
        for number in numbers:
            try:
                out.append(engine.definition(key, number))
            except AlurError:  # a version that no longer loads asks nobody to act
                logger.warning("definition %s v%s does not load", key, number)
    return out


def _version(key: str | None, version: int | None) -> Definition | None:
    """A published version by key and number (the engine keeps parsed versions), or None."""
    if not key:
        return None
    try:
        return runtime().engine.definition(key, version)
    except AlurError:
        return None


def definition_title(definition: Definition) -> str:
    return (definition.title_en or definition.title) if lang() == "en" else definition.title


def live_definitions() -> list[Definition]:
    """The latest version of every published definition, by key: the SOPs running side by side."""
    out = []
    for key in sorted(published_versions()):
        found = definition_for(key)
        if found is not None:
            out.append(found)
    return out


def state_options(definitions: Iterable[Definition]) -> list[tuple[str, str]]:
    """(state key, label) of every state of these definitions, once per key, for a filter."""
    seen: dict[str, str] = {}
    for d in definitions:
        for s in d.states.values():
            seen.setdefault(s.key, state_label(d, s.key))
    return list(seen.items())


def promise_clock(definition: Definition | None):
    """The clock a complainant is promised an answer by: the first that starts when a complaint is opened
    (the SOP's overall deadline, e.g. "7 hari kalender"), or None."""
    return definition.promise_clock() if definition is not None else None


_WORDS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan", "sepuluh",
          "sebelas")


def spelled(span) -> str:
    """A deadline as a formal letter writes it: "7 (tujuh) hari kalender" (words up to 99)."""
    amount = span.amount
    if not float(amount).is_integer() or not 0 <= amount < 100:
        return span.describe()
    n = int(amount)
    if n < 12:
        words = _WORDS[n]
    elif n < 20:
        words = f"{_WORDS[n - 10]} belas"
    else:
        tens, ones = divmod(n, 10)
        words = ("dua" if tens == 2 else _WORDS[tens]) + " puluh" + (f" {_WORDS[ones]}" if ones else "")
    return span.describe().replace(str(n), f"{n} ({words})", 1)


def definition_for(key: str | None = None) -> Definition | None:
    """The latest version of ``key`` (default: the definition complaints are filed on), or None."""
    rt = runtime()
    try:
        key = key or current_app.config.get("ALUR_INTAKE_DEFINITION") or _per_request("_alur_intake",
                                                                                       rt.intake_definition)
    except UnknownDefinition:
        return None
    numbers = published_versions().get(key)
    if not numbers:
        return None
    try:
        return rt.engine.definition(key, numbers[0])
    except AlurError:
        return None


__all__ = [name for name in dir() if not name.startswith("_")]
