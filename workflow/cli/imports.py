"""``alur import``: load past records (every line checked before any is written; written in short batches)."""
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
@click.option("--sheet", default=None, help="The sheet of an .xlsx workbook to read (default: its first sheet).")
@click.pass_context
def import_complaints_cmd(ctx: click.Context, path: Path, key: str, actor: str, check: bool,
                          sheet: str | None) -> None:
    """Load past complaints from a CSV file or an .xlsx workbook with the evaluation table's columns (a
    row-number column "No" is ignored; all rows or none; a run the database interrupted is finished by
    running it again)."""
    from workflow.errors import ImportFailed
    from workflow.services.imports import check_file, file_digest, import_complaints
    from workflow.store.queries.imports import imported_lines

    rt = runtime(ctx)
    written = [0]  # rows committed so far, for the message if the database fails half-way
    try:
        rows = check_file(path, rt.engine.definition(key), rt.catalogs, sheet=sheet)
        if check:
            click.secho(f"{path}: {len(rows)} row(s) ok; nothing imported (--check)", fg="green")
            return
        done = imported_lines(rt.store, file_digest(path))
        if done:
            click.echo(f"{path}: {len(done)} line(s) were imported before (same file); importing the rest", err=True)

        def advance(n: int) -> None:
            written[0] += n
            bar.update(n)

        with click.progressbar(length=len([r for r in rows if r.line not in done]), label="importing",
                               file=sys.stderr) as bar:
            result = import_complaints(rt, path, actor, definition_key=key, progress=advance, skip_lines=done,
                                       checked=rows)
    except ImportFailed as exc:
        click.echo(str(exc), err=True)
        fail(f"{path}: nothing imported; fix the lines above and run again")
        return
    except Exception as exc:  # noqa: BLE001 - the database went away between two batches
        fail(f"{path}: stopped after importing {written[0]} row(s): {exc}\nRun the same command again: the lines "
             "already imported from this file are skipped.")
        return
    first, last = (result.receipts[0], result.receipts[-1]) if result.receipts else ("-", "-")
    click.secho(f"imported {result.count} complaint(s) ({first} … {last})", fg="green")

