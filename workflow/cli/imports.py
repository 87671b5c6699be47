"""``alur import``: load past records (all rows or none)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from workflow.cli import fail, runtime


@click.group("import")
def import_group() -> None:
    """Import past records."""


@import_group.command("complaints")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--definition", "key", default="pengaduan-ptsp", show_default=True)
@click.option("--by", "actor", default="import", show_default=True, help="Recorded as the actor in the audit.")
@click.option("--check", is_flag=True, help="Only check the file; import nothing.")
@click.pass_context
def import_complaints_cmd(ctx: click.Context, path: Path, key: str, actor: str, check: bool) -> None:
    """Load past complaints from a CSV with the evaluation table's columns (all rows or none)."""
    from workflow.errors import ImportFailed
    from workflow.services.imports import check_file, import_complaints

    rt = runtime(ctx)
    try:
        if check:
            rows = check_file(path, rt.engine.definition(key), rt.catalogs)
            click.secho(f"{path}: {len(rows)} row(s) ok; nothing imported (--check)", fg="green")
            return
        with click.progressbar(length=_count_lines(path), label="importing", file=sys.stderr) as bar:
            result = import_complaints(rt, path, actor, definition_key=key, progress=bar.update)
    except ImportFailed as exc:
        click.echo(str(exc), err=True)
        fail(f"{path}: nothing imported; fix the lines above and run again")
        return
    first, last = (result.receipts[0], result.receipts[-1]) if result.receipts else ("-", "-")
    click.secho(f"imported {result.count} complaint(s) ({first} … {last})", fg="green")


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)
