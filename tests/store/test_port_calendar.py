"""The port's calendar repositories on every store: the office's day edits, and the clock runs a calendar
change can move, read in keyset pages and rewritten only while still in the segment that was read."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from workflow.core.audit import AuditEvent
from workflow.core.ticket import Change
from workflow.store.port import ClosureRecord

from .test_port_contract import NOW, new_ticket, opened

DAY = date(2026, 12, 1)


def test_a_day_edit_is_put_replaced_and_withdrawn_and_each_changes_the_stamp(port_store):
    with port_store.unit_of_work() as uow:
        empty = uow.closures.stamp()
        assert uow.closures.get(DAY) is None and uow.closures.delete(DAY) is False
        uow.closures.put(ClosureRecord(DAY, "add", "Libur Pilkada", "kasi1", NOW))
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert uow.closures.get(DAY) == ClosureRecord(DAY, "add", "Libur Pilkada", "kasi1", NOW)
        added = uow.closures.stamp()
        uow.closures.put(ClosureRecord(DAY, "remove", "dibuka", "kasi2", NOW + timedelta(hours=1)))
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert [(r.day, r.kind, r.created_by) for r in uow.closures.all()] == [(DAY, "remove", "kasi2")]
        replaced = uow.closures.stamp()
        assert uow.closures.delete(DAY) is True
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert uow.closures.all() == [] and len({empty, added, replaced}) == 3
        uow.closures.put(ClosureRecord(DAY, "add", "Libur Pilkada", "kasi1", NOW + timedelta(hours=2)))
        uow.commit()
    with port_store.unit_of_work() as uow:  # closed again after a reset: not the stamp it had when first closed
        assert uow.closures.stamp() not in (empty, added, replaced)


def test_a_day_edit_without_commit_is_not_kept(port_store):
    with port_store.unit_of_work() as uow:
        uow.closures.put(ClosureRecord(DAY, "add", "Libur", "kasi1", NOW))
    with port_store.unit_of_work() as uow:
        assert uow.closures.get(DAY) is None


def _tickets(store, n: int) -> list:
    return [opened(store, f"ADU-2026-{i:06d}") for i in range(1, n + 1)]


def test_running_runs_come_in_keyset_pages_with_their_ticket(port_store):
    saved = _tickets(port_store, 3)
    with port_store.unit_of_work() as uow:
        first = uow.clock_runs.running(limit=2)
        rest = uow.clock_runs.running(after_id=first[-1].run.id, limit=2)
        assert uow.clock_runs.running(after_id=rest[-1].run.id) == []
    assert [r.receipt_no for r in first + rest] == [t.receipt_no for t in saved]
    item = first[0]
    assert (item.ticket_id, item.definition_key, item.definition_version, item.fired) == (saved[0].id, "sop", 1,
                                                                                          frozenset())
    assert (item.run.clock, item.run.due_at, item.run.next_rung) == ("penyelesaian", NOW + timedelta(days=7), 0)


def test_only_running_runs_a_window_can_move_are_read(port_store):
    running, paused = _tickets(port_store, 2)
    with port_store.unit_of_work() as uow:
        ticket = uow.tickets.load(paused.id)
        ticket.clocks[0].status, ticket.clocks[0].dirty = "paused", True
        uow.tickets.save(Change(ticket, ticket.version, [AuditEvent(kind="transition", at=NOW, actor_id="a")]))
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert [r.ticket_id for r in uow.clock_runs.running()] == [running.id]
        inside = (NOW + timedelta(days=2), NOW + timedelta(days=4))  # before the next rung (day 3)
        assert [r.ticket_id for r in uow.clock_runs.running(window=inside)] == [running.id]
        after_due = (NOW + timedelta(days=8), NOW + timedelta(days=9))
        assert uow.clock_runs.running(window=after_due) == []
        before_start = (NOW - timedelta(days=3), NOW - timedelta(days=1))
        assert uow.clock_runs.running(window=before_start) == []


def test_a_rescheduled_run_is_written_only_while_still_in_the_segment_read(port_store):
    [saved] = _tickets(port_store, 1)
    with port_store.unit_of_work() as uow:
        [read] = uow.clock_runs.running()
    moved = replace(read.run, due_at=read.run.due_at + timedelta(days=1), next_rung=1,
                    next_rung_at=NOW + timedelta(days=4), at_risk_at=NOW + timedelta(days=5), calendar="new")
    with port_store.unit_of_work() as uow:
        assert uow.clock_runs.reschedule(moved, read.run) is True
        uow.commit()
    with port_store.unit_of_work() as uow:
        run = uow.tickets.load(saved.id).clocks[0]
        assert (run.due_at, run.next_rung, run.next_rung_at, run.at_risk_at, run.calendar) == \
            (moved.due_at, 1, moved.next_rung_at, moved.at_risk_at, "new")
        # the stale read (next rung 0) no longer matches the stored run: nothing is written
        assert uow.clock_runs.reschedule(replace(moved, due_at=NOW), read.run) is False
    with port_store.unit_of_work() as uow:
        assert uow.tickets.load(saved.id).clocks[0].due_at == moved.due_at


def test_a_fire_between_read_and_write_wins(port_store):
    """A fire that paused the clock (or started a new segment) after the recomputation read it is kept."""
    [saved] = _tickets(port_store, 1)
    with port_store.unit_of_work() as uow:
        [read] = uow.clock_runs.running()
    with port_store.unit_of_work() as uow:
        ticket = uow.tickets.load(saved.id)
        run = ticket.clocks[0]
        run.resumed_at, run.consumed, run.dirty = NOW + timedelta(hours=5), 0.2, True
        uow.tickets.save(Change(ticket, ticket.version, [AuditEvent(kind="transition", at=NOW, actor_id="a")]))
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert uow.clock_runs.reschedule(replace(read.run, due_at=NOW), read.run) is False
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert uow.tickets.load(saved.id).clocks[0].due_at == new_ticket().clocks[0].due_at
