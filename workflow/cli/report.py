"""``alur report``: write the evaluation report of a period as DOCX, XLSX, HTML or JSON."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click


def record_identity_view(runtime, actor_id: str, report, fmt: str, now: datetime) -> None:
    """Complainant names leave the system in a report: say so in the audit trail (kind identity_view)."""
    from workflow.core.audit import AuditEvent

    named = sum(1 for row in report.evaluation if row.kerahasiaan == "biasa")
    if not named:
        return
    with runtime.store.unit_of_work() as uow:
        uow.append_audit([AuditEvent(kind="identity_view", at=now, actor_id=actor_id, actor_role="supervisor",
                                     detail={"report": report.period, "format": fmt, "names": named})])
        uow.commit()


def register(cli: click.Group) -> None:
    @cli.command("report")
    @click.option("--period", required=True, help="2021-Q1, 2021-01, 2021-S1, 2021 or 2021-01-01..2021-03-31 (WIB).")
    @click.option("--format", "fmt", type=click.Choice(["docx", "xlsx", "html", "json"]), default="docx",
                  show_default=True)
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="File to write (default: laporan-pengaduan-<period>.<format>).")
    @click.option("--definition", "definition_key", default=None, help="Only complaints of this definition key.")
    @click.option("--by", "actor", default="cli", show_default=True, help="Who generates it (recorded in the audit).")
    @click.pass_context
    def report_command(ctx: click.Context, period: str, fmt: str, output: Path | None, definition_key: str | None,
                       actor: str) -> None:
        """Write the complaint evaluation report of PERIOD (rekapitulasi, evaluation, SLA, action plans)."""
        from workflow.cli import fail, runtime

        from workflow.reports import build_for_runtime, filename, render
        from workflow.reports.period import PeriodError, parse_period

        try:
            parsed = parse_period(period)
        except PeriodError as exc:
            fail(str(exc))
            return
        rt = runtime(ctx)
        now = datetime.now(timezone.utc)
        report = build_for_runtime(rt, parsed, definition_key=definition_key, now=now)
        data = render(report, fmt)
        target = output or Path(filename(report, fmt))
        target.write_bytes(data)
        record_identity_view(rt, actor, report, fmt, now)
        click.echo(f"{report.period_label}: {report.total} pengaduan; {fmt} written to {target}")
