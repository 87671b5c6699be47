"""``alur users``: console users and their roles (add, set, list, roles, disable, enable, password).

Roles are the console's own (admin, auditor, supervisor with --level) and every role a published
definition declares (`workflow.core.roles`); ``alur users roles`` lists them with their labels. The
command line is where supervisor roles (which reveal confidential complainants) are granted: the web
console refuses them (`workflow.services.users`). ``--by`` names who makes the change in the audit trail.
"""
from __future__ import annotations

import sys

import click

from workflow.cli import runtime as cli_runtime
from workflow.errors import AuthError
from workflow.services import users as accounts
from workflow.services.roles import role_directory


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group()
def users() -> None:
    """Console users and their roles."""


def _role_options(command):
    for option in reversed((
            click.option("--role", "roles", multiple=True, required=True,
                         help="Repeat for several roles: admin, auditor, supervisor, or any role a published "
                              "definition declares (see 'alur users roles')."),
            click.option("--level", type=click.IntRange(min=1), default=None,
                         help="For --role supervisor: the supervisor_level whose roles the user acts as."),
            click.option("--opd", default=None, help="Agency code for an opd_liaison (see 'alur agencies list')."),
            click.option("--by", "actor", default="cli", show_default=True,
                         help="Who makes the change (recorded in the audit trail)."))):
        command = option(command)
    return command


@users.command("add")
@click.argument("username")
@_role_options
@click.option("--name", default=None, help="Display name.")
@click.option("--email", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.pass_context
def users_add(ctx, username, roles, level, opd, actor, name, email, password_stdin) -> None:
    """Create a user (asks for the password)."""
    rt = cli_runtime(ctx)
    directory = role_directory(rt)
    try:
        accounts.check_roles(roles, level, opd, rt.catalogs, directory)
    except AuthError as exc:
        raise click.UsageError(str(exc)) from exc
    password = _read_password(password_stdin)
    try:
        user = accounts.create_user(rt.store, username, password, roles, supervisor_level=level, opd=opd,
                                    display_name=name, email=email, catalogs=rt.catalogs, actor_id=actor,
                                    actor_role="cli", directory=directory)
    except AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    click.secho(f"user {user.username} created ({', '.join(sorted(user.roles))})", fg="green")


@users.command("set")
@click.argument("username")
@_role_options
@click.pass_context
def users_set(ctx, username, roles, level, opd, actor) -> None:
    """Give a user new roles (with level and agency): the whole set, replacing the old one."""
    rt = cli_runtime(ctx)
    try:
        user = accounts.change_user(rt.store, username, roles=roles, supervisor_level=level, opd=opd,
                                    catalogs=rt.catalogs, actor_id=actor, actor_role="cli",
                                    directory=role_directory(rt))
    except AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    click.secho(f"user {user.username}: {', '.join(sorted(user.roles))}", fg="green")


@users.command("roles")
@click.pass_context
def users_roles(ctx) -> None:
    """Every role that can be given, with its label, supervisor level and the definitions that declare it."""
    directory = role_directory(cli_runtime(ctx))
    for key in directory.assignable():
        role = directory.roles.get(key)
        level = f"level {role.supervisor_level}" if role and role.supervisor_level else ""
        where = ", ".join(role.definitions) if role else "console"
        click.echo(f"{key:<20} {level:<8} {directory.label(key):<40} {where}")


@users.command("list")
@click.pass_context
def users_list(ctx) -> None:
    """Every user with roles, supervisor level, agency and status."""
    rt = cli_runtime(ctx)
    rows = accounts.list_users(rt.store)
    if not rows:
        click.echo("no users yet; add one with 'alur users add USERNAME --role admin'")
        return
    directory = role_directory(rt)
    for u in rows:
        level = directory.level_of(u.roles, u.supervisor_level)
        click.echo(f"{u.username:<16} {'active' if u.active else 'DISABLED':<9} {','.join(sorted(u.roles)):<24} "
                   f"{f'level {level}' if level else '':<9} {u.opd or '':<14} {u.display_name}")


def _set_active(ctx, username: str, active: bool, actor: str) -> None:
    try:
        accounts.set_active(cli_runtime(ctx).store, username, active, actor_id=actor, actor_role="cli")
    except AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"user {username} {'enabled' if active else 'disabled'}")


@users.command("disable")
@click.argument("username")
@click.option("--by", "actor", default="cli", show_default=True)
@click.pass_context
def users_disable(ctx, username, actor) -> None:
    """Stop a user from signing in (kept for the audit trail; sessions end at their next request)."""
    _set_active(ctx, username, False, actor)


@users.command("enable")
@click.argument("username")
@click.option("--by", "actor", default="cli", show_default=True)
@click.pass_context
def users_enable(ctx, username, actor) -> None:
    """Allow a disabled user to sign in again."""
    _set_active(ctx, username, True, actor)


@users.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True)
@click.option("--by", "actor", default="cli", show_default=True)
@click.pass_context
def users_password(ctx, username, password_stdin, actor) -> None:
    """Set a new password for a user."""
    try:
        accounts.set_password(cli_runtime(ctx).store, username, _read_password(password_stdin), actor_id=actor,
                              actor_role="cli")
    except AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"password of {username} changed")


__all__ = ["users"]
