"""One "at risk" rule (workflow/store/rules/at_risk.py, its moment from workflow/core/clocks.py): a running
clock with AT_RISK_PERCENT of its budget used in net office time, not yet due. Its moment is stored with
the due time, kept through pauses, and filled in for clocks that existed before the column (migration
0007_clock_at_risk) on SQLite and PostgreSQL."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from tests.conftest import MONDAY_9_WIB, drop_schema, postgres_engine
from workflow.core.calendar import WorkingCalendar
from workflow.core.clocks import AT_RISK_PERCENT, SimpleCalendar, pause, resume, start_run, stop
from workflow.core.ticket import Ticket
from workflow.spec.model import Clock, Span, Trigger
from workflow.store import models as m
from workflow.store.db import alembic_config, make_engine, upgrade
from workflow.store.rules.at_risk import is_at_risk
from workflow.store.sql import utc

WIB = timezone(timedelta(hours=7))


def spec(amount: float, unit: str) -> Clock:
    return Clock(key="k", label="k", budget=Span(amount, unit), start=Trigger(open=True), stop=Trigger(),
                 pause=Trigger(), escalation=())


def blank_ticket() -> Ticket:
    return Ticket(None, "ADU-2026-000001", "pengaduan-ptsp", 1, "diterima", 1, MONDAY_9_WIB, MONDAY_9_WIB)


def test_the_share_is_80_percent_like_the_sops_warning_rung():
    assert AT_RISK_PERCENT == 80


def test_a_run_is_at_risk_from_80_percent_of_its_budget_until_its_due_time():
    run = start_run(blank_ticket(), spec(7, "calendar_days"), MONDAY_9_WIB, SimpleCalendar())
    assert run.at_risk_at == MONDAY_9_WIB + timedelta(days=5.6)
    assert not is_at_risk(run, run.at_risk_at - timedelta(seconds=1))
    assert is_at_risk(run, run.at_risk_at)
    assert is_at_risk(run, run.due_at)  # due, not yet overdue
    assert not is_at_risk(run, run.due_at + timedelta(seconds=1))  # overdue instead


def test_pauses_do_not_count_and_a_paused_run_is_never_at_risk():
    calendar = SimpleCalendar()
    clock = spec(7, "calendar_days")
    run = start_run(blank_ticket(), clock, MONDAY_9_WIB, calendar)
    pause(run, MONDAY_9_WIB + timedelta(days=6), calendar)  # 6 of 7 days used, then waiting on the complainant
    assert run.at_risk_at is None and not is_at_risk(run, MONDAY_9_WIB + timedelta(days=6))
    back = MONDAY_9_WIB + timedelta(days=20)
    resume(run, clock, back, calendar)
    assert run.at_risk_at == back and is_at_risk(run, back)  # already past 80 %: at risk at once
    assert run.due_at == back + timedelta(days=1)
    stop(run, back + timedelta(hours=1), calendar)
    assert run.at_risk_at is None and not is_at_risk(run, back + timedelta(hours=1))


def test_working_day_clocks_count_office_time_only():
    """Opened on Friday 15:00 WIB, a one-working-day clock is due Monday 15:00; on Monday 07:00 most of
    the wall time has passed, but only one of eight office hours: not at risk."""
    calendar = WorkingCalendar()
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=WIB)
    run = start_run(blank_ticket(), spec(1, "working_days"), friday, calendar)
    assert run.due_at == datetime(2026, 12, 7, 15, 0, tzinfo=WIB)
    assert run.at_risk_at == datetime(2026, 12, 7, 13, 24, tzinfo=WIB)  # 1 h on Friday + 5 h 24 min on Monday
    assert not is_at_risk(run, datetime(2026, 12, 7, 7, 0, tzinfo=WIB))
    assert is_at_risk(run, datetime(2026, 12, 7, 14, 0, tzinfo=WIB))


def test_the_engine_stores_the_moment_with_the_due_time(engine, actors, record):
    ticket = engine.open("pengaduan-ptsp", record, actors["petugas"]).ticket
    stored = {c.clock: c for c in engine.load(ticket.id).clocks}
    assert stored["penyelesaian"].at_risk_at == MONDAY_9_WIB + timedelta(days=5.6)
    assert stored["tanggapan_awal"].at_risk_at == datetime(2026, 11, 30, 15, 24, tzinfo=WIB)


# -- migration 0007_clock_at_risk fills in existing running clocks -----------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin, engine = postgres_engine(schema)
    try:
        yield engine
    finally:
        engine.dispose()
        drop_schema(admin, schema)


def test_upgrading_fills_in_the_at_risk_moment_of_running_clocks(empty_engine):
    from alembic import command

    command.upgrade(alembic_config(empty_engine), "0004_console")  # the schema before the column
    resumed = datetime(2026, 12, 4, 15, 0, tzinfo=WIB)  # Friday 15:00
    with empty_engine.begin() as conn:
        ticket_id = conn.execute(sa.insert(m.tickets).values(
            receipt_no="ADU-2026-000001", token_hash="x" * 64, definition_key="pengaduan-ptsp", definition_version=1,
            state="diterima", version=1, kerahasiaan="biasa", fields={}, entered={}, flags=[],
            created_at=utc(resumed), updated_at=utc(resumed), imported=False).returning(m.tickets.c.id)).scalar_one()
        base = {"ticket_id": ticket_id, "run": 1, "started_at": utc(resumed), "paused_seconds": 0.0, "calendar": ""}
        conn.execute(sa.insert(m.clocks), [
            {**base, "clock": "penyelesaian", "unit": "calendar_days", "budget": 7.0, "status": "running",
             "resumed_at": utc(resumed), "due_at": utc(resumed + timedelta(days=7)), "consumed": 0.0},
            {**base, "clock": "tanggapan_awal", "unit": "working_days", "budget": 1.0, "status": "running",
             "resumed_at": utc(resumed), "due_at": utc(resumed), "consumed": 0.5},
            {**base, "clock": "opd_ack", "unit": "working_days", "budget": 1.0, "status": "paused",
             "resumed_at": None, "due_at": utc(resumed), "consumed": 0.2, "paused_at": utc(resumed)},
            {**base, "clock": "penyampaian", "unit": "working_days", "budget": 1.0, "status": "stopped",
             "resumed_at": None, "due_at": utc(resumed), "consumed": 0.9, "stopped_at": utc(resumed)},
        ])

    upgrade(empty_engine)

    with empty_engine.connect() as conn:
        moments = {r.clock: utc(r.at_risk_at) for r in conn.execute(sa.select(m.clocks.c.clock, m.clocks.c.at_risk_at))}
        indexes = {i["name"] for i in sa.inspect(conn).get_indexes("ticket_clocks")}
    assert moments == {
        "penyelesaian": resumed + timedelta(days=5.6),
        "tanggapan_awal": datetime(2026, 12, 7, 9, 24, tzinfo=WIB),  # 0.3 of a day left to 80 %: 1 h Fri + 1 h 24
        "opd_ack": None,  # paused: computed when it resumes
        "penyampaian": None,
    }
    assert "ix_clocks_running_at_risk" in indexes
