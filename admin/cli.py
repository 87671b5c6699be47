"""The ``alur`` command: every part's commands, and the processes that run the whole system.

This is the entry point (``alur = admin.cli:main``), the one place that may import every part, so the
wiring is read here: the engine's commands (`workflow.cli`), the outbox (`notifications.cli`), users and
API keys (`admin.users_cli`, `admin.api_cli`), and the three processes of a deployment:

* ``alur serve`` -- the web console, public pages and API (`admin.app`); without Redis it also sweeps
  deadlines and delivers notifications in-process.
* ``alur worker`` -- rq worker for rung and notification jobs (needs ``ALUR_REDIS_URL``).
* ``alur sweep`` -- the periodic safety net (run exactly one beside the workers).

Each process gets its runtime from `running_runtime`: the engine plus the after-commit and periodic
services of `workflow.jobs` and `notifications.delivery`.
"""
from __future__ import annotations

import logging
import os
from datetime import datetime, timezone

import click

from admin import api_cli, demo, users_cli
from notifications import cli as outbox_cli
from notifications import delivery
from notifications.channels import is_loopback
from notifications.templates import available_templates
from workflow.cli import cli
from workflow.cli import runtime as cli_runtime
from workflow.errors import AlurError
from workflow.jobs import mail, periodic, queues
from workflow.jobs import worker as jobs_worker
from workflow.services import audit as audit_service


def running_runtime(rt):
    """``rt`` with what a running process needs after each commit and on each sweep: rung jobs on Redis,
    notification delivery (its outbox sweep included), and signing the audit chain's head when
    ``ALUR_AUDIT_KEY`` names a key. Safe to call twice."""
    queues.install(rt)
    delivery.install(rt)
    mail.install(rt)  # the complaint mailbox, when ALUR_IMAP_HOST is set (workflow.jobs.mail)
    rt.periodic.setdefault("checkpoint_audit", audit_service.checkpoint_if_due)
    return rt


# -- serve --------------------------------------------------------------------------------------------
@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo", "with_demo", is_flag=True,
              help="Upgrade the DB, publish the SOP, create demo users and tickets.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Web processes (default: ALUR_WEB_WORKERS, else two per CPU core).")
@click.option("--timeout", type=click.IntRange(min=5), default=30, show_default=True,
              help="Seconds before a hung request's process is restarted.")
@click.option("--dev", is_flag=True, help="Werkzeug's development server with the reloader (one process; "
                                            "not for production).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, with_demo: bool, workers: int | None, timeout: int,
          dev: bool) -> None:
    """Run the web console, public pages and API on gunicorn (or Werkzeug's reloader with --dev)."""
    if dev and os.environ.get("WERKZEUG_RUN_MAIN") != "true":  # the reloader's watcher: it only restarts
        _dev_watch(host, port)
        return
    if is_loopback(host) and os.environ.get("ALUR_INSECURE_COOKIES") != "1":
        os.environ["ALUR_INSECURE_COOKIES"] = "1"
        click.secho("WARNING: serving plain http on a loopback address: session cookies are not marked "
                    "Secure (ALUR_INSECURE_COOKIES=1). Behind a network, serve over TLS instead.",
                    fg="yellow", err=True)
    elif os.environ.get("ALUR_INSECURE_COOKIES") == "1":
        click.secho("WARNING: ALUR_INSECURE_COOKIES=1 on a non-loopback address: sessions travel unprotected "
                    "over plain http.", fg="red", err=True)
    rt = cli_runtime(ctx)
    if not with_demo:
        if rt.store.revision() is None:
            raise click.ClickException("the database has no schema yet: run 'alur db upgrade' and "
                                       "'alur definitions publish definitions/pengaduan-ptsp.yaml' "
                                       "(or try everything at once with 'alur serve --demo')")
    os.environ.setdefault("ALUR_PUBLIC_URL", f"http://{host}:{port}")
    rt.public_url = os.environ["ALUR_PUBLIC_URL"]
    if with_demo:
        logins = demo.prepare_demo(rt)
        print_logins(logins, host, port)
    from admin.app import create_app

    app = create_app(runtime=running_runtime(rt))
    sweeper = _start_background(rt, here=dev)  # under gunicorn each worker starts its own (admin.server)
    click.echo(f"database: {rt.store.describe()}")
    click.echo(f"alur console on http://{host}:{port}/admin/  (public pages on http://{host}:{port}/)")
    try:
        if dev:
            from werkzeug.serving import run_simple

            run_simple(host, port, app, threaded=True, use_reloader=True, use_debugger=False)
        else:
            from admin import server

            server.run(app, rt, host=host, port=port, workers=workers or server.default_workers(), timeout=timeout)
    finally:
        if sweeper is not None:
            sweeper.stop()


def _dev_watch(host: str, port: int) -> None:
    """The reloader's watching process: it runs the command again in a child (WERKZEUG_RUN_MAIN=true), which
    does the work and is restarted on every code change; nothing is prepared twice."""
    from werkzeug.serving import run_simple

    click.secho("development server (--dev): one process, restarted when the code changes; not for production",
                fg="yellow", err=True)
    run_simple(host, port, lambda environ, start_response: [], use_reloader=True)  # the child serves the app


def _start_background(rt, *, here: bool = True):
    if rt.redis_url:
        click.echo("Redis configured: run 'alur worker' for deadlines and notifications.")
        return None
    click.echo("no Redis configured: deadlines and notifications are swept in the web process(es).")
    if not here:
        return None
    delivery.start_background_delivery(rt)  # requests never wait on the mail server
    return periodic.start_inprocess_sweeper(rt)


def print_logins(logins: list[tuple[str, str, str]], host: str, port: int) -> None:
    click.secho("\nDEMO LOGINS (passwords generated for this run; demo mode only)", fg="cyan", bold=True)
    click.echo(f"  sign in at http://{host}:{port}/login")
    for username, role, password in logins:
        click.echo(f"  {username:<10} {password:<16} {role}")
    click.echo("")


# -- worker and sweep ---------------------------------------------------------------------------------
def _log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@click.command()
@click.option("--burst", is_flag=True, help="Exit when the queues are empty (for scripts and tests).")
@click.option("--name", default=None, help="Worker name shown by 'rq info' (default: host and pid).")
@click.option("--processes", type=click.IntRange(min=1), default=lambda: int(os.environ.get(
              "ALUR_WORKER_PROCESSES") or 2 * (os.cpu_count() or 1)),
              show_default="ALUR_WORKER_PROCESSES or two per core",
              help="Workers run and restarted by this command (jobs mostly wait on the database, Redis and mail "
                   "servers, so two per core keep the cores busy).")
@click.option("--fork/--no-fork", "fork", default=False, show_default=True,
              help="Fork a work horse per job (rq's default: isolates each job, ~10x slower). Without it each "
                   "worker runs jobs itself and the supervisor restarts a worker that dies.")
@click.pass_context
def worker(ctx: click.Context, burst: bool, name: str | None, processes: int, fork: bool) -> None:
    """Run rq workers with the scheduler (needs ALUR_REDIS_URL), restarting any that dies."""
    _log_to_stderr()
    rt = running_runtime(cli_runtime(ctx))
    if not rt.redis_url:
        raise click.ClickException("alur worker needs Redis: set ALUR_REDIS_URL (e.g. redis://127.0.0.1:6379/0). "
                                   "Without Redis, 'alur serve' escalates and delivers in-process and no worker "
                                   "is needed.")
    if burst:
        jobs_worker.run_worker(rt, burst=True, name=name, fork=fork)
        return
    click.echo(f"alur worker: {processes} worker(s), {'forking per job' if fork else 'jobs in process'}", err=True)
    jobs_worker.run_workers(rt, processes, name=name, fork=fork)


@click.command()
@click.option("--once", is_flag=True, help="Sweep once and exit (for cron or systemd timers).")
@click.option("--every", type=click.FloatRange(min=1), default=60, show_default=True,
              help="Seconds between sweeps.")
@click.pass_context
def sweep(ctx: click.Context, once: bool, every: float) -> None:
    """Fire due escalation rungs, close unconfirmed tickets, send pending notifications.

    Run exactly one of these beside the workers: it reads what is due from the database, so rungs
    whose rq jobs were lost (Redis keeps nothing on disk) still fire, once.
    """
    _log_to_stderr()
    rt = running_runtime(cli_runtime(ctx))

    def report(results: dict) -> None:
        done = ", ".join(f"{name}={'-' if n is None else n}" for name, n in results.items())
        click.echo(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S}Z sweep: {done}")

    try:
        periodic.sweep_loop(rt, every, once=once, report=report)
    except KeyboardInterrupt:
        click.echo("sweeper stopped")


# -- the command --------------------------------------------------------------------------------------
for _command in (serve, worker, sweep, users_cli.users, api_cli.apikeys, outbox_cli.outbox):
    cli.add_command(_command)


def main() -> None:
    try:
        cli(prog_name="alur", obj={"templates": available_templates})
    except AlurError as exc:
        click.secho(str(exc), fg="red", err=True)
        raise SystemExit(1) from None


__all__ = ["main", "cli", "serve", "worker", "sweep", "running_runtime", "print_logins"]
