"""``alur whatif``: what a draft SOP (and calendar) would have done to a period's complaints.

Every ticket of the period is replayed from the audit trail against today's published version and against
the draft (`workflow.services.whatif`); nothing is written. The table is for people (labels, office time),
``--format json`` for tools; both are the same report, and the same database and arguments print the same
bytes.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from workflow.cli import fail, runtime
from workflow.core.whatif import BAND_LABELS

MAX_CLOSURES_BYTES = 200_000
SHOWN = 50  # stranded tickets and escalation changes listed in the table before "… more"
OUTCOME_HEADS = (("on_time", "on time"), ("late", "late"), ("late_running", "of which still open"),
                 ("running", "running"))


def _read(path: str, limit: int, what: str) -> str:
    data = Path(path).read_bytes()[: limit + 1]
    if len(data) > limit:
        fail(f"{path}: the {what} file is larger than {limit // 1000} KB; split it or keep only the days proposed")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        fail(f"{path}: the {what} file is not UTF-8 text; save it as UTF-8 and run again")
        raise


def _as_of(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--as-of {text!r} is not a time; write it as ISO 8601, e.g. 2026-10-01T00:00+07:00")
        raise
    if moment.tzinfo is None:
        fail("--as-of needs a time zone, e.g. 2026-10-01T00:00+07:00 (WIB)")
    return moment.astimezone(timezone.utc)


@click.command("whatif")
@click.option("--definition", "draft", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The draft definition (YAML) to replay the period against; it is not published.")
@click.option("--calendar-closures", "closures", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Proposed closure days, one per line: 'YYYY-MM-DD tutup|buka name'.")
@click.option("--office-hours", "hours", default=None,
              help="Proposed weekly office hours, e.g. 'senin-kamis 08:00-16:00, jumat 08:00-16:30'.")
@click.option("--period", required=True,
              help="2026-Q3, 2026-07, 2026-S2, 2026 or 2026-07-01..2026-09-30 (office dates).")
@click.option("--as-of", "as_of", default=None,
              help="Judge open clocks at this moment (default: when the trail last recorded anything).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--workers", type=click.IntRange(1, 16), default=None,
              help="Processes replaying side by side (default: one per CPU); the report is the same.")
@click.pass_context
def whatif(ctx: click.Context, draft: str, closures: str | None, hours: str | None, period: str,
           as_of: str | None, fmt: str, workers: int | None) -> None:
    """Replay PERIOD's complaints against a draft SOP: per clock, on time and late under today's SOP and the
    draft, how due times move, escalations gained and lost, and the tickets the draft cannot replay."""
    from workflow.core.period import PeriodError, parse_period
    from workflow.services import whatif as service
    from workflow.store.queries import replay as reader
    from workflow.store.rules.on_time import outcome

    try:
        parsed = parse_period(period)
    except PeriodError as exc:
        fail(str(exc))
        return
    moment = _as_of(as_of)
    rt = runtime(ctx)
    definition = service.draft_from_text(rt, _read(draft, 250_000, "definition"), draft)
    proposal = service.Proposal(
        definition=definition, source=Path(draft).name,
        closures=service.closures_from_text(_read(closures, MAX_CLOSURES_BYTES, "closures"), closures)
        if closures else (),
        hours=service.hours_from_text(hours) if hours else None)
    data = service.what_if(rt, proposal, parsed, reader=reader, judge=outcome, as_of=moment,
                           workers=workers or min(8, os.cpu_count() or 1))
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        click.echo(render_table(data))


def _local(text: str, zone: ZoneInfo) -> str:
    here = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(zone)
    return f"{here:%d/%m/%Y %H.%M} {here.tzname()}"


def _hours(value) -> str:
    return "-" if value is None else f"{value:+.2f} h"


def _clock_lines(c: dict) -> list[str]:
    head = (f"{c['label']} ({c['clock']}): today {c['budget_today'] or 'not in today’s SOP'}, "
            f"proposed {c['budget_proposed'] or 'removed'}")
    lines = [head]
    for side in ("today", "proposed"):
        t = c[side]
        lines.append(f"  {side:<9} {t['runs']:>7} runs  " + "  ".join(f"{name} {t[k]}" for k, name in OUTCOME_HEADS))
    s = c["due_shift_hours"]
    lines.append(f"  due time moves ({s['runs']} runs): min {_hours(s['min'])}, median {_hours(s['median'])}, "
                 f"p90 {_hours(s['p90'])}, max {_hours(s['max'])}")
    lines.append("    " + ", ".join(f"{BAND_LABELS[k][1]}: {v}" for k, v in s["bands"].items() if v))
    if c["runs_only_today"] or c["runs_only_proposed"]:
        lines.append(f"  runs only today: {c['runs_only_today']}; only proposed: {c['runs_only_proposed']}")
    e = c["escalations"]
    if e["today"] or e["proposed"]:
        lines.append("  escalation rungs fired: today " + _rungs(e["today"]) + "; proposed " + _rungs(e["proposed"]))
        lines.append("    would fire that did not: " + _rungs(e["proposed_only"]) + "; fired, would not: "
                     + _rungs(e["today_only"]))
    return lines


def _rungs(counts: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"


def render_table(data: dict) -> str:
    """The report for people: labels, office time, the first `SHOWN` stranded tickets."""
    zone = ZoneInfo(data["calendar"]["timezone"])
    cal = data["calendar"]
    title = (f"What if: {data['definition']} (draft {data['draft'] or '-'}) against v{data['today_version']}, "
             f"{data['period_label']} ({data['period']})")
    calendar = (f"as of {_local(data['as_of'], zone)}; office hours today: {cal['hours_today']}; proposed: "
                f"{cal['hours_proposed']}; proposed closure edits: {len(cal['closures_proposed'])}")
    counts = (f"{data['tickets']} ticket(s) replayed, {data['compared']} compared, "
              f"{data['stranded']['tickets']} cannot be replayed under the draft, "
              f"{data['stranded_today']['tickets']} not under today's SOP either; {data['diverged']} take another "
              f"path; {data['imported_not_replayed']} imported without steps")
    out = [title, calendar, counts, ""]
    for clock in data["clocks"]:
        out.extend(_clock_lines(clock))
        out.append("")
    stranded = data["stranded"]
    if stranded["tickets"]:
        out.append(f"The draft cannot replay {stranded['tickets']} ticket(s):")
        for cause in stranded["causes"][:SHOWN]:
            out.append(f"  {cause['tickets']:>6} x  {cause['trigger_label']} ({cause['trigger']}) at "
                       f"'{cause['state_label']}': {cause['reason']}")
        for s in stranded["list"][:SHOWN]:
            reasons = "; ".join(r["reason"] for r in s["reasons"])
            out.append(f"  {s['receipt_no']}  step {s['seq']} {_local(s['at'], zone)}  {s['trigger_label']} by "
                       f"{s['actor_role_label'] or '-'} at '{s['state_label']}': {reasons}")
        if stranded["tickets"] > SHOWN:
            out.append(f"  … {stranded['tickets'] - SHOWN} more (--format json lists them all)")
    changes = data["escalation_changes"]
    if changes:
        out.append(f"Escalation rungs that change ({len(changes)}):")
        for e in changes[:SHOWN]:
            what = "would fire" if e["fires"] == "proposed_only" else "would not fire"
            who = f" [{e['agency']}]" if e["agency"] else ""
            out.append(f"  {e['receipt_no']}  {e['clock_label']}{who} run {e['run']} {e['rung']}: {what} "
                       f"({_local(e['at'], zone)})")
        if len(changes) > SHOWN:
            out.append(f"  … {len(changes) - SHOWN} more (--format json lists them all)")
    return "\n".join(out)


__all__ = ["whatif", "render_table"]
