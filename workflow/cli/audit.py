"""``alur audit``: verify, export and sign the tamper-evident audit trail.

``verify`` checks the chain in the database (or, with ``--export``, an export file with no database),
and every signed checkpoint against it. ``checkpoint`` signs the head with the office's Ed25519 key
(``ALUR_AUDIT_KEY``), ``keygen`` makes that key, ``checkpoints`` prints or exports the signed heads for
auditors to keep outside the office. docs/audit.md explains it for auditors (in Indonesian).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from workflow.cli import fail, now_utc, runtime


@click.group()
def audit() -> None:
    """Verify, export and sign the tamper-evident audit trail."""


def _bar(label: str, length: int):
    return click.progressbar(length=length, label=label, file=sys.stderr)


@audit.command("verify")
@click.option("--checkpoints", "checkpoint_source", type=click.Path(exists=True, path_type=Path), default=None,
              help="A checkpoint file or folder kept outside the office: each must be a prefix of the chain.")
@click.option("--public-key", default=None,
              help="The office's public key (file or base64) checkpoints must be signed with "
                   "(default: the public half of ALUR_AUDIT_KEY).")
@click.option("--export", "export_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Verify this 'alur audit export' JSON Lines file instead of the database (offline).")
@click.pass_context
def audit_verify(ctx: click.Context, checkpoint_source: Path | None, public_key: str | None,
                 export_file: Path | None) -> None:
    """Recompute the hash chain and check the signed checkpoints; exit 0 if all holds, else say what failed."""
    from workflow.core.checkpoints import read_checkpoints
    from workflow.services import audit as audit_service

    given = read_checkpoints(checkpoint_source) if checkpoint_source else []
    if export_file is not None:
        result = audit_service.verify_export(export_file, checkpoints=given, public_key=public_key)
    else:
        rt = runtime(ctx)
        with _bar("verifying", rt.store.audit_head()[0]) as bar:
            result = audit_service.verify(rt.store, checkpoints=given, public_key=public_key, progress=bar.update)
    for problem in result.problems:
        click.secho(problem, fg="red", err=True)
    if not result.ok:
        sys.exit(1)
    seq, head = result.head
    click.secho(f"audit chain intact: {seq} rows, head {head}", fg="green")
    if result.checkpoints:
        click.echo(f"{result.checkpoints} signed checkpoint(s) hold: each is a prefix of this chain")
    if result.written_during:
        click.echo(f"{result.written_during} row(s) were written during verification (after row {seq}); "
                   "run again to include them")


@audit.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--receipt", default=None, help="Only this ticket's rows.")
@click.pass_context
def audit_export(ctx: click.Context, output: Path | None, fmt: str, receipt: str | None) -> None:
    """Write the audit trail for auditors (JSON Lines keeps the hashes for offline verification)."""
    from workflow.reports.audit_export import write_audit

    rt = runtime(ctx)
    stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        with _bar("exporting", rt.store.audit_count()) as bar:
            count = write_audit(rt.store.audit_rows(receipt_no=receipt), stream, fmt, progress=bar.update)
    finally:
        if output:
            stream.close()
    click.echo(f"{count} rows written" + (f" to {output}" if output else ""), err=True)


@audit.command("keygen")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the private key (PEM, readable by its owner only). Keep it off the database "
                   "server's backups; set ALUR_AUDIT_KEY to its path.")
def audit_keygen(output: Path) -> None:
    """Make the office's Ed25519 signing key; prints the public key and its fingerprint to hand to auditors."""
    from workflow.core.checkpoints import fingerprint, new_private_key, private_key_pem, public_key_pem

    if output.exists():
        fail(f"{output} exists; a new key would make earlier checkpoints unverifiable with it. Choose another path.")
    key = new_private_key()
    descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_key_pem(key))
    public = output.with_suffix(".pub")
    public.write_bytes(public_key_pem(key.public_key()))
    click.echo(f"private key: {output} (mode 600); public key: {public}")
    click.echo(f"fingerprint: {fingerprint(key.public_key())}")


@audit.command("checkpoint")
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The private key (default: ALUR_AUDIT_KEY).")
@click.pass_context
def audit_checkpoint(ctx: click.Context, key_path: Path | None) -> None:
    """Sign the chain's current head and keep the checkpoint; prints it (one JSON line) for safekeeping."""
    from workflow.services import audit as audit_service

    path = key_path or os.environ.get(audit_service.KEY_ENV)
    if not path:
        fail("no signing key: pass --key FILE or set ALUR_AUDIT_KEY (make one with 'alur audit keygen -o FILE')")
    signed = audit_service.checkpoint(runtime(ctx).store, path, now_utc())
    click.echo(signed.as_json())
    click.echo(f"signed row {signed.seq} with key {signed.key_fingerprint}", err=True)


@audit.command("checkpoints")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@click.pass_context
def audit_checkpoints(ctx: click.Context, output: Path | None) -> None:
    """Every signed checkpoint kept, as JSON Lines (give the file to auditors; 'verify --checkpoints' reads it)."""
    rt = runtime(ctx)
    with rt.store.unit_of_work(read_only=True) as uow:
        kept = uow.audit.checkpoints()
    text = "".join(cp.as_json() + "\n" for cp in kept)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{len(kept)} checkpoint(s) written to {output}", err=True)
    else:
        click.echo(text, nl=False)


__all__ = ["audit"]
