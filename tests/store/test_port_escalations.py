"""The escalation repository's contract (``uow.escalations``), and the audit head held for a batch:
what the escalation service relies on, on the memory store, SQLite and PostgreSQL alike (`port_store`).

Claims of due rungs, the batch read, recording a rung once with everything it changes, the pointer
update; plus the ticket questions the autoclose sweep asks (``open_versions``, ``waiting_in``).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.store.rows import escalation_rows, outbox_rows
from workflow.core.audit import AuditEvent, verify_rows
from workflow.core.escalation import DueRung, RungChange
from workflow.core.ticket import Change, ClockRun, Notice, Ticket
from workflow.errors import ConcurrentUpdate

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def run(clock: str, next_at: datetime | None, *, status: str = "running", rung: int | None = 0) -> ClockRun:
    return ClockRun(clock=clock, run=1, unit="calendar_days", budget=7.0, status=status, started_at=NOW - 4 * HOUR,
                    resumed_at=NOW - 4 * HOUR, due_at=NOW + 7 * 24 * HOUR,
                    next_rung=rung if next_at is not None else None, next_rung_at=next_at)


def saved(store, n: int, *clocks: ClockRun, state: str = "diterima", version: int = 1, closed: bool = False,
          key: str = "sop") -> Ticket:
    ticket = Ticket(id=None, receipt_no=f"ADU-2026-{n:06d}", definition_key=key, definition_version=version,
                    state=state, version=1, created_at=NOW, updated_at=NOW, fields={"perihal": "Izin lama"},
                    identity={"nama": "Siti"}, assignee_role="petugas", assignee_id="petugas1",
                    closed_at=NOW if closed else None, clocks=list(clocks), token_hash="h" * 64)
    with store.unit_of_work() as uow:
        ticket = uow.tickets.save(Change(ticket, None, [AuditEvent(kind="open", at=NOW, actor_id="petugas1")]))
        uow.commit()
    return ticket


def rung_change(ticket: Ticket, clock: str, rung: int = 0, *, next_at: datetime | None = None,
                notify: tuple[str, ...] = ("assignee", "role:kepala_seksi")) -> RungChange:
    """What firing rung ``rung`` of ``clock`` writes: an escalation flagging and reassigning the ticket."""
    after = ticket.copy()
    after.flags += ["terlambat", "eskalasi"]
    after.assignee_role, after.assignee_id, after.updated_at = "kepala_seksi", None, NOW
    moved = after.clock(clock)
    moved.next_rung, moved.next_rung_at = (rung + 1, next_at) if next_at else (None, None)
    detail = {"clock": clock, "rung": rung}
    event = AuditEvent(kind="escalation", at=NOW, actor_id="system", actor_role="system", ticket_id=ticket.id,
                       receipt_no=ticket.receipt_no, detail=detail)
    return RungChange(after, ticket.version, moved, rung, "kepala_seksi", NOW, event,
                      [Notice("eskalasi", who, detail) for who in notify])


def test_due_rungs_are_claimed_oldest_first_and_only_from_running_runs(port_store):
    late = saved(port_store, 1, run("penyelesaian", NOW - 2 * HOUR), run("tanggapan_awal", NOW + HOUR))
    later = saved(port_store, 2, run("penyelesaian", NOW - 3 * HOUR, rung=2),
                  run("tanggapan_awal", NOW - HOUR, status="paused"), run("opd_ack", None))
    with port_store.unit_of_work() as uow:
        claims = uow.escalations.claim_due(NOW, 10)
        assert uow.escalations.claim_due(NOW, 1) == claims[:1]
    assert claims == [DueRung(later.clock("penyelesaian").id, later.id, 2, NOW - 3 * HOUR),
                      DueRung(late.clock("penyelesaian").id, late.id, 0, NOW - 2 * HOUR)]
    assert claims[0].due_at.tzinfo is not None


def test_a_claim_leaves_out_excluded_runs_and_walks_on_after_a_keyset(port_store):
    tickets = [saved(port_store, n, run("penyelesaian", NOW - n * HOUR)) for n in (1, 2, 3)]
    ids = [t.clock("penyelesaian").id for t in reversed(tickets)]  # oldest due first
    with port_store.unit_of_work() as uow:
        assert [c.clock_run_id for c in uow.escalations.claim_due(NOW, 10, exclude=[ids[1]])] == [ids[0], ids[2]]
        first = uow.escalations.claim_due(NOW, 1)
        rest = uow.escalations.claim_due(NOW, 10, after=(first[0].due_at, first[0].clock_run_id))
    assert [c.clock_run_id for c in first + rest] == ids


def test_a_batch_read_brings_the_tickets_their_runs_and_the_claimed_runs_fired_rungs(port_store):
    one = saved(port_store, 1, run("penyelesaian", NOW - HOUR), run("tanggapan_awal", NOW - HOUR))
    two = saved(port_store, 2, run("penyelesaian", NOW - HOUR))
    with port_store.unit_of_work() as uow:
        assert uow.escalations.fire(rung_change(one, "penyelesaian", next_at=NOW - HOUR)) is not None
        uow.commit()
    claims = [DueRung(one.clock("penyelesaian").id, one.id, 1), DueRung(two.clock("penyelesaian").id, two.id, 0)]
    for lock in (False, True):
        with port_store.unit_of_work() as uow:
            tickets, fired = uow.escalations.load(claims, lock=lock)
        assert sorted(tickets) == [one.id, two.id]
        assert [r.clock for r in tickets[one.id].clocks] == ["penyelesaian", "tanggapan_awal"]
        assert tickets[one.id].version == 2 and tickets[one.id].flags == ["terlambat", "eskalasi"]
        assert fired == {one.clock("penyelesaian").id: {0}, two.clock("penyelesaian").id: set()}
    with port_store.unit_of_work() as uow:
        assert uow.escalations.load([DueRung(999, 999, 0)]) == ({}, {999: set()})


def test_a_fired_rung_writes_its_change_and_is_recorded_once(port_store):
    ticket = saved(port_store, 1, run("penyelesaian", NOW - HOUR))
    change = rung_change(ticket, "penyelesaian", next_at=NOW + HOUR)
    with port_store.unit_of_work() as uow:
        ids = uow.escalations.fire(change)
        assert change.ticket.version == 2 and change.run.dirty is False
        uow.commit()
    assert len(ids) == 2 and ids == sorted(ids)
    with port_store.unit_of_work() as uow:
        after = uow.tickets.load(ticket.id)
        assert uow.escalations.fired(ticket.id) == {("penyelesaian", 1): {0}}
    assert (after.version, after.flags, after.assignee_role, after.assignee_id, after.updated_at) == \
        (2, ["terlambat", "eskalasi"], "kepala_seksi", None, NOW)
    assert (after.clock("penyelesaian").next_rung, after.clock("penyelesaian").next_rung_at) == (1, NOW + HOUR)
    assert after.state == "diterima" and after.identity == {"nama": "Siti"}  # what a rung does not change
    [row] = escalation_rows(port_store, ticket.id)
    assert (row["clock_run_id"], row["rung"], row["target_role"], row["fired_at"]) == \
        (ticket.clock("penyelesaian").id, 0, "kepala_seksi", NOW)
    assert [(o["id"], o["recipient"], o["detail"], o["status"]) for o in outbox_rows(port_store, ticket.id)
            if o["template"] == "eskalasi"] == [(ids[0], "assignee", {"clock": "penyelesaian", "rung": 0}, "pending"),
                                                (ids[1], "role:kepala_seksi", {"clock": "penyelesaian", "rung": 0},
                                                 "pending")]
    assert [r["kind"] for r in port_store.audit_rows(ticket_id=ticket.id)] == ["open", "escalation"]

    again = rung_change(after, "penyelesaian", next_at=NOW + 2 * HOUR)  # another sweeper, a retried job
    with port_store.unit_of_work() as uow:
        assert uow.escalations.fire(again) is None
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert uow.tickets.load(ticket.id).version == 2
    assert len(escalation_rows(port_store)) == 1 and port_store.audit_count() == 2
    assert len(outbox_rows(port_store, ticket.id)) == 2


def test_a_rung_without_notices_returns_no_outbox_ids(port_store):
    ticket = saved(port_store, 1, run("penyelesaian", NOW - HOUR))
    with port_store.unit_of_work() as uow:
        assert uow.escalations.fire(rung_change(ticket, "penyelesaian", notify=())) == []


def test_a_rung_on_a_ticket_changed_since_it_was_read_is_refused(port_store):
    ticket = saved(port_store, 1, run("penyelesaian", NOW - HOUR))
    with port_store.unit_of_work() as uow:
        uow.tickets.set_flags(ticket.id, ["duplikat:ADU-2026-000009"], 1)
        uow.commit()
    with port_store.unit_of_work() as uow:
        with pytest.raises(ConcurrentUpdate, match="next sweep fires it"):
            uow.escalations.fire(rung_change(ticket, "penyelesaian"))


def test_moving_a_pointer_changes_nothing_else(port_store):
    ticket = saved(port_store, 1, run("penyelesaian", NOW - HOUR), run("tanggapan_awal", NOW - HOUR))
    moved = ticket.clock("penyelesaian").copy()
    moved.next_rung, moved.next_rung_at, moved.status = 3, NOW + HOUR, "stopped"
    with port_store.unit_of_work() as uow:
        uow.escalations.set_next(ticket.id, moved)
        uow.commit()
    with port_store.unit_of_work() as uow:
        after = uow.tickets.load(ticket.id)
    assert (after.clock("penyelesaian").next_rung, after.clock("penyelesaian").next_rung_at) == (3, NOW + HOUR)
    assert after.clock("penyelesaian").status == "running" and after.version == 1
    assert after.clock("tanggapan_awal").next_rung_at == NOW - HOUR


def test_a_held_audit_head_is_written_once_and_a_failed_savepoint_takes_its_rows_back(port_store):
    """The sweep holds the head for its batch; a rung failing in its savepoint leaves a chain that verifies."""
    with port_store.unit_of_work() as uow:
        uow.audit.hold()
        uow.audit.append([AuditEvent(kind="system", at=NOW, actor_id="a")])
        with pytest.raises(RuntimeError):
            with uow.savepoint():
                uow.audit.append([AuditEvent(kind="system", at=NOW, actor_id="undone")])
                raise RuntimeError("one broken ticket")
        with uow.savepoint():
            uow.audit.append([AuditEvent(kind="system", at=NOW, actor_id="b")])
        assert uow.audit.head()[0] == 2
        uow.commit()
    rows = list(port_store.audit_rows())
    status = verify_rows(rows)
    assert [r["actor_id"] for r in rows] == ["a", "b"] and status.ok
    assert port_store.audit_head() == (2, status.head_hash)
    with port_store.unit_of_work() as uow:  # the next writer extends the chain where it ends
        uow.audit.append([AuditEvent(kind="system", at=NOW, actor_id="c")])
        uow.commit()
    assert verify_rows(port_store.audit_rows()).ok and port_store.audit_count() == 3


def test_a_savepoint_failing_before_the_held_head_was_read_leaves_the_chain_whole(port_store):
    with port_store.unit_of_work() as uow:
        uow.audit.hold()
        with pytest.raises(RuntimeError):
            with uow.savepoint():
                uow.audit.append([AuditEvent(kind="system", at=NOW, actor_id="undone")])
                raise RuntimeError("the first rung broke")
        uow.audit.append([AuditEvent(kind="system", at=NOW, actor_id="a")])
        uow.commit()
    rows = list(port_store.audit_rows())
    assert [(r["seq"], r["actor_id"]) for r in rows] == [(1, "a")] and verify_rows(rows).ok
    assert port_store.audit_head()[0] == 1


def test_open_tickets_are_found_by_definition_version_and_waiting_state(port_store):
    answered = saved(port_store, 1, state="dijawab")
    saved(port_store, 2, state="diterima")
    other = saved(port_store, 3, state="dijawab", version=2)
    saved(port_store, 4, state="selesai", closed=True, key="lain")
    with port_store.unit_of_work() as uow:
        assert uow.tickets.open_versions() == [("sop", 1), ("sop", 2)]
        assert [t.id for t in uow.tickets.waiting_in("sop", 1, ["dijawab", "ditunda"])] == [answered.id]
        [ref] = uow.tickets.waiting_in("sop", 2, {"dijawab"})
        assert (ref.id, ref.receipt_no, ref.version) == (other.id, other.receipt_no, 1)
        assert uow.tickets.waiting_in("sop", 1, []) == []
