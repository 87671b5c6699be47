"""The whole public flow in Debian's Chromium (headless) against a real server thread: file a complaint
with an attachment, get the receipt, track it, send the missing information the office asks for, and
confirm the answer."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.browser import MARKS, chromium, new_page, screenshot, serve
from tests.conftest import ROOT

from .conftest import PNG
from .scenario import answer, ask_for_information, ticket_id

pytestmark = MARKS

DOCS = ROOT / "docs" / "screenshots"


@pytest.fixture
def server(app):
    with serve(app, "public-e2e") as base:
        yield base


@pytest.fixture
def page(server):
    with chromium() as browser:
        tab = new_page(browser, {"width": 1100, "height": 900}, timeout=10000)
        yield tab
        tab.context.close()


def shot(page, name: str) -> Path:
    return screenshot(page, "public", name)


def test_complainant_files_tracks_completes_and_confirms(page, server, rt, tmp_path):
    evidence = tmp_path / "foto-lokasi.png"
    evidence.write_bytes(PNG)

    page.goto(server + "/pengaduan/baru")
    page.fill("#f-nama", "Siti Aminah")
    page.fill("#f-alamat", "Jl. Ahmad Yani No. 5, Serang, Banten")
    page.fill("#f-telepon", "0812-3456-7890")
    page.fill("#f-email", "siti@contoh.id")
    page.fill("#f-no_registrasi", "REG-2026-0042")
    page.select_option("#f-sektor", "esdm")
    assert page.locator("#f-jenis_izin optgroup[data-parent-code=pariwisata]").get_attribute("hidden") is not None
    page.select_option("#f-jenis_izin", "esdm_iuptl")
    page.select_option("#f-kategori", "durasi_waktu")
    page.fill("#f-perihal", "Izin IUPTL belum diproses")
    page.fill("#f-uraian", "Permohonan IUPTL belum ada peninjauan lapangan sejak dua bulan.")
    page.fill("#f-tempat", "Kantor DPMPTSP Provinsi Banten, Serang")
    page.fill("#f-waktu_kejadian", "2026-11-20T10:00")
    page.check("input[name=kerahasiaan][value=anonim]")
    page.set_input_files("#f-bukti", str(evidence))
    form_shot = shot(page, "01-formulir")
    page.click("button[type=submit]")

    page.wait_for_selector("#receipt-no")
    receipt = page.inner_text("#receipt-no").strip()
    token = page.inner_text("#token").strip()
    assert receipt.startswith("ADU-") and len(token) >= 30
    shot(page, "02-resi")
    ticket = rt.engine.load(ticket_id(rt, receipt))
    assert ticket.fields["kerahasiaan"] == "anonim" and ticket.fields["jenis_izin"] == "esdm_iuptl"

    page.click("#track-link")
    page.wait_for_selector("#timeline")
    assert page.inner_text("#state") == "Diterima"
    assert "Siti" not in page.content()
    shot(page, "03-lacak")

    ask_for_information(rt, receipt, "Mohon kirim nomor tanda terima permohonan IUPTL.")
    page.reload()
    assert "Mohon kirim nomor tanda terima" in page.inner_text("#request")
    page.fill("#kelengkapan", "Nomor tanda terima: TT-2026-778.")
    page.click("#form-lengkapi button[type=submit]")
    page.wait_for_selector(".alert.ok")
    assert page.inner_text("#state") == "Diterima"
    shot(page, "04-kelengkapan-terkirim")

    answer(rt, receipt, "Peninjauan lapangan dijadwalkan 3 Desember 2026; izin terbit paling lambat 10 Desember.")
    page.goto(f"{server}/lacak?resi={receipt}&token={token}")
    assert "Peninjauan lapangan dijadwalkan" in page.inner_text("#answer")
    tracking_shot = shot(page, "05-jawaban")
    page.fill("#tanggapan_pemohon", "Terima kasih.")
    page.click("#form-konfirmasi button[type=submit]")
    page.wait_for_selector(".alert.ok")
    assert page.inner_text("#state") == "Selesai"
    shot(page, "06-selesai")
    assert rt.engine.load(ticket_id(rt, receipt)).state == "selesai"

    page.goto(server + "/bahasa/en?next=/pengaduan/baru")
    assert page.inner_text("h1") == "Complaint form"

    if os.environ.get("ALUR_UPDATE_SCREENSHOTS") == "1":  # refresh the README's pictures on request only
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(form_shot, DOCS / "public-form.png")
        shutil.copyfile(tracking_shot, DOCS / "public-tracking.png")


def test_oversized_evidence_is_refused_in_the_page_before_anything_typed_is_lost(page, server, tmp_path):
    """Past the server's request limit nothing of the form would arrive (a 413 page); the form itself
    says so when the files are chosen and does not send, so the complainant keeps what they typed."""
    big = [tmp_path / f"video-{i}.png" for i in (1, 2)]
    for path in big:
        path.write_bytes(PNG + b"\0" * (6 * 1024 * 1024))  # 6 MB each: 12 MB together, over 10 MB
    page.goto(server + "/pengaduan/baru")
    page.fill("#f-perihal", "Izin IUPTL belum diproses")
    page.set_input_files("#f-bukti", [str(p) for p in big])

    note = page.locator("#e-bukti-client")
    note.wait_for(state="visible")
    assert "12.0 MB" in note.inner_text() and "maksimal 10 MB" in note.inner_text()
    page.click("button[type=submit]")
    assert page.url.endswith("/pengaduan/baru")  # not sent: the browser holds the form back
    assert page.input_value("#f-perihal") == "Izin IUPTL belum diproses"

    small = tmp_path / "foto.png"
    small.write_bytes(PNG)
    page.set_input_files("#f-bukti", str(small))
    note.wait_for(state="hidden")
    assert page.evaluate("document.getElementById('f-bukti').validity.valid")
