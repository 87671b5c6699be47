"""``alur worker``, ``alur sweep`` and ``alur calendar``: background work and the office calendar.

See docs/operations.md for how many of each process to run.
"""
from __future__ import annotations

import logging
import sys
from datetime import date, datetime, timezone

import click


def _runtime(ctx: click.Context):
    from workflow.cli import runtime

    return runtime(ctx)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-24") from None


def _fail(message: str) -> None:
    from workflow.cli import fail

    fail(message)


def register(cli: click.Group) -> None:
    cli.add_command(worker)
    cli.add_command(sweep)
    cli.add_command(calendar)


@click.command()
@click.option("--burst", is_flag=True, help="Exit when the queues are empty (for scripts and tests).")
@click.option("--name", default=None, help="Worker name shown by 'rq info' (default: host and pid).")
@click.option("--no-fork", "no_fork", is_flag=True,
              help="Run jobs in this process instead of a forked child per job: ~10x more jobs a second; "
                   "a crashing job then stops the worker (let systemd or supervisor restart it).")
@click.pass_context
def worker(ctx: click.Context, burst: bool, name: str | None, no_fork: bool) -> None:
    """Run an rq worker with the scheduler (needs ALUR_REDIS_URL); start as many as you need."""
    from workflow.jobs import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from workflow.runtime import install_services

    rt = install_services(_runtime(ctx))
    if not rt.redis_url:
        _fail("alur worker needs Redis: set ALUR_REDIS_URL (e.g. redis://127.0.0.1:6379/0). Without Redis, "
              "'alur serve' escalates and delivers in-process and no worker is needed.")
    run_worker(rt, burst=burst, name=name, fork=not no_fork)


@click.command()
@click.option("--once", is_flag=True, help="Sweep once and exit (for cron or systemd timers).")
@click.option("--every", type=click.FloatRange(min=1), default=60, show_default=True,
              help="Seconds between sweeps.")
@click.pass_context
def sweep(ctx: click.Context, once: bool, every: float) -> None:
    """Fire due escalation rungs, send pending notifications, close unconfirmed tickets.

    Run exactly one of these beside the workers: it reads what is due from the database, so rungs
    whose rq jobs were lost (Redis keeps nothing on disk) still fire, once.
    """
    from workflow.jobs import sweep_loop
    from workflow.runtime import install_services

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    rt = install_services(_runtime(ctx))

    def report(results: dict) -> None:
        done = ", ".join(f"{path.rsplit('.', 1)[-1]}={'-' if n is None else n}" for path, n in results.items())
        click.echo(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S}Z sweep: {done}")

    try:
        sweep_loop(rt, every, once=once, report=report)
    except KeyboardInterrupt:
        click.echo("sweeper stopped")


@click.group()
def calendar() -> None:
    """The office calendar: holidays, cuti bersama and the office's own closures."""


@calendar.command("list")
@click.option("--year", type=int, default=None, help="Default: this year.")
@click.pass_context
def calendar_list(ctx: click.Context, year: int | None) -> None:
    """Closed working days of a year, and listed holidays the office reopened."""
    from workflow.services.calendar import list_days

    rt = _runtime(ctx)
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
    rt = _runtime(ctx)
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
        _fail(str(exc))
        return
    if counted[0] and stream.isatty():
        stream.write("\n")
    _done(result)


__all__ = ["register"]
