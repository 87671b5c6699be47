"""``alur tickets migrate``: which open tickets move to another definition version, and what happens to their
deadlines (`workflow.services.migrate`). Without ``--apply`` nothing changes."""
from __future__ import annotations

import json
import sys

import click

from workflow.cli import now_utc, runtime
from workflow.cli.ticket_views import jsonable, local
from workflow.cli.tickets import tickets

SHOWN = 50  # tickets listed per kind before "… more"


def _clock_line(c) -> str:
    who = f" [{c.party}]" if c.party else ""
    if c.new_budget is None:
        return f"{c.label}{who}: {c.old_budget.describe()} -> dihentikan (tidak ada di versi tujuan)"
    due = f"tenggat {local(c.old_due)} -> {local(c.new_due)}" if c.status == "running" else "dijeda"
    mark = "  MENJADI TERLAMBAT" if c.becomes_late else "  terlambat" if c.late_after else ""
    return f"{c.label}{who}: {c.old_budget.describe()} -> {c.new_budget.describe()}; {due}{mark}"


def _as_data(the_plan) -> dict:
    def clock(c) -> dict:
        return {"clock": c.clock, "label": c.label, "run": c.run, "agency": c.party, "status": c.status,
                "old_budget": c.old_budget.describe(), "new_budget": c.new_budget.describe() if c.new_budget else None,
                "old_due": c.old_due, "new_due": c.new_due, "late_before": c.late_before, "late_after": c.late_after,
                "becomes_late": c.becomes_late}

    return {"definition": the_plan.key, "to_version": the_plan.to_version,
            "moves": [{"receipt_no": m.receipt_no, "from_version": m.from_version, "from_state": m.from_state,
                       "to_state": m.to_state, "becomes_late": m.becomes_late, "clocks": [clock(c) for c in m.clocks]}
                      for m in the_plan.moves],
            "blocked": [{"receipt_no": b.receipt_no, "from_version": b.from_version, "state": b.state,
                         "reason": b.reason} for b in the_plan.blocked],
            "becoming_late": [m.receipt_no for m in the_plan.becoming_late]}


def _print_plan(the_plan, key: str, to_version: int) -> None:
    click.echo(f"{len(the_plan.moves)} ticket(s) can move to {key} v{to_version}; {len(the_plan.blocked)} cannot; "
               f"{len(the_plan.becoming_late)} would become late")
    for move in the_plan.moves[:SHOWN]:
        arrow = f"{move.from_state} -> {move.to_state}" if move.from_state != move.to_state else move.from_state
        click.echo(f"  move    {move.receipt_no}  v{move.from_version} -> v{to_version}  {arrow}"
                   + ("  MENJADI TERLAMBAT" if move.becomes_late else ""))
        for impact in move.clocks:
            click.echo(f"          {_clock_line(impact)}")
    for blocked in the_plan.blocked[:SHOWN]:
        click.echo(f"  BLOCKED {blocked.receipt_no}  v{blocked.from_version}  {blocked.reason}")
    shown = min(SHOWN, len(the_plan.moves)) + min(SHOWN, len(the_plan.blocked))
    if shown < len(the_plan.moves) + len(the_plan.blocked):
        click.echo(f"  … {len(the_plan.moves) + len(the_plan.blocked) - shown} more")


@tickets.command("migrate")
@click.option("--definition", "key", default="pengaduan-ptsp", show_default=True)
@click.option("--to", "to_version", type=int, required=True, help="Target definition version.")
@click.option("--from-version", type=int, default=None, help="Only tickets on this version.")
@click.option("--map", "pairs", multiple=True, metavar="OLD=NEW", help="Where a removed state's tickets go.")
@click.option("--apply", "do_apply", is_flag=True, help="Apply the plan (default: dry run).")
@click.option("--skip-blocked", is_flag=True, help="Move what can move and leave blocked tickets pinned.")
@click.option("--by", "actor", default="cli", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.pass_context
def tickets_migrate(ctx: click.Context, key: str, to_version: int, from_version: int | None, pairs: tuple[str, ...],
                    do_apply: bool, skip_blocked: bool, actor: str, as_json: bool) -> None:
    """Show (dry run) or apply a move of open tickets to another version: per ticket and clock, the old and
    new budget and due time, and which tickets would become late."""
    from workflow.services import migrate

    rt = runtime(ctx)
    the_plan = migrate.plan(rt, key, to_version, migrate.parse_mapping(pairs), from_version=from_version)
    if as_json:
        click.echo(json.dumps(jsonable(_as_data(the_plan)), ensure_ascii=False, indent=2))
    else:
        _print_plan(the_plan, key, to_version)
    if not do_apply:
        if not as_json:
            click.echo("dry run: nothing changed; add --apply to migrate")
        return
    with click.progressbar(length=len(the_plan.moves), label="migrating", file=sys.stderr) as bar:
        moved = migrate.apply(rt, the_plan, actor, now_utc(), skip_blocked=skip_blocked, progress=bar.update)
    click.secho(f"migrated {moved} ticket(s) to {key} v{to_version}; running clocks now follow v{to_version}'s "
                "budgets and ladders", fg="green", err=as_json)


__all__ = ["tickets_migrate"]
