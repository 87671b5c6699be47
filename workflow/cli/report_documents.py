"""``alur report drafts|approve|publish|reopen|published``: the report the office signs, from the command line.

    alur report drafts list
    alur report drafts open --period 2026-Q3 [--definition KEY] --by kasi
    alur report drafts show ID [--section analisa]
    alur report drafts save ID --by kasi --section kesimpulan=kesimpulan.txt [--section ...] [--version N]
    alur report approve ID --by kadis [--version N]
    alur report publish ID --by kadis [--version N]
    alur report reopen ID --by kasi --reason "Koreksi angka OPD" [--version N]
    alur report published [NUMBER --format docx -o FILE]

Every step goes through `workflow.services.report_documents` (the same checks and audit rows as the
console: ``--by`` must be an account, approving and publishing need the top supervisor level). Without
``--version`` the version read just before is used; give it to be sure nobody saved in between.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click

from workflow.cli import fail, runtime


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _version(rt, document_id: int, given: int | None) -> int:
    from workflow.services import report_documents as docs

    return given if given is not None else docs.get_document(rt.store, document_id).version


@click.group("drafts")
def drafts() -> None:
    """Drafts of the quarterly report: list, open, show, save."""


@drafts.command("list")
@click.pass_context
def list_drafts(ctx: click.Context) -> None:
    """Every report document and every publication."""
    from workflow.services import report_documents as docs

    rt = runtime(ctx)
    found = docs.list_documents(rt.store)
    if not found:
        click.echo("no report documents yet; start one with: alur report drafts open --period 2026-Q3 --by NAME")
    for d in found:
        click.echo(f"{d.id:>4}  {d.period:<12} {d.definition_key or '(semua layanan)':<24} {d.status:<9} "
                   f"v{d.version:<3} {d.updated_by} {d.updated_at.isoformat(timespec='minutes')}")
    for p in docs.publications(rt.store):
        click.echo(f"No. {p.number:>3}  {p.period:<12} edisi {p.edition}  terbit {p.published_at.isoformat()} "
                   f"oleh {p.published_by}, disetujui {p.approved_by}; audit #{p.audit_seq} {p.audit_hash[:16]}…"
                   + (f"  alasan: {p.reason}" if p.reason else ""))


@drafts.command("open")
@click.option("--period", required=True, help="2026-Q3, 2026-07, 2026-S2, 2026 or a date range.")
@click.option("--definition", "definition_key", default=None, help="One definition key (default: all).")
@click.option("--by", "actor", required=True, help="The supervisor's username.")
@click.pass_context
def open_draft_command(ctx: click.Context, period: str, definition_key: str | None, actor: str) -> None:
    """Open the period's draft (started from the generated text if there is none)."""
    from workflow.core.period import PeriodError, parse_period
    from workflow.reports.documents import open_draft

    try:
        parsed = parse_period(period)
    except PeriodError as exc:
        fail(str(exc))
        return
    doc = open_draft(runtime(ctx), parsed, definition_key, actor_id=actor, now=_now())
    click.echo(f"report document {doc.id}: {doc.period} {doc.definition_key or '(semua layanan)'}, {doc.status}, "
               f"version {doc.version}")


@drafts.command("show")
@click.argument("document_id", type=int)
@click.option("--section", default=None, help="Only this section (pendahuluan, analisa, kesimpulan, rekomendasi).")
@click.pass_context
def show(ctx: click.Context, document_id: int, section: str | None) -> None:
    """The document's narrative and history."""
    from workflow.core.report_document import SECTION_KEYS, section_title
    from workflow.services import report_documents as docs

    rt = runtime(ctx)
    doc = docs.get_document(rt.store, document_id)
    if section is not None and section not in SECTION_KEYS:
        fail(f"unknown section {section}; sections: {', '.join(SECTION_KEYS)}")
    if section is not None:
        click.echo(doc.sections.get(section, ""))
        return
    click.echo(f"{doc.period} {doc.definition_key or '(semua layanan)'}: {doc.status}, version {doc.version}")
    for key in SECTION_KEYS:
        click.echo(f"\n== {section_title(key)} ==\n{doc.sections.get(key, '')}")
    click.echo("\nhistory:")
    for v in docs.history(rt.store, doc.id):
        click.echo(f"  v{v.version} {v.action} {v.by} {v.at.isoformat(timespec='minutes')} "
                   f"{','.join(v.changed)} {v.note}".rstrip())


@drafts.command("save")
@click.argument("document_id", type=int)
@click.option("--section", "pairs", multiple=True, required=True, metavar="KEY=FILE",
              help="A section's new text from a UTF-8 file ('-' reads standard input).")
@click.option("--by", "actor", required=True)
@click.option("--version", "version", type=int, default=None, help="The version you read (default: current).")
@click.pass_context
def save(ctx: click.Context, document_id: int, pairs: tuple[str, ...], actor: str, version: int | None) -> None:
    """Save new text for some sections as the next version."""
    from workflow.services import report_documents as docs

    rt = runtime(ctx)
    doc = docs.get_document(rt.store, document_id)
    sections = dict(doc.sections)
    for pair in pairs:
        key, sep, name = pair.partition("=")
        if not sep or not name:
            fail(f"--section {pair}: write KEY=FILE, e.g. --section kesimpulan=kesimpulan.txt")
        try:
            sections[key.strip()] = click.get_text_stream("stdin").read() if name == "-" else \
                Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"--section {pair}: cannot read {name}: {exc}")
    saved = docs.save_draft(rt.store, document_id, sections, expected_version=_version(rt, document_id, version),
                            actor_id=actor, now=_now())
    click.echo(f"report document {saved.id}: version {saved.version} ({saved.status})")


@click.command("approve")
@click.argument("document_id", type=int)
@click.option("--by", "actor", required=True, help="The head of office's username (top supervisor level).")
@click.option("--version", "version", type=int, default=None)
@click.pass_context
def approve(ctx: click.Context, document_id: int, actor: str, version: int | None) -> None:
    """Approve the document's current version."""
    from workflow.services import report_documents as docs

    rt = runtime(ctx)
    done = docs.approve(rt.store, document_id, expected_version=_version(rt, document_id, version), actor_id=actor,
                        now=_now())
    click.echo(f"report document {done.id}: version {done.approved_version} approved by {done.approved_by}")


@click.command("publish")
@click.argument("document_id", type=int)
@click.option("--by", "actor", required=True, help="The head of office's username (top supervisor level).")
@click.option("--version", "version", type=int, default=None)
@click.pass_context
def publish(ctx: click.Context, document_id: int, actor: str, version: int | None) -> None:
    """Publish the approved document: numbered, immutable, with the audit chain's head."""
    from workflow.reports.documents import publish_report

    rt = runtime(ctx)
    pub = publish_report(rt, document_id, expected_version=_version(rt, document_id, version), actor_id=actor,
                         now=_now())
    click.echo(f"published as number {pub.number} (edition {pub.edition}); audit head #{pub.audit_seq} "
               f"{pub.audit_hash}; content sha256 {pub.content_sha256}")


@click.command("reopen")
@click.argument("document_id", type=int)
@click.option("--by", "actor", required=True)
@click.option("--reason", required=True, help="Why the report is reissued (printed on the next edition).")
@click.option("--version", "version", type=int, default=None)
@click.pass_context
def reopen(ctx: click.Context, document_id: int, actor: str, reason: str, version: int | None) -> None:
    """Reopen a published report for a reissue."""
    from workflow.services import report_documents as docs

    rt = runtime(ctx)
    done = docs.reopen(rt.store, document_id, reason, expected_version=_version(rt, document_id, version),
                       actor_id=actor, now=_now())
    click.echo(f"report document {done.id}: open for reissue (version {done.version})")


@click.command("published")
@click.argument("number", type=int, required=False)
@click.option("--format", "fmt", type=click.Choice(["docx", "xlsx", "html", "json"]), default="docx",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--by", "actor", default="cli", show_default=True, help="Who takes the file (recorded in the audit).")
@click.pass_context
def published(ctx: click.Context, number: int | None, fmt: str, output: Path | None, actor: str) -> None:
    """Without NUMBER: list publications. With it: write that published report, as it was published."""
    from workflow.reports import render
    from workflow.reports.documents import publication_filename, published_report
    from workflow.services import report_documents as docs
    from workflow.services.identity import record_report_view

    rt = runtime(ctx)
    if number is None:
        for p in docs.publications(rt.store):
            click.echo(f"No. {p.number}: {p.period} {p.definition_key or ''} edisi {p.edition}, "
                       f"{p.published_at.isoformat()}")
        return
    pub = docs.publication(rt.store, number)
    if pub is None:
        fail(f"no published report number {number}; list them with: alur report published")
        return
    report = published_report(pub)
    target = output or Path(publication_filename(pub, fmt))
    target.write_bytes(render(report, fmt))
    record_report_view(rt, actor, report, fmt, _now())
    click.echo(f"No. {pub.number} ({pub.period}, edition {pub.edition}): {fmt} written to {target}")


COMMANDS = (drafts, approve, publish, reopen, published)

__all__ = ["COMMANDS", "drafts", "approve", "publish", "reopen", "published"]
