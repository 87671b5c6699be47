"""``alur history``: what the audit trail says about a period (``stages``: where complaints waited)."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

import click

from workflow.cli import fail, now_utc, runtime

BY = ("opd", "kategori", "kanal", "tingkat", "bulan", "lajur")
HEADER = ("Kode", "Label", "Jumlah pengaduan", "Waktu kerja median (hari kerja)", "Waktu kerja P90 (hari kerja)",
          "Waktu kotor median (hari)", "Waktu kotor P90 (hari)", "Menunggu pemohon (%)", "Tahapan terlama")


@click.group("history")
def history() -> None:
    """Read the audit trail of a period: where complaints waited."""


def _cells(row) -> tuple:
    return (row.key or "-", row.label, row.count, row.office_median, row.office_p90, row.gross_median_days,
            row.gross_p90_days, row.waiting_percent, row.bottleneck or "-")


def _text(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def _table(rows, title: str) -> str:
    lines = [tuple(HEADER[1:])] + [tuple(_text(v) for v in _cells(r)[1:]) for r in rows]
    widths = [min(44, max(len(line[i]) for line in lines)) for i in range(len(lines[0]))]
    out = [title]
    for n, line in enumerate(lines):
        out.append("  ".join(cell[:44].ljust(w) if i == 0 else cell.rjust(w) if i < len(line) - 1 else cell
                             for i, (cell, w) in enumerate(zip(line, widths))))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _csv(rows) -> str:
    from workflow.reports.cells import neutral

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([neutral(_text(v) if v is None else v) for v in _cells(row)])
    return buffer.getvalue()


@history.command("stages")
@click.option("--period", required=True, help="2026-Q3, 2026-07, 2026-S2, 2026 or 2026-07-01..2026-09-30 (WIB).")
@click.option("--by", "by", type=click.Choice(BY), default=None,
              help="Group by agency (opd), category, channel, severity, month (bulan) or lane (lajur) "
                   "instead of by stage.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--definition", "definition_key", default=None, help="Only complaints of this definition key.")
@click.option("--ticket", "receipt", default=None, help="Also list one complaint's stays and clock pauses.")
@click.pass_context
def stages(ctx: click.Context, period: str, by: str | None, fmt: str, definition_key: str | None,
           receipt: str | None) -> None:
    """Time in each stage of the complaints received in PERIOD, from the audit trail: count, median and P90 in
    office time (working days) and gross time (days), the share spent waiting on the complainant, the
    bottleneck and how it moved against the previous period, and the promise kept."""
    from workflow.core.period import PeriodError, parse_period
    from workflow.reports.stages import BY_CHOICES, GROUP_TITLES, build_section

    try:
        parsed = parse_period(period)
    except PeriodError as exc:
        fail(str(exc))
        return
    rt = runtime(ctx)
    grouping = BY_CHOICES[by] if by else None
    section = build_section(rt.store, parsed, catalogs=rt.catalogs, calendar=rt.calendar, now=now_utc(),
                            by=(grouping,) if grouping and grouping != "lane" else (),
                            definition_key=definition_key,
                            timezone=getattr(rt.calendar, "timezone", "Asia/Jakarta"))
    rows = section.group(grouping) if grouping and grouping != "lane" else \
        (section.lanes if grouping == "lane" else section.states)
    if fmt == "json":
        click.echo(json.dumps(asdict(section), ensure_ascii=False, indent=2, default=str))
        return
    if fmt == "csv":
        click.echo(_csv(rows), nl=False)
        return
    title = GROUP_TITLES[grouping or "state"][0]
    click.echo(f"{section.period_label}: {section.tickets} pengaduan diukur dari jejak audit"
               + (f" ({section.imported} hasil impor tidak terukur)" if section.imported else "") + ".")
    click.echo(f"Waktu kerja dihitung dengan {section.calendar}.")
    click.echo(section.movement_sentence)
    for line in section.promises:
        click.echo(f"{line.title}: {line.sentence}"
                   + (f" ({line.pending} masih dalam tenggat)" if line.pending else "") + ".")
    click.echo("")
    click.echo(_table(rows, f"Per {title.lower()}:"))
    if receipt:
        click.echo("")
        click.echo(_one_ticket(rt, receipt.strip().upper()))


def _one_ticket(rt, receipt: str) -> str:
    """One complaint's stays (office and gross time, paused time) and its clocks' pauses, times in the office zone."""
    from zoneinfo import ZoneInfo

    from workflow.core.stages import STATE_KINDS, ticket_stages
    from workflow.reports.stages import DefinitionBook

    rows = [r for r in rt.store.audit_rows(receipt_no=receipt) if r["kind"] in STATE_KINDS]
    ticket = ticket_stages(rows, DefinitionBook(rt.store, rt.catalogs), rt.calendar, now_utc()) if rows else None
    if ticket is None:
        return f"{receipt}: tidak ada jejak pengaduan dengan nomor ini."
    zone = ZoneInfo(getattr(rt.calendar, "timezone", "Asia/Jakarta"))
    when = lambda moment: moment.astimezone(zone).strftime("%d/%m/%Y %H:%M") if moment else "sekarang"  # noqa: E731
    out = [f"{receipt}: tahapan dari jejak audit"]
    for s in ticket.stays:
        out.append(f"  {s.state:<24} {when(s.entered)} - {when(s.left):<16}  kerja {_text(s.office_days)} hari, "
                   f"kotor {_text(s.gross_seconds / 86400)} hari" + (", menunggu pemohon" if s.waiting else "")
                   + (f", jeda {_text(s.paused_seconds / 86400)} hari" if s.paused_seconds else ""))
    out.append("  jeda tenggat: " + ("; ".join(f"{p.clock} {when(p.start)} - {when(p.end)}" for p in ticket.pauses)
                                    or "tidak ada"))
    return "\n".join(out)


__all__ = ["history", "stages"]
