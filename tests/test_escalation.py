"""Escalation ladders at run time: each rung fires once, in order, with its flags, outbox rows and audit.

The logic runs on the in-memory store, with explicit ``now=`` values, so the clock is controlled
without sleeping. What rests on the database itself runs on SQLite and PostgreSQL too: a rung
failing inside its savepoint (all three stores), a rung recorded by someone else (the unique row),
and a job reading a calendar edited by another process. Races between sweepers, Redis and killed
workers are in ``tests/test_jobs.py``; the store's side in ``tests/store/test_port_escalations.py``.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from tests.conftest import MONDAY_9_WIB, memory_runtime, walk_in_record
from tests.store.rows import escalation_rows, outbox_rows
from workflow.core.audit import verify_rows
from workflow.core.calendar import WorkingCalendar
from workflow.core.ticket import Change
from workflow.errors import ConcurrentUpdate
from workflow.jobs import worker as jobs_worker
from workflow.jobs.rungs import fire_rung_job
from workflow.runtime import Runtime
from workflow.services import calendar as calendar_service
from workflow.services.engine import Engine
from workflow.services.escalation import sweep_due_rungs
from workflow.store import models as m

T0 = MONDAY_9_WIB
WIB = timezone(timedelta(hours=7))


@pytest.fixture
def runtime(memory_store):
    return memory_runtime(memory_store)


@pytest.fixture
def engine(runtime):
    return runtime.engine


@pytest.fixture
def sql_runtime(store):
    """The same runtime on SQLite and PostgreSQL (``store``), for what rests on the database itself."""
    return memory_runtime(store)


def escalations(runtime, ticket_id, clock=None):
    """(clock, rung, target role) of the ticket's recorded rungs, sorted."""
    names = {run.id: run.clock for run in runtime.engine.load(ticket_id).clocks}
    return sorted((names[r["clock_run_id"]], r["rung"], r["target_role"])
                  for r in escalation_rows(runtime.store, ticket_id) if clock in (None, names[r["clock_run_id"]]))


def outbox(runtime, ticket_id, template=None):
    return [(r["template"], r["recipient"], r["detail"]) for r in outbox_rows(runtime.store, ticket_id)
            if template in (None, r["template"])]


def audit_of(runtime, ticket_id, kind):
    return [r for r in runtime.store.audit_rows(ticket_id=ticket_id) if r["kind"] == kind]


def chain_ok(runtime):
    status = verify_rows(runtime.store.audit_rows())
    return status.ok and status.rows == runtime.store.audit_head()[0]


def test_penyelesaian_ladder_fires_each_warning_and_escalation_once(runtime, engine, actors):
    """A ticket crosses 50 %, 80 % and 100 % of its 7-day clock, then the later rungs: one fire each."""
    ticket = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=T0).ticket
    run = ticket.clock("penyelesaian")
    assert run.due_at == T0 + timedelta(days=7)
    assert run.next_rung == 0 and run.next_rung_at == T0 + timedelta(days=3.5)

    assert sweep_due_rungs(runtime, now=T0 + timedelta(days=3.4)) == 2  # only tanggapan_awal (1 working day)
    assert escalations(runtime, ticket.id, "penyelesaian") == []

    assert sweep_due_rungs(runtime, now=T0 + timedelta(days=3.6)) == 1
    assert escalations(runtime, ticket.id, "penyelesaian") == [("penyelesaian", 0, None)]
    warnings = [o for o in outbox(runtime, ticket.id, "peringatan_tenggat") if o[2]["clock"] == "penyelesaian"]
    assert [(t, who) for t, who, _ in warnings] == [("peringatan_tenggat", "assignee")]
    assert warnings[0][2]["percent"] == 50 and warnings[0][2]["due_at"] == (T0 + timedelta(days=7)).isoformat()
    for _ in range(3):  # sweeping again fires nothing more
        assert sweep_due_rungs(runtime, now=T0 + timedelta(days=3.6)) == 0

    assert sweep_due_rungs(runtime, now=T0 + timedelta(days=5.7)) == 1
    assert sweep_due_rungs(runtime, now=T0 + timedelta(days=5.7)) == 0
    eighty = [o for o in outbox(runtime, ticket.id) if o[2].get("clock") == "penyelesaian" and o[2]["rung"] == 1]
    assert sorted(who for _, who, _ in eighty) == ["assignee", "role:kepala_seksi"]

    before = engine.load(ticket.id)
    assert sweep_due_rungs(runtime, now=T0 + timedelta(days=7, minutes=1)) == 1
    after = engine.load(ticket.id)
    assert "terlambat" in after.flags and "eskalasi" in after.flags
    assert after.version == before.version + 1
    late = [o for o in outbox(runtime, ticket.id, "eskalasi") if o[2]["clock"] == "penyelesaian"]
    assert sorted(who for _, who, _ in late) == ["assignee", "escalation_target"]
    assert all(o[2]["target_role"] == "kepala_seksi" for o in late)

    # An officer holding the page from before the escalation must reload.
    with pytest.raises(ConcurrentUpdate, match="diubah orang lain"):
        engine.fire(ticket.id, "verifikasi", actors["petugas"], {"tingkat": "sedang", "kewenangan": "dalam"},
                    expected_version=before.version, now=T0 + timedelta(days=7, minutes=2))
    assert engine.load(ticket.id).state == "diterima"

    # +1 working day after the due time (Monday 09:00 WIB -> Tuesday 09:00 WIB), then +3 working days.
    assert sweep_due_rungs(runtime, now=T0 + timedelta(days=7, hours=23)) == 0
    assert sweep_due_rungs(runtime, now=T0 + timedelta(days=8, minutes=1)) == 1
    assert sweep_due_rungs(runtime, now=T0 + timedelta(days=30)) == 1
    assert sweep_due_rungs(runtime, now=T0 + timedelta(days=60)) == 0

    assert escalations(runtime, ticket.id, "penyelesaian") == [
        ("penyelesaian", 0, None), ("penyelesaian", 1, None), ("penyelesaian", 2, "kepala_seksi"),
        ("penyelesaian", 3, "kepala_bidang"), ("penyelesaian", 4, "kepala_dinas")]
    final = engine.load(ticket.id).clock("penyelesaian")
    assert final.next_rung is None and final.next_rung_at is None and final.status == "running"

    rows = audit_of(runtime, ticket.id, "escalation")
    assert len(rows) == 5 + 2  # penyelesaian's five rungs and tanggapan_awal's two
    assert {r["actor_id"] for r in rows} == {"system"}
    assert [r["detail"]["rung"] for r in rows if r["detail"]["clock"] == "penyelesaian"] == [0, 1, 2, 3, 4]
    assert chain_ok(runtime)


def test_reassigning_rung_moves_the_ticket_to_the_target_role(runtime, engine, actors):
    """A rung declared with ``reassign`` hands the ticket to the escalation target's role."""
    from tests.conftest import SOP
    from workflow.services.publish import publish

    text = SOP.read_text(encoding="utf-8").replace(
        "{at: 100%, escalate_to: kepala_seksi, notify: [escalation_target]}",
        "{at: 100%, escalate_to: kepala_seksi, reassign: true, notify: [escalation_target]}", 1)
    assert "reassign: true" in text
    publish(runtime.store, text, file="sop-v2.yaml", actor_id="admin", now=T0)
    ticket = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=T0).ticket
    assert ticket.definition_version == 2
    assert sweep_due_rungs(runtime, now=T0 + timedelta(days=1, hours=1)) == 2  # tanggapan_awal 75 % and 100 %
    after = engine.load(ticket.id)
    assert after.assignee_role == "kepala_seksi" and after.assignee_id is None
    detail = audit_of(runtime, ticket.id, "escalation")[-1]["detail"]
    assert detail["reassigned"] is True and detail["target_role"] == "kepala_seksi"


def test_sweep_fires_every_overdue_rung_after_downtime_once_in_order(runtime, engine, actors):
    """If nothing swept for weeks, one sweep catches up every rung, each recorded once."""
    ticket = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=T0).ticket
    assert sweep_due_rungs(runtime, now=T0 + timedelta(days=30)) == 7
    assert sweep_due_rungs(runtime, now=T0 + timedelta(days=30)) == 0
    assert [r for _, r, _ in escalations(runtime, ticket.id, "penyelesaian")] == [0, 1, 2, 3, 4]


def test_an_already_fired_rung_is_skipped_quietly(sql_runtime, actors):
    """The unique row is the truth: a rung recorded as fired (a crashed run, a duplicate job) never fires again."""
    runtime, engine = sql_runtime, sql_runtime.engine
    ticket = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=T0).ticket
    run = ticket.clock("penyelesaian")
    with runtime.db.begin() as conn:
        conn.execute(m.escalations.insert().values(ticket_id=ticket.id, clock_run_id=run.id, rung=0,
                                                   target_role=None, fired_at=T0))
    assert sweep_due_rungs(runtime, now=T0 + timedelta(days=3.6)) == 2  # tanggapan_awal only
    assert [o for o in outbox(runtime, ticket.id) if o[2].get("clock") == "penyelesaian"] == []
    healed = engine.load(ticket.id).clock("penyelesaian")
    assert healed.next_rung == 1 and healed.next_rung_at == T0 + timedelta(days=7 * 0.8)


def test_a_broken_ticket_does_not_stop_the_sweep(runtime, engine, actors, caplog):
    good = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=T0).ticket
    broken = engine.open("pengaduan-ptsp", walk_in_record(nama="Budi"), actors["petugas"], now=T0).ticket
    with runtime.store.unit_of_work() as uow:  # its definition version does not exist: loading it fails
        moved = uow.tickets.load(broken.id)
        moved.definition_version = 99
        uow.tickets.save(Change(moved, moved.version, []))
        uow.commit()
    fired = sweep_due_rungs(runtime, now=T0 + timedelta(days=3.6))
    assert fired == 3
    assert len(escalations(runtime, good.id)) == 3 and escalations(runtime, broken.id) == []
    assert "failed; skipped until the next sweep" in caplog.text
    assert chain_ok(runtime)


def test_paused_clock_fires_nothing_and_resumes_with_its_rungs(runtime, engine, actors):
    """While a ticket waits on the complainant its clocks are paused: no rung falls due."""
    ticket = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=T0).ticket
    engine.fire(ticket.id, "minta_kelengkapan", actors["petugas"], {"kekurangan": "Salinan KTP"},
                now=T0 + timedelta(hours=1))
    assert sweep_due_rungs(runtime, now=T0 + timedelta(days=10)) == 0
    engine.fire(ticket.id, "lengkapi", actors["pemohon"], {"kelengkapan": "KTP terlampir"},
                now=T0 + timedelta(days=10))
    resumed = engine.load(ticket.id).clock("penyelesaian")
    assert resumed.next_rung_at == T0 + timedelta(days=10) + timedelta(days=3.5, hours=-1)


def test_fire_rung_job_is_idempotent(runtime, engine, actors):
    ticket = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=T0).ticket
    run = ticket.clock("penyelesaian")
    jobs_worker.set_runtime(runtime)
    try:
        at = T0 + timedelta(days=3.6)
        assert fire_rung_job(ticket.id, run.id, 1, now=at) is False  # not the next rung
        assert fire_rung_job(ticket.id, run.id, 0, now=T0 + timedelta(days=1)) is False  # not yet due
        assert fire_rung_job(ticket.id, run.id, 0, now=at) is True
        assert fire_rung_job(ticket.id, run.id, 0, now=at) is False  # a retry or duplicate job
        assert sweep_due_rungs(runtime, now=at) == 2  # tanggapan_awal's rungs; penyelesaian's 50 % is done
    finally:
        jobs_worker.set_runtime(None)
    assert escalations(runtime, ticket.id, "penyelesaian") == [("penyelesaian", 0, None)]
    assert len(outbox(runtime, ticket.id, "peringatan_tenggat")) == 1 + 2  # penyelesaian 50 %; tanggapan_awal 75 % (2)


def _to_opd(engine, actors, when):
    ticket = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=when).ticket
    engine.fire(ticket.id, "verifikasi", actors["petugas"], {"tingkat": "sedang", "kewenangan": "dalam"}, now=when)
    engine.fire(ticket.id, "teruskan_tim", actors["petugas"], {}, now=when)
    return engine.fire(ticket.id, "serahkan_opd", actors["tim"],
                       {"opd": "dinas_esdm", "permintaan": "Mohon jadwal peninjauan lapangan"}, now=when)


def test_holiday_and_cuti_bersama_push_a_working_day_due_time(runtime, engine, actors):
    """Handed to an OPD on Wednesday 23 Dec 2026 10:00 WIB: Thursday is cuti bersama, Friday is Christmas,
    then the weekend, so the 1-working-day acknowledgement falls due on Monday 28 Dec 10:00 WIB."""
    handed = datetime(2026, 12, 23, 10, 0, tzinfo=WIB)
    ticket = _to_opd(engine, actors, handed)
    ack = ticket.clock("opd_ack")
    assert ack.due_at == datetime(2026, 12, 28, 10, 0, tzinfo=WIB)
    # Without cuti bersama only Christmas counts: Thursday 10:00. With neither: Thursday too.
    assert WorkingCalendar(include_cuti_bersama=False).add(handed, 1, "working_days") == \
        datetime(2026, 12, 28, 10, 0, tzinfo=WIB) - timedelta(days=4)
    sweep_due_rungs(runtime, now=datetime(2026, 12, 24, 12, 0, tzinfo=WIB))
    assert [r for c, r, _ in escalations(runtime, ticket.id, "opd_ack")] == [0]  # 50 %: Wed 14:00
    sweep_due_rungs(runtime, now=datetime(2026, 12, 27, 23, 0, tzinfo=WIB))  # Sunday night: not yet
    assert [r for c, r, _ in escalations(runtime, ticket.id, "opd_ack")] == [0]
    sweep_due_rungs(runtime, now=datetime(2026, 12, 28, 10, 1, tzinfo=WIB))
    assert [r for c, r, _ in escalations(runtime, ticket.id, "opd_ack")] == [0, 1]
    assert {who for _, who, d in outbox(runtime, ticket.id, "eskalasi") if d["clock"] == "opd_ack"} == \
        {"escalation_target", "opd"}


def test_pause_for_missing_information_moves_due_time_by_the_paused_span(runtime, engine, actors):
    ticket = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=T0).ticket
    assert ticket.clock("penyelesaian").due_at == T0 + timedelta(days=7)
    assert ticket.clock("tanggapan_awal").due_at == T0 + timedelta(days=1)  # Tuesday 09:00 WIB
    engine.fire(ticket.id, "minta_kelengkapan", actors["petugas"], {"kekurangan": "Nomor registrasi"},
                now=T0 + timedelta(hours=1))
    back = T0 + timedelta(days=2, hours=1)  # Wednesday 10:00 WIB
    resumed = engine.fire(ticket.id, "lengkapi", actors["pemohon"], {"kelengkapan": "REG-2026-0042"}, now=back)
    assert resumed.clock("penyelesaian").due_at == T0 + timedelta(days=9)
    # 1 of 8 office hours used before the pause, 7 left from Wednesday 10:00 WIB: Thursday 09:00 WIB.
    assert resumed.clock("tanggapan_awal").due_at == T0 + timedelta(days=3)
    clock_notes = [n for r in runtime.store.audit_rows(ticket_id=ticket.id) for n in r["detail"].get("clocks", [])]
    assert {(n["clock"], n["op"]) for n in clock_notes} >= {("penyelesaian", "pause"), ("penyelesaian", "resume")}
    assert engine.load(ticket.id).clock("penyelesaian").paused_seconds == pytest.approx(2 * 86400)
    assert chain_ok(runtime)


def test_due_query_uses_only_running_clocks(runtime, engine, actors):
    ticket = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=T0).ticket
    engine.fire(ticket.id, "tolak", actors["petugas"], {"alasan": "Bukan pengaduan"}, now=T0 + timedelta(hours=1))
    assert sweep_due_rungs(runtime, now=T0 + timedelta(days=30)) == 0
    assert escalation_rows(runtime.store) == []
    assert all(run.next_rung_at is None for run in engine.load(ticket.id).clocks)


def test_a_rung_failing_after_its_writes_rolls_back_alone(port_store, actors, monkeypatch):
    """A rung that fails after writing its escalation, ticket, audit and outbox rows leaves none of them;
    the other rungs of the batch (before and after it) commit, and the audit chain still verifies (the
    savepoint and the held audit head, on every store)."""
    from workflow.services import escalation

    runtime = memory_runtime(port_store)
    engine = runtime.engine

    good = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=T0).ticket
    bad = engine.open("pengaduan-ptsp", walk_in_record(nama="Budi"), actors["petugas"], now=T0).ticket
    real = escalation.Fired

    def fired(ticket_id, *args):  # built after every write of the rung, inside its savepoint
        if ticket_id == bad.id:
            raise RuntimeError("disk full")
        return real(ticket_id, *args)

    monkeypatch.setattr(escalation, "Fired", fired)
    assert sweep_due_rungs(runtime, now=T0 + timedelta(days=3.6)) == 3  # good's three; bad's runs are skipped
    assert escalations(runtime, bad.id) == [] and outbox(runtime, bad.id, "peringatan_tenggat") == []
    assert audit_of(runtime, bad.id, "escalation") == [] and engine.load(bad.id).version == bad.version
    assert len(escalations(runtime, good.id)) == 3 and engine.load(good.id).version == good.version + 3
    assert chain_ok(runtime)

    monkeypatch.setattr(escalation, "Fired", real)
    assert sweep_due_rungs(runtime, now=T0 + timedelta(days=3.6)) == 3  # the next sweep fires bad's, once
    assert escalations(runtime, bad.id) == escalations(runtime, good.id)
    assert chain_ok(runtime)


def test_a_rung_job_uses_a_calendar_edited_after_its_worker_started(sql_runtime, actors, store):
    """The job reads the calendar's stamp in its own transaction; after an edit it reloads and fires on the
    new calendar (Tuesday closed: the 100 % rung of the one-working-day triage clock moves to Wednesday)."""
    from workflow.services.calendar import add_closure

    runtime, engine = sql_runtime, sql_runtime.engine
    ticket = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=T0).ticket
    run = ticket.clock("tanggapan_awal")
    worker = Runtime(store=store, engine=Engine(store, calendar=WorkingCalendar()),
                     catalogs=runtime.catalogs)
    calendar_service.refresh_calendar(worker)  # the worker's calendar, loaded before the edit
    add_closure(runtime, date(2026, 12, 1), "Libur Pilkada", "kasi1", now=T0)
    jobs_worker.set_runtime(worker)
    try:
        assert fire_rung_job(ticket.id, run.id, 0, now=run.next_rung_at + timedelta(minutes=1)) is True
    finally:
        jobs_worker.set_runtime(None)
    moved = engine.load(ticket.id).clock("tanggapan_awal")
    assert moved.next_rung == 1
    assert moved.next_rung_at == runtime.calendar.add(run.resumed_at, 1, "working_days")
    assert moved.next_rung_at.astimezone(WIB).date() == date(2026, 12, 2)
    assert not worker.calendar.is_working_day(date(2026, 12, 1))
