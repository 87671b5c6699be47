"""``alur report``: write the evaluation report of a period as DOCX, XLSX, HTML or JSON; its subcommands
(`workflow.cli.report_documents`) keep the report the office signs: drafts, approval, publication."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click

from workflow.cli import fail, runtime


@click.group("report", invoke_without_command=True)
@click.option("--period", default=None, help="2021-Q1, 2021-01, 2021-S1, 2021 or 2021-01-01..2021-03-31 (WIB).")
@click.option("--format", "fmt", type=click.Choice(["docx", "xlsx", "html", "json"]), default="docx",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: laporan-pengaduan-<period>.<format>).")
@click.option("--definition", "definition_key", default=None,
              help="Only complaints of this definition key (default: every definition of the office).")
@click.option("--by", "actor", default="cli", show_default=True, help="Who generates it (recorded in the audit).")
@click.pass_context
def report(ctx: click.Context, period: str | None, fmt: str, output: Path | None, definition_key: str | None,
           actor: str) -> None:
    """Write the complaint evaluation report of PERIOD (rekapitulasi, evaluation, SLA, action plans), or keep
    the signed report: drafts, approve, publish, reopen, published."""
    from workflow.core.period import PeriodError, parse_period
    from workflow.reports import build_for_runtime, filename, render
    from workflow.services.identity import record_report_view

    if ctx.invoked_subcommand is not None:
        return
    if not period:
        fail("give --period (e.g. --period 2021-Q1), or a subcommand: drafts, approve, publish, reopen, published")
        return
    try:
        parsed = parse_period(period)
    except PeriodError as exc:
        fail(str(exc))
        return
    rt = runtime(ctx)
    now = datetime.now(timezone.utc)
    built = build_for_runtime(rt, parsed, definition_key=definition_key, now=now)
    data = render(built, fmt)
    target = output or Path(filename(built, fmt))
    target.write_bytes(data)
    record_report_view(rt, actor, built, fmt, now)
    click.echo(f"{built.period_label}: {built.total} pengaduan; {fmt} written to {target}")


def _add_document_commands() -> None:
    from workflow.cli.report_documents import COMMANDS

    for command in COMMANDS:
        report.add_command(command)


_add_document_commands()

__all__ = ["report"]
