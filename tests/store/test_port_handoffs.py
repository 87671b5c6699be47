"""Handoff parts and per-agency clock runs through the store port (memory, SQLite, PostgreSQL alike), and
an agency's inbox of open parts (`workflow.store.queries.handoffs`) on SQLite and PostgreSQL."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from workflow.core.audit import AuditEvent
from workflow.core.ticket import Change, ClockRun, HandoffPart
from workflow.store.queries import handoffs

from .test_port_contract import NOW, new_ticket


def handed(store, receipt: str = "ADU-2026-000001"):
    ticket = new_ticket(receipt)
    ticket.state = "menunggu_opd"
    ticket.handoffs = [HandoffPart("verifikasi", "dinas_esdm", 1, "menunggu", NOW),
                       HandoffPart("verifikasi", "dinas_pupr", 1, "diproses", NOW, acknowledged_at=NOW)]
    for n, (agency, clock, due) in enumerate((("dinas_esdm", "opd_terima", 1), ("dinas_pupr", "opd_jawab", 3)), 2):
        ticket.clocks.append(ClockRun(clock=clock, run=n, unit="working_days", budget=float(due), status="running",
                                      started_at=NOW, resumed_at=NOW, due_at=NOW + timedelta(days=due), party=agency))
    with store.unit_of_work() as uow:
        saved = uow.tickets.save(Change(ticket, None, [AuditEvent(kind="open", at=NOW, actor_id="petugas1")]))
        uow.commit()
    return saved


def test_parts_and_agency_runs_load_back_whole(port_store):
    saved = handed(port_store)
    with port_store.unit_of_work(read_only=True) as uow:
        loaded = uow.tickets.load(saved.id)

    assert [(p.agency, p.status, p.requested_at, p.acknowledged_at) for p in loaded.handoffs] == \
        [("dinas_esdm", "menunggu", NOW, None), ("dinas_pupr", "diproses", NOW, NOW)]
    assert loaded.part("verifikasi", "dinas_pupr").acknowledged_at.tzinfo is not None
    assert loaded.clock("opd_terima", party="dinas_esdm").due_at == NOW + timedelta(days=1)
    assert loaded.clock("opd_terima") is None  # the agency's run is not the ticket's own


def test_an_answered_part_is_saved_with_its_answer(port_store):
    saved = handed(port_store)
    with port_store.unit_of_work() as uow:
        ticket = uow.tickets.load(saved.id)
        part = ticket.part("verifikasi", "dinas_pupr")
        part.status, part.answer, part.closed_at = "dijawab", {"hasil": "Sesuai"}, NOW + timedelta(hours=1)
        uow.tickets.save(Change(replace(ticket), ticket.version, []))
        uow.commit()
    with port_store.unit_of_work(read_only=True) as uow:
        loaded = uow.tickets.load(saved.id)
    assert loaded.part("verifikasi", "dinas_pupr").answer == {"hasil": "Sesuai"}
    assert loaded.version == saved.version + 1


def test_an_agency_inbox_lists_its_open_parts_nearest_due_first(store):
    first = handed(store)
    second = handed(store, "ADU-2026-000002")
    with store.unit_of_work() as uow:  # the second ticket's ESDM part is answered: its run stopped
        ticket = uow.tickets.load(second.id)
        run = ticket.clock("opd_terima", party="dinas_esdm")
        run.status, run.stopped_at, run.dirty = "stopped", NOW, True
        uow.tickets.save(Change(ticket, ticket.version, []))
        uow.commit()

    esdm = handoffs.open_for(store, "dinas_esdm")
    pupr = handoffs.open_for(store, "dinas_pupr")

    assert [(r["receipt_no"], r["clock"], r["due_at"]) for r in esdm] == \
        [("ADU-2026-000001", "opd_terima", NOW + timedelta(days=1))]
    assert [r["id"] for r in pupr] == [first.id, second.id]
    assert handoffs.open_for(store, "dinas_lhk") == []
    assert "nama" not in esdm[0]
