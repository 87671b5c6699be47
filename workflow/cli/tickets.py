"""``alur tickets``: open, fire, show and list tickets, and move them between definition versions.

Every command goes through the services (intake, the engine, handoffs, migration) and the read models, as
the console does, so a SOP can be tried and scripted without Python:

    alur tickets open pengaduan-ptsp --record complaint.json --as petugas1
    alur tickets fire ADU-2026-000001 verifikasi --as petugas1 --input tingkat=ringan --input kewenangan=dalam
    alur tickets show ADU-2026-000001 --as petugas1
    alur tickets list --definition pengaduan-ptsp --deadline overdue --json

``--json`` prints what the text shows, as JSON (times in ISO 8601 UTC). A refused move exits 1 and says why.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from workflow.cli import fail, runtime
from workflow.cli.ticket_views import actor_for, jsonable, local, print_view, ticket_view
from workflow.errors import InvalidInput, TransitionRejected


@click.group()
def tickets() -> None:
    """Open, fire, show and list tickets; move them between definition versions."""


def _say(data, as_json: bool, text) -> None:
    if as_json:
        click.echo(json.dumps(jsonable(data), ensure_ascii=False, indent=2, sort_keys=True))
    else:
        text()


def _refused(exc: Exception) -> None:
    if isinstance(exc, InvalidInput):
        for name, message in exc.errors.items():
            click.secho(f"  {name}: {message}", fg="red", err=True)
        fail("ditolak: periksa isian di atas; tidak ada yang tersimpan")
    assert isinstance(exc, TransitionRejected)
    for reason in exc.reasons:
        click.secho(f"  {reason.reason}", fg="red", err=True)
    fail("ditolak; tidak ada yang tersimpan")


def _ticket_id(rt, receipt: str) -> int:
    with rt.store.unit_of_work(read_only=True) as uow:
        return uow.tickets.id_by_receipt(receipt.strip().upper())


def _inputs(pairs: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            fail(f"--input '{pair}' must be written name=value (several values: name=a,b)")
        name, value = pair.split("=", 1)
        values[name.strip()] = value
    return values


@tickets.command("open")
@click.argument("key")
@click.option("--record", "source", required=True, help="The intake record: a JSON file, or - for stdin.")
@click.option("--as", "username", required=True, help="The account that records it (e.g. a petugas).")
@click.option("--json", "as_json", is_flag=True, help="Print the new ticket as JSON.")
@click.pass_context
def tickets_open(ctx: click.Context, key: str, source: str, username: str, as_json: bool) -> None:
    """Record a complaint on definition KEY from a JSON record."""
    from workflow.services.intake import file_complaint

    rt = runtime(ctx)
    raw = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    try:
        record = json.loads(raw)
    except ValueError as exc:
        fail(f"the record is not JSON ({exc}); write one object of field: value")
    if not isinstance(record, dict):
        fail("the record must be one JSON object of field: value")
    try:
        opened = file_complaint(rt, record, actor_for(rt, username), definition_key=key)
    except InvalidInput as exc:
        _refused(exc)
        return
    t = opened.ticket
    data = {"receipt_no": t.receipt_no, "token": opened.token, "state": t.state, "definition": t.definition_key,
            "version": t.definition_version}
    _say(data, as_json, lambda: click.secho(
        f"{t.receipt_no} tercatat ({t.definition_key} v{t.definition_version}, {t.state}); token pelacakan: "
        f"{opened.token}", fg="green"))


@tickets.command("fire")
@click.argument("receipt")
@click.argument("trigger")
@click.option("--as", "username", required=True, help="The account that acts.")
@click.option("--input", "pairs", multiple=True, metavar="NAME=VALUE", help="An input of the move (repeat).")
@click.option("--agency", default=None, help="For a handoff's action (HANDOFF:terima|jawab|tarik): the agency's "
              "part (default: the acting liaison's agency).")
@click.option("--json", "as_json", is_flag=True, help="Print the ticket after the move as JSON.")
@click.pass_context
def tickets_fire(ctx: click.Context, receipt: str, trigger: str, username: str, pairs: tuple[str, ...],
                 agency: str | None, as_json: bool) -> None:
    """Fire TRIGGER on the ticket with RECEIPT; HANDOFF:ACTION acts on one agency's part of a handoff."""
    from workflow.services import handoffs

    rt = runtime(ctx)
    actor = actor_for(rt, username)
    ticket_id = _ticket_id(rt, receipt)
    inputs = _inputs(pairs)
    try:
        if ":" in trigger:
            handoff, action = trigger.split(":", 1)
            part = agency or actor.opd
            if not part:
                fail("name the agency whose part this is: --agency CODE")
            saved = handoffs.act(rt.engine, ticket_id, handoff, part, action, actor, inputs)
        else:
            saved = rt.engine.fire(ticket_id, trigger, actor, inputs)
    except (InvalidInput, TransitionRejected) as exc:
        _refused(exc)
        return
    view = ticket_view(rt, saved, actor, rt.engine.now())
    _say(view, as_json, lambda: click.secho(f"{saved.receipt_no}: {trigger} berhasil; tahap sekarang "
                                            f"{view['state_label']} [{saved.state}]", fg="green"))


@tickets.command("show")
@click.argument("receipt")
@click.option("--as", "username", default=None, help="Whose moves to show (default: every role's, guards only).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def tickets_show(ctx: click.Context, receipt: str, username: str | None, as_json: bool) -> None:
    """State, clocks, handoff parts, the moves available (each guard's verdict) and the timeline."""
    rt = runtime(ctx)
    ticket = rt.engine.load(_ticket_id(rt, receipt))
    view = ticket_view(rt, ticket, actor_for(rt, username) if username else None, rt.engine.now())
    _say(view, as_json, lambda: print_view(click.echo, view))


@tickets.command("list")
@click.option("--definition", "key", default="", help="Only this definition's tickets.")
@click.option("--state", default="", help="Only tickets in this state (closed ones too).")
@click.option("--opd", default=None, help="Only tickets handed to this agency.")
@click.option("--deadline", type=click.Choice(["overdue", "at_risk"]), default=None)
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def tickets_list(ctx: click.Context, key: str, state: str, opd: str | None, deadline: str | None, page: int,
                 as_json: bool) -> None:
    """Open tickets (50 a page, oldest first), with their state and nearest deadline; no identities."""
    from workflow.store.queries.worklist import Filters, Queue
    from workflow.store.queries.worklist import page as worklist_page

    rt = runtime(ctx)
    queue = Queue("opd", opd=opd) if opd else Queue("all")
    rows, more = worklist_page(rt.store, queue, Filters(state=state, deadline=deadline or "", definisi=key,
                                                        page=page), now=rt.engine.now())
    labels = _state_labels(rt, key)
    out = [{"receipt_no": r["receipt_no"], "state": r["state"], "state_label": labels.get(r["state"], r["state"]),
            "perihal": r["perihal"], "created_at": r["created_at"], "due_at": r["due_at"], "overdue": r["overdue"],
            "at_risk": r["at_risk"], "opd": r["opd"]} for r in rows]

    def text() -> None:
        for r in out:
            mark = " TERLAMBAT" if r["overdue"] else " berisiko" if r["at_risk"] else ""
            click.echo(f"{r['receipt_no']}  {r['state_label']:<34} tenggat {local(r['due_at'])}{mark}  "
                       f"{r['perihal'] or ''}")
        click.echo(f"{len(out)} pengaduan" + (f"; halaman berikutnya: --page {page + 1}" if more else ""))

    _say({"tickets": out, "more": more}, as_json, text)


def _state_labels(rt, key: str) -> dict[str, str]:
    """State labels of the published definitions (of ``key``, when given), the newest version's winning."""
    from workflow.store.queries.definitions import versions

    labels: dict[str, str] = {}
    for row in sorted(versions(rt.store), key=lambda r: (r["key"] != key, r["version"])):
        if key and row["key"] != key:
            continue
        for skey, s in rt.engine.definition(row["key"], row["version"]).states.items():
            labels[skey] = s.label
    return labels


from workflow.cli import tickets_migrate  # noqa: E402 - the migrate command joins the group defined above

__all__ = ["tickets", "tickets_migrate"]
