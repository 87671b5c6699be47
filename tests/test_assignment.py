"""Ownership of tickets (take, assign to a colleague of the lane, release) and internal notes, on the
in-memory store: who may, what the audit trail keeps, what the complainant never sees."""
from __future__ import annotations

import pytest

from admin.public.status import public_status
from tests.conftest import memory_runtime, walk_in_record
from workflow.core.guards import Actor
from workflow.errors import AssignmentRefused, ConcurrentUpdate
from workflow.services import assignment, users
from workflow.services import audit as audit_service

PETUGAS = Actor("petugas1", frozenset({"petugas"}), "Petugas Satu")
TIM = Actor("tim1", frozenset({"tim"}), "Tim Satu")
KASI = Actor("kasi1", frozenset({"kepala_seksi"}), "Kepala Seksi", position="kepala_seksi")


@pytest.fixture
def rt(monkeypatch):
    runtime = memory_runtime()
    monkeypatch.setattr(users, "hash_password", lambda password: "x")
    for name, roles, level in (("petugas1", ["petugas"], None), ("petugas2", ["petugas"], None),
                               ("tim1", ["tim"], None), ("tim2", ["tim"], None), ("kasi1", ["supervisor"], 1)):
        users.create_user(runtime.store, name, "kata-sandi-panjang-1", roles, supervisor_level=level,
                          display_name=name.title(), catalogs=runtime.catalogs)
    return runtime


def opened(rt) -> int:
    return rt.engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS).ticket.id


def audit(rt, ticket_id: int, kind: str) -> list[dict]:
    return [r for r in rt.store.audit_rows(ticket_id=ticket_id) if r["kind"] == kind]


def test_a_petugas_takes_a_new_ticket_and_the_audit_trail_says_so(rt):
    ticket_id = opened(rt)
    saved = assignment.take(rt, ticket_id, PETUGAS, expected_version=1)
    assert saved.assignee_id == "petugas1" and saved.version == 2
    row = audit(rt, ticket_id, "assignment")[-1]
    assert row["actor_id"] == "petugas1" and row["detail"] == {"from": None, "to": "petugas1", "action": "take"}


def test_colleagues_are_the_people_of_the_stage_and_only_they_can_be_given_it(rt):
    ticket_id = opened(rt)
    ticket = rt.engine.load(ticket_id)
    assert [c.username for c in assignment.colleagues(rt, ticket)] == ["petugas1", "petugas2"]
    assignment.assign(rt, ticket_id, PETUGAS, "petugas2")
    assert rt.engine.load(ticket_id).assignee_id == "petugas2"
    with pytest.raises(AssignmentRefused, match="tidak memegang peran") as refused:
        assignment.assign(rt, ticket_id, PETUGAS, "tim1")
    assert "holds no role of this stage" in refused.value.reason_en
    assert rt.engine.load(ticket_id).assignee_id == "petugas2"
    # the colleague given the ticket is told (the definition's tugas_baru notice)
    assert any(o["recipient"] == "user:petugas2" and o["template"] == "tugas_baru" for o in rt.store._tables.outbox)


def test_someone_outside_the_lane_cannot_take_but_a_supervisor_can(rt):
    ticket_id = opened(rt)
    with pytest.raises(AssignmentRefused, match="Petugas Front Office Pengaduan"):
        assignment.take(rt, ticket_id, TIM)
    assignment.assign(rt, ticket_id, KASI, "petugas1")
    assert rt.engine.load(ticket_id).assignee_id == "petugas1"


def test_release_by_the_holder_or_a_supervisor_only(rt):
    ticket_id = opened(rt)
    assignment.take(rt, ticket_id, PETUGAS)
    other = Actor("petugas2", frozenset({"petugas"}))
    with pytest.raises(AssignmentRefused, match="atau pimpinan"):
        assignment.release(rt, ticket_id, other)
    assignment.release(rt, ticket_id, PETUGAS)
    assert rt.engine.load(ticket_id).assignee_id is None
    with pytest.raises(AssignmentRefused, match="belum ditugaskan"):
        assignment.release(rt, ticket_id, KASI)


def test_a_stale_page_cannot_take_a_ticket_someone_else_changed(rt):
    ticket_id = opened(rt)
    assignment.take(rt, ticket_id, PETUGAS, expected_version=1)
    with pytest.raises(ConcurrentUpdate):
        assignment.take(rt, ticket_id, Actor("petugas2", frozenset({"petugas"})), expected_version=1)
    assert rt.engine.load(ticket_id).assignee_id == "petugas1"


def test_the_team_owns_a_forwarded_ticket_and_a_closed_one_cannot_change_hands(rt):
    ticket_id = opened(rt)
    assignment.take(rt, ticket_id, PETUGAS)
    rt.engine.fire(ticket_id, "verifikasi", PETUGAS, {"tingkat": "sedang", "kewenangan": "dalam"})
    assert rt.engine.load(ticket_id).assignee_id == "petugas1"  # still the officer's while verified
    rt.engine.fire(ticket_id, "teruskan_tim", PETUGAS, {})
    handed = rt.engine.load(ticket_id)
    assert (handed.assignee_role, handed.assignee_id) == ("tim", None)  # the SOP's assign effect
    assignment.take(rt, ticket_id, TIM)
    rt.engine.fire(ticket_id, "cabut", PETUGAS, {})
    with pytest.raises(AssignmentRefused, match="sudah selesai"):
        assignment.release(rt, ticket_id, TIM)


def test_an_internal_note_is_audited_moves_nothing_and_is_not_public(rt):
    ticket_id = opened(rt)
    assignment.add_note(rt, ticket_id, PETUGAS, "  Pemohon menelepon lagi; minta dihubungi sore.  ")
    ticket = rt.engine.load(ticket_id)
    assert (ticket.state, ticket.version) == ("diterima", 1)
    row = audit(rt, ticket_id, "note")[-1]
    assert row["detail"] == {"text": "Pemohon menelepon lagi; minta dihubungi sore.", "state": "diterima"}
    status = public_status(rt, ticket)
    assert "menelepon" not in repr(status)
    assert [e["state"] for e in status["timeline"]] == ["diterima"]
    assert audit_service.verify(rt.store).ok  # the note is a link of the hash chain


def test_a_note_must_say_something_and_fit(rt):
    ticket_id = opened(rt)
    with pytest.raises(AssignmentRefused, match="Tuliskan"):
        assignment.add_note(rt, ticket_id, PETUGAS, "   ")
    with pytest.raises(AssignmentRefused, match="2000"):
        assignment.add_note(rt, ticket_id, PETUGAS, "x" * 2001)
    with pytest.raises(AssignmentRefused, match="Peran Anda"):
        assignment.add_note(rt, ticket_id, Actor("aud", frozenset({"auditor"})), "lihat")
    assert audit(rt, ticket_id, "note") == []
