"""Read models of issue 14 on SQLite and PostgreSQL: the queue tabs' counts (workflow/store/queries/worklist.py)
and an agency's history of answered parts (workflow/store/queries/agency_history.py)."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import MONDAY_9_WIB, walk_in_record
from workflow.services import users
from workflow.store.queries import agency_history, worklist
from workflow.store.queries.worklist import Filters, Queue


def test_tab_counts_follow_the_queues_and_the_filters(store, engine, actors, monkeypatch):
    petugas = actors["petugas"]
    ids = [engine.open("pengaduan-ptsp", walk_in_record(kategori="Sistem OSS" if n else "Durasi Waktu"), petugas,
                       now=MONDAY_9_WIB).ticket.id for n in range(3)]
    engine.fire(ids[0], "verifikasi", petugas, {"tingkat": "berat", "kewenangan": "dalam"})
    engine.fire(ids[0], "teruskan_tim", petugas, {})
    queues = {"team": Queue("team", roles=("tim",)), "unassigned": Queue("unassigned"), "all": Queue("all"),
              "mine": Queue("mine", assignee="petugas1")}
    now = MONDAY_9_WIB + timedelta(hours=1)
    assert worklist.counts(store, queues, Filters(), now=now) == {"team": 1, "unassigned": 2, "all": 3, "mine": 0}
    assert worklist.counts(store, queues, Filters(kategori="sistem_oss"), now=now) == \
        {"team": 0, "unassigned": 2, "all": 2, "mine": 0}


def test_the_count_stops_at_the_cap(store, engine, actors, monkeypatch):
    monkeypatch.setattr(worklist, "COUNT_CAP", 2)
    for _ in range(4):
        engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=MONDAY_9_WIB)
    assert worklist.counts(store, {"all": Queue("all")}, Filters(), now=MONDAY_9_WIB) == {"all": 3}


def test_an_agencys_history_lists_what_its_liaisons_did_newest_first(store, engine, actors, monkeypatch):
    monkeypatch.setattr(users, "hash_password", lambda password: "x")
    for name, opd in (("esdm1", "dinas_esdm"), ("pupr1", "dinas_pupr")):
        users.create_user(store, name, "kata-sandi-panjang-1", ["opd_liaison"], opd=opd, catalogs=engine.catalogs)
    petugas, tim, esdm = actors["petugas"], actors["tim"], actors["opd"]
    ticket = engine.open("pengaduan-ptsp", walk_in_record(), petugas, now=MONDAY_9_WIB).ticket
    engine.fire(ticket.id, "verifikasi", petugas, {"tingkat": "berat", "kewenangan": "dalam"})
    engine.fire(ticket.id, "teruskan_tim", petugas, {})
    engine.fire(ticket.id, "serahkan_opd", tim, {"opd": "dinas_esdm", "permintaan": "Mohon tinjau."})
    engine.fire(ticket.id, "konfirmasi_opd", esdm, {})
    engine.fire(ticket.id, "jawab_opd", esdm, {"jawaban_opd": "Sudah ditinjau."})
    rows, more = agency_history.answered_by(store, "dinas_esdm")
    assert [r["trigger"] for r in rows] == ["jawab_opd", "konfirmasi_opd"] and not more
    assert rows[0]["inputs"] == {"jawaban_opd": "Sudah ditinjau."} and rows[0]["receipt_no"] == ticket.receipt_no
    assert rows[0]["state"] == "ditangani_tim" and rows[0]["opd"] is None
    assert agency_history.answered_by(store, "dinas_pupr") == ([], False)
    first, more = agency_history.answered_by(store, "dinas_esdm", page_size=1)
    assert [r["trigger"] for r in first] == ["jawab_opd"] and more
