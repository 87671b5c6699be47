"""The quarterly evaluation report as plain data: every figure each format prints, and nothing else.

`build.build_report` fills a `Report` from SQL aggregations; the renderers (DOCX, XLSX, HTML, JSON)
only lay it out, so the four formats cannot disagree. Durations are rounded once, here (2 decimals),
so that the JSON a program reads equals what the DOCX shows.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from workflow.reports.stage_model import StageSection


@dataclass(frozen=True)
class Count:
    """One line of a breakdown: a catalog code (None = not recorded), its label and the count."""

    code: str | None
    label: str
    count: int


@dataclass(frozen=True)
class RekapItem:
    """One row of the rekapitulasi inside a sector: a permit type and a category."""

    no: int
    jenis_izin: str | None
    label: str
    kategori: str | None
    kategori_label: str
    count: int


@dataclass(frozen=True)
class RekapSector:
    """A sector block: letter (A, B, ...), subtotal, and its rows (none: the report prints "-")."""

    letter: str
    code: str | None
    label: str
    total: int
    items: tuple[RekapItem, ...] = ()


@dataclass(frozen=True)
class Rekapitulasi:
    sectors: tuple[RekapSector, ...]
    total: int


@dataclass(frozen=True)
class EvaluationRow:
    """One complaint of the evaluation table (Bab IV). ``pemohon`` is already protected:
    "Dirahasiakan" for rahasia and "Anonim" for anonim complainants."""

    no: int
    receipt_no: str
    pemohon: str
    perihal: str
    tanggal: str  # dd/mm/yyyy, WIB
    analisa: str
    tindak_lanjut: str
    kerahasiaan: str
    imported: bool


@dataclass(frozen=True)
class ClockStats:
    """SLA truth for one clock (stage), optionally for one OPD.

    ``on_time``/``late`` count decided runs (stopped, or still running past their due time, which is
    late); ``running`` are runs not yet due. Times are over stopped runs: net in the clock's unit
    (pauses excluded), gross in calendar days (what the complainant lived). None when no run stopped.
    """

    clock: str
    label: str
    unit: str
    budget: float
    runs: int
    on_time: int
    late: int
    running: int
    late_running: int
    net_median: float | None
    net_p90: float | None
    gross_median_days: float | None
    gross_p90_days: float | None
    opd: str | None = None
    opd_label: str = ""

    @property
    def decided(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_rate(self) -> float | None:
        """Percent of decided runs that were on time (None when nothing was decided)."""
        return round(100.0 * self.on_time / self.decided, 1) if self.decided else None


@dataclass(frozen=True)
class Holiday:
    day: str  # ISO date
    name: str


@dataclass(frozen=True)
class CalendarInfo:
    """The calendar the figures were measured with (stated in the report, as the SOP requires)."""

    fingerprint: str
    timezone: str
    holidays: tuple[Holiday, ...]
    fingerprints_in_clocks: tuple[str, ...]  # the calendars that computed the period's due times


@dataclass(frozen=True)
class Sla:
    clocks: tuple[ClockStats, ...]
    by_opd: tuple[ClockStats, ...]
    calendar: CalendarInfo
    measured: int  # complaints of the period with at least one clock run
    unmeasured_imported: int  # imported historical complaints: no clocks, "tidak terukur"
    measured_at: str  # ISO instant used as "now" for running clocks


@dataclass(frozen=True)
class RootCauseLine:
    id: int
    code: str
    title: str
    description: str
    count: int  # complaints of this period linked to it


@dataclass(frozen=True)
class ActionPlanLine:
    id: int
    root_cause_code: str
    root_cause_title: str
    period: str
    title: str
    owner: str
    due_date: str  # dd/mm/yyyy or "-"
    status: str
    recurred: int | None = None  # previous period's plans: complaints of THIS period with the same root cause

    @property
    def recurrence_text(self) -> str:
        if self.recurred is None:
            return "-"
        return f"Ya, {self.recurred} pengaduan" if self.recurred else "Tidak"


@dataclass(frozen=True)
class AuditAnchor:
    """The audit trail's latest signed checkpoint when the report was made: printed in every format, so a
    report that leaves the office anchors the trail outside alur (``alur audit verify --checkpoints``
    proves any later trail extends this head; docs/audit.md)."""

    seq: int
    hash: str
    at: str  # ISO 8601, UTC
    signature: str  # Ed25519, base64
    key_fingerprint: str
    public_key: str  # raw Ed25519, base64
    line: str = ""  # the checkpoint as one JSON line, as alur audit verify --checkpoints reads it


@dataclass(frozen=True)
class Narrative:
    """A narrative section as the office wrote it (`workflow.core.report_document.SECTIONS`): plain text."""

    key: str
    title: str
    text: str


@dataclass(frozen=True)
class PublicationStamp:
    """What a published report carries (`workflow.services.report_documents.publish`): its number and edition,
    who approved and published it when, and the audit chain's head (and latest checkpoint) at publication."""

    number: int
    edition: int
    published_at: str  # ISO 8601, UTC
    published_by: str
    approved_by: str
    audit_seq: int
    audit_hash: str
    content_sha256: str
    checkpoint: str = ""  # the latest signed checkpoint then, one JSON line ("" when none was signed)
    reason: str = ""  # why this edition was reissued


@dataclass(frozen=True)
class DispositionLine:
    """One referring body's referrals of the period (table 3.8, `workflow.reports.dispositions`)."""

    channel: str
    body: str
    received: int
    closed: int
    closed_in_time: int  # closed by the body's own deadline
    open_late: int  # still open past the body's deadline
    updates_late: int  # status updates the body expects, made late or not yet made past their due time


@dataclass(frozen=True)
class Report:
    title: str
    office: str
    place: str
    period: str
    period_label: str
    period_start: str
    period_end: str
    previous_period: str
    previous_period_label: str
    generated_at: str
    definition_key: str | None
    total: int
    rekapitulasi: Rekapitulasi
    by_kategori: tuple[Count, ...]
    by_kanal: tuple[Count, ...]
    by_tingkat: tuple[Count, ...]
    by_outcome: tuple[Count, ...]
    by_sektor: tuple[Count, ...]
    by_month: tuple[Count, ...]
    evaluation: tuple[EvaluationRow, ...]
    sla: Sla
    root_causes: tuple[RootCauseLine, ...]
    action_plans: tuple[ActionPlanLine, ...]
    previous_action_plans: tuple[ActionPlanLine, ...]
    analysis: tuple[str, ...] = field(default=())
    clocks_described: tuple[str, ...] = field(default=())  # "Penyelesaian pengaduan: 7 hari kalender"
    audit_checkpoint: AuditAnchor | None = None  # None: no checkpoint has been signed yet
    by_category: tuple[Count, ...] = field(default=())  # outcomes by standard category (workflow.spec.outcomes)
    office_short: str = ""  # the office as people call it ("DPMPTSP ..."), from its profile
    service_name: str = ""  # the service the complaints are about, from the profile
    timezone: str = "Asia/Jakarta"  # the office's zone: the signing date is read in it
    definitions: tuple[str, ...] = field(default=())  # the definition keys the report covers
    narrative: tuple[Narrative, ...] = field(default=())  # the office's text; empty: generated (reports.narrative)
    publication: PublicationStamp | None = None  # set on a published report, rendered from its stored content
    stages: StageSection | None = None  # where complaints waited, from the audit trail (workflow.reports.stages)
    dispositions: tuple[DispositionLine, ...] = field(default=())  # referrals per referring body (table 3.8)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (tuples become lists; derived rates included)."""
        data = asdict(self)
        for group in ("clocks", "by_opd"):
            for raw, stats in zip(data["sla"][group], getattr(self.sla, group)):
                raw["decided"] = stats.decided
                raw["on_time_rate"] = stats.on_time_rate
        for group in ("action_plans", "previous_action_plans"):
            for raw, plan in zip(data[group], getattr(self, group)):
                raw["recurrence"] = plan.recurrence_text if group == "previous_action_plans" else None
        return data


__all__ = ["AuditAnchor", "Count", "RekapItem", "RekapSector", "Rekapitulasi", "EvaluationRow", "ClockStats", "Holiday",
           "CalendarInfo", "Sla", "RootCauseLine", "ActionPlanLine", "DispositionLine", "Report", "Narrative",
           "PublicationStamp"]
