"""The office edits its calendar: open clocks are recomputed, and each moved due time is audited.

The rules run on the in-memory store; what is SQL's own (the window query, the conditional update that
leaves a concurrent fire alone, the sweep that follows) runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from tests.conftest import MONDAY_9_WIB, memory_runtime, walk_in_record
from workflow.core.audit import verify_rows
from workflow.runtime import Runtime
from workflow.services.calendar import add_closure, list_days, recompute_open_clocks, remove_holiday, reset_day
from workflow.services.engine import Engine
from workflow.services.escalation import sweep_due_rungs

WIB = timezone(timedelta(hours=7))


@pytest.fixture
def runtime():
    """A runtime on the in-memory store (the rules of an edit do not depend on the database)."""
    rt = memory_runtime()
    rt.reload_calendar()
    return rt


@pytest.fixture
def engine(runtime):
    return runtime.engine


@pytest.fixture
def sql_runtime(store):
    """A runtime on SQLite and PostgreSQL (``store``), for what the database itself must do right."""
    rt = memory_runtime(store)
    rt.reload_calendar()
    return rt


def to_opd(engine, actors, when, **record):
    ticket = engine.open("pengaduan-ptsp", walk_in_record(**record), actors["petugas"], now=when).ticket
    engine.fire(ticket.id, "verifikasi", actors["petugas"], {"tingkat": "sedang", "kewenangan": "dalam"}, now=when)
    engine.fire(ticket.id, "teruskan_tim", actors["petugas"], {}, now=when)
    return engine.fire(ticket.id, "serahkan_opd", actors["tim"],
                       {"opd": "dinas_esdm", "permintaan": "Mohon peninjauan lapangan"}, now=when)


def calendar_rows(runtime, ticket_id):
    return [r for r in runtime.store.audit_rows(ticket_id=ticket_id) if r["kind"] == "calendar"]


def test_closing_a_day_moves_open_working_day_clocks_and_audits_each(sql_runtime, actors):
    runtime, engine = sql_runtime, sql_runtime.engine
    handed = datetime(2026, 11, 30, 10, 0, tzinfo=WIB)  # Monday
    ticket = to_opd(engine, actors, handed)
    assert ticket.clock("opd_ack").due_at == datetime(2026, 12, 1, 10, 0, tzinfo=WIB)
    penyelesaian_due = ticket.clock("penyelesaian").due_at

    result = add_closure(runtime, date(2026, 12, 1), "Libur Pilkada serentak", "kasi1",
                         now=datetime(2026, 11, 30, 11, 0, tzinfo=WIB))
    moved = engine.load(ticket.id)
    assert moved.clock("opd_ack").due_at == datetime(2026, 12, 2, 10, 0, tzinfo=WIB)
    assert moved.clock("penyelesaian").due_at == penyelesaian_due  # calendar days do not move
    assert result.moved == 1 and result.tickets == {ticket.id}

    rows = calendar_rows(runtime, ticket.id)
    assert len(rows) == 1 and rows[0]["actor_id"] == "system"
    detail = rows[0]["detail"]
    assert detail["clock"] == "opd_ack" and "Libur Pilkada" in detail["why"]
    assert detail["from"].startswith("2026-12-01T03:00") and detail["to"].startswith("2026-12-02T03:00")
    edit = [r for r in runtime.store.audit_rows(actor_id="kasi1") if r["kind"] == "calendar"]
    assert edit[0]["detail"] == {"op": "close", "day": "2026-12-01", "name": "Libur Pilkada serentak"}

    assert [d.name for d in list_days(runtime, date(2026, 12, 1), date(2026, 12, 1))] == ["Libur Pilkada serentak"]
    # The ladder follows: the 100 % rung is not due on the closed day.
    sweep_due_rungs(runtime, now=datetime(2026, 12, 1, 12, 0, tzinfo=WIB))
    with runtime.store.unit_of_work() as uow:
        fired = uow.escalations.fired(ticket.id)
    assert fired[("opd_ack", 1)] == {0}

    # Undoing the closure moves it back, audited again.
    reset_day(runtime, date(2026, 12, 1), "kasi1", now=datetime(2026, 11, 30, 12, 0, tzinfo=WIB))
    assert engine.load(ticket.id).clock("opd_ack").due_at == datetime(2026, 12, 1, 10, 0, tzinfo=WIB)
    assert len(calendar_rows(runtime, ticket.id)) == 2
    status = verify_rows(runtime.store.audit_rows())
    assert status.ok and status.rows == runtime.store.audit_head()[0]


def test_closing_a_day_moves_the_at_risk_moment_with_the_due_time(runtime, engine, actors):
    ticket = to_opd(engine, actors, datetime(2026, 11, 30, 10, 0, tzinfo=WIB))  # Monday
    # 80 % of one working day (6 h 24 min of office time) from Monday 10:00: Tuesday 08:24
    assert ticket.clock("opd_ack").at_risk_at == datetime(2026, 12, 1, 8, 24, tzinfo=WIB)
    add_closure(runtime, date(2026, 12, 1), "Libur Pilkada serentak", "kasi1",
                now=datetime(2026, 11, 30, 11, 0, tzinfo=WIB))
    assert engine.load(ticket.id).clock("opd_ack").at_risk_at == datetime(2026, 12, 2, 8, 24, tzinfo=WIB)
    reset_day(runtime, date(2026, 12, 1), "kasi1", now=datetime(2026, 11, 30, 12, 0, tzinfo=WIB))
    assert engine.load(ticket.id).clock("opd_ack").at_risk_at == datetime(2026, 12, 1, 8, 24, tzinfo=WIB)


def test_reopening_a_cuti_bersama_brings_a_due_time_earlier(runtime, engine, actors):
    handed = datetime(2026, 12, 23, 10, 0, tzinfo=WIB)
    ticket = to_opd(engine, actors, handed)
    assert ticket.clock("opd_ack").due_at == datetime(2026, 12, 28, 10, 0, tzinfo=WIB)
    remove_holiday(runtime, date(2026, 12, 24), "Cuti bersama dibatalkan (SK 5/2026)", "kasi1",
                   now=datetime(2026, 12, 23, 11, 0, tzinfo=WIB))
    assert engine.load(ticket.id).clock("opd_ack").due_at == datetime(2026, 12, 24, 10, 0, tzinfo=WIB)
    days = {d.day: d for d in list_days(runtime, date(2026, 12, 1), date(2026, 12, 31))}
    assert days[date(2026, 12, 24)].status == "opened" and days[date(2026, 12, 25)].status == "closed"
    with pytest.raises(ValueError, match="already open"):
        remove_holiday(runtime, date(2026, 12, 24), "lagi", "kasi1")
    with pytest.raises(ValueError, match="not a holiday"):
        remove_holiday(runtime, date(2026, 12, 22), "bukan libur", "kasi1")
    with pytest.raises(ValueError, match="no office edit"):
        reset_day(runtime, date(2026, 12, 22), "kasi1")
    assert engine.load(ticket.id).clock("opd_ack").due_at == datetime(2026, 12, 24, 10, 0, tzinfo=WIB)


def test_paused_and_far_away_clocks_are_left_alone(runtime, engine, actors):
    paused = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=MONDAY_9_WIB).ticket
    engine.fire(paused.id, "minta_kelengkapan", actors["petugas"], {"kekurangan": "KTP"},
                now=MONDAY_9_WIB + timedelta(hours=1))
    before = engine.load(paused.id).clock("tanggapan_awal")
    far = to_opd(engine, actors, datetime(2026, 11, 30, 10, 0, tzinfo=WIB), nama="Budi")
    result = add_closure(runtime, date(2027, 3, 1), "Penutupan kantor", "kasi1")
    assert result.checked == 0 and result.moved == 0
    result = add_closure(runtime, date(2026, 12, 1), "Libur Pilkada", "kasi1")
    after = engine.load(paused.id).clock("tanggapan_awal")
    assert (after.status, after.consumed, after.due_at) == ("paused", before.consumed, before.due_at)
    assert result.tickets == {far.id}


def test_cli_calendar_commands(runtime, engine, actors):
    from workflow.cli import cli

    ticket = to_opd(engine, actors, datetime(2026, 11, 30, 10, 0, tzinfo=WIB))
    runner = CliRunner()
    obj = {"runtime": runtime}
    out = runner.invoke(cli, ["calendar", "close", "2026-12-01", "Libur Pilkada", "--by", "kasi1"], obj=obj)
    assert out.exit_code == 0, out.output
    assert "1 due time(s) moved" in out.output
    assert engine.load(ticket.id).clock("opd_ack").due_at == datetime(2026, 12, 2, 10, 0, tzinfo=WIB)
    out = runner.invoke(cli, ["calendar", "list", "--year", "2026"], obj=obj)
    assert "2026-12-01" in out.output and "Libur Pilkada" in out.output and "2026-12-24" in out.output
    out = runner.invoke(cli, ["calendar", "open", "2026-12-02"], obj=obj)
    assert out.exit_code == 1 and "nothing to open" in out.output
    out = runner.invoke(cli, ["calendar", "close", "1 Desember", "x"], obj=obj)
    assert out.exit_code != 0 and "YYYY-MM-DD" in out.output
    out = runner.invoke(cli, ["calendar", "reset", "2026-12-01"], obj=obj)
    assert out.exit_code == 0, out.output
    assert engine.load(ticket.id).clock("opd_ack").due_at == datetime(2026, 12, 1, 10, 0, tzinfo=WIB)


def test_other_processes_notice_a_calendar_edit(sql_runtime, store):
    """A sweeper or worker started before the edit reloads its calendar on its next sweep or job."""
    from workflow.core.calendar import WorkingCalendar
    from workflow.jobs import periodic
    from workflow.services import calendar as calendar_service

    runtime = sql_runtime
    other = Runtime(store=store, engine=Engine(store, calendar=WorkingCalendar()),
                    catalogs=runtime.catalogs)
    calendar_service.refresh_calendar(other)
    assert other.calendar.is_working_day(date(2026, 12, 1))
    assert calendar_service.refresh_calendar(other) is False  # nothing changed
    add_closure(runtime, date(2026, 12, 1), "Libur Pilkada", "kasi1")
    assert calendar_service.refresh_calendar(other) is True
    assert not other.calendar.is_working_day(date(2026, 12, 1))
    reset_day(runtime, date(2026, 12, 1), "kasi1")
    periodic.run_periodic(other, tasks={})
    assert other.calendar.is_working_day(date(2026, 12, 1))


def test_a_refused_edit_writes_nothing(runtime):
    before = runtime.store.audit_count()
    with pytest.raises(ValueError, match="give the closure a name"):
        add_closure(runtime, date(2026, 12, 1), "  ", "kasi1")
    with pytest.raises(ValueError, match="datetime.date"):
        add_closure(runtime, datetime(2026, 12, 1, tzinfo=WIB), "Libur", "kasi1")
    with pytest.raises(ValueError, match="not a holiday"):
        remove_holiday(runtime, date(2026, 12, 22), "bukan libur", "kasi1")
    assert runtime.store.audit_count() == before and list_days(runtime, date(2026, 12, 1), date(2026, 12, 1)) == []


def test_recomputing_goes_in_batches_and_reports_progress(runtime, engine, actors):
    tickets = [to_opd(engine, actors, datetime(2026, 11, 30, 10, 0, tzinfo=WIB), nama=f"Pemohon {i}")
               for i in range(3)]
    seen: list[int] = []
    first = add_closure(runtime, date(2026, 12, 1), "Libur Pilkada", "kasi1", progress=seen.append)
    assert first.moved == 3 and seen == [first.checked]  # one batch, reported once
    seen.clear()
    again = recompute_open_clocks(runtime, why="jam kantor diubah", batch=2, progress=seen.append)
    assert again.moved == 0 and again.checked == sum(seen) > 2  # every running run, nothing left to move
    assert len(seen) > 1 and max(seen) == 2  # in pages of two
    assert all(engine.load(t.id).clock("opd_ack").due_at == datetime(2026, 12, 2, 10, 0, tzinfo=WIB)
               for t in tickets)


@pytest.mark.postgres
def test_a_fire_between_the_read_and_the_write_is_never_overwritten(pg_engine, actors, monkeypatch):
    """On PostgreSQL the recomputation reads without locks; an officer's fire that commits between its read
    and its write wins: the stale clock row is left alone and no due time is claimed to have moved."""
    from workflow.store.sql import SqlStore
    from workflow.store.sql.calendar import SqlClockRuns

    runtime = memory_runtime(SqlStore(pg_engine))
    engine, store = runtime.engine, runtime.store
    ticket = to_opd(engine, actors, datetime(2026, 11, 30, 10, 0, tzinfo=WIB))
    read, fired = SqlClockRuns.running, []

    def read_then_fire(self, **kwargs):
        rows = read(self, **kwargs)
        if rows and not fired:  # the officer acknowledges on another connection, after the rows were read
            fired.append(engine.fire(ticket.id, "konfirmasi_opd", actors["opd"], {},
                                     now=datetime(2026, 11, 30, 11, 0, tzinfo=WIB)))
        return rows

    monkeypatch.setattr(SqlClockRuns, "running", read_then_fire)
    result = add_closure(runtime, date(2026, 12, 1), "Libur Pilkada", "kasi1",
                         now=datetime(2026, 11, 30, 10, 30, tzinfo=WIB))
    monkeypatch.setattr(SqlClockRuns, "running", read)
    ack = engine.load(ticket.id).clock("opd_ack")
    assert ack.status == "stopped" and ack.due_at == datetime(2026, 12, 1, 10, 0, tzinfo=WIB)
    assert fired and result.moved == 0 and calendar_rows(runtime, ticket.id) == []
    assert verify_rows(store.audit_rows()).ok
