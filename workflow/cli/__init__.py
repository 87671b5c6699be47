"""The ``alur`` command line.

Core commands live here (db, definitions, tickets, audit, import). Other parts of alur add their own
command groups through ``register(cli)`` functions listed in `PLUGINS`, imported lazily, so the
engine does not import the web console or the job queue to validate a file.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from workflow.errors import AlurError, DefinitionError

PLUGINS = (
    "admin.cli",                 # serve, users, demo (console)
    "admin.api_cli",             # apikeys (integration API)
    "workflow.cli.jobs",         # worker, sweep, calendar (clocks, escalations)
    "notifications.cli",         # outbox: list, retry failed deliveries
    "workflow.cli.report",      # report
)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def runtime(ctx: click.Context):
    """The process runtime, built once per command from the environment (``--database`` overrides)."""
    obj = ctx.ensure_object(dict)
    if "runtime" not in obj:
        from workflow.runtime import build_runtime

        obj["runtime"] = build_runtime(obj.get("database"))
    return obj["runtime"]


def fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


class AlurGroup(click.Group):
    """Turns alur's own errors into one red line and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AlurError as exc:
            click.secho(str(exc), fg="red", err=True)
            ctx.exit(1)


@click.group(cls=AlurGroup)
@click.option("--database", envvar="ALUR_DATABASE_URL", default=None,
              help="SQLAlchemy URL (default: SQLite in ./instance).")
@click.pass_context
def cli(ctx: click.Context, database: str | None) -> None:
    """alur: complaint-handling workflows for public-service offices."""
    ctx.ensure_object(dict)["database"] = database


# -- db -----------------------------------------------------------------------------------------
@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Create or upgrade the schema (Alembic migrations)."""
    from workflow.store.db import current_revision, upgrade

    rt = runtime(ctx)
    upgrade(rt.db, revision)
    click.echo(f"database at revision {current_revision(rt.db)} ({rt.db.url.render_as_string(hide_password=True)})")


# -- definitions ---------------------------------------------------------------------------------
@cli.group()
def definitions() -> None:
    """Validate, publish and inspect workflow definitions."""


def _templates() -> set[str] | None:
    try:
        from notifications.templates import available_templates
    except ImportError:
        return None
    return available_templates()


@definitions.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print problems as JSON (for editors and CI).")
def definitions_validate(paths: tuple[Path, ...], as_json: bool) -> None:
    """Check definitions; lists every problem with file:line:column and exits 1 if any."""
    from workflow.spec.loader import check_definition

    all_problems = []
    for path in paths:
        definition, problems = check_definition(path.read_text(encoding="utf-8"), str(path), templates=_templates())
        all_problems.extend(problems)
        if not as_json:
            if problems:
                for problem in problems:
                    click.echo(str(problem))
            else:
                assert definition is not None
                click.secho(f"{path}: ok ({definition.key}: {len(definition.states)} states, "
                            f"{len(definition.transitions)} transitions, {len(definition.clocks)} clocks)", fg="green")
    if as_json:
        click.echo(json.dumps([p.as_dict() for p in all_problems], ensure_ascii=False, indent=2))
    if all_problems:
        if not as_json:
            click.secho(f"{len(all_problems)} problem(s)", fg="red", err=True)
        sys.exit(1)


@definitions.command("publish")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "actor", default="cli", show_default=True, help="Who publishes (recorded in the audit).")
@click.option("--note", default="", help="Why this version (recorded in the audit).")
@click.pass_context
def definitions_publish(ctx: click.Context, path: Path, actor: str, note: str) -> None:
    """Store PATH as a new immutable version (no-op when identical to the latest)."""
    from workflow.services.publish import publish

    rt = runtime(ctx)
    try:
        result = publish(rt.store, path.read_text(encoding="utf-8"), file=str(path), actor_id=actor, now=now_utc(),
                         catalogs=rt.catalogs, note=note, templates=_templates())
    except DefinitionError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        fail(f"not published: {len(exc.problems)} problem(s)")
        return
    if result.created:
        click.secho(f"published {result.key} v{result.version}", fg="green")
    else:
        click.echo(f"{result.key} v{result.version} already has this content; nothing published")


@definitions.command("list")
@click.pass_context
def definitions_list(ctx: click.Context) -> None:
    """Every published version, newest first per key."""
    from sqlalchemy import func, select

    from workflow.store import models as m

    rt = runtime(ctx)
    with rt.db.connect() as conn:
        counts = {(k, v): n for k, v, n in conn.execute(
            select(m.tickets.c.definition_key, m.tickets.c.definition_version, func.count())
            .group_by(m.tickets.c.definition_key, m.tickets.c.definition_version)).all()}
        rows = conn.execute(select(m.definitions).order_by(m.definitions.c.key, m.definitions.c.version.desc())).all()
    if not rows:
        click.echo("no definitions published yet; run 'alur definitions publish definitions/pengaduan-ptsp.yaml'")
        return
    for row in rows:
        tickets = counts.get((row.key, row.version), 0)
        click.echo(f"{row.key:<24} v{row.version:<4} {row.published_at:%Y-%m-%d %H:%M} {row.published_by:<12} "
                   f"{tickets:>7} tickets  {row.title}")


@definitions.command("show")
@click.argument("key")
@click.option("--version", type=int, default=None, help="Default: the latest.")
@click.option("--source", is_flag=True, help="Print the YAML as published.")
@click.pass_context
def definitions_show(ctx: click.Context, key: str, version: int | None, source: bool) -> None:
    """A published definition: states, transitions and clocks (or its YAML with --source)."""
    rt = runtime(ctx)
    with rt.store.unit_of_work() as uow:
        try:
            text, found = uow.definition_source(key, version)
        except AlurError as exc:
            fail(str(exc))
            return
    if source:
        click.echo(text)
        return
    d = rt.engine.definition(key, found)
    click.echo(f"{d.key} v{found}: {d.title}")
    click.echo("states:")
    for s in d.states.values():
        mark = " (initial)" if s.initial else f" (terminal: {s.outcome})" if s.terminal else ""
        click.echo(f"  {s.key:<26} {s.label}{mark}")
    click.echo("transitions:")
    for t in d.transitions:
        click.echo(f"  {t.trigger:<20} {','.join(t.sources)} -> {t.dest}  [{', '.join(t.roles)}]")
    click.echo("clocks:")
    for c in d.clocks.values():
        click.echo(f"  {c.key:<20} {c.budget.describe()}  {c.label}")


# -- audit --------------------------------------------------------------------------------------
@cli.group()
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


# -- tickets ----------------------------------------------------------------------------------------
@cli.group()
def tickets() -> None:
    """Tickets across definition versions."""


@tickets.command("migrate")
@click.option("--definition", "key", default="pengaduan-ptsp", show_default=True)
@click.option("--to", "to_version", type=int, required=True, help="Target definition version.")
@click.option("--from-version", type=int, default=None, help="Only tickets on this version.")
@click.option("--map", "pairs", multiple=True, metavar="OLD=NEW", help="Where a removed state's tickets go.")
@click.option("--apply", "do_apply", is_flag=True, help="Apply the plan (default: dry run).")
@click.option("--skip-blocked", is_flag=True, help="Move what can move and leave blocked tickets pinned.")
@click.option("--by", "actor", default="cli", show_default=True)
@click.pass_context
def tickets_migrate(ctx: click.Context, key: str, to_version: int, from_version: int | None, pairs: tuple[str, ...],
                    do_apply: bool, skip_blocked: bool, actor: str) -> None:
    """Show (dry run) or apply a move of open tickets to another definition version."""
    from workflow.services import migrate

    rt = runtime(ctx)
    the_plan = migrate.plan(rt, key, to_version, migrate.parse_mapping(pairs), from_version=from_version)
    click.echo(f"{len(the_plan.moves)} ticket(s) can move to {key} v{to_version}; {len(the_plan.blocked)} cannot")
    for move in the_plan.moves[:50]:
        arrow = f"{move.from_state} -> {move.to_state}" if move.from_state != move.to_state else move.from_state
        click.echo(f"  move    {move.receipt_no}  v{move.from_version} -> v{to_version}  {arrow}")
    for blocked in the_plan.blocked[:50]:
        click.echo(f"  BLOCKED {blocked.receipt_no}  v{blocked.from_version}  {blocked.reason}")
    shown = min(50, len(the_plan.moves)) + min(50, len(the_plan.blocked))
    if shown < len(the_plan.moves) + len(the_plan.blocked):
        click.echo(f"  … {len(the_plan.moves) + len(the_plan.blocked) - shown} more")
    if not do_apply:
        click.echo("dry run: nothing changed; add --apply to migrate")
        return
    with click.progressbar(length=len(the_plan.moves), label="migrating", file=sys.stderr) as bar:
        moved = migrate.apply(rt, the_plan, actor, now_utc(), skip_blocked=skip_blocked, progress=bar.update)
    click.secho(f"migrated {moved} ticket(s) to {key} v{to_version}", fg="green")


# -- import -----------------------------------------------------------------------------------------
@cli.group("import")
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


def register_plugins(group: click.Group) -> None:
    from workflow.plugins import optional_modules

    for module in optional_modules(PLUGINS):
        module.register(group)


def main() -> None:
    register_plugins(cli)
    try:
        cli(prog_name="alur")
    except AlurError as exc:
        fail(str(exc))


__all__ = ["cli", "main", "runtime", "register_plugins"]
