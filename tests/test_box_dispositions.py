"""Complaint box sessions and dispositions (issue 16), as the services give them to the console, on the
memory store: a session opens only on the SOP's box days, the forms recorded from it are counted, and its
close is one audited event; a referral needs its body's reference number, carries the body's deadline and
the status updates it expects, and each update ticked off is audited on the ticket."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from tests.conftest import MONDAY_9_WIB, memory_runtime, walk_in_record
from workflow.core.calendar import OFFICE_TZ
from workflow.core.guards import Actor
from workflow.errors import BoxSessionRefused, DispositionRefused, InvalidInput
from workflow.services import box, dispositions

PETUGAS = Actor("petugas", frozenset({"petugas"}), "Petugas")
TIM = Actor("tim", frozenset({"tim"}), "Tim")
OPD = Actor("esdm", frozenset({"opd_liaison"}), "Liaison", opd="dinas_esdm")
THURSDAY_10_WIB = datetime(2026, 12, 3, 3, 0, tzinfo=timezone.utc)  # the office's Thursday 10:00


@pytest.fixture
def rt():
    return memory_runtime(now=lambda: THURSDAY_10_WIB)


def audit(rt, kind):
    return [r for r in rt.store.audit_rows() if r["kind"] == kind]


def test_a_box_session_opens_only_on_the_sops_box_days_and_not_twice(rt):
    with pytest.raises(BoxSessionRefused, match="hari Senin dan Kamis; 1 Desember 2026 adalah hari Selasa"):
        box.open_session(rt, PETUGAS, "pengaduan-ptsp", date(2026, 12, 1))
    with pytest.raises(BoxSessionRefused, match="belum tiba"):
        box.open_session(rt, PETUGAS, "pengaduan-ptsp", date(2026, 12, 7))
    with pytest.raises(BoxSessionRefused, match="hanya petugas"):
        box.open_session(rt, TIM, "pengaduan-ptsp", date(2026, 12, 3))
    session = box.open_session(rt, PETUGAS, "pengaduan-ptsp", date(2026, 12, 3))
    assert (session.opened_on, session.channel, session.open) == (date(2026, 12, 3), "kotak_pengaduan", True)
    with pytest.raises(BoxSessionRefused, match="sudah ada"):
        box.open_session(rt, PETUGAS, "pengaduan-ptsp", date(2026, 12, 3))


def test_closing_a_session_counts_the_forms_and_is_one_audited_event(rt):
    session = box.open_session(rt, PETUGAS, "pengaduan-ptsp", date(2026, 11, 30))
    for name in ("Ani", "Budi"):
        rt.engine.open("pengaduan-ptsp", walk_in_record(kanal="kotak_pengaduan", nama=name,
                                                        tanggal_ambil_kotak="2026-11-30"), PETUGAS)
    rt.engine.open("pengaduan-ptsp", walk_in_record(kanal="kotak_pengaduan", tanggal_ambil_kotak="2026-11-26"),
                   PETUGAS)  # another opening of the box: not this session's
    _, _, recorded = box.session_view(rt, session.id)
    assert len(recorded) == 2
    with pytest.raises(BoxSessionRefused, match="lebih banyak dari 1 formulir"):
        box.close_session(rt, PETUGAS, session.id, 1)
    with pytest.raises(BoxSessionRefused, match="jelaskan sisanya di catatan"):
        box.close_session(rt, PETUGAS, session.id, 3)
    assert audit(rt, "box_session") == []  # nothing written by a refused close
    closed = box.close_session(rt, PETUGAS, session.id, 3, "satu formulir berisi saran, bukan pengaduan")
    assert (closed.forms_found, closed.open) == (3, False)
    [row] = audit(rt, "box_session")
    assert row["detail"]["formulir"] == 3 and row["detail"]["tanggal"] == "2026-11-30"
    assert row["detail"]["tercatat"] == [r for _, r in recorded] and row["actor_id"] == "petugas"
    with pytest.raises(BoxSessionRefused, match="sudah ditutup"):
        box.close_session(rt, PETUGAS, session.id, 3, "lagi")
    assert len(audit(rt, "box_session")) == 1


def test_an_empty_box_is_recorded_too(rt):
    session = box.open_session(rt, PETUGAS, "pengaduan-ptsp", date(2026, 12, 3))
    box.close_session(rt, PETUGAS, session.id, 0)
    assert audit(rt, "box_session")[0]["detail"]["formulir"] == 0


def test_a_referral_needs_its_bodys_reference_number(rt):
    with pytest.raises(InvalidInput) as caught:
        rt.engine.open("pengaduan-ptsp", walk_in_record(kanal="lapor"), PETUGAS)
    assert "SP4N-LAPOR!" in caught.value.errors["nomor_rujukan"]
    opened = rt.engine.open("pengaduan-ptsp", walk_in_record(kanal="lapor", nomor_rujukan="LAPOR-2026-12345"),
                            PETUGAS)
    assert opened.ticket.fields["nomor_rujukan"] == "LAPOR-2026-12345"


def test_a_referral_carries_the_bodys_deadline_and_the_updates_it_expects(rt):
    ticket = rt.engine.open("pengaduan-ptsp", walk_in_record(kanal="lapor", nomor_rujukan="LAPOR-1"), PETUGAS,
                            now=MONDAY_9_WIB).ticket
    d = dispositions.of_ticket(rt, ticket)
    assert (d.rule.body, d.reference) == ("SP4N-LAPOR!", "LAPOR-1")
    # 14 working days from Monday 30 November: Friday 18 December (no holiday in between in this calendar)
    assert d.body_due.date() == date(2026, 12, 18)
    assert [(o.obligation.key, o.due_at.date()) for o in d.obligations] == [
        ("diterima", date(2026, 12, 3)), ("tindak_lanjut", date(2026, 12, 7)), ("selesai", date(2026, 12, 18))]
    stated = rt.engine.open("pengaduan-ptsp", walk_in_record(kanal="ombudsman", nomor_rujukan="B-77/ORI",
                                                             batas_rujukan="2026-12-10"), PETUGAS,
                            now=MONDAY_9_WIB).ticket
    od = dispositions.of_ticket(rt, stated)
    assert od.body_due.date() == date(2026, 12, 10)  # the date in the body's letter wins
    assert od.obligations[0].due_at.date() == date(2026, 12, 14)  # 14 calendar days
    assert dispositions.of_ticket(rt, rt.engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS).ticket) is None


def test_ticking_off_an_update_is_audited_once_and_refused_where_it_does_not_apply(rt):
    ticket = rt.engine.open("pengaduan-ptsp", walk_in_record(kanal="lapor", nomor_rujukan="LAPOR-2"), PETUGAS,
                            now=MONDAY_9_WIB).ticket
    dispositions.mark_done(rt, PETUGAS, ticket.id, "diterima", "status diperbarui di LAPOR!")
    with pytest.raises(DispositionRefused, match="sudah dicatat"):
        dispositions.mark_done(rt, PETUGAS, ticket.id, "diterima")
    with pytest.raises(DispositionRefused, match="tidak meminta"):
        dispositions.mark_done(rt, PETUGAS, ticket.id, "tanggapan")
    with pytest.raises(DispositionRefused, match="hanya petugas"):
        dispositions.mark_done(rt, OPD, ticket.id, "tindak_lanjut")
    plain = rt.engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS).ticket
    with pytest.raises(DispositionRefused, match="bukan disposisi"):
        dispositions.mark_done(rt, PETUGAS, plain.id, "diterima")
    [row] = audit(rt, "disposition_update")
    assert (row["ticket_id"], row["detail"]["kewajiban"], row["detail"]["nomor_rujukan"]) == \
        (ticket.id, "diterima", "LAPOR-2")
    assert row["detail"]["terlambat"] is False  # Thursday 10:00, due by the end of Thursday
    d = dispositions.of_ticket(rt, ticket)
    assert [o.done for o in d.obligations] == [True, False, False]
    assert d.next_open().obligation.key == "tindak_lanjut"


def test_the_list_puts_the_soonest_update_first(rt):
    late = rt.engine.open("pengaduan-ptsp", walk_in_record(kanal="dprd", nomor_rujukan="DPRD/1"), PETUGAS,
                          now=MONDAY_9_WIB - timedelta(days=30)).ticket
    soon = rt.engine.open("pengaduan-ptsp", walk_in_record(kanal="lapor", nomor_rujukan="LAPOR-3"), PETUGAS,
                          now=MONDAY_9_WIB).ticket
    rows = [{"id": t.id, "fields": t.fields, "kanal": t.fields["kanal"], "created_at": t.created_at}
            for t in (soon, late)]
    listed = dispositions.listed(rt, rows)
    assert [row["id"] for row, _ in listed] == [late.id, soon.id]
    assert listed[0][1].overdue(THURSDAY_10_WIB) and not listed[1][1].overdue(THURSDAY_10_WIB)
    assert listed[0][1].next_open().due_at.astimezone(OFFICE_TZ).date() < date(2026, 12, 3)
