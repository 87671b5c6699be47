"""Where complaints wait, as a section: built from the audit trail, labelled, and laid out as tables.

One builder serves every reader: the quarterly report (tables 4.5 onwards, `section_tables`), the
supervisor console page (``/admin/tahapan``), ``alur history stages`` and the public home page's promise
figure. The figures are `workflow.core.stage_figures` over `workflow.core.stages` over the trail rows of
`workflow.store.queries.stages`; this module only loads the definitions the trail names, labels codes,
and words the sentences (Indonesian; English labels where a definition or catalog has them).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from workflow.core.calendar import DEFAULT_TIMEZONE
from workflow.core.period import Period, month_label, parse_period
from workflow.core.stage_figures import (
    Figure,
    Movement,
    PromiseFigure,
    aggregate,
    movement,
    promise_figure,
)
from workflow.core.stages import TicketStages, trail_stages
from workflow.reports.stage_model import Group, PromiseLine, Row, StageSection
from workflow.spec.catalog import Catalogs, default_catalogs
from workflow.spec.loader import load_definition
from workflow.spec.model import Definition
from workflow.store.queries import stages as q

UNIT_WORDS = {"calendar_days": ("hari kalender", "calendar days"), "working_days": ("hari kerja", "working days"),
              "working_hours": ("jam kerja", "working hours")}
BY_CHOICES = {"opd": "opd", "kategori": "kategori", "kanal": "kanal", "tingkat": "tingkat", "bulan": "month",
              "tahapan": "state", "lajur": "lane"}
GROUP_TITLES = {"state": ("Tahapan", "Stage"), "lane": ("Lajur", "Lane"), "opd": ("OPD", "Agency"),
                "kategori": ("Kategori", "Category"), "kanal": ("Kanal", "Channel"),
                "tingkat": ("Tingkat", "Severity"), "month": ("Bulan", "Month")}
NONE_LABELS = {"opd": ("Tanpa OPD", "No agency"), "month": ("-", "-")}


class DefinitionBook:
    """Every published version of every definition, parsed when first asked (the trail names versions)."""

    def __init__(self, store, catalogs: Catalogs):
        self.catalogs = catalogs
        with store.unit_of_work(read_only=True) as uow:
            versions = sorted(uow.definitions.published())
            self._sources = {(k, v): uow.definitions.source(k, v)[0] for k, v in versions}
        self._latest = {k: v for k, v in versions}
        self._parsed: dict[tuple[str, int], Definition | None] = {}

    def __call__(self, key: str | None, version: int | None) -> Definition | None:
        if key is None:
            return None
        version = version if (key, version) in self._sources else self._latest.get(key)
        if version is None:
            return None
        if (key, version) not in self._parsed:
            try:
                found = load_definition(self._sources[(key, version)], f"{key}@v{version}", self.catalogs,
                                        version=version)
            except Exception:  # noqa: BLE001 - a version that no longer loads is left unlabelled, not fatal
                found = None
            self._parsed[(key, version)] = found
        return self._parsed[(key, version)]

    def latest(self) -> list[Definition]:
        return [d for d in (self(k, v) for k, v in sorted(self._latest.items())) if d is not None]


def collect(store, period: Period, *, book: DefinitionBook, calendar: Any, now: datetime,
            definition_key: str | None = None) -> list[TicketStages]:
    """Every ticket opened in ``period``, its stays read from the trail."""
    rows = q.trail(store, period.start_utc, period.end_utc, definition_key)
    return list(trail_stages(rows, book, calendar, now))


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}".replace(".", ",")


def describe_calendar(calendar: Any, period: Period, locale: str = "id") -> str:
    """The calendar as the figures state it: its zone, its closures in the period, its fingerprint."""
    zone = getattr(calendar, "timezone", DEFAULT_TIMEZONE)
    closures = calendar.closures(period.start, period.end) if hasattr(calendar, "closures") else []
    print_ = getattr(calendar, "fingerprint", lambda: "-")()
    if locale == "en":
        return (f"office working calendar: zone {zone}, office hours per weekday, {len(closures)} holiday and "
                f"closure day(s) in the period, calendar fingerprint {print_}")
    return (f"kalender kerja kantor: zona {zone}, jam kerja per hari, {len(closures)} hari libur dan cuti bersama "
            f"pada periode ini, sidik kalender {print_}")


def promise_sentence(p: PromiseFigure, period: Period, locale: str = "id") -> str:
    """"X dari Y pengaduan triwulan ini dijawab dalam N hari kalender yang dijanjikan"."""
    amount = f"{p.budget:g}".replace(".", ",")
    unit = UNIT_WORDS.get(p.unit, (p.unit, p.unit))
    if locale == "en":
        when = "this quarter" if period.kind == "quarter" else "in this period"
        return f"{p.kept} of {p.decided} complaints {when} were answered within the promised {amount} {unit[1]}"
    when = "triwulan ini" if period.kind == "quarter" else "periode ini"
    return f"{p.kept} dari {p.decided} pengaduan {when} dijawab dalam {amount} {unit[0]} yang dijanjikan"


def _label(by: str, key: str | None, definition_key: str | None, book: DefinitionBook, catalogs: Catalogs,
           locale: str) -> str:
    en = locale == "en"
    if key is None:
        none = NONE_LABELS.get(by, ("Tidak dicatat", "Not recorded"))
        return none[1] if en else none[0]
    if by in ("state", "lane"):
        definition = book(definition_key, None)
        if definition is None:
            return key
        if by == "state" and key in definition.states:
            s = definition.states[key]
            return (s.label_en or s.label) if en else s.label
        lane = next((lane for lane in definition.lanes if lane.key == key), None)
        return ((lane.label_en or lane.label) if en else lane.label) if lane is not None else key
    if by == "month":
        year, month = key.split("-")
        return month_label(int(year), int(month))
    catalog = catalogs.get(by)
    return catalog.label_of(key, locale) if catalog is not None else key


def rows(figures: Iterable[Figure], by: str, book: DefinitionBook, catalogs: Catalogs, locale: str = "id",
         several: bool = False) -> tuple[Row, ...]:
    """Labelled rows; with ``several`` definitions, a state's or lane's label names its definition too."""
    out = []
    for f in figures:
        label = _label(by, f.key, f.definition_key, book, catalogs, locale)
        if several and f.definition_key and by in ("state", "lane"):
            label = f"{label} ({f.definition_key})"
        neck = _label("state", f.bottleneck[1], f.bottleneck[0], book, catalogs, locale) if f.bottleneck else ""
        out.append(Row(key=f.key, label=label, count=f.count, office_median=_r(f.office_median),
                       office_p90=_r(f.office_p90), gross_median_days=_r(f.gross_median_days),
                       gross_p90_days=_r(f.gross_p90_days),
                       waiting_percent=None if f.waiting_share is None else round(100.0 * f.waiting_share, 1),
                       waiting=f.waiting, bottleneck=neck, definition_key=f.definition_key))
    return tuple(out)


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _state_label(book: DefinitionBook, fig: Figure | None, locale: str) -> str:
    if fig is None:
        return "-"
    definition = book(fig.definition_key, None)
    state = definition.states.get(fig.key or "") if definition is not None else None
    if state is None:
        return fig.key or "-"
    return (state.label_en or state.label) if locale == "en" else state.label


def movement_sentence(move: Movement, book: DefinitionBook, previous_label: str, locale: str = "id") -> str:
    now, before = _state_label(book, move.current, locale), _state_label(book, move.previous, locale)
    change = move.median_change
    if locale == "en":
        if move.current is None:
            return "No office time was recorded in this period."
        text = f"The stage holding complaints longest is {now}"
        if move.moved is None:
            return text + f" (no figures for {previous_label})."
        text += f" (it was {before} in {previous_label})" if move.moved else f" (unchanged from {previous_label})"
        if change is None:
            return text + "."
        return text + f"; its median moved by {change:+.2f} working days since {previous_label}."

    if move.current is None:
        return "Tidak ada waktu kerja kantor yang tercatat pada periode ini."
    text = f"Tahapan yang paling lama menahan pengaduan: {now}"
    if move.moved is None:
        return text + f" (tidak ada data {previous_label})."
    text += f" (sama dengan {previous_label})" if not move.moved else f" (pada {previous_label}: {before})"
    if change is None:
        return text + "."
    trend = "tetap" if abs(change) < 0.005 else (f"naik {_num(change)}" if change > 0 else f"turun {_num(-change)}")
    return text + f"; median waktu kerjanya {trend} hari kerja dibanding {previous_label}."



def build_section(store, period: Period | str, *, catalogs: Catalogs | None = None, calendar: Any, now: datetime,
                  by: Iterable[str] = (), definition_key: str | None = None, locale: str = "id",
                  timezone: str = DEFAULT_TIMEZONE) -> StageSection:
    """The section for ``period``: per state and lane, per each grouping of ``by`` (`GROUPINGS` names), the
    bottleneck against the previous period, and each public definition's promise figure."""
    period = parse_period(period) if isinstance(period, str) else period
    catalogs = catalogs if catalogs is not None else default_catalogs()
    book = DefinitionBook(store, catalogs)
    tickets = collect(store, period, book=book, calendar=calendar, now=now, definition_key=definition_key)
    before = collect(store, period.previous(), book=book, calendar=calendar, now=now, definition_key=definition_key)
    measured = [t for t in tickets if not t.imported]
    several = len({t.definition_key for t in measured}) > 1
    states = aggregate(measured, "state", timezone=timezone)
    move = movement(states, aggregate([t for t in before if not t.imported], "state", timezone=timezone))
    promises = []
    for definition in book.latest():
        if definition_key and definition.key != definition_key:
            continue
        figure = promise_figure(tickets, definition)
        if figure is not None and figure.received:
            promises.append(_promise_line(figure, definition, period, locale))
    return StageSection(
        period=period.key, period_label=period.label, previous_period_label=period.previous().label,
        measured_at=now.isoformat(), tickets=len(measured), imported=len(tickets) - len(measured),
        states=rows(states, "state", book, catalogs, locale, several),
        lanes=rows(aggregate(measured, "lane", timezone=timezone), "lane", book, catalogs, locale, several),
        groups=tuple(Group(name, rows(aggregate(measured, name, timezone=timezone), name, book, catalogs, locale))
                     for name in by),
        bottleneck=_state_label(book, move.current, locale),
        previous_bottleneck=_state_label(book, move.previous, locale),
        bottleneck_moved=move.moved, bottleneck_change=_r(move.median_change),
        movement_sentence=movement_sentence(move, book, period.previous().label, locale),
        promises=tuple(promises), calendar=describe_calendar(calendar, period, locale),
        pauses=sum(len(t.pauses) for t in measured), by=tuple(by))


def _promise_line(figure: PromiseFigure, definition: Definition, period: Period, locale: str) -> PromiseLine:
    return PromiseLine(
        definition_key=definition.key, title=(definition.title_en or definition.title) if locale == "en"
        else definition.title, clock_label=figure.label, budget=figure.budget, unit=figure.unit, kept=figure.kept,
        decided=figure.decided, late=figure.late, pending=figure.pending, not_owed=figure.not_owed,
        received=figure.received, rate=figure.rate, sentence=promise_sentence(figure, period, locale))


def public_promises(store, *, catalogs: Catalogs | None, calendar: Any, now: datetime, period: Period,
                    locale: str = "id", keys: Iterable[str] | None = None) -> list[PromiseLine]:
    """The promise figure of each public definition (or of the definitions ``keys`` names) for ``period``
    (the public home page's)."""
    catalogs = catalogs if catalogs is not None else default_catalogs()
    book = DefinitionBook(store, catalogs)
    wanted = set(keys) if keys is not None else None
    public = [d for d in book.latest() if (d.key in wanted if wanted is not None else d.public)]
    if not public:
        return []
    tickets = collect(store, period, book=book, calendar=calendar, now=now)
    out = []
    for definition in public:
        figure = promise_figure(tickets, definition)
        if figure is not None:
            out.append(_promise_line(figure, definition, period, locale))
    return out


__all__ = ["DefinitionBook", "Row", "PromiseLine", "StageSection", "collect", "build_section", "rows",
           "promise_sentence", "describe_calendar", "movement_sentence", "public_promises", "BY_CHOICES",
           "GROUP_TITLES", "UNIT_WORDS"]
