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
    rt = runtime(ctx)
    rt.store.upgrade(revision)
    click.echo(f"database at revision {rt.store.revision()} ({rt.store.describe()})")
