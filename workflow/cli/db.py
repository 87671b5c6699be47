"""``alur db``: the database schema (Alembic migrations)."""
from __future__ import annotations

import click

from workflow.cli import runtime


@click.group()
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
