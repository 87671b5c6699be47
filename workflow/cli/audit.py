"""``alur audit``: verify and export the tamper-evident audit trail."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from workflow.cli import fail, now_utc, runtime


@click.group()
def audit() -> None:
    """Verify and export the tamper-evident audit trail."""


@audit.command("verify")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    """Recompute the hash chain; exit 0 if intact, else name the first bad row and why."""
    from workflow.core.audit import verify_rows

    rt = runtime(ctx)
    total = rt.store.audit_count()
    head_seq, head_hash = rt.store.audit_head()
    with click.progressbar(length=total, label="verifying", file=sys.stderr) as bar:
        status = verify_rows(rt.store.audit_rows(), progress=bar.update)
    if not status.ok:
        fail(f"audit chain BROKEN at row {status.first_bad_seq}: {status.reason} "
             f"({status.rows} rows before it verify)")
    if status.rows != head_seq or status.head_hash != head_hash:
        fail(f"audit chain BROKEN: rows end at {status.rows} but the head records {head_seq} "
             "(rows were removed from the end, or the head was altered)")
    click.secho(f"audit chain intact: {status.rows} rows, head {status.head_hash}", fg="green")


@audit.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--receipt", default=None, help="Only this ticket's rows.")
@click.pass_context
def audit_export(ctx: click.Context, output: Path | None, fmt: str, receipt: str | None) -> None:
    """Write the audit trail for auditors (JSON Lines keeps the hashes for offline verification)."""
    from workflow.reports.audit_export import write_audit

    rt = runtime(ctx)
    total = rt.store.audit_count()
    stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        with click.progressbar(length=total, label="exporting", file=sys.stderr) as bar:
            count = write_audit(rt.store.audit_rows(receipt_no=receipt), stream, fmt, progress=bar.update)
    finally:
        if output:
            stream.close()
    click.echo(f"{count} rows written" + (f" to {output}" if output else ""), err=True)
