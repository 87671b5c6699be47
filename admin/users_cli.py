"""``alur users``: console users and their roles (add, list, disable, enable, password)."""
from __future__ import annotations

import sys

import click

from workflow.cli import runtime as cli_runtime
from workflow.core.guards import SUPERVISOR_LEVELS
from workflow.errors import AuthError
from workflow.services import users as accounts


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group()
def users() -> None:
    """Console users and their roles."""


@users.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(accounts.ROLES),
              help="Repeat for several roles.")
@click.option("--level", type=click.IntRange(1, 3), default=None,
              help="Supervisor level: 1 kepala seksi, 2 kepala bidang, 3 kepala dinas.")
@click.option("--opd", default=None, help="OPD code for an opd_liaison (e.g. dinas_esdm).")
@click.option("--name", default=None, help="Display name.")
@click.option("--email", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.pass_context
def users_add(ctx, username, roles, level, opd, name, email, password_stdin) -> None:
    """Create a user (asks for the password)."""
    rt = cli_runtime(ctx)
    try:
        accounts.check_roles(roles, level, opd, rt.catalogs)
    except AuthError as exc:
        raise click.UsageError(str(exc)) from exc
    password = _read_password(password_stdin)
    try:
        user = accounts.create_user(rt.store, username, password, roles, supervisor_level=level, opd=opd,
                                    display_name=name, email=email, catalogs=rt.catalogs)
    except AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    click.secho(f"user {user.username} created ({', '.join(sorted(user.roles))})", fg="green")


@users.command("list")
@click.pass_context
def users_list(ctx) -> None:
    """Every user with roles, level, OPD and status."""
    rows = accounts.list_users(cli_runtime(ctx).store)
    if not rows:
        click.echo("no users yet; add one with 'alur users add USERNAME --role admin'")
        return
    for u in rows:
        level = SUPERVISOR_LEVELS.get(u.supervisor_level or 0, "")
        click.echo(f"{u.username:<16} {'active' if u.active else 'DISABLED':<9} {','.join(sorted(u.roles)):<24} "
                   f"{level:<14} {u.opd or '':<14} {u.display_name}")


def _set_active(ctx, username: str, active: bool) -> None:
    try:
        accounts.set_active(cli_runtime(ctx).store, username, active)
    except AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"user {username} {'enabled' if active else 'disabled'}")


@users.command("disable")
@click.argument("username")
@click.pass_context
def users_disable(ctx, username) -> None:
    """Stop a user from signing in (kept for the audit trail; sessions end at their next request)."""
    _set_active(ctx, username, False)


@users.command("enable")
@click.argument("username")
@click.pass_context
def users_enable(ctx, username) -> None:
    """Allow a disabled user to sign in again."""
    _set_active(ctx, username, True)


@users.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True)
@click.pass_context
def users_password(ctx, username, password_stdin) -> None:
    """Set a new password for a user."""
    try:
        accounts.set_password(cli_runtime(ctx).store, username, _read_password(password_stdin))
    except AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"password of {username} changed")


__all__ = ["users"]
