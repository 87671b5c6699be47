"""The officer, team and OPD pages through the Flask test client: recording, receipt, transitions,
concurrent edits, OPD isolation and identity protection."""
from __future__ import annotations

import re

from sqlalchemy import select

from tests.console.conftest import csrf_from, login, open_ticket
from workflow.core.guards import Actor
from workflow.store import models as m

TIM = Actor("tim", frozenset({"tim"}), "Tim")
PETUGAS = Actor("petugas", frozenset({"petugas"}), "Petugas")


def _form_token(client, url: str) -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def fire(client, ticket_id: int, trigger: str, data: dict, *, base: str = "/admin/work", version=None):
    page = client.get(f"{base}/ticket/{ticket_id}").get_data(as_text=True)
    if "csrf_token" not in page:
        page = client.get(f"{base}/").get_data(as_text=True)
    if version is None:
        version = re.search(r'name="expected_version" value="(\d+)"', page).group(1)
    return client.post(f"{base}/ticket/{ticket_id}/fire", data={
        "csrf_token": csrf_from(page), "trigger": trigger, "expected_version": version, **data})


def test_petugas_records_a_walk_in_complaint_and_the_receipt_prints_pin_and_qr_also_when_printed_again(client, rt):
    login(client, "petugas")
    token = _form_token(client, "/admin/work/new")
    response = client.post("/admin/work/new", data={
        "csrf_token": token, "kanal": "langsung", "nama": "Siti Aminah", "alamat": "Jl. Ahmad Yani 5, Serang",
        "telepon": "0812-3456-7890", "sektor": "esdm", "kategori": "durasi_waktu",
        "perihal": "Izin SIPA lama", "uraian": "Belum ada peninjauan lapangan.", "kerahasiaan": "biasa",
        "tanda_tangan": "ya"})
    assert response.status_code == 302
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "RESI PENGADUAN" in receipt and "ADU-" in receipt
    assert "7 (tujuh) hari kalender" in receipt
    assert 'id="tracking-token"' in receipt and 'id="tracking-pin"' in receipt and 'id="receipt-qr"' in receipt
    again = client.get(response.headers["Location"]).get_data(as_text=True)  # a reprint keeps the codes (issue 14)
    assert 'id="tracking-pin"' in again and 'id="receipt-qr"' in again


def test_record_form_keeps_what_was_typed_and_marks_missing_fields(client):
    login(client, "petugas")
    token = _form_token(client, "/admin/work/new")
    response = client.post("/admin/work/new", data={"csrf_token": token, "kanal": "kotak_pengaduan",
                                                     "nama": "Ahmad", "uraian": "Uraian yang panjang sekali"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Uraian yang panjang sekali" in page
    assert "wajib diisi untuk pengaduan dari kotak pengaduan" in page  # the box needs its collection date


def test_concurrent_edit_says_reload_and_keeps_the_typed_text(client, rt):
    ticket_id = open_ticket(rt)
    login(client, "petugas")
    page = client.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
    token = csrf_from(page)
    rt.engine.fire(ticket_id, "verifikasi", PETUGAS, {"tingkat": "sedang", "kewenangan": "dalam"})  # someone else
    response = client.post(f"/admin/work/ticket/{ticket_id}/fire", data={
        "csrf_token": token, "trigger": "minta_kelengkapan", "expected_version": "1",
        "kekurangan": "Mohon lampirkan nomor registrasi yang benar"})
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Muat ulang" in text or "muat ulang" in text or "dimuat ulang" in text
    assert "Mohon lampirkan nomor registrasi yang benar" in text
    assert rt.engine.load(ticket_id).state == "terverifikasi"


def test_refused_transitions_are_shown_with_the_guard_reason(client, rt):
    ticket_id = open_ticket(rt)
    rt.engine.fire(ticket_id, "verifikasi", PETUGAS, {"tingkat": "ringan", "kewenangan": "dalam"})
    login(client, "petugas")
    page = client.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
    refused = page.split("Tidak tersedia untuk Anda saat ini")[1]
    assert "Teruskan ke Tim Penanganan" in refused
    assert ("«Teruskan ke Tim Penanganan» hanya untuk pengaduan dengan tingkat pengaduan Sedang atau Berat; "
            "pengaduan ini Ringan.") in refused.replace("&laquo;", "«").replace("&raquo;", "»")


def test_team_cannot_fire_an_officer_transition_even_by_posting_it(client, rt):
    ticket_id = open_ticket(rt)
    login(client, "tim")
    response = fire(client, ticket_id, "verifikasi", {"tingkat": "berat", "kewenangan": "dalam"}, version=1)
    assert response.status_code == 409
    assert rt.engine.load(ticket_id).state == "diterima"


def test_opd_liaison_sees_only_its_own_agency_and_no_anonymous_identity(client, rt):
    mine = open_ticket(rt, kerahasiaan="anonim", nama="Nama Rahasia Sekali")
    other = open_ticket(rt)
    for ticket_id, opd in ((mine, "dinas_esdm"), (other, "dinas_pupr")):
        rt.engine.fire(ticket_id, "verifikasi", PETUGAS, {"tingkat": "berat", "kewenangan": "dalam"})
        rt.engine.fire(ticket_id, "teruskan_tim", PETUGAS, {})
        rt.engine.fire(ticket_id, "serahkan_opd", TIM, {"opd": opd, "permintaan": "Mohon tinjau."})
    login(client, "esdm")
    listing = client.get("/admin/opd/").get_data(as_text=True)
    receipts = {t: rt.engine.load(t).receipt_no for t in (mine, other)}
    assert receipts[mine] in listing and receipts[other] not in listing
    assert client.get(f"/admin/opd/ticket/{other}").status_code == 404
    page = client.get(f"/admin/opd/ticket/{mine}").get_data(as_text=True)
    assert "Nama Rahasia Sekali" not in page and "Jl. Ahmad Yani" not in page
    assert fire(client, other, "konfirmasi_opd", {}, base="/admin/opd", version=3).status_code == 404
    assert fire(client, mine, "konfirmasi_opd", {}, base="/admin/opd").status_code == 302
    assert rt.engine.load(mine).state == "diproses_opd"
    # a trigger outside the liaison's three moves is refused even if posted by hand
    assert fire(client, mine, "tarik_dari_opd", {"alasan": "x"}, base="/admin/opd").status_code == 400


def test_confidential_identity_is_hidden_from_officers_and_every_supervisor_view_is_logged(client, rt):
    ticket_id = open_ticket(rt, kerahasiaan="rahasia", nama="Pelapor Pungli")
    login(client, "petugas")
    assert "Pelapor Pungli" not in client.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": _form_token(client, "/admin/work/")})
    login(client, "kasi")
    page = client.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
    assert "Pelapor Pungli" not in page and "Tampilkan identitas" in page
    shown = client.post(f"/admin/work/ticket/{ticket_id}/identity",
                        data={"csrf_token": csrf_from(page), "purpose": "klarifikasi langsung"})
    assert "Pelapor Pungli" in shown.get_data(as_text=True)
    with rt.db.connect() as conn:
        rows = conn.execute(select(m.audit_log.c.actor_id, m.audit_log.c.detail)
                            .where(m.audit_log.c.kind == "identity_view")).all()
    assert [r.actor_id for r in rows] == ["kasi"]
    assert "klarifikasi langsung" in rows[0].detail


def test_identity_search_by_name_skips_confidential_complaints_for_officers(client, rt):
    visible = open_ticket(rt, nama="Rudi Hartono")
    secret = open_ticket(rt, nama="Rudi Rahasia", kerahasiaan="rahasia")
    login(client, "petugas")
    page = client.get("/admin/work/?tab=all&q=rudi").get_data(as_text=True)
    assert rt.engine.load(visible).receipt_no in page
    assert rt.engine.load(secret).receipt_no not in page


def test_queue_filters_by_category_and_finds_by_receipt(client, rt):
    a = open_ticket(rt, kategori="salah_cetak", perihal="Salah cetak nama")
    b = open_ticket(rt)
    login(client, "petugas")
    page = client.get("/admin/work/?tab=all&kategori=salah_cetak").get_data(as_text=True)
    assert rt.engine.load(a).receipt_no in page and rt.engine.load(b).receipt_no not in page
    receipt = rt.engine.load(b).receipt_no
    page = client.get(f"/admin/work/?tab=all&q={receipt.lower()}").get_data(as_text=True)
    assert receipt in page and rt.engine.load(a).receipt_no not in page


def test_console_switches_to_english(client, rt):
    login(client, "petugas")
    assert "Antrean kerja" in client.get("/admin/work/").get_data(as_text=True)
    client.get("/locale/en")
    page = client.get("/admin/work/").get_data(as_text=True)
    assert "Work queue" in page and "Record a complaint" in page


def test_default_tab_lists_tickets_where_it_is_my_roles_move(client, rt):
    waiting_for_team = open_ticket(rt)
    rt.engine.fire(waiting_for_team, "verifikasi", PETUGAS, {"tingkat": "sedang", "kewenangan": "dalam"})
    rt.engine.fire(waiting_for_team, "teruskan_tim", PETUGAS, {})
    answered = open_ticket(rt)
    rt.engine.fire(answered, "verifikasi", PETUGAS, {"tingkat": "sedang", "kewenangan": "dalam"})
    rt.engine.fire(answered, "teruskan_tim", PETUGAS, {})
    rt.engine.fire(answered, "jawab", TIM, {"analisa": "a", "tindak_lanjut": "b", "jawaban": "c"})
    login(client, "petugas")
    page = client.get("/admin/work/").get_data(as_text=True)
    assert rt.engine.load(answered).receipt_no in page  # dijawab: the officer archives and delivers it
    assert rt.engine.load(waiting_for_team).receipt_no not in page
