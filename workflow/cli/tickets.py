"""``alur tickets``: tickets across definition versions (migration between versions)."""
from __future__ import annotations

import sys

import click

from workflow.cli import now_utc, runtime


@click.group()
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
