"""``alur outbox``: the notification delivery log, and retrying failed messages."""
from __future__ import annotations

import click

from notifications.delivery import install
from notifications.retry import retry_delivery, retry_failed
from workflow.cli import runtime
from workflow.store.queries.delivery_log import delivery_log

STATUSES = ("queued", "sent", "failed", "skipped")


def _runtime(ctx: click.Context, *, sending: bool = False):
    rt = runtime(ctx)
    if sending:  # channels are built (and their configuration checked) only to send
        install(rt)
    return rt


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


@click.group()
def outbox() -> None:
    """Notification delivery log; retry failed messages."""

@outbox.command("list")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only deliveries in this status.")
@click.option("--limit", type=int, default=100, show_default=True)
@click.pass_context
def outbox_list(ctx: click.Context, status: str | None, limit: int) -> None:
    """Deliveries, newest first: status, attempts, next attempt and last error."""
    rows = delivery_log(_runtime(ctx).store, status=status, limit=limit)
    if not rows:
        click.echo(f"no {status + ' ' if status else ''}deliveries")
        return
    click.echo(f"{'ID':>6}  {'RECEIPT':<16} {'TEMPLATE':<20} {'CHANNEL':<8} {'RECIPIENT':<30} "
               f"{'STATUS':<8} {'ATT':>3}  {'NEXT/SENT':<16}  LAST ERROR")
    for r in rows:
        when = r["sent_at"] if r["status"] == "sent" else r["next_attempt_at"] if r["status"] == "queued" else None
        click.echo(f"{r['id']:>6}  {(r['receipt_no'] or '-'):<16} {r['template']:<20} {r['channel']:<8} "
                   f"{r['recipient'][:30]:<30} {r['status']:<8} {r['attempts']:>3}  {_when(when):<16}  "
                   f"{(r['last_error'] or '').splitlines()[0][:120] if r['last_error'] else ''}")

@outbox.command("retry")
@click.argument("delivery_id", type=int, required=False)
@click.option("--all-failed", is_flag=True, help="Retry every failed delivery.")
@click.pass_context
def outbox_retry(ctx: click.Context, delivery_id: int | None, all_failed: bool) -> None:
    """Send a failed delivery again (a sent one is never sent twice)."""
    if (delivery_id is None) == (not all_failed):
        raise click.UsageError("give a delivery ID or --all-failed (see 'alur outbox list --status failed')")
    rt = _runtime(ctx, sending=True)
    try:
        results = retry_failed(rt) if all_failed else {delivery_id: retry_delivery(rt, delivery_id)}
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    if not results:
        click.echo("no failed deliveries")
    for ident, status in results.items():
        click.echo(f"delivery {ident}: {status}")
    if any(status == "failed" for status in results.values()):
        ctx.exit(1)


__all__ = ["outbox"]
