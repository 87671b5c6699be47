"""``alur apikeys``: create, list and revoke the API keys integrations use on /api/v1."""
from __future__ import annotations

import click

from workflow.cli import runtime
from workflow.errors import AuthError
from workflow.services.apikeys import SCOPES, create_key, integration_roles, list_keys, revoke_key


@click.group()
def apikeys() -> None:
    """API keys for integrations (scopes: intake, read, act)."""

@apikeys.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(SCOPES),
              help="Repeat for several scopes.")
@click.option("--role", default="petugas", show_default=True,
              help="The definition role the integration acts as when it fires transitions (scope act): a role "
                   "a published definition gives transitions to (petugas, tim, ...), never pemohon or system.")
@click.option("--same-integration", is_flag=True,
              help="Another key for the integration already named NAME (key rotation).")
@click.pass_context
def create(ctx: click.Context, name: str, scopes: tuple[str, ...], role: str, same_integration: bool) -> None:
    """Create a key and print it once (only its hash is stored). NAME identifies the integration."""
    try:
        rt = runtime(ctx)
        key_id, key = create_key(rt.store, name, scopes, role, same_integration=same_integration,
                                 allowed_roles=integration_roles(rt.engine))
    except AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"key {key_id} '{name}' scopes={','.join(sorted(set(scopes)))} role={role}")
    click.echo(key)
    click.echo("Simpan kunci ini sekarang: kunci tidak dapat ditampilkan lagi.", err=True)

@apikeys.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """List keys (never the secrets)."""
    rows = list_keys(runtime(ctx).store)
    if not rows:
        click.echo("no API keys")
    for r in rows:
        status = f"revoked {r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "active"
        used = f"{r.last_used_at:%Y-%m-%d %H:%M}" if r.last_used_at else "never"
        click.echo(f"{r.id:>4}  {r.name:<24} alur_{r.prefix}_…  {','.join(r.scopes):<18} role={r.role:<12} "
                   f"{status}, last used {used}")

@apikeys.command("revoke")
@click.argument("key_id", type=int)
@click.pass_context
def revoke(ctx: click.Context, key_id: int) -> None:
    """Revoke a key at once."""
    if not revoke_key(runtime(ctx).store, key_id):
        click.secho(f"no active API key with id {key_id}; see 'alur apikeys list'", fg="red", err=True)
        ctx.exit(1)
    click.echo(f"key {key_id} revoked")


__all__ = ["apikeys"]
