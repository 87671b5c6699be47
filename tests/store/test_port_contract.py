"""The store port's contract: what every adapter promises services (memory, SQLite, PostgreSQL alike).

Each test runs on the three stores (`port_store`); a service tested on the memory store relies on
exactly these promises holding on the databases too.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from workflow.core.audit import GENESIS, AuditEvent, verify_rows
from workflow.core.ticket import Change, ClockRun, Notice, Ticket
from workflow.errors import ConcurrentUpdate, TicketNotFound, UnknownDefinition
from workflow.store.port import AttachmentRecord, DefinitionRecord

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)


def new_ticket(receipt: str = "ADU-2026-000001", **fields) -> Ticket:
    run = ClockRun(clock="penyelesaian", run=1, unit="calendar_days", budget=7.0, status="running", started_at=NOW,
                   resumed_at=NOW, due_at=NOW + timedelta(days=7), next_rung=0, next_rung_at=NOW + timedelta(days=3))
    return Ticket(id=None, receipt_no=receipt, definition_key="sop", definition_version=1, state="diterima",
                  version=1, created_at=NOW, updated_at=NOW,
                  fields={"perihal": "Izin lama", "kategori": "durasi_waktu", "no_registrasi": "REG-1", **fields},
                  identity={"nama": "Siti"}, entered={"diterima": NOW}, clocks=[run], token_hash="h" * 64)


def opened(store, receipt: str = "ADU-2026-000001", **fields) -> Ticket:
    with store.unit_of_work() as uow:
        saved = uow.tickets.save(Change(new_ticket(receipt, **fields), None,
                                        [AuditEvent(kind="open", at=NOW, actor_id="petugas1", receipt_no=receipt)],
                                        [Notice("tanda_terima", "pemohon", {"token": "t"})]))
        uow.commit()
    return saved


def test_a_saved_ticket_loads_back_whole(port_store):
    saved = opened(port_store)
    assert saved.id is not None and all(run.id is not None for run in saved.clocks)
    with port_store.unit_of_work() as uow:
        loaded = uow.tickets.load(saved.id)
        assert uow.tickets.id_by_receipt("ADU-2026-000001") == saved.id
        assert uow.tickets.identity(saved.id) == {"nama": "Siti"}
    assert (loaded.receipt_no, loaded.state, loaded.version, loaded.fields["kategori"]) == \
        ("ADU-2026-000001", "diterima", 1, "durasi_waktu")
    assert loaded.identity == {"nama": "Siti"} and loaded.entered == {"diterima": NOW}
    [run] = loaded.clocks
    assert (run.clock, run.status, run.due_at, run.next_rung_at, run.dirty) == \
        ("penyelesaian", "running", NOW + timedelta(days=7), NOW + timedelta(days=3), False)
    assert run.due_at.tzinfo is not None


def test_missing_tickets_are_named(port_store):
    with port_store.unit_of_work() as uow:
        with pytest.raises(TicketNotFound):
            uow.tickets.load(999)
        with pytest.raises(TicketNotFound):
            uow.tickets.id_by_receipt("ADU-1999-000001")


def test_an_update_checks_the_version_and_a_stale_one_writes_nothing(port_store):
    saved = opened(port_store)
    with port_store.unit_of_work() as uow:
        first = uow.tickets.load(saved.id)
        first.state = "terverifikasi"
        uow.tickets.save(Change(first, 1, [AuditEvent(kind="transition", at=NOW, actor_id="a")]))
        uow.commit()
    stale = saved.copy()
    stale.state = "ditolak"
    with port_store.unit_of_work() as uow:
        with pytest.raises(ConcurrentUpdate):
            uow.tickets.save(Change(stale, 1, [AuditEvent(kind="transition", at=NOW, actor_id="b")]))
    with port_store.unit_of_work() as uow:
        after = uow.tickets.load(saved.id)
    assert (after.state, after.version) == ("terverifikasi", 2)
    assert [r["actor_id"] for r in port_store.audit_rows()] == ["petugas1", "a"]


def test_nothing_is_written_without_commit(port_store):
    with port_store.unit_of_work() as uow:
        uow.tickets.save(Change(new_ticket(), None, [AuditEvent(kind="open", at=NOW, actor_id="a")]))
        assert uow.receipts.next(2026) == 1
    assert port_store.audit_count() == 0
    with port_store.unit_of_work() as uow:
        with pytest.raises(TicketNotFound):
            uow.tickets.id_by_receipt("ADU-2026-000001")
        assert uow.receipts.next(2026) == 1  # the rolled-back number is drawn again: no gap


def test_receipt_numbers_count_per_year(port_store):
    with port_store.unit_of_work() as uow:
        numbers = [uow.receipts.next(2026), uow.receipts.next(2026), uow.receipts.next(2027)]
        uow.commit()
    assert numbers == [1, 2, 1]


def test_a_savepoint_undoes_only_what_failed_inside_it(port_store):
    with port_store.unit_of_work() as uow:
        uow.audit.append([AuditEvent(kind="system", at=NOW, actor_id="kept")])
        with pytest.raises(RuntimeError):
            with uow.savepoint():
                uow.audit.append([AuditEvent(kind="system", at=NOW, actor_id="undone")])
                raise RuntimeError("one broken ticket")
        uow.commit()
    assert [r["actor_id"] for r in port_store.audit_rows()] == ["kept"]


def test_the_audit_chain_grows_in_order_and_verifies(port_store):
    assert port_store.audit_head() == (0, GENESIS)
    for actor in ("a", "b", "c"):
        with port_store.unit_of_work() as uow:
            uow.audit.append([AuditEvent(kind="system", at=NOW, actor_id=actor, detail={"n": actor})])
            uow.commit()
    rows = list(port_store.audit_rows())
    assert [r["seq"] for r in rows] == [1, 2, 3] and rows[2]["detail"] == {"n": "c"}
    status = verify_rows(rows)
    assert status.ok and port_store.audit_head() == (3, status.head_hash)
    with port_store.unit_of_work() as uow:
        assert uow.audit.head() == (3, status.head_hash)


def test_flags_change_with_the_version(port_store):
    saved = opened(port_store)
    with port_store.unit_of_work() as uow:
        assert uow.tickets.set_flags(saved.id, ["duplikat:ADU-2026-000009"], 1) == 2
        with pytest.raises(ConcurrentUpdate):
            uow.tickets.set_flags(saved.id, [], 1)
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert uow.tickets.load(saved.id).flags == ["duplikat:ADU-2026-000009"]


def test_open_duplicates_match_registration_and_category_of_open_tickets(port_store):
    first = opened(port_store, "ADU-2026-000001")
    opened(port_store, "ADU-2026-000002", kategori="sikap_petugas")
    closed = new_ticket("ADU-2026-000003")
    closed.closed_at, closed.state = NOW, "selesai"
    with port_store.unit_of_work() as uow:
        uow.tickets.save(Change(closed, None, []))
        uow.commit()
    with port_store.unit_of_work() as uow:
        found = uow.tickets.open_duplicates("REG-1", "durasi_waktu")
        assert [t.receipt_no for t in found] == ["ADU-2026-000001"]
        assert uow.tickets.open_duplicates("REG-1", "durasi_waktu", exclude=first.id) == []
        assert uow.tickets.open_duplicates(None, "durasi_waktu") == []


def test_definitions_are_versions_of_a_key(port_store):
    record = DefinitionRecord("sop", 1, "SOP", "key: sop", "a" * 64, NOW, "kasi1", "first")
    with port_store.unit_of_work() as uow:
        with pytest.raises(UnknownDefinition, match="alur definitions publish"):
            uow.definitions.source("sop")
        assert uow.definitions.latest("sop") is None
        uow.definitions.add(record)
        uow.definitions.add(DefinitionRecord("sop", 2, "SOP v2", "key: sop # 2", "b" * 64, NOW, "kasi1"))
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert uow.definitions.source("sop") == ("key: sop # 2", 2)
        assert uow.definitions.source("sop", 1) == ("key: sop", 1)
        assert uow.definitions.latest("sop").title == "SOP v2"
        assert uow.definitions.published() == [("sop", 1), ("sop", 2)]
        with pytest.raises(ConcurrentUpdate, match="published by someone else"):
            uow.definitions.add(record)


def test_attachments_and_links_belong_to_their_ticket(port_store):
    one, two = opened(port_store, "ADU-2026-000001"), opened(port_store, "ADU-2026-000002")
    files = [AttachmentRecord("f" * 64, "ktp.jpg", "image/jpeg", 10, "attachments/ff/ff/x", NOW)]
    with port_store.unit_of_work() as uow:
        [attachment_id] = uow.attachments.add(one.id, files)
        assert uow.links.add(two.id, one.id, "terkait", "petugas1", NOW) is True
        assert uow.links.add(two.id, one.id, "terkait", "petugas1", NOW) is False
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert (uow.attachments.count(one.id), uow.attachments.count(two.id)) == (1, 0)
        [stored] = uow.attachments.of(one.id)
        assert (stored.id, stored.ticket_id, stored.filename, stored.created_at) == (attachment_id, one.id, "ktp.jpg",
                                                                                    NOW)
        assert uow.links.of(two.id) == [("terkait", "ADU-2026-000001")] and uow.links.of(one.id) == []


def test_no_rung_has_fired_on_a_new_ticket(port_store):
    saved = opened(port_store)
    with port_store.unit_of_work() as uow:
        assert uow.escalations.fired(saved.id) == {}
        assert uow.closures.all() == [] and uow.closures.stamp() == uow.closures.stamp()
