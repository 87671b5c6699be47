"""Tracking PINs (`workflow.services.tracking`, issue 14 item 2) on the in-memory store, SQLite and PostgreSQL:
drawn with every filed complaint, given in the receipt notice, checked against a keyed hash, locked after
`MAX_FAILURES` wrong tries in a row (from any address) for `LOCK_MINUTES`, and unlocked by a right one after."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from workflow.runtime import Runtime
from workflow.services import intake
from workflow.services.engine import Engine
from workflow.services.publish import publish
from workflow.services.tracking import LOCK_MINUTES, MAX_FAILURES, check_pin
from workflow.store.memory import MemoryStore
from workflow.store.port_tracking import pins
from workflow.store.sql import SqlStore

from .conftest import MONDAY_9_WIB, SOP, migrated_engine, walk_in_record


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def rt(request, tmp_path, calendar):
    def build(store):
        publish(store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
        engine = Engine(store, calendar=calendar, now=lambda: MONDAY_9_WIB, identity_salt="pin-tests")
        return Runtime(store=store, engine=engine, catalogs=engine.catalogs)

    if request.param == "memory":
        yield build(MemoryStore())
        return
    with migrated_engine(request.param, tmp_path) as db:
        yield build(SqlStore(db))


def _file(rt, actors):
    return intake.file_complaint(rt, walk_in_record(), actors["pemohon"], definition_key="pengaduan-ptsp")


def test_every_filed_complaint_gets_a_pin_only_its_keyed_hash_is_stored(rt, actors):
    filed = _file(rt, actors)
    assert re.fullmatch(r"[0-9]{6}", filed.pin)
    with rt.store.unit_of_work() as uow:
        stored = pins(uow).find(filed.ticket.receipt_no)
    assert stored.ticket_id == filed.ticket.id and filed.pin not in stored.pin_hash and stored.failures == 0
    found = check_pin(rt.store, filed.ticket.receipt_no.lower(), f" {filed.pin[:3]}-{filed.pin[3:]} ",
                      "pin-tests", MONDAY_9_WIB)
    assert found.ok and found.ticket_id == filed.ticket.id
    assert not check_pin(rt.store, filed.ticket.receipt_no, filed.pin, "another-instance", MONDAY_9_WIB).ok


def test_the_receipt_notice_carries_the_pin_until_rendered(rt, actors):
    filed = _file(rt, actors)
    with rt.store.unit_of_work() as uow:
        rows = [uow.outbox.take(i) for i in uow.outbox.pending(ticket_id=filed.ticket.id)]
    [receipt] = [r for r in rows if r.template == "tanda_terima"]
    assert receipt.detail == {"token": filed.token, "pin": filed.pin}  # dropped once rendered (test_tracking_codes)


def test_wrong_pins_lock_the_complaint_then_the_lock_ends(rt, actors):
    filed = _file(rt, actors)
    receipt = filed.ticket.receipt_no
    wrong = f"{(int(filed.pin) + 1) % 1000000:06d}"
    results = [check_pin(rt.store, receipt, wrong, "pin-tests", MONDAY_9_WIB) for _ in range(MAX_FAILURES)]
    assert [r.ok for r in results] == [False] * MAX_FAILURES
    assert results[-1].locked_until == MONDAY_9_WIB + timedelta(minutes=LOCK_MINUTES)
    assert all(r.locked_until is None for r in results[:-1])
    locked = check_pin(rt.store, receipt, filed.pin, "pin-tests", MONDAY_9_WIB + timedelta(minutes=1))
    assert not locked.ok and locked.locked_until is not None  # even the right PIN waits
    after = MONDAY_9_WIB + timedelta(minutes=LOCK_MINUTES, seconds=1)
    assert check_pin(rt.store, receipt, filed.pin, "pin-tests", after).ok
    with rt.store.unit_of_work() as uow:
        assert pins(uow).find(receipt).failures == 0  # a right PIN starts the count again


def test_an_unknown_receipt_or_a_ticket_without_a_pin_is_simply_not_found(rt, actors):
    opened = rt.engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"])  # not through the intake
    assert not check_pin(rt.store, opened.ticket.receipt_no, "123456", "pin-tests", MONDAY_9_WIB).ok
    assert not check_pin(rt.store, "ADU-2026-999999", "123456", "pin-tests", MONDAY_9_WIB).ok
    assert check_pin(rt.store, "ADU-2026-999999", "123456", "pin-tests", MONDAY_9_WIB).locked_until is None


def test_an_empty_or_short_pin_is_a_slip_and_does_not_count_toward_the_lock(rt, actors):
    filed = _file(rt, actors)
    for slip in ("", "12345", "abc", "1234567"):
        assert not check_pin(rt.store, filed.ticket.receipt_no, slip, "pin-tests", MONDAY_9_WIB).ok
    with rt.store.unit_of_work() as uow:
        assert pins(uow).find(filed.ticket.receipt_no).failures == 0
