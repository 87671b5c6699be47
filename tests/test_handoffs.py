"""Handoffs to several agencies at once, on the in-memory store: each agency acknowledges and answers its
own part on its own clocks and ladder, sees nothing of the others', and the ticket moves on when every
part is answered or withdrawn. Clocks counted from a date on the ticket and date rules on inputs too.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.conftest import MONDAY_9_WIB
from tests.store.rows import outbox_rows
from workflow.core.calendar import WorkingCalendar
from workflow.core.guards import Actor
from workflow.errors import InvalidInput, TransitionRejected
from workflow.runtime import Runtime
from workflow.services import handoffs
from workflow.services.engine import Engine
from workflow.services.escalation import sweep_due_rungs
from workflow.services.publish import publish
from workflow.store.memory import MemoryStore

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "valid" / "handoffs.yaml"
WIB = timezone(timedelta(hours=7))
TIM = Actor("tim1", frozenset({"tim"}), "Tim Satu")
PETUGAS = Actor("petugas1", frozenset({"petugas"}))
ESDM = Actor("esdm1", frozenset({"opd_liaison"}), "Penghubung ESDM", opd="dinas_esdm")
PUPR = Actor("pupr1", frozenset({"opd_liaison"}), "Penghubung PUPR", opd="dinas_pupr")


@pytest.fixture
def runtime():
    store = MemoryStore()
    publish(store, FIXTURE.read_text(encoding="utf-8"), file=str(FIXTURE), actor_id="admin", now=MONDAY_9_WIB)
    engine = Engine(store, calendar=WorkingCalendar(), now=lambda: MONDAY_9_WIB)
    return Runtime(store=store, engine=engine, catalogs=engine.catalogs)


def handed(runtime, agencies=("dinas_esdm", "dinas_pupr")):
    engine = runtime.engine
    ticket = engine.open("mini-serah", {"perihal": "Izin reklame"}, PETUGAS, now=MONDAY_9_WIB).ticket
    engine.fire(ticket.id, "teruskan", PETUGAS, {}, now=MONDAY_9_WIB)
    return engine.fire(ticket.id, "serahkan", TIM, {"opd_teknis": list(agencies), "permintaan": "Mohon verifikasi"},
                       now=MONDAY_9_WIB)


def test_handing_over_asks_each_agency_on_its_own_acknowledgement_clock(runtime):
    ticket = handed(runtime)

    assert ticket.state == "menunggu_opd"
    assert [(p.agency, p.status) for p in ticket.handoffs] == [("dinas_esdm", "menunggu"), ("dinas_pupr", "menunggu")]
    acks = [(r.clock, r.party, r.status) for r in ticket.clocks if r.party]
    assert acks == [("opd_terima", "dinas_esdm", "running"), ("opd_terima", "dinas_pupr", "running")]
    # both agencies are told, each its own liaisons
    told = [(r["template"], r["recipient"]) for r in outbox_rows(runtime.store, ticket.id)
            if r["template"] == "serah_opd"]
    assert told == [("serah_opd", "opd:dinas_esdm"), ("serah_opd", "opd:dinas_pupr")]


def test_each_liaison_answers_only_its_own_part_and_the_ticket_waits_for_all(runtime):
    ticket = handed(runtime)
    later = MONDAY_9_WIB + timedelta(hours=2)

    with pytest.raises(TransitionRejected, match="hanya penghubung dinas_esdm"):
        handoffs.act(runtime.engine, ticket.id, "verifikasi", "dinas_esdm", "terima", PUPR, now=later)
    handoffs.act(runtime.engine, ticket.id, "verifikasi", "dinas_esdm", "terima", ESDM, now=later)
    with pytest.raises(InvalidInput) as caught:
        handoffs.act(runtime.engine, ticket.id, "verifikasi", "dinas_esdm", "jawab", ESDM, {}, now=later)
    assert caught.value.errors == {"hasil": "wajib diisi"}
    after = handoffs.act(runtime.engine, ticket.id, "verifikasi", "dinas_esdm", "jawab", ESDM,
                         {"hasil": "Lokasi sesuai izin"}, now=later)

    assert after.state == "menunggu_opd"  # PUPR has not answered yet
    esdm, pupr = after.part("verifikasi", "dinas_esdm"), after.part("verifikasi", "dinas_pupr")
    assert (esdm.status, esdm.answer, pupr.status) == ("dijawab", {"hasil": "Lokasi sesuai izin"}, "menunggu")
    assert after.clock("opd_jawab", party="dinas_esdm").status == "stopped"
    assert after.clock("opd_terima", party="dinas_pupr").status == "running"


def test_withdrawing_the_last_open_part_moves_the_ticket_on_and_tells_the_team(runtime):
    ticket = handed(runtime)
    later = MONDAY_9_WIB + timedelta(hours=3)
    handoffs.act(runtime.engine, ticket.id, "verifikasi", "dinas_esdm", "jawab", ESDM, {"hasil": "Sesuai"}, now=later)

    with pytest.raises(InvalidInput, match="alasan"):
        handoffs.act(runtime.engine, ticket.id, "verifikasi", "dinas_pupr", "tarik", TIM, {}, now=later)
    with pytest.raises(TransitionRejected, match="menarik"):
        handoffs.act(runtime.engine, ticket.id, "verifikasi", "dinas_pupr", "tarik", ESDM, {"alasan": "x"}, now=later)
    after = handoffs.act(runtime.engine, ticket.id, "verifikasi", "dinas_pupr", "tarik", TIM,
                         {"alasan": "Bukan kewenangan PUPR"}, now=later)

    assert after.state == "telaah"
    assert after.part("verifikasi", "dinas_pupr").reason == "Bukan kewenangan PUPR"
    assert all(r.status == "stopped" for r in after.clocks if r.party)
    rows = [r for r in runtime.store.audit_rows() if r["kind"] == "handoff"]
    assert [r["detail"]["action"] for r in rows] == ["serah", "serah", "jawab", "tarik", "selesai"]
    assert rows[-1]["to_state"] == "telaah" and rows[-1]["detail"]["answered"] == ["dinas_esdm"]
    notices = [(r["template"], r["recipient"]) for r in outbox_rows(runtime.store, ticket.id)]
    assert ("tugas_baru", "role:tim") in notices
    with pytest.raises(TransitionRejected, match="sudah tidak berjalan"):
        handoffs.act(runtime.engine, ticket.id, "verifikasi", "dinas_pupr", "jawab", PUPR, {"hasil": "x"}, now=later)


def test_an_agency_that_does_not_acknowledge_is_escalated_alone(runtime):
    ticket = handed(runtime)
    handoffs.act(runtime.engine, ticket.id, "verifikasi", "dinas_esdm", "terima", ESDM, now=MONDAY_9_WIB)

    fired = sweep_due_rungs(runtime, now=MONDAY_9_WIB + timedelta(days=1, hours=1))  # Tuesday 10:00

    assert fired == 1
    escalated = [r for r in runtime.store.audit_rows() if r["kind"] == "escalation"]
    assert [r["detail"]["agency"] for r in escalated] == ["dinas_pupr"]
    told = {r["recipient"] for r in outbox_rows(runtime.store, ticket.id) if r["template"] == "eskalasi"}
    assert told == {"escalation_target", "opd:dinas_pupr"}


def test_a_handoff_needs_at_least_one_agency(runtime):
    engine = runtime.engine
    ticket = engine.open("mini-serah", {"perihal": "Izin reklame"}, PETUGAS, now=MONDAY_9_WIB).ticket
    engine.fire(ticket.id, "teruskan", PETUGAS, {}, now=MONDAY_9_WIB)
    with pytest.raises(InvalidInput):
        engine.fire(ticket.id, "serahkan", TIM, {"opd_teknis": [], "permintaan": "x"}, now=MONDAY_9_WIB)
    assert engine.load(ticket.id).state == "ditangani_tim"


# -- clocks counted from a date ---------------------------------------------------------------------
def test_a_deadline_counts_from_the_date_the_ticket_carries(runtime):
    ticket = handed(runtime, agencies=("dinas_esdm",))
    handoffs.act(runtime.engine, ticket.id, "verifikasi", "dinas_esdm", "jawab", ESDM, {"hasil": "ok"},
                 now=MONDAY_9_WIB)
    # scheduled on Monday 30 November for an inspection on Thursday 3 December
    after = runtime.engine.fire(ticket.id, "jadwalkan", TIM, {"tanggal_inspeksi": "2026-12-03"}, now=MONDAY_9_WIB)

    run = after.clock("laporan_inspeksi")
    # 3 working days after Thursday 3 December: Friday, Monday, Tuesday -> due at the close of Tuesday 8 December
    assert run.due_at.astimezone(WIB) == datetime(2026, 12, 8, 16, 0, tzinfo=WIB)
    assert run.started_at == MONDAY_9_WIB
    assert not run.at_risk_at or run.at_risk_at > datetime(2026, 12, 3, tzinfo=WIB)  # not at risk before it counts


# -- date rules on inputs ---------------------------------------------------------------------------
def test_a_date_rule_refuses_other_days_and_says_which_are_allowed(runtime):
    engine = runtime.engine
    with pytest.raises(InvalidInput) as caught:
        engine.open("mini-serah", {"perihal": "x", "tanggal_ambil_kotak": "2026-11-24"}, PETUGAS, now=MONDAY_9_WIB)
    message = caught.value.errors["tanggal_ambil_kotak"]
    assert message == ("kotak pengaduan hanya dibuka hari Senin dan Kamis; 24 November 2026 adalah hari Selasa")

    with pytest.raises(InvalidInput) as caught:
        engine.open("mini-serah", {"perihal": "x", "tanggal_ambil_kotak": "2026-12-03"}, PETUGAS, now=MONDAY_9_WIB)
    assert caught.value.errors["tanggal_ambil_kotak"] == "3 Desember 2026 belum tiba; isi tanggal yang sudah lewat"

    opened = engine.open("mini-serah", {"perihal": "x", "tanggal_ambil_kotak": "2026-11-26"}, PETUGAS, now=MONDAY_9_WIB)
    assert opened.ticket.fields["tanggal_ambil_kotak"] == "2026-11-26"
