"""``alur mail poll``: read the complaint mailbox now (`workflow.jobs.mail`; the sweep also does it on a schedule)."""
from __future__ import annotations

import os

import click

from workflow.cli import runtime
from workflow.errors import InboundError
from workflow.jobs import mail as mail_jobs


@click.group()
def mail() -> None:
    """Complaints by email: the office mailbox read over IMAP (ALUR_IMAP_*, docs/operations.md)."""


@mail.command("poll")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Read at most this many new messages (default ALUR_IMAP_BATCH, 200); run again for the rest.")
@click.pass_context
def poll(ctx: click.Context, limit: int | None) -> None:
    """Turn each new message into a draft complaint, a reply on its ticket, or an ignored auto-reply."""
    settings = mail_jobs.settings_from(os.environ)
    if settings is None:
        raise InboundError("no mailbox is configured: set ALUR_IMAP_HOST, ALUR_IMAP_USERNAME and ALUR_IMAP_PASSWORD "
                           "(docs/operations.md, 'Complaints by email')")
    result = mail_jobs.poll(runtime(ctx), settings, limit=limit)
    done = ", ".join(f"{k}={v}" for k, v in sorted(result.outcomes.items())) or "nothing new"
    click.echo(f"{settings.source}: {result.read} message(s) read ({done})")


__all__ = ["mail", "poll"]
