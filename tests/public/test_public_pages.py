"""The public pages: form, receipt, tracking, the complainant's replies; abuse defences."""
from __future__ import annotations

import re
from datetime import timedelta

from tests.web import SETUP_ROWS

from .conftest import PNG, csrf_from, file_via_form, form_record
from .scenario import answer, ask_for_information, ticket_id


def test_form_asks_for_the_sop_record_without_office_only_fields(client):
    html = client.get("/pengaduan/baru").get_data(as_text=True)
    for name in ("nama", "alamat", "telepon", "email", "no_registrasi", "sektor", "jenis_izin", "kategori",
                 "perihal", "uraian", "tempat", "waktu_kejadian", "kerahasiaan", "bukti"):
        assert f'name="{name}"' in html, name
    for name in ("tingkat", "kanal", "tanda_tangan", "dibantu_petugas"):
        assert f'name="{name}"' not in html, name
    assert 'data-parent="f-sektor"' in html  # permit types filtered by sector
    assert "Formulir pengaduan" in html and "Anonim" in html and "Rahasia" in html


def test_english_switch(client):
    client.get("/bahasa/en?next=/pengaduan/baru")
    html = client.get("/pengaduan/baru").get_data(as_text=True)
    assert "Complaint form" in html and "Complainant name" in html
    assert client.get("/bahasa/en?next=https://evil.example/").headers["Location"] == "/"


def test_filing_gives_a_receipt_with_number_pin_qr_and_tracking_that_survive_a_reload(client, rt):
    number, token = file_via_form(client, files=[("foto.png", PNG)])
    assert re.fullmatch(r"ADU-\d{4}-\d{6}", number)
    ticket = rt.engine.load(ticket_id(rt, number))
    assert ticket.fields["kanal"] == "website_sipeka" and ticket.state == "diterima"
    assert ticket.token_hash != token and token not in str(ticket)
    again = client.get("/pengaduan/resi").get_data(as_text=True)
    assert number in again and re.search(r'id="pin">\d{3} \d{3}<', again)  # a reload keeps the receipt (issue 14)
    assert 'id="qr" src="data:image/svg+xml' in again
    track = client.get(f"/lacak?resi={number}&token={token}")
    assert track.status_code == 200
    html = track.get_data(as_text=True)
    assert "Diterima" in html and "Penyelesaian pengaduan" in html and "1 berkas terlampir" in html
    assert track.headers["Cache-Control"] == "no-store" and track.headers["Referrer-Policy"] == "no-referrer"


def test_wrong_token_looks_exactly_like_an_unknown_receipt(client):
    number, token = file_via_form(client)
    wrong = client.get(f"/lacak?resi={number}&token=salah{token}")
    unknown = client.get(f"/lacak?resi=ADU-2026-999999&token={token}")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_data() == unknown.get_data()
    assert "tidak ditemukan, atau PIN/token tidak cocok" in wrong.get_data(as_text=True)
    assert "Status pengaduan" not in wrong.get_data(as_text=True)


def test_invalid_fields_are_explained_and_escaped(client, rt):
    page = client.get("/pengaduan/baru")
    data = {**form_record(telepon="12345", email="bukan-email", nama="<script>alert(1)</script>"),
            "csrf_token": csrf_from(page.get_data(as_text=True))}
    response = client.post("/pengaduan/baru", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "nomor telepon harus diawali 0, 62 atau +62" in html and "bukan alamat email yang sah" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert rt.store.audit_count() == SETUP_ROWS  # only the publish and account rows: nothing filed


def test_jenis_izin_must_belong_to_the_sector(client):
    page = client.get("/pengaduan/baru")
    response = client.post("/pengaduan/baru", data={**form_record(sektor="esdm", jenis_izin="izin_usaha_pariwisata"),
                                                    "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 422


def test_disallowed_upload_refuses_the_complaint(client, rt):
    page = client.get("/pengaduan/baru")
    import io
    data = {**form_record(), "csrf_token": csrf_from(page.get_data(as_text=True)),
            "bukti": [(io.BytesIO(b"MZ\x90\x00virus"), "bukti.pdf")]}
    response = client.post("/pengaduan/baru", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "bukan jenis yang diterima" in response.get_data(as_text=True)
    assert rt.store.audit_count() == SETUP_ROWS


def test_honeypot_refuses_bots(client, rt):
    page = client.get("/pengaduan/baru")
    response = client.post("/pengaduan/baru", data={**form_record(), "situs_web": "http://spam.example",
                                                    "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 400
    assert rt.store.audit_count() == SETUP_ROWS


def test_form_without_csrf_token_is_refused(client, rt):
    response = client.post("/pengaduan/baru", data=form_record())
    assert response.status_code == 400 and "Formulir kedaluwarsa" in response.get_data(as_text=True)
    assert rt.store.audit_count() == SETUP_ROWS


def _post_reply(client, action, number, token, **fields):
    page = client.get(f"/lacak?resi={number}&token={token}")
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "resi": number, "token": token, **fields}
    return client.post(f"/lacak/{action}", data=data)


def test_missing_information_is_shown_and_sent_back_resuming_the_clock(client, rt):
    number, token = file_via_form(client)
    ask_for_information(rt, number, "Lampirkan nomor tanda terima SIPA.")
    html = client.get(f"/lacak?resi={number}&token={token}").get_data(as_text=True)
    assert "Lampirkan nomor tanda terima SIPA." in html and 'id="form-lengkapi"' in html
    assert "dihentikan sementara" in html  # the clock is paused while the office waits
    response = _post_reply(client, "lengkapi", number, token, kelengkapan="Nomor tanda terima: TT-778.")
    assert response.status_code == 302 and "ok=1" in response.headers["Location"]
    ticket = rt.engine.load(ticket_id(rt, number))
    assert ticket.state == "diterima" and ticket.clock("penyelesaian").status == "running"
    audit = [r for r in rt.store.audit_rows(ticket_id=ticket.id) if r["trigger"] == "lengkapi"]
    assert audit[0]["actor_id"] == "pemohon" and audit[0]["actor_role"] == "pemohon"


def test_the_answer_is_shown_once_delivered_and_can_be_confirmed(client, rt):
    number, token = file_via_form(client)
    answer(rt, number, "Peninjauan lapangan dijadwalkan 3 Desember.")
    html = client.get(f"/lacak?resi={number}&token={token}").get_data(as_text=True)
    assert "Peninjauan lapangan dijadwalkan 3 Desember." in html
    assert "CATATAN-INTERNAL-RAHASIA" not in html and "ANALISA-INTERNAL" not in html and "Petugas Satu" not in html
    assert "Anda dapat membuka kembali pengaduan sampai" in html
    response = _post_reply(client, "konfirmasi_puas", number, token)
    assert response.status_code == 302
    assert rt.engine.load(ticket_id(rt, number)).state == "selesai"


def test_reopen_within_the_window_and_not_after(client, rt, monkeypatch):
    number, token = file_via_form(client)
    answer(rt, number)
    response = _post_reply(client, "buka_kembali", number, token, alasan_buka_kembali="Jadwal tidak sesuai.")
    assert response.status_code == 302 and rt.engine.load(ticket_id(rt, number)).state == "ditangani_tim"

    second, token2 = file_via_form(client, no_registrasi="REG-OTHER")
    answer(rt, second)
    later = rt.engine.now() + timedelta(days=30)
    monkeypatch.setattr(rt.engine, "now", lambda: later)
    html = client.get(f"/lacak?resi={second}&token={token2}").get_data(as_text=True)
    assert 'id="form-buka-kembali"' not in html
    response = _post_reply(client, "buka_kembali", second, token2, alasan_buka_kembali="Terlambat.")
    assert "gagal=1" in response.headers["Location"]
    assert rt.engine.load(ticket_id(rt, second)).state == "menunggu_konfirmasi"


def test_reply_with_a_wrong_token_changes_nothing(client, rt):
    number, token = file_via_form(client)
    ask_for_information(rt, number)
    page = client.get(f"/lacak?resi={number}&token={token}")
    response = client.post("/lacak/lengkapi", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                    "resi": number, "token": "tebakan", "kelengkapan": "x"})
    assert response.status_code == 404
    assert rt.engine.load(ticket_id(rt, number)).state == "menunggu_kelengkapan"


def test_unknown_public_path_is_a_friendly_404(client):
    response = client.get("/lacak/tidak-ada")
    assert response.status_code in (404, 405)
