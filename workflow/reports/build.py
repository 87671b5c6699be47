"""Assemble a `Report` from the report's read model (`workflow.store.queries.reports`) and the catalogs'
labels and order.

Everything that is counted is counted in the database; this module only orders and labels the
aggregated rows (at most a few hundred: sectors × permit types × categories), fills the sectors and
months that had no complaints, and writes the analysis sentences of Bab V from the figures.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timezone
from typing import Any

from workflow.core.calendar import DEFAULT_TIMEZONE
from workflow.core.office import OfficeProfile
from workflow.core.period import Period, format_short, month_label, parse_period
from workflow.reports.model import (
    ActionPlanLine,
    AuditAnchor,
    CalendarInfo,
    ClockStats,
    Count,
    EvaluationRow,
    Holiday,
    RekapItem,
    Rekapitulasi,
    RekapSector,
    Report,
    RootCauseLine,
    Sla,
)
from workflow.reports.scope import heading, outcome_counts, report_catalogs, title
from workflow.services.audit import latest_checkpoint
from workflow.services.office import load_profile
from workflow.spec.catalog import Catalogs, default_catalogs
from workflow.spec.loader import load_definition
from workflow.spec.model import Definition
from workflow.store.queries import reports as q

logger = logging.getLogger(__name__)

NOT_RECORDED = "Tidak dicatat"
UNIT_LABELS = {"calendar_days": "hari kalender", "working_days": "hari kerja", "working_hours": "jam kerja"}


def letters(n: int) -> str:
    """A, B, …, Z, AA, AB, … (sector letters of the rekapitulasi)."""
    out = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _r(value: Any, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def published_definitions(store, catalogs: Catalogs, key: str | None = None) -> list[Definition]:
    """The latest published version of each definition (or of ``key``), for clock labels and budgets."""
    seen: list[Definition] = []
    for def_key, version, source in q.latest_sources(store, key):
        # Published versions are immutable, so a parsed one is kept for the process (parsing the YAML
        # costs more than all the report's queries on a small database).
        cache_key = (def_key, version, id(catalogs))
        cached = _DEFINITIONS.get(cache_key)
        if cached is None or cached[0] != source:
            try:
                cached = (source, load_definition(source, f"{def_key}@v{version}", catalogs, version=version))
            except Exception as exc:  # noqa: BLE001 - an old version that no longer loads must not block the report
                logger.warning("definition %s v%s does not load for the report: %s", def_key, version, exc)
                continue
            _DEFINITIONS[cache_key] = cached
        seen.append(cached[1])
    return seen


_DEFINITIONS: dict[tuple[str, int, int], tuple[str, Definition]] = {}


def build_report(store, period: Period | str, *, catalogs: Catalogs | None = None, calendar: Any = None,
                 definition_key: str | None = None, now: datetime | None = None, office: OfficeProfile | None = None,
                 evaluation_limit: int | None = None) -> Report:
    """The report for ``period`` (a `Period` or a key such as ``"2021-Q1"``) from ``store``'s figures: of every
    definition of the office, or of ``definition_key``; titled with the office profile (``office``, else the
    one ``store`` holds) and tabulated by the catalogs of those definitions (`workflow.reports.scope`)."""
    period = parse_period(period) if isinstance(period, str) else period
    office = office if office is not None else load_profile(store)
    now = _utc(now) if now is not None else datetime.now(timezone.utc)
    previous = period.previous()
    definitions = published_definitions(store, catalogs if catalogs is not None else default_catalogs(),
                                        definition_key)
    catalogs = report_catalogs(definitions, catalogs if catalogs is not None else default_catalogs())
    f = q.figures(store, q.Scope(period.start_utc, period.end_utc, definition_key), now, period_key=period.key,
                  previous_key=previous.key, evaluation_limit=evaluation_limit)
    rekap = rekapitulasi(f.rekap, catalogs)
    clock_specs = {}
    for definition in definitions:
        for key, spec in definition.clocks.items():
            clock_specs.setdefault(key, spec)
    sla = Sla(
        clocks=tuple(_clock_stats(f.sla, f.sla_percentiles, clock_specs, catalogs, by_opd=False)),
        by_opd=tuple(_clock_stats(f.opd, f.opd_percentiles, clock_specs, catalogs, by_opd=True)),
        calendar=_calendar_info(calendar, period, f.fingerprints),
        measured=f.measured, unmeasured_imported=f.imported, measured_at=now.isoformat(),
    )
    by_outcome, by_category = outcome_counts(f.outcomes, definitions)
    report = Report(
        title=title(office, period.label), office=heading(office), place=office.city, period=period.key,
        period_label=period.label,
        period_start=period.start.isoformat(), period_end=period.end.isoformat(),
        previous_period=previous.key, previous_period_label=previous.label,
        generated_at=now.isoformat(), definition_key=definition_key, total=f.total, rekapitulasi=rekap,
        by_kategori=tuple(_breakdown(f.counts["kategori"], catalogs.get("kategori"))),
        by_kanal=tuple(_breakdown(f.counts["kanal"], catalogs.get("kanal"))),
        by_tingkat=tuple(_breakdown(f.counts["tingkat"], catalogs.get("tingkat"))),
        by_outcome=tuple(by_outcome), by_category=tuple(by_category), office_short=office.display_name,
        service_name=office.service_name or office.display_name, timezone=office.timezone,
        definitions=tuple(d.key for d in definitions),
        by_sektor=tuple(Count(s.code, s.label, s.total) for s in rekap.sectors),
        by_month=tuple(Count(f"{y}-{mo:02d}", month_label(y, mo), f.months.get(f"{y}-{mo:02d}", 0))
                       for y, mo in period.months()),
        evaluation=tuple(EvaluationRow(
            no=i, receipt_no=row.receipt_no, pemohon=row.pemohon or "-", perihal=row.perihal or "-",
            tanggal=row.tanggal, analisa=row.analisa or "-",
            tindak_lanjut=row.tindak_lanjut or "-", kerahasiaan=row.kerahasiaan or "biasa", imported=bool(row.imported))
            for i, row in enumerate(f.evaluation, start=1)),
        sla=sla,
        root_causes=tuple(RootCauseLine(row.id, row.code, row.title, row.description or "", int(row.count))
                          for row in f.root_causes),
        action_plans=tuple(_plan(row) for row in f.action_plans),
        previous_action_plans=tuple(_plan(row) for row in f.previous_action_plans),
        clocks_described=tuple(f"{spec.label}: {spec.budget.describe()}" for spec in clock_specs.values()),
        audit_checkpoint=audit_anchor(store),
        stages=_stages(store, period, catalogs, calendar, now, definition_key, office),
        dispositions=_dispositions(store, period, catalogs, calendar, now, definition_key),
    )
    return _with_analysis(report)


def _stages(store, period: Period, catalogs: Catalogs, calendar: Any, now: datetime, definition_key: str | None,
            office: OfficeProfile):
    """Where the period's complaints waited, from the audit trail (`workflow.reports.stages`, tables 4.5-4.12)."""
    from workflow.core.calendar import WorkingCalendar
    from workflow.reports.stage_tables import REPORT_BY
    from workflow.reports.stages import build_section

    return build_section(store, period, catalogs=catalogs, calendar=calendar or WorkingCalendar(), now=now,
                         by=REPORT_BY, definition_key=definition_key, timezone=office.timezone)


def _dispositions(store, period: Period, catalogs: Catalogs, calendar: Any, now: datetime,
                  definition_key: str | None):
    """Referrals per referring body (`workflow.reports.dispositions`, table 3.8)."""
    from workflow.core.calendar import WorkingCalendar
    from workflow.reports.dispositions import disposition_lines

    return disposition_lines(store, period, catalogs, calendar or WorkingCalendar(), now, definition_key)


def audit_anchor(store) -> AuditAnchor | None:
    """The latest signed checkpoint of the audit trail (`workflow.services.audit.latest_checkpoint`)."""
    found = latest_checkpoint(store)
    if found is None:
        return None
    return AuditAnchor(seq=found.seq, hash=found.hash, at=found.at, signature=found.signature,
                       key_fingerprint=found.key_fingerprint, public_key=found.public_key, line=found.as_json())


def rekapitulasi(rows: list[tuple[str | None, str | None, str | None, int]], catalogs: Catalogs) -> Rekapitulasi:
    """The rekapitulasi in the report's shape: every catalog sector in catalog order (none: "-"), then any
    sector the catalog does not know and complaints with no sector. Inside a sector, permit types with
    more complaints first (catalog order breaks ties), and per permit type one row per category in
    catalog order — the order of the Q1 2021 report."""
    sektor = catalogs.get("sektor")
    izin = catalogs.get("jenis_izin")
    kategori = catalogs.get("kategori")
    sector_order = list(sektor.entries) if sektor else []
    item_order = {code: i for i, code in enumerate(izin.entries)} if izin else {}
    kategori_order = {code: i for i, code in enumerate(kategori.entries)} if kategori else {}
    by_sector: dict[str | None, list[tuple[str | None, str | None, int]]] = {}
    for s, j, k, n in rows:
        by_sector.setdefault(s, []).append((j, k, n))
    extra = sorted((s for s in by_sector if s is not None and s not in sector_order))
    order: list[str | None] = sector_order + extra + ([None] if None in by_sector else [])
    blocks = []
    for index, code in enumerate(order):
        cells = by_sector.get(code, [])
        per_item: dict[str | None, int] = {}
        for j, _, n in cells:
            per_item[j] = per_item.get(j, 0) + n
        cells.sort(key=lambda cell: (-per_item[cell[0]], item_order.get(cell[0] or "", len(item_order)),
                                     cell[0] or "", kategori_order.get(cell[1] or "", len(kategori_order)),
                                     cell[1] or ""))
        items = tuple(
            RekapItem(no=i, jenis_izin=j, label=(izin.label_of(j) if izin and j else (j or NOT_RECORDED)),
                      kategori=k, kategori_label=(kategori.label_of(k) if kategori and k else (k or NOT_RECORDED)),
                      count=n)
            for i, (j, k, n) in enumerate(cells, start=1))
        label = sektor.label_of(code) if (sektor and code) else (code or "Tanpa sektor")
        blocks.append(RekapSector(letter=letters(index), code=code, label=label, total=sum(n for *_, n in cells),
                                  items=items))
    return Rekapitulasi(sectors=tuple(blocks), total=sum(b.total for b in blocks))


def _breakdown(counts: dict[str | None, int], catalog) -> list[Count]:
    """Every catalog entry (zero included), then unknown codes, then "not recorded"."""
    out = []
    codes = list(catalog.entries) if catalog else []
    for code in codes:
        out.append(Count(code, catalog.label_of(code), counts.get(code, 0)))
    for code in sorted(k for k in counts if k is not None and k not in codes):
        out.append(Count(code, code, counts[code]))
    if counts.get(None):
        out.append(Count(None, NOT_RECORDED, counts[None]))
    return out


def _clock_stats(rows: list[dict], pct: list[dict], specs: dict, catalogs: Catalogs, *,
                 by_opd: bool) -> list[ClockStats]:
    opd_catalog = catalogs.get("opd")
    key = (lambda row: (row["clock"], row.get("opd"))) if by_opd else (lambda row: (row["clock"], None))
    pct_by = {key(row): row for row in pct}
    found = {key(row): row for row in rows}
    if not by_opd:  # every clock of the definition, measured or not
        for name in specs:
            found.setdefault((name, None), {"clock": name, "runs": 0, "on_time": 0, "late": 0, "running": 0,
                                            "late_running": 0})
    spec_order = {name: i for i, name in enumerate(specs)}
    opd_order = {code: i for i, code in enumerate(opd_catalog.entries)} if opd_catalog else {}
    ordered = sorted(found, key=lambda k: ((opd_order.get(k[1], len(opd_order)), k[1] or "") if by_opd else (0, ""),
                                           spec_order.get(k[0], len(spec_order)), k[0]))
    out = []
    for k in ordered:
        row, p = found[k], pct_by.get(k, {})
        spec = specs.get(k[0])
        unit = spec.budget.unit if spec else "calendar_days"
        gross_p50, gross_p90 = p.get("gross_p50"), p.get("gross_p90")
        out.append(ClockStats(
            clock=k[0], label=spec.label if spec else k[0], unit=unit,
            budget=float(spec.budget.amount) if spec else 0.0,
            runs=int(row["runs"] or 0), on_time=int(row["on_time"] or 0), late=int(row["late"] or 0),
            running=int(row["running"] or 0), late_running=int(row["late_running"] or 0),
            net_median=_r(p.get("net_p50")), net_p90=_r(p.get("net_p90")),
            gross_median_days=_r(None if gross_p50 is None else float(gross_p50) / 86400.0),
            gross_p90_days=_r(None if gross_p90 is None else float(gross_p90) / 86400.0),
            opd=k[1], opd_label=(opd_catalog.label_of(k[1]) if opd_catalog and k[1] else (k[1] or ""))))
    return out


def _calendar_info(calendar: Any, period: Period, fingerprints: list[str]) -> CalendarInfo:
    if calendar is None:
        return CalendarInfo("-", DEFAULT_TIMEZONE, (), tuple(fingerprints))
    holidays = ()
    if hasattr(calendar, "closures"):
        holidays = tuple(Holiday(c.day.isoformat(), c.name) for c in calendar.closures(period.start, period.end))
    return CalendarInfo(fingerprint=calendar.fingerprint(), timezone=getattr(calendar, "timezone", DEFAULT_TIMEZONE),
                        holidays=holidays, fingerprints_in_clocks=tuple(fingerprints))


def _plan(row: Any) -> ActionPlanLine:
    due = row.due_date
    if isinstance(due, str):
        due = date.fromisoformat(due)
    return ActionPlanLine(id=int(row.id), root_cause_code=row.root_cause_code, root_cause_title=row.root_cause_title,
                          period=row.period, title=row.title, owner=row.owner, due_date=format_short(due),
                          status=row.status, recurred=None if row.recurred is None else int(row.recurred))


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}".replace(".", ",")


def _with_analysis(report: Report) -> Report:
    """Bab V 5.1: what the figures say, in sentences (only facts the tables above show)."""
    from dataclasses import replace

    lines: list[str] = []
    if report.total == 0:
        lines.append(f"Tidak terdapat pengaduan yang diterima pada periode {report.period_label}.")
    else:
        top = sorted((c for c in report.by_kategori if c.count), key=lambda c: -c.count)[:3]
        lines.append(f"Terdapat {report.total} pengaduan pada periode {report.period_label}; kategori terbanyak: "
                     + ", ".join(f"{c.label} ({c.count})" for c in top) + ".")
        sectors = sorted((s for s in report.rekapitulasi.sectors if s.total), key=lambda s: -s.total)[:3]
        lines.append("Sektor dengan pengaduan terbanyak: " + ", ".join(f"{s.label} ({s.total})" for s in sectors) + ".")
    for stats in report.sla.clocks:
        if stats.runs:
            rate = f"{stats.on_time_rate:.1f}".replace(".", ",") + "%" if stats.on_time_rate is not None else "-"
            lines.append(f"Tahapan {stats.label} (tenggat {_fmt(stats.budget).rstrip('0').rstrip(',')} "
                         f"{UNIT_LABELS.get(stats.unit, stats.unit)}): {stats.on_time} tepat waktu, {stats.late} "
                         f"terlambat, {stats.running} masih berjalan (ketepatan {rate}); median waktu bersih "
                         f"{_fmt(stats.net_median)} {UNIT_LABELS.get(stats.unit, stats.unit)}.")
    late_opd = sorted((s for s in report.sla.by_opd if s.late), key=lambda s: (-s.late, s.opd_label))
    if late_opd:
        worst = late_opd[0]
        lines.append(f"Keterlambatan terbanyak pada OPD: {worst.opd_label}, tahapan {worst.label} "
                     f"({worst.late} terlambat dari {worst.runs}).")
    if report.sla.unmeasured_imported:
        lines.append(f"{report.sla.unmeasured_imported} pengaduan hasil impor data lama tidak terukur ketepatan "
                     "waktunya (tidak memiliki catatan tenggat).")
    if report.root_causes:
        lines.append("Akar masalah yang teridentifikasi: "
                     + "; ".join(f"{c.title} ({c.count} pengaduan)" for c in report.root_causes) + ".")
    if report.previous_action_plans:
        back = [p for p in report.previous_action_plans if p.recurred]
        lines.append(f"Dari {len(report.previous_action_plans)} rencana tindak lanjut periode "
                     f"{report.previous_period_label}, {len(back)} akar masalahnya masih menimbulkan pengaduan "
                     "pada periode ini.")
    return replace(report, analysis=tuple(lines))


def build_for_runtime(runtime, period: Period | str, **kwargs) -> Report:
    """`build_report` with the runtime's store, catalogs and office calendar."""
    return build_report(runtime.store, period, catalogs=runtime.catalogs, calendar=runtime.calendar, **kwargs)


__all__ = ["build_report", "build_for_runtime", "audit_anchor", "rekapitulasi", "published_definitions",
           "UNIT_LABELS", "letters"]
