"""The port's box session and disposition repositories on every store (memory, SQLite, PostgreSQL): one
session per definition, channel and day; a close happens once; the complaints recorded from a session are
the definition's tickets on the box channel whose box date is the session's day (read from the ticket's
JSON fields on SQL); an update is ticked off once per ticket and obligation."""
from __future__ import annotations

from datetime import date, timedelta

from tests.conftest import MONDAY_9_WIB, SOP, walk_in_record
from workflow.core.calendar import WorkingCalendar
from workflow.core.guards import Actor
from workflow.services.engine import Engine
from workflow.services.publish import publish
from workflow.store.port_channels import BoxSessionRecord, DispositionUpdate

PETUGAS = Actor("petugas", frozenset({"petugas"}), "Petugas")
MONDAY = date(2026, 11, 30)


def session(day: date = MONDAY, channel: str = "kotak_pengaduan") -> BoxSessionRecord:
    return BoxSessionRecord(None, "pengaduan-ptsp", channel, day, "petugas", MONDAY_9_WIB)


def test_one_session_per_day_closed_once(port_store):
    with port_store.unit_of_work() as uow:
        first = uow.box_sessions.add(session())
        assert uow.box_sessions.add(session()) is None
        other = uow.box_sessions.add(session(MONDAY - timedelta(days=4)))
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert uow.box_sessions.close(first, 2, "", "petugas", MONDAY_9_WIB + timedelta(hours=1))
        assert not uow.box_sessions.close(first, 3, "lagi", "petugas", MONDAY_9_WIB + timedelta(hours=2))
        uow.commit()
    with port_store.unit_of_work(read_only=True) as uow:
        stored = uow.box_sessions.get(first)
        assert (stored.forms_found, stored.closed_by, stored.open) == (2, "petugas", False)
        assert stored.closed_at == MONDAY_9_WIB + timedelta(hours=1) and stored.opened_on == MONDAY
        assert [s.id for s in uow.box_sessions.recent()] == [first, other]


def test_the_complaints_recorded_from_a_session_are_found_by_their_box_date(port_store):
    publish(port_store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
    engine = Engine(port_store, calendar=WorkingCalendar(), now=lambda: MONDAY_9_WIB)
    mine = [engine.open("pengaduan-ptsp", walk_in_record(kanal="kotak_pengaduan", tanggal_ambil_kotak="2026-11-30",
                                                         nama=f"Pengadu {i}"), PETUGAS).ticket for i in range(2)]
    engine.open("pengaduan-ptsp", walk_in_record(kanal="kotak_pengaduan", tanggal_ambil_kotak="2026-11-26"), PETUGAS)
    engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS)
    with port_store.unit_of_work() as uow:
        new_id = uow.box_sessions.add(session())
        uow.commit()
    with port_store.unit_of_work(read_only=True) as uow:
        found = uow.box_sessions.recorded(uow.box_sessions.get(new_id), "tanggal_ambil_kotak")
    assert found == [(t.id, t.receipt_no) for t in mine]


def test_an_update_is_ticked_off_once(port_store):
    with port_store.unit_of_work() as uow:
        assert uow.dispositions.add(DispositionUpdate(7, "diterima", MONDAY_9_WIB, "petugas", "di LAPOR!"))
        assert not uow.dispositions.add(DispositionUpdate(7, "diterima", MONDAY_9_WIB, "tim"))
        assert uow.dispositions.add(DispositionUpdate(7, "selesai", MONDAY_9_WIB, "tim"))
        assert uow.dispositions.add(DispositionUpdate(9, "diterima", MONDAY_9_WIB, "tim"))
        uow.commit()
    with port_store.unit_of_work(read_only=True) as uow:
        assert [(u.obligation, u.done_by, u.note) for u in uow.dispositions.updates(7)] == \
            [("diterima", "petugas", "di LAPOR!"), ("selesai", "tim", "")]
        assert sorted(uow.dispositions.updates_for([7, 9, 11])) == [7, 9]
        assert uow.dispositions.updates(7)[0].done_at == MONDAY_9_WIB
