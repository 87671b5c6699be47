"""Evidence added after filing on the console (issue 14, item 4): on the record form and on the ticket page, with
the public form's checks, an audit row per file naming who added it, nothing on a closed complaint, and a
rahasia complaint's files kept behind its identity rule."""
from __future__ import annotations

import io
import re

from tests.console.conftest import csrf_from, login, open_ticket
from workflow.services import attachments

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def _upload(client, ticket_id: int, files, *, base: str = "/admin/work"):
    page = client.get(f"{base}/ticket/{ticket_id}").get_data(as_text=True)
    return client.post(f"{base}/ticket/{ticket_id}/bukti", content_type="multipart/form-data",
                       data={"csrf_token": csrf_from(page), "bukti": [(io.BytesIO(b), n) for n, b in files]})


def _attachment_audit(rt, ticket_id: int) -> list[dict]:
    return [r for r in rt.store.audit_rows(ticket_id=ticket_id) if r["detail"].get("event") == "attachment"]


def test_the_ticket_page_offers_an_upload_and_the_file_is_listed_and_audited_under_the_officer(client, rt):
    ticket_id = open_ticket(rt)
    login(client, "tim")
    page = client.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
    assert 'id="evidence-upload"' in page and '<label for="evidence-files"' in page
    response = _upload(client, ticket_id, [("surat-balasan.pdf", PDF), ("foto.png", PNG)])
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/ticket/{ticket_id}#evidence")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 berkas bukti ditambahkan" in html and "surat-balasan.pdf" in html
    rows = _attachment_audit(rt, ticket_id)
    assert [(r["actor_id"], r["actor_role"]) for r in rows] == [("tim", "tim"), ("tim", "tim")]
    assert len(attachments.list_for(rt.store, ticket_id)) == 2


def test_a_refused_file_is_explained_and_nothing_is_stored(client, rt):
    ticket_id = open_ticket(rt)
    login(client, "petugas")
    response = _upload(client, ticket_id, [("skrip.exe", b"MZ\x90\x00" + b"\x00" * 64)])
    assert response.status_code == 422
    assert 'class="alert' in response.get_data(as_text=True)
    assert attachments.list_for(rt.store, ticket_id) == [] and _attachment_audit(rt, ticket_id) == []
    empty = _upload(client, ticket_id, [])
    assert empty.status_code == 422 and "Pilih berkas bukti" in empty.get_data(as_text=True)


def test_a_closed_complaint_takes_no_more_files(client, rt):
    from tests.public.scenario import answer
    from workflow.core.guards import Actor

    ticket_id = open_ticket(rt)
    receipt = rt.engine.load(ticket_id).receipt_no
    answer(rt, receipt)
    rt.engine.fire(ticket_id, "konfirmasi_puas", Actor("pemohon", frozenset({"pemohon"}), "Pemohon"), {})
    login(client, "petugas")
    page = client.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
    assert 'id="evidence-upload"' not in page
    assert _upload(client, ticket_id, [("surat.pdf", PDF)]).status_code == 409
    assert attachments.list_for(rt.store, ticket_id) == []


def test_opd_liaisons_and_auditors_cannot_add_evidence(client, rt):
    ticket_id = open_ticket(rt)
    login(client, "esdm")
    page = client.get("/admin/opd/").get_data(as_text=True)
    refused = client.post(f"/admin/work/ticket/{ticket_id}/bukti", data={"csrf_token": csrf_from(page)})
    assert refused.status_code in (302, 403)
    assert attachments.list_for(rt.store, ticket_id) == []


def test_a_rahasia_complaints_added_file_keeps_its_identity_rule(client, rt):
    ticket_id = open_ticket(rt, kerahasiaan="rahasia")
    login(client, "petugas")
    assert _upload(client, ticket_id, [("ktp-siti-aminah.png", PNG)]).status_code == 302
    html = client.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
    assert "ktp-siti-aminah" not in html  # a neutral name, and no download link for the petugas
    assert f"/admin/work/ticket/{ticket_id}/attachment/" not in html
    assert _attachment_audit(rt, ticket_id)[0]["actor_id"] == "petugas"


def test_the_record_form_takes_the_desks_scans_with_the_complaint(client, rt):
    login(client, "petugas")
    page = client.get("/admin/work/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and '<label for="bukti"' in page
    data = {"csrf_token": csrf_from(page), "kanal": "langsung", "nama": "Siti Aminah",
            "alamat": "Jl. Ahmad Yani 5, Serang", "sektor": "esdm", "kategori": "durasi_waktu",
            "perihal": "Izin SIPA lama", "uraian": "Belum ada peninjauan lapangan.", "kerahasiaan": "biasa",
            "tanpa_notifikasi": "ya", "bukti": [(io.BytesIO(PDF), "formulir-bertanda-tangan.pdf")]}
    response = client.post("/admin/work/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    ticket_id = int(re.search(r"/receipt/(\d+)", response.headers["Location"]).group(1))
    assert [a["filename"] for a in attachments.list_for(rt.store, ticket_id)] == ["formulir-bertanda-tangan.pdf"]
    assert rt.engine.load(ticket_id).identity.get("tanpa_notifikasi") is True  # the checkbox, ticked


def test_a_refused_scan_refuses_the_record_and_keeps_what_was_typed(client, rt):
    login(client, "petugas")
    page = client.get("/admin/work/new").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "kanal": "langsung", "nama": "Siti Aminah",
            "alamat": "Jl. Ahmad Yani 5, Serang", "kategori": "durasi_waktu", "perihal": "Izin SIPA lama",
            "uraian": "Uraian yang tetap ada.", "kerahasiaan": "biasa",
            "bukti": [(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 64), "virus.exe")]}
    response = client.post("/admin/work/new", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Uraian yang tetap ada." in html
    assert 'id="bukti-error"' in html and 'aria-invalid="true"' in html
