"""The work queues' read model (workflow/store/queries/worklist.py) on SQLite and PostgreSQL: each tab lists
its tickets, "my turn" across every definition and version the user acts in, pages and filters."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import MONDAY_9_WIB, SOP, walk_in_record
from workflow.services.publish import publish
from workflow.store.queries import worklist
from workflow.store.queries.worklist import Filters, Queue
from workflow.store.rules import my_turn

H = timedelta(hours=1)
NOW = MONDAY_9_WIB + 2 * H
VERIFIED = {"tingkat": "sedang", "kewenangan": "dalam"}


def receipts(store, queue: Queue, f: Filters | None = None, **kwargs) -> list[str]:
    rows, _ = worklist.page(store, queue, f or Filters(), now=NOW, **kwargs)
    return [r["receipt_no"] for r in rows]


def test_my_turn_spans_every_definition_and_version_the_user_acts_in(store, engine, actors):
    """The team acts in ``ditangani_tim`` everywhere, in ``terverifikasi`` only from version 2 on, and in
    ``diterima`` of another definition: each ticket is judged by its own definition version."""
    petugas, tim = actors["petugas"], actors["tim"]
    source = SOP.read_text(encoding="utf-8")

    def opened(key="pengaduan-ptsp", **fields):
        return engine.open(key, walk_in_record(**fields), petugas, now=MONDAY_9_WIB).ticket

    v1_verified = opened(perihal="v1 terverifikasi")
    engine.fire(v1_verified.id, "verifikasi", petugas, VERIFIED, now=MONDAY_9_WIB)
    v1_team = opened(perihal="v1 tim")
    engine.fire(v1_team.id, "verifikasi", petugas, VERIFIED, now=MONDAY_9_WIB)
    engine.fire(v1_team.id, "teruskan_tim", petugas, {}, now=MONDAY_9_WIB)
    v2_text = source.replace("    label_en: Verified\n    actors: [petugas]",
                             "    label_en: Verified\n    actors: [petugas, tim]")
    assert v2_text != source
    publish(store, v2_text, file="pengaduan-ptsp.yaml", actor_id="admin", now=MONDAY_9_WIB)
    other_text = source.replace("key: pengaduan-ptsp", "key: pengaduan-lain").replace(
        "    lane: petugas\n    actors: [petugas]\n    initial: true",
        "    lane: petugas\n    actors: [petugas, tim]\n    initial: true")
    publish(store, other_text, file="pengaduan-lain.yaml", actor_id="admin", now=MONDAY_9_WIB)
    v2_verified = opened(perihal="v2 terverifikasi")
    engine.fire(v2_verified.id, "verifikasi", petugas, VERIFIED, now=MONDAY_9_WIB)
    other_received = opened("pengaduan-lain", perihal="lain diterima")
    v2_received = opened(perihal="v2 diterima")

    definitions = [engine.definition(key, version)
                   for key, version in (("pengaduan-ptsp", 1), ("pengaduan-ptsp", 2), ("pengaduan-lain", 1))]
    turns = my_turn.turns(definitions, tim.roles)
    assert sorted(receipts(store, Queue("turn", turns=turns))) == sorted(
        t.receipt_no for t in (v1_team, v2_verified, other_received))
    assert v1_verified.receipt_no not in receipts(store, Queue("turn", turns=turns))
    petugas_turns = my_turn.turns(definitions, petugas.roles)
    assert v2_received.receipt_no in receipts(store, Queue("turn", turns=petugas_turns))
    assert receipts(store, Queue("turn", turns={})) == []


def test_each_tab_lists_its_tickets_oldest_first_a_page_at_a_time(store, engine, actors, monkeypatch):
    petugas = actors["petugas"]
    opened = [engine.open("pengaduan-ptsp", walk_in_record(perihal=f"Kasus {i}"), petugas,
                          now=MONDAY_9_WIB + timedelta(minutes=i)).ticket for i in range(3)]
    engine.fire(opened[1].id, "verifikasi", petugas, VERIFIED, now=MONDAY_9_WIB + H)
    engine.fire(opened[1].id, "teruskan_tim", petugas, {}, now=MONDAY_9_WIB + H)
    engine.fire(opened[2].id, "tolak", petugas, {"alasan": "x"}, now=MONDAY_9_WIB + H)
    first, team, closed = (t.receipt_no for t in opened)

    assert receipts(store, Queue()) == [first, team]  # open tickets only
    assert receipts(store, Queue(), order="newest") == [team, first]
    assert receipts(store, Queue("team", roles=("tim",))) == [team]
    assert receipts(store, Queue("team")) == []
    assert receipts(store, Queue("unassigned")) == [first]
    assert receipts(store, Queue("opd", opd="dinas_esdm")) == []
    assert receipts(store, Queue(), Filters(state="ditolak")) == [closed]  # a state filter reaches closed ones
    assert receipts(store, Queue(), Filters(q=closed.lower(), state="ditolak")) == [closed]
    monkeypatch.setattr(worklist, "PAGE_SIZE", 1)
    rows, more = worklist.page(store, Queue(), Filters(page=2), now=NOW)
    assert [r["receipt_no"] for r in rows] == [team] and not more
    assert worklist.page(store, Queue(), Filters(page=1), now=NOW)[1]


def test_rows_carry_the_earliest_due_time_of_their_running_clocks(store, engine, actors):
    ticket = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=MONDAY_9_WIB).ticket
    [row], _ = worklist.page(store, Queue(), Filters(), now=NOW)
    due = min(run.due_at for run in engine.load(ticket.id).clocks if run.status == "running")
    assert (row["due_at"], row["overdue"], row["at_risk"]) == (due, False, False)
    [late], _ = worklist.page(store, Queue(), Filters(deadline="overdue"), now=due + timedelta(seconds=1))
    assert late["overdue"] and not late["at_risk"]  # a late clock outweighs a warning
    assert worklist.page(store, Queue(), Filters(deadline="overdue"), now=due)[0] == []


def test_filters_are_read_from_the_query_string_and_written_back():
    f = Filters.from_args({"kategori": " durasi_waktu ", "deadline": "soon", "page": "x", "q": "a" * 300})
    assert (f.kategori, f.deadline, f.page, len(f.q)) == ("durasi_waktu", "", 1, 100)
    assert Filters(state="diterima", page=3).args(page=4) == {"state": "diterima", "page": 4}

