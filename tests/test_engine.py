"""The engine service: opening, refusals with reasons, persistence, locking, the audit trail, clocks.

These run on the in-memory store, which passes the same port contract as SQLite and PostgreSQL
(tests/store/test_port_contract.py); what only a database can show (append-only triggers, tampering
with rows) is in tests/store/test_sql_audit.py.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from workflow.errors import ConcurrentUpdate, InvalidInput, TransitionRejected, UnknownDefinition
from workflow.services.engine import Engine, hash_token

from .conftest import MONDAY_9_WIB, walk_in_record


@pytest.fixture
def store(memory_store):
    return memory_store


def test_open_gives_sequential_receipts_per_year_and_stores_only_the_token_hash(engine, actors):
    first = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"])
    second = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"])
    next_year = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"],
                            now=MONDAY_9_WIB.replace(year=2027, month=1, day=4))
    assert first.ticket.receipt_no == "ADU-2026-000001"
    assert second.ticket.receipt_no == "ADU-2026-000002"
    assert next_year.ticket.receipt_no == "ADU-2027-000001"
    assert len(first.token) >= 32 and first.token != second.token
    stored = engine.load(first.ticket.id)
    assert stored.token_hash == hash_token(first.token) and first.token not in stored.token_hash


def test_receipt_year_follows_wib_not_utc(engine, actors):
    # 31 Dec 2026 18:00 UTC is already 1 Jan 2027 01:00 in Serang.
    late = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"],
                       now=MONDAY_9_WIB.replace(month=12, day=31, hour=18))
    assert late.ticket.receipt_no.startswith("ADU-2027-")


def test_open_validates_the_mandatory_record_and_saves_nothing_on_error(engine, actors, store):
    with pytest.raises(InvalidInput) as caught:
        engine.open("pengaduan-ptsp", walk_in_record(nama="", alamat=None, telepon="12345", kategori="Kopi"),
                    actors["petugas"])
    errors = caught.value.errors
    assert set(errors) == {"nama", "alamat", "telepon", "kategori"}
    assert "tidak ada di katalog" in errors["kategori"]
    assert [r["kind"] for r in store.audit_rows()] == ["publish"]  # no ticket opened
    assert engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"]).ticket.receipt_no == "ADU-2026-000001"


def test_complaint_box_needs_its_collection_date(engine, actors):
    with pytest.raises(InvalidInput) as caught:
        engine.open("pengaduan-ptsp", walk_in_record(kanal="kotak_pengaduan"), actors["petugas"])
    assert "tanggal_ambil_kotak" in caught.value.errors
    opened = engine.open("pengaduan-ptsp", walk_in_record(kanal="kotak_pengaduan", tanggal_ambil_kotak="2026-11-30"),
                         actors["petugas"])
    assert opened.ticket.fields["tanggal_ambil_kotak"] == "2026-11-30"


def test_identity_is_kept_apart_and_digested_in_the_audit(engine, actors, store):
    opened = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"])
    assert opened.ticket.identity["nama"] == "Siti Aminah"
    assert "nama" not in opened.ticket.fields
    row = next(r for r in store.audit_rows() if r["kind"] == "open")
    assert row["inputs"]["nama"].startswith("sha256:")
    assert "Siti" not in str(row)


def test_unknown_definition_says_how_to_publish(store, calendar, actors):
    engine = Engine(store, calendar=calendar)
    with pytest.raises(UnknownDefinition, match="alur definitions publish"):
        engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"])


@pytest.fixture
def ticket(engine, actors):
    return engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"]).ticket


def test_refusals_explain_trigger_state_role_guard_and_inputs(engine, actors, ticket):
    with pytest.raises(TransitionRejected) as unknown:
        engine.fire(ticket.id, "terbang", actors["petugas"])
    assert unknown.value.reasons[0].kind == "unknown_trigger"

    with pytest.raises(TransitionRejected) as wrong_state:
        engine.fire(ticket.id, "jawab", actors["tim"], {})
    assert wrong_state.value.reasons[0].kind == "state"
    assert "verifikasi" in wrong_state.value.reasons[0].reason  # lists what is possible

    with pytest.raises(TransitionRejected) as wrong_role:
        engine.fire(ticket.id, "verifikasi", actors["tim"], {"tingkat": "berat", "kewenangan": "dalam"})
    assert wrong_role.value.reasons[0].kind == "role"
    assert wrong_role.value.reasons[0].reason == ("Hanya Petugas Front Office Pengaduan yang dapat melakukan "
                                                  "«Verifikasi dan tetapkan tingkat».")
    assert wrong_role.value.reasons[0].reason_en == "Only the Complaint officer can do “Verify and set severity”."

    with pytest.raises(InvalidInput) as bad_input:
        engine.fire(ticket.id, "verifikasi", actors["petugas"], {"tingkat": "parah"})
    assert set(bad_input.value.errors) == {"tingkat", "kewenangan"}

    engine.fire(ticket.id, "verifikasi", actors["petugas"], {"tingkat": "berat", "kewenangan": "dalam"})
    with pytest.raises(TransitionRejected) as guard:
        engine.fire(ticket.id, "jawab_langsung", actors["petugas"], {"analisa": "a", "jawaban": "b"})
    assert guard.value.reasons[0].kind == "guard"
    assert guard.value.reasons[0].reason == ("«Jawab langsung» hanya untuk pengaduan dengan tingkat pengaduan Ringan; "
                                             "pengaduan ini Berat.")
    assert guard.value.reasons[0].reason_en == ("“Answer directly” is only for complaints whose severity is Light; "
                                                "this one's is Heavy.")
    assert engine.load(ticket.id).state == "terverifikasi"  # refusals change nothing


def test_available_transitions_show_verdicts_for_each_actor(engine, actors, ticket):
    engine.fire(ticket.id, "verifikasi", actors["petugas"], {"tingkat": "ringan", "kewenangan": "dalam"})
    current = engine.load(ticket.id)
    options = {o.trigger: o for o in engine.available_transitions(current, actors["petugas"])}
    assert options["jawab_langsung"].allowed
    assert not options["teruskan_tim"].allowed
    assert "«Teruskan ke Tim Penanganan» hanya untuk pengaduan dengan tingkat pengaduan Sedang atau Berat; " \
        "pengaduan ini Ringan." in options["teruskan_tim"].reasons
    assert "“Forward to the handling team” is only for complaints whose severity is Medium or Heavy; this one's " \
        "is Light." in options["teruskan_tim"].reasons_en
    tim_view = {o.trigger: o for o in engine.available_transitions(current, actors["tim"])}
    assert not tim_view["jawab_langsung"].role_ok and "Petugas Front Office" in tim_view["jawab_langsung"].reasons[0]


def test_fire_persists_state_fields_assignment_and_one_audit_row(engine, actors, ticket, store):
    engine.fire(ticket.id, "verifikasi", actors["petugas"], {"tingkat": "berat", "kewenangan": "dalam"})
    engine.fire(ticket.id, "teruskan_tim", actors["petugas"], {"catatan": "mohon ditelaah"})
    engine.fire(ticket.id, "serahkan_opd", actors["tim"], {"opd": "Dinas ESDM", "permintaan": "jadwalkan peninjauan"})
    reloaded = engine.load(ticket.id)
    assert (reloaded.state, reloaded.version, reloaded.opd, reloaded.assignee_role) == \
        ("diserahkan_opd", 4, "dinas_esdm", "tim")
    assert reloaded.fields["tingkat"] == "berat" and reloaded.fields["permintaan"] == "jadwalkan peninjauan"
    rows = [r for r in store.audit_rows() if r["ticket_id"] == ticket.id]
    assert [r["trigger"] for r in rows] == [None, "verifikasi", "teruskan_tim", "serahkan_opd"]
    assert rows[-1]["from_state"] == "ditangani_tim" and rows[-1]["to_state"] == "diserahkan_opd"
    assert rows[-1]["actor_id"] == "tim1" and rows[-1]["actor_role"] == "tim"
    assert rows[-1]["definition_version"] == 1
    outbox = [(r["template"], r["recipient"]) for r in store.outbox() if r["ticket_id"] == ticket.id]
    assert ("serah_opd", "opd") in outbox
    assert ("tugas_baru", "role:tim") in outbox


def test_liaison_of_another_opd_is_refused(engine, actors, ticket):
    engine.fire(ticket.id, "verifikasi", actors["petugas"], {"tingkat": "berat", "kewenangan": "dalam"})
    engine.fire(ticket.id, "teruskan_tim", actors["petugas"], {})
    engine.fire(ticket.id, "serahkan_opd", actors["tim"], {"opd": "dinas_esdm", "permintaan": "x"})
    with pytest.raises(TransitionRejected, match="diserahkan ke Dinas Energi dan Sumber Daya Mineral") as caught:
        engine.fire(ticket.id, "konfirmasi_opd", actors["opd_other"])
    assert caught.value.reasons[0].kind == "guard"
    assert engine.fire(ticket.id, "konfirmasi_opd", actors["opd"]).state == "diproses_opd"


def test_stale_version_raises_concurrent_update_and_writes_nothing(engine, actors, ticket, store):
    engine.fire(ticket.id, "verifikasi", actors["petugas"], {"tingkat": "ringan", "kewenangan": "dalam"},
                expected_version=1)
    before = store.audit_count()
    with pytest.raises(ConcurrentUpdate, match="Muat ulang"):
        engine.fire(ticket.id, "tolak", actors["petugas"], {"alasan": "dobel"}, expected_version=1)
    assert engine.load(ticket.id).state == "terverifikasi"
    assert store.audit_count() == before


def test_lost_update_between_read_and_write_is_detected(engine, actors, ticket, store):
    """Two officers load version 1; the second write must not overwrite the first."""
    from workflow.core.ticket import Change

    with store.unit_of_work() as uow:
        stale = uow.tickets.load(ticket.id)
    engine.fire(ticket.id, "verifikasi", actors["petugas"], {"tingkat": "ringan", "kewenangan": "dalam"})
    stale.state = "ditolak"
    with store.unit_of_work() as uow:
        with pytest.raises(ConcurrentUpdate):
            uow.tickets.save(Change(ticket=stale, expected_version=1, audit=[]))
    assert engine.load(ticket.id).state == "terverifikasi"


def test_clocks_start_on_open_and_stop_when_the_answer_is_delivered(engine, actors, ticket):
    clocks = {c.clock: c for c in ticket.clocks}
    assert set(clocks) == {"penyelesaian", "tanggapan_awal"}
    assert clocks["penyelesaian"].due_at == MONDAY_9_WIB + timedelta(days=7)
    assert clocks["tanggapan_awal"].due_at == MONDAY_9_WIB + timedelta(days=1)  # Tuesday 09:00 WIB
    later = MONDAY_9_WIB + timedelta(hours=3)
    engine.fire(ticket.id, "verifikasi", actors["petugas"], {"tingkat": "ringan", "kewenangan": "dalam"}, now=later)
    engine.fire(ticket.id, "jawab_langsung", actors["petugas"], {"analisa": "a", "jawaban": "b"}, now=later)
    engine.fire(ticket.id, "arsipkan", actors["petugas"], {}, now=later)
    engine.fire(ticket.id, "sampaikan", actors["petugas"], {"media_jawaban": "langsung"}, now=later)
    runs = {c.clock: c for c in engine.load(ticket.id).clocks}
    assert runs["penyelesaian"].status == "stopped"
    assert runs["penyelesaian"].consumed == pytest.approx(3 / 24)
    assert runs["tanggapan_awal"].status == "stopped"


def test_pause_for_missing_information_moves_the_due_time_by_the_paused_span(engine, actors, ticket):
    asked = MONDAY_9_WIB + timedelta(hours=2)
    answered = asked + timedelta(days=2)
    engine.fire(ticket.id, "minta_kelengkapan", actors["petugas"], {"kekurangan": "fotokopi KTP"}, now=asked)
    paused = {c.clock: c for c in engine.load(ticket.id).clocks}["penyelesaian"]
    assert paused.status == "paused" and paused.next_rung_at is None
    engine.fire(ticket.id, "lengkapi", actors["pemohon"], {"kelengkapan": "terlampir"}, now=answered)
    resumed = {c.clock: c for c in engine.load(ticket.id).clocks}["penyelesaian"]
    assert resumed.status == "running"
    assert resumed.due_at == MONDAY_9_WIB + timedelta(days=9)
    assert resumed.paused_seconds == pytest.approx(2 * 86400)


def test_publishing_identical_text_is_a_no_op_and_tickets_stay_on_their_version(engine, actors, store, published):
    from workflow.services.publish import publish

    from .conftest import SOP

    text = SOP.read_text(encoding="utf-8")
    again = publish(store, text, file="x.yaml", actor_id="kasi1", now=MONDAY_9_WIB)
    assert (again.version, again.created) == (1, False)
    old = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"]).ticket
    changed = text.replace("budget: {amount: 7, unit: calendar_days}", "budget: {amount: 5, unit: calendar_days}")
    v2 = publish(store, changed, file="x.yaml", actor_id="kasi1", now=MONDAY_9_WIB)
    assert (v2.version, v2.created) == (2, True)
    new = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"]).ticket
    assert (old.definition_version, new.definition_version) == (1, 2)
    assert {c.clock: c for c in new.clocks}["penyelesaian"].budget == 5
    engine.fire(old.id, "verifikasi", actors["petugas"], {"tingkat": "ringan", "kewenangan": "dalam"})
    assert engine.load(old.id).definition_version == 1
    kinds = [r["kind"] for r in store.audit_rows()]
    assert kinds.count("publish") == 2
