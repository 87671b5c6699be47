"""The report's numbered tables, laid out once for every format (DOCX, XLSX, HTML).

Numbers follow the office's report: Bab III holds the rekapitulasi (Tabel 3.1) and the breakdowns,
Bab IV the evaluation table and the SLA figures, Bab V the action plans. Each row carries a ``style``
so renderers can bold sector and total rows as the report does. Cells are strings or numbers; a
dash ("-") marks "none", as the report prints it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from workflow.reports.build import UNIT_LABELS
from workflow.reports.model import ClockStats, Count, Report


@dataclass(frozen=True)
class Row:
    cells: tuple
    style: str = ""  # "" | sector | total


@dataclass(frozen=True)
class Table:
    number: str  # "3.1"
    title: str
    key: str  # stable, for XLSX sheet names and HTML ids
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    chapter: str = ""
    note: str = ""
    widths: tuple[float, ...] = field(default=())  # relative column widths

    @property
    def caption(self) -> str:
        return f"Tabel {self.number} {self.title}"


def num(value: float | None, digits: int = 2) -> str:
    """Indonesian decimal comma: 1.5 → "1,50"; None → "-"."""
    if value is None:
        return "-"
    return f"{value:.{digits}f}".replace(".", ",")


def rekap_table(report: Report) -> Table:
    rows: list[Row] = []
    for sector in report.rekapitulasi.sectors:
        rows.append(Row((f"{sector.letter}. {sector.label}", "", sector.total or "-", ""), "sector"))
        if not sector.items:
            rows.append(Row(("-", "-", "-", "-")))
        for item in sector.items:
            rows.append(Row((item.no, item.label, item.count, item.kategori_label)))
    rows.append(Row(("TOTAL", "", report.rekapitulasi.total, ""), "total"))
    return Table("3.1", "Rekapitulasi pengaduan", "rekapitulasi",
                 ("NO", "SEKTOR DAN JENIS PERIZINAN", "Jumlah Pengaduan", "Kategori Pengaduan"), tuple(rows),
                 chapter="III", widths=(1, 6, 2, 3))


def _count_table(number: str, title: str, key: str, what: str, counts: tuple[Count, ...], total: int) -> Table:
    rows = [Row((i, c.label, c.count or "-", _share(c.count, total))) for i, c in enumerate(counts, start=1)]
    rows.append(Row(("", "TOTAL", total, "100%" if total else "-"), "total"))
    return Table(number, title, key, ("No", what, "Jumlah", "Persentase"), tuple(rows), chapter="III",
                 widths=(1, 6, 2, 2))


def _share(n: int, total: int) -> str:
    return f"{num(100.0 * n / total, 1)}%" if total and n else "-"


def evaluation_table(report: Report) -> Table:
    rows = [Row((e.no, f"{e.pemohon}, {e.perihal}", e.tanggal, e.analisa, e.tindak_lanjut)) for e in report.evaluation]
    if not rows:
        rows = [Row(("-", "Tidak ada pengaduan pada periode ini", "-", "-", "-"))]
    shown = len(report.evaluation)
    note = (f"Ditampilkan {shown} dari {report.total} pengaduan; unduh laporan untuk tabel lengkap."
            if 0 < shown < report.total else "")
    return Table("4.1", "Evaluasi pengaduan", "evaluasi", ("No", "Pemohon/Perihal Pengaduan", "Tgl", "Analisa",
                 "Tindak Lanjut"), tuple(rows), chapter="IV", widths=(1, 5, 2, 5, 5), note=note)


def _sla_cells(s: ClockStats) -> tuple:
    unit = UNIT_LABELS.get(s.unit, s.unit)
    rate = f"{num(s.on_time_rate, 1)}%" if s.on_time_rate is not None else "-"
    return (s.runs, s.on_time, s.late, s.running, rate, f"{num(s.net_median)} / {num(s.net_p90)} {unit}",
            f"{num(s.gross_median_days)} / {num(s.gross_p90_days)} hari")


SLA_HEADER = ("Jumlah", "Tepat waktu", "Terlambat", "Berjalan", "Ketepatan", "Waktu bersih (median / P90)",
              "Waktu kotor (median / P90)")


def sla_table(report: Report) -> Table:
    rows = []
    for i, s in enumerate(report.sla.clocks, start=1):
        unit = UNIT_LABELS.get(s.unit, s.unit)
        budget = num(s.budget, 2).rstrip("0").rstrip(",")
        rows.append(Row((i, s.label, f"{budget} {unit}", *_sla_cells(s))))
    if report.sla.unmeasured_imported:
        rows.append(Row(("", "Pengaduan hasil impor (tanpa catatan tenggat)", "-", report.sla.unmeasured_imported,
                         "tidak terukur", "tidak terukur", "-", "-", "-", "-")))
    return Table("4.2", "Ketepatan waktu per tahapan", "sla_tahapan", ("No", "Tahapan", "Tenggat", *SLA_HEADER),
                 tuple(rows), chapter="IV", widths=(1, 4, 2, 1.5, 1.5, 1.5, 1.5, 1.5, 3, 3),
                 note=sla_note(report))


def sla_opd_table(report: Report) -> Table:
    rows = [Row((i, s.opd_label, s.label, *_sla_cells(s))) for i, s in enumerate(report.sla.by_opd, start=1)]
    if not rows:
        rows = [Row(("-", "Tidak ada pengaduan yang melibatkan OPD", "-", "-", "-", "-", "-", "-", "-", "-"))]
    return Table("4.3", "Ketepatan waktu per OPD", "sla_opd", ("No", "OPD", "Tahapan", *SLA_HEADER), tuple(rows),
                 chapter="IV", widths=(1, 4, 3, 1.5, 1.5, 1.5, 1.5, 1.5, 3, 3))


def sla_note(report: Report) -> str:
    cal = report.sla.calendar
    days = ", ".join(f"{h.day} ({h.name})" for h in cal.holidays) or "tidak ada"
    used = ", ".join(cal.fingerprints_in_clocks) or "-"
    return (f"Kalender kerja: zona {cal.timezone}, sidik kalender {cal.fingerprint}; hari libur dan cuti bersama "
            f"pada periode ini: {days}. Tenggat pengaduan periode ini dihitung dengan kalender: {used}. "
            "Tepat waktu = berhenti paling lambat pada tenggatnya; yang masih berjalan melewati tenggat dihitung "
            "terlambat. Waktu bersih tidak menghitung masa jeda (menunggu kelengkapan), waktu kotor = selesai − "
            "mulai; keduanya atas tahapan yang telah selesai.")


def root_cause_table(report: Report) -> Table:
    rows = [Row((i, c.code, c.title, c.description or "-", c.count)) for i, c in enumerate(report.root_causes, start=1)]
    if not rows:
        rows = [Row(("-", "-", "Belum ada akar masalah yang dicatat", "-", "-"))]
    return Table("4.4", "Akar masalah pengaduan", "akar_masalah", ("No", "Kode", "Akar masalah", "Uraian",
                 "Jumlah pengaduan"), tuple(rows), chapter="IV", widths=(1, 2, 5, 6, 2))


def plan_table(report: Report) -> Table:
    rows = [Row((i, p.root_cause_title, p.title, p.owner, p.due_date, p.status))
            for i, p in enumerate(report.action_plans, start=1)]
    if not rows:
        rows = [Row(("-", "-", "Belum ada rencana tindak lanjut yang dicatat", "-", "-", "-"))]
    return Table("5.1", "Rencana tindak lanjut", "rencana", ("No", "Akar masalah", "Rencana tindak lanjut",
                 "Penanggung jawab", "Batas waktu", "Status"), tuple(rows), chapter="V", widths=(1, 4, 6, 3, 2, 2))


def previous_plan_table(report: Report) -> Table:
    rows = [Row((i, p.root_cause_title, p.title, p.owner, p.status, p.recurrence_text))
            for i, p in enumerate(report.previous_action_plans, start=1)]
    if not rows:
        rows = [Row(("-", "-", f"Tidak ada rencana tindak lanjut periode {report.previous_period_label}", "-", "-",
                     "-"))]
    return Table("5.2", f"Tindak lanjut periode sebelumnya ({report.previous_period_label})", "rencana_lalu",
                 ("No", "Akar masalah", "Rencana tindak lanjut", "Penanggung jawab", "Status",
                  "Pengaduan berulang periode ini"), tuple(rows), chapter="V", widths=(1, 4, 6, 3, 2, 3))


ANCHOR_TITLE = "Jangkar Jejak Audit"
ANCHOR_NOTE = ("Checkpoint terakhir jejak audit, ditandatangani dengan kunci kantor, saat laporan ini dibuat. Dengan "
               "salinan laporan ini auditor dapat membuktikan bahwa jejak audit di kemudian hari masih memuat kepala "
               "rantai ini tanpa diubah: alur audit verify --checkpoints (lihat docs/audit.md).")


def anchor_rows(report: Report) -> tuple[tuple[str, str], ...]:
    """The audit trail's latest signed checkpoint as (label, value) lines, for every format to print."""
    cp = report.audit_checkpoint
    if cp is None:
        return (("Checkpoint bertanda tangan", "Belum ada. Jalankan 'alur audit checkpoint' dengan kunci kantor "
                 "(ALUR_AUDIT_KEY), lalu buat laporan ini lagi."),)
    return (("Nomor urut kepala rantai", str(cp.seq)), ("Waktu ditandatangani (UTC)", cp.at),
            ("Hash kepala rantai (SHA-256)", cp.hash), ("Tanda tangan (Ed25519)", cp.signature),
            ("Sidik kunci", cp.key_fingerprint), ("Kunci publik", cp.public_key),
            ("Baris checkpoint (simpan sebagai berkas .jsonl)", cp.line))


PUBLICATION_TITLE = "Keterangan Penerbitan"


def publication_rows(report: Report) -> tuple[tuple[str, str], ...]:
    """A published report's number, edition, approval and the audit chain's head at publication (empty for a
    report that was not published)."""
    pub = report.publication
    if pub is None:
        return ()
    rows = [("Nomor laporan", str(pub.number)), ("Edisi", str(pub.edition)),
            ("Diterbitkan (UTC)", pub.published_at), ("Diterbitkan oleh", pub.published_by),
            ("Disetujui oleh", pub.approved_by), ("Kepala rantai audit saat terbit (nomor urut)", str(pub.audit_seq)),
            ("Kepala rantai audit saat terbit (SHA-256)", pub.audit_hash),
            ("Sidik isi laporan (SHA-256)", pub.content_sha256)]
    if pub.checkpoint:
        rows.append(("Checkpoint bertanda tangan saat terbit", pub.checkpoint))
    if pub.reason:
        rows.append(("Alasan penerbitan ulang", pub.reason))
    return tuple(rows)


def report_tables(report: Report) -> list[Table]:
    """Every table of the report, in document order."""
    from workflow.reports.dispositions import disposition_table  # it builds on this module's Table
    from workflow.reports.stage_tables import stage_tables

    return [
        rekap_table(report),
        _count_table("3.2", "Pengaduan per kategori", "kategori", "Kategori", report.by_kategori, report.total),
        _count_table("3.3", "Pengaduan per kanal", "kanal", "Kanal", report.by_kanal, report.total),
        _count_table("3.4", "Pengaduan per tingkat", "tingkat", "Tingkat", report.by_tingkat, report.total),
        _count_table("3.5", "Pengaduan per status penyelesaian", "status", "Status", report.by_outcome, report.total),
        _count_table("3.6", "Pengaduan per bulan", "bulan", "Bulan", report.by_month, report.total),
        _count_table("3.7", "Pengaduan per kategori hasil penyelesaian (standar)", "kategori_hasil", "Kategori hasil",
                     report.by_category, report.total),
        disposition_table(report),
        evaluation_table(report),
        sla_table(report),
        sla_opd_table(report),
        root_cause_table(report),
        plan_table(report),
        previous_plan_table(report),
        *stage_tables(report),
    ]


__all__ = ["Row", "Table", "report_tables", "num", "sla_note", "anchor_rows", "ANCHOR_TITLE", "ANCHOR_NOTE",
           "publication_rows", "PUBLICATION_TITLE"]
