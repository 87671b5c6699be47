"""``alur calendar``: the office calendar (holidays, cuti bersama and the office's own closures)."""
from __future__ import annotations

import sys
from datetime import date, datetime, timezone

import click

from workflow.cli import fail, runtime


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-24") from None


@click.group()
def calendar() -> None:
    """The office calendar: holidays, cuti bersama and the office's own closures."""


@calendar.command("list")
@click.option("--year", type=int, default=None, help="Default: this year.")
@click.pass_context
def calendar_list(ctx: click.Context, year: int | None) -> None:
    """Closed working days of a year, and listed holidays the office reopened."""
    from workflow.services.calendar import list_days

    rt = runtime(ctx)
    year = year or datetime.now(timezone.utc).year
    days = list_days(rt, date(year, 1, 1), date(year, 12, 31))
    if not days:
        click.echo(f"no closed working days in {year}")
    hari = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
    for d in days:
        source = "kantor" if d.source == "office" else "libur nasional/cuti bersama"
        mark = "DIBUKA" if d.status == "opened" else "tutup"
        click.echo(f"{d.day.isoformat()} {hari[d.day.weekday()]:<7} {mark:<6} {d.name}  [{source}]")


def _done(result) -> None:
    click.secho(f"{result.checked} clock run(s) checked, {result.moved} due time(s) moved on "
                f"{len(result.tickets)} ticket(s); each is in the audit trail", fg="green")


@calendar.command("close")
@click.argument("day")
@click.argument("name")
@click.option("--by", "actor", default="cli", show_default=True, help="Who decides (recorded in the audit).")
@click.pass_context
def calendar_close(ctx: click.Context, day: str, name: str, actor: str) -> None:
    """Close the office on DAY (YYYY-MM-DD), named NAME; deadlines that cross it move."""
    from workflow.services.calendar import add_closure

    _run_edit(ctx, lambda rt, progress: add_closure(rt, _day(day), name, actor, progress=progress))


@calendar.command("open")
@click.argument("day")
@click.option("--reason", default="", help="Why (e.g. the decree revoking a cuti bersama).")
@click.option("--by", "actor", default="cli", show_default=True, help="Who decides (recorded in the audit).")
@click.pass_context
def calendar_open(ctx: click.Context, day: str, reason: str, actor: str) -> None:
    """Open the office on DAY although it is a listed holiday (or withdraw an office closure)."""
    from workflow.services.calendar import remove_holiday

    _run_edit(ctx, lambda rt, progress: remove_holiday(rt, _day(day), reason, actor, progress=progress))


@calendar.command("reset")
@click.argument("day")
@click.option("--by", "actor", default="cli", show_default=True, help="Who decides (recorded in the audit).")
@click.pass_context
def calendar_reset(ctx: click.Context, day: str, actor: str) -> None:
    """Undo the office's edit of DAY: the holidays package decides again."""
    from workflow.services.calendar import reset_day

    _run_edit(ctx, lambda rt, progress: reset_day(rt, _day(day), actor, progress=progress))


def _run_edit(ctx: click.Context, edit) -> None:
    rt = runtime(ctx)
    stream = sys.stderr
    counted = [0]

    def progress(k: int) -> None:
        counted[0] += k
        if stream.isatty():
            stream.write(f"\r  recomputing deadlines: {counted[0]:,} clock runs checked")
            stream.flush()

    try:
        result = edit(rt, progress)
    except ValueError as exc:
        fail(str(exc))
        return
    if counted[0] and stream.isatty():
        stream.write("\n")
    _done(result)


__all__ = ["calendar"]
