"""The ``alur`` command line at the edge of the engine: parse, call a service, print.

This package holds the engine's commands, one module per group (`db`, `definitions`, `tickets`,
`audit`, `imports`, `calendar`, `report`), all added to `cli` below. Commands that need the whole
running system (``serve``, ``worker``, ``sweep``, users, API keys, the outbox) belong to the parts
that own them and are added by the ``alur`` entry point, `admin.cli.main`.
"""
from __future__ import annotations

import sys
from datetime import datetime, timezone

import click

from workflow.errors import AlurError


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


def _add_engine_commands() -> None:
    from workflow.cli import audit, calendar, db, definitions, history, imports, mail, office, report, tickets, whatif

    for command in (db.db, definitions.definitions, tickets.tickets, audit.audit, imports.import_group,
                    calendar.calendar, report.report, office.office, office.agencies, history.history, mail.mail,
                    whatif.whatif):
        cli.add_command(command)


_add_engine_commands()

__all__ = ["cli", "runtime", "fail", "now_utc", "AlurGroup"]
