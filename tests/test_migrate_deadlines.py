"""Moving tickets to another definition version shows and applies what it does to their deadlines: per ticket
and clock the old and new budget and due time and which tickets become late (dry run, ``alur tickets
migrate``), and ``--apply`` recomputes running clocks with the target's budgets and ladders, one audit row
per clock. On the memory store; the command through Click."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from tests.conftest import MONDAY_9_WIB, SOP, memory_runtime, walk_in_record
from workflow.cli import cli
from workflow.services import migrate
from workflow.services.publish import publish

WIB = timezone(timedelta(hours=7))


def version_with(runtime, old: str, new: str, note: str) -> None:
    text = SOP.read_text(encoding="utf-8")
    assert text.count(old) == 1
    publish(runtime.store, text.replace(old, new), file="v.yaml", actor_id="kasi", now=MONDAY_9_WIB, note=note)


@pytest.fixture
def runtime(actors):
    """v1 (7 calendar days), a ticket opened Monday 30 November 09:00 WIB, v2 (14 working days)."""
    rt = memory_runtime()
    rt.ticket = rt.engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=MONDAY_9_WIB).ticket
    version_with(rt, "budget: {amount: 7, unit: calendar_days}", "budget: {amount: 14, unit: working_days}", "14 hk")
    return rt


def test_the_dry_run_shows_each_clocks_old_and_new_budget_and_due_time(runtime):
    plan = migrate.plan(runtime, "pengaduan-ptsp", 2, {}, now=MONDAY_9_WIB)

    [move] = plan.moves
    clock = next(c for c in move.clocks if c.clock == "penyelesaian")
    assert (clock.old_budget.describe(), clock.new_budget.describe()) == ("7 hari kalender", "14 hari kerja")
    assert clock.old_due.astimezone(WIB) == datetime(2026, 12, 7, 9, 0, tzinfo=WIB)
    assert clock.new_due.astimezone(WIB) == datetime(2026, 12, 18, 9, 0, tzinfo=WIB)  # 14 working days on
    assert not clock.becomes_late and plan.becoming_late == []
    unchanged = next(c for c in move.clocks if c.clock == "tanggapan_awal")
    assert not unchanged.changed
    assert runtime.engine.load(runtime.ticket.id).clock("penyelesaian").budget == 7  # nothing written


def test_applying_recomputes_running_clocks_and_audits_each_changed_clock(runtime):
    before = runtime.engine.load(runtime.ticket.id).clock("penyelesaian")
    plan = migrate.plan(runtime, "pengaduan-ptsp", 2, {}, now=MONDAY_9_WIB)

    migrate.apply(runtime, plan, "kasi1", MONDAY_9_WIB + timedelta(hours=1))

    after = runtime.engine.load(runtime.ticket.id).clock("penyelesaian")
    assert (after.budget, after.unit, after.run, after.started_at) == (14, "working_days", before.run,
                                                                       before.started_at)
    assert after.due_at == plan.moves[0].clocks[0].new_due and after.next_rung_at > before.next_rung_at
    rows = [r for r in runtime.store.audit_rows(kind="clock") if r["detail"]["op"] == "migrate"]
    assert [r["detail"]["clock"] for r in rows] == ["penyelesaian"]  # tanggapan_awal did not change
    assert rows[0]["detail"]["from"]["unit"] == "calendar_days" and rows[0]["detail"]["to"]["budget"] == 14


def test_a_shorter_budget_lists_the_tickets_that_would_become_late(runtime):
    version_with(runtime, "budget: {amount: 7, unit: calendar_days}", "budget: {amount: 2, unit: calendar_days}", "2")
    three_days_later = MONDAY_9_WIB + timedelta(days=3)

    plan = migrate.plan(runtime, "pengaduan-ptsp", 3, {}, now=three_days_later)

    assert [m.receipt_no for m in plan.becoming_late] == [runtime.ticket.receipt_no]
    late = next(c for c in plan.moves[0].clocks if c.clock == "penyelesaian")
    assert late.becomes_late and late.new_due == MONDAY_9_WIB + timedelta(days=2)


def test_the_command_prints_the_deadlines_and_json(runtime):
    runtime.engine.now = lambda: MONDAY_9_WIB
    result = CliRunner().invoke(cli, ["tickets", "migrate", "--to", "2"], obj={"runtime": runtime},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Penyelesaian pengaduan (SOP 3.1.f): 7 hari kalender -> 14 hari kerja; tenggat 07/12/2026 09.00 WIB ->" \
        in result.output
    assert "0 would become late" in result.output and "dry run: nothing changed" in result.output

    data = json.loads(CliRunner().invoke(cli, ["tickets", "migrate", "--to", "2", "--json"],
                                         obj={"runtime": runtime}).output)
    [move] = data["moves"]
    assert move["receipt_no"] == runtime.ticket.receipt_no
    assert {c["clock"]: c["new_budget"] for c in move["clocks"]}["penyelesaian"] == "14 hari kerja"
