"""``alur definitions``: validate, publish and inspect workflow definitions."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from workflow.cli import fail, now_utc, runtime
from workflow.errors import AlurError, DefinitionError


@click.group()
def definitions() -> None:
    """Validate, publish and inspect workflow definitions."""


def _staffed_runtime(ctx: click.Context):
    """The runtime when a database is configured and migrated (for the staffing check), else None: validating
    a file must not create a database in the working directory."""
    from workflow.runtime import INSTANCE_DIR

    obj = ctx.ensure_object(dict)
    if not (obj.get("database") or obj.get("runtime") or (INSTANCE_DIR / "alur.db").exists()):
        return None
    try:
        rt = runtime(ctx)
        return rt if rt.store.revision() is not None else None
    except Exception:  # noqa: BLE001 - an unreachable database: validate the file alone
        return None


def _warn_staffing(rt, definition) -> None:
    """Print what `workflow.services.staffing` finds: roles and agencies nobody can act for (not errors)."""
    from workflow.services.staffing import staffing_warnings

    for warning in staffing_warnings(rt.store, definition, rt.catalogs):
        click.secho(f"warning: {definition.key}: {warning.message_en}", fg="yellow")


def _templates(ctx: click.Context) -> set[str] | None:
    """The notification templates definitions may name, as the ``alur`` entry point passes them in
    (``obj["templates"]``, a callable); None (not checked) when the engine's CLI runs on its own."""
    provider = (ctx.obj or {}).get("templates")
    return set(provider()) if provider is not None else None


@definitions.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print problems as JSON (for editors and CI).")
@click.option("--lang", "lang", type=click.Choice(["en", "id"]), envvar="ALUR_LANG", default="en", show_default=True,
              help="Language of the messages and hints (id: Indonesian, as the console's editor shows them); "
                   "also ALUR_LANG. Codes stay the same.")
@click.pass_context
def definitions_validate(ctx: click.Context, paths: tuple[Path, ...], as_json: bool, lang: str) -> None:
    """Check definitions; lists every problem with file:line:column and exits 1 if any."""
    from workflow.spec.loader import check_definition
    from workflow.spec.messages import format_problem, translate

    all_problems = []
    rt = _staffed_runtime(ctx)
    for path in paths:
        definition, problems = check_definition(path.read_text(encoding="utf-8"), str(path), templates=_templates(ctx),
                                                catalogs=rt.catalogs if rt is not None else None)
        all_problems.extend(translate(p, lang) for p in problems)
        if not as_json:
            if problems:
                for problem in problems:
                    click.echo(format_problem(problem, lang))
            else:
                assert definition is not None
                click.secho(f"{path}: ok ({definition.key}: {len(definition.states)} states, "
                            f"{len(definition.transitions)} transitions, {len(definition.clocks)} clocks)", fg="green")
                if rt is not None:
                    _warn_staffing(rt, definition)
    if as_json:
        click.echo(json.dumps([p.as_dict() for p in all_problems], ensure_ascii=False, indent=2))
    if all_problems:
        if not as_json:
            click.secho(f"{len(all_problems)} masalah" if lang == "id" else f"{len(all_problems)} problem(s)",
                        fg="red", err=True)
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
                         catalogs=rt.catalogs, note=note, templates=_templates(ctx))
    except DefinitionError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        fail(f"not published: {len(exc.problems)} problem(s)")
        return
    if result.created:
        click.secho(f"published {result.key} v{result.version}", fg="green")
    else:
        click.echo(f"{result.key} v{result.version} already has this content; nothing published")
    _warn_staffing(rt, result.definition)


@definitions.command("list")
@click.pass_context
def definitions_list(ctx: click.Context) -> None:
    """Every published version, newest first per key."""
    from workflow.store.queries.definitions import versions
    from workflow.store.queries.tickets import counts_by_definition

    rt = runtime(ctx)
    counts = counts_by_definition(rt.store)
    rows = versions(rt.store)
    if not rows:
        click.echo("no definitions published yet; run 'alur definitions publish definitions/pengaduan-ptsp.yaml'")
        return
    for row in rows:
        tickets = counts.get((row["key"], row["version"]), 0)
        click.echo(f"{row['key']:<24} v{row['version']:<4} {row['published_at']:%Y-%m-%d %H:%M} "
                   f"{row['published_by']:<12} {tickets:>7} tickets  {row['title']}")


@definitions.command("show")
@click.argument("key")
@click.option("--version", type=int, default=None, help="Default: the latest.")
@click.option("--source", is_flag=True, help="Print the YAML as published.")
@click.pass_context
def definitions_show(ctx: click.Context, key: str, version: int | None, source: bool) -> None:
    """A published definition: states, transitions and clocks (or its YAML with --source)."""
    rt = runtime(ctx)
    with rt.store.unit_of_work(read_only=True) as uow:
        try:
            text, found = uow.definitions.source(key, version)
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
