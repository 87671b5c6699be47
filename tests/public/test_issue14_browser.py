"""Issue 14 in Debian's Chromium, as people use it: a complainant on a 390 px phone (home page, the opt-out
checkbox, the receipt's PIN and QR code surviving a reload, the QR link and the PIN on other phones, a
document sent with the reply), a kiosk at a shared address (validation errors do not count; the 429 page says
when to retry and Back keeps the typed text), error pages with their way back, and an officer adding evidence
on the console (desktop)."""
from __future__ import annotations

import logging
import re

import pytest

from tests.browser import (
    DESKTOP,
    MARKS,
    PHONE,
    chromium,
    fits_width,
    new_page,
    screenshot,
    serious_violations,
    serve,
    signed_in,
)
from workflow.services import attachments

from .conftest import PDF, PNG
from .scenario import ask_for_information, ticket_id

pytestmark = MARKS

ON_A_PHONE = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
AT_A_KIOSK = {"viewport": DESKTOP}


@pytest.fixture
def app_config():
    return {"ALUR_RATELIMIT_FORM": "2 per minute", "ALUR_RATELIMIT_TRACK": "1000 per minute"}


@pytest.fixture
def server(app):
    with serve(app, "issue14-e2e") as base:
        yield base


@pytest.fixture
def browser():
    with chromium() as b:
        yield b


def _page(browser, options):
    return new_page(browser, timeout=15000, **options)


def _fill_complaint(page, *, telepon: str = "0812-3456-7890", perihal: str = "Izin IUPTL belum diproses"):
    page.fill("#f-nama", "Siti Aminah")
    page.fill("#f-alamat", "Jl. Ahmad Yani No. 5, Serang")
    page.fill("#f-telepon", telepon)
    page.fill("#f-email", "siti@contoh.id")
    page.select_option("#f-kategori", "durasi_waktu")
    page.fill("#f-perihal", perihal)
    page.fill("#f-uraian", "Permohonan belum ada peninjauan lapangan sejak dua bulan.")


def test_a_complainant_on_a_phone_files_keeps_the_receipt_and_tracks_by_qr_and_pin(browser, server, rt, tmp_path,
                                                                                   caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    page = _page(browser, ON_A_PHONE)
    page.goto(server + "/")
    for section in ("#contacts", "#promise", "#privacy"):
        assert page.locator(section).is_visible()
    assert "7 hari kalender" in page.inner_text("#promise") and fits_width(page)
    screenshot(page, "issue14", "01-beranda-ponsel")

    page.goto(server + "/pengaduan/baru")
    _fill_complaint(page)
    opt_out = page.locator("#f-tanpa_notifikasi")
    assert opt_out.get_attribute("type") == "checkbox" and not opt_out.is_checked()
    page.click("label[for=f-tanpa_notifikasi]")  # the label ticks it: a large target on a phone
    assert opt_out.is_checked()
    page.click("#form-pengaduan button[type=submit]")

    page.wait_for_selector("#receipt-no")
    number, pin = page.inner_text("#receipt-no").strip(), page.inner_text("#pin").strip()
    assert re.fullmatch(r"\d{3} \d{3}", pin)
    qr = page.locator("#qr")
    assert qr.is_visible() and page.evaluate("document.getElementById('qr').naturalWidth") > 0
    assert qr.get_attribute("alt") and fits_width(page)
    screenshot(page, "issue14", "02-resi-ponsel")
    page.reload()  # reloading the receipt keeps it
    assert page.inner_text("#receipt-no").strip() == number and page.inner_text("#pin").strip() == pin
    assert page.locator("#print-receipt").is_visible()
    assert rt.engine.load(ticket_id(rt, number)).identity.get("tanpa_notifikasi") is True
    token = page.inner_text("#token").strip()

    # the QR code's link on another phone: the token stays in the fragment and leaves the address bar
    scanner = _page(browser, ON_A_PHONE)
    scanner.goto(f"{server}/lacak#resi={number}&token={token}")
    scanner.wait_for_selector("#timeline")
    assert scanner.inner_text("#receipt-no") == number and token not in scanner.url
    logged = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("POST /lacak " in line for line in logged)  # the access log is captured ...
    assert not any(token in line for line in logged)  # ... and no line of it holds the token

    # the receipt number and PIN typed on a third phone, as read out over the telephone
    caller = _page(browser, ON_A_PHONE)
    caller.goto(server + "/lacak")
    caller.fill("#resi", number)
    caller.fill("#pin", pin.replace(" ", ""))
    caller.click("#form-lacak button[type=submit]")
    caller.wait_for_selector("#timeline")
    assert "token" not in caller.url and fits_width(caller)

    # the team asks for a document; the complainant sends it from the phone
    ask_for_information(rt, number, "Mohon kirim foto tanda terima permohonan.")
    caller.reload()
    document = tmp_path / "tanda-terima.png"
    document.write_bytes(PNG)
    caller.fill("#kelengkapan", "Foto tanda terima terlampir.")
    caller.set_input_files("#f-bukti", str(document))
    caller.click("#form-lengkapi button[type=submit]")
    caller.wait_for_selector(".alert.ok")
    screenshot(caller, "issue14", "03-lengkapi-dengan-berkas")
    files = attachments.list_for(rt.store, ticket_id(rt, number))
    assert [f["filename"] for f in files] == ["tanda-terima.png"]


def test_a_kiosk_is_not_locked_out_by_mistakes_and_back_keeps_the_input_after_a_429(browser, server, rt):
    page = _page(browser, AT_A_KIOSK)
    page.goto(server + "/pengaduan/baru")
    for _ in range(3):  # three validation errors: none of them count
        _fill_complaint(page, telepon="12")
        page.click("#form-pengaduan button[type=submit]")
        page.wait_for_selector("#f-telepon")
        assert page.locator("#receipt-no").count() == 0
    for n in range(2):  # two accepted complaints reach the limit of this address
        page.goto(server + "/pengaduan/baru")
        _fill_complaint(page, perihal=f"Pengaduan ke-{n + 1}")
        page.click("#form-pengaduan button[type=submit]")
        page.wait_for_selector("#receipt-no")
    page.goto(server + "/pengaduan/baru")
    _fill_complaint(page, perihal="Pengaduan yang harus menunggu")
    page.click("#form-pengaduan button[type=submit]")
    page.wait_for_selector("#error-title")
    text = page.inner_text("main")
    assert "Terlalu banyak permintaan" in text and re.search(r"Coba lagi dalam \d+ (detik|menit)", text)
    assert "tombol Kembali" in text
    screenshot(page, "issue14", "04-429")
    page.go_back()
    page.wait_for_selector("#f-perihal")
    assert page.input_value("#f-perihal") == "Pengaduan yang harus menunggu"
    assert page.input_value("#f-nama") == "Siti Aminah"


def test_error_pages_have_a_way_back_on_a_phone_and_on_the_console(browser, server):
    page = _page(browser, ON_A_PHONE)
    page.goto(server + "/pengaduan/tidak-ada-di-sini")
    assert page.inner_text("#error-title") == "Halaman tidak ditemukan" and fits_width(page)
    page.click("#error-home")
    page.wait_for_selector("#contacts")

    desk = signed_in(browser, server, "auditor")
    response = desk.goto(server + "/admin/work/new")
    assert response.status == 403 and desk.inner_text("#error-title") == "Akses ditolak"
    assert desk.evaluate("document.documentElement.lang") == "id"
    screenshot(desk, "issue14", "05-403-konsol")
    desk.click("#error-home")
    desk.wait_for_load_state()
    assert "/admin" in desk.url


def test_an_officer_adds_evidence_on_the_ticket_page(browser, server, rt, tmp_path):
    from tests.conftest import walk_in_record
    from workflow.core.guards import Actor

    opened = rt.engine.open("pengaduan-ptsp", walk_in_record(), Actor("petugas", frozenset({"petugas"}), "Petugas"))
    letter = tmp_path / "surat-balasan-opd.pdf"
    letter.write_bytes(PDF)
    page = signed_in(browser, server, "petugas")
    page.goto(f"{server}/admin/work/ticket/{opened.ticket.id}")
    page.set_input_files("#evidence-files", str(letter))
    page.click("#evidence-upload-submit")
    page.wait_for_selector(".alur-evidence")
    assert "surat-balasan-opd.pdf" in page.inner_text("#evidence")
    screenshot(page, "issue14", "06-bukti-konsol")
    row = [r for r in rt.store.audit_rows(ticket_id=opened.ticket.id) if r["detail"].get("event") == "attachment"]
    assert row and row[-1]["actor_id"] == "petugas"


def test_the_pages_of_issue_14_have_no_serious_accessibility_violations(browser, server, rt, tmp_path):
    """axe-core over the pages and parts this issue added or changed, on a phone and on the console."""
    from tests.conftest import walk_in_record
    from workflow.core.guards import Actor

    phone = _page(browser, ON_A_PHONE)
    found = {}
    for path in ("/", "/lacak", "/tidak-ada"):
        phone.goto(server + path)
        found[path] = serious_violations(phone)
    phone.goto(server + "/pengaduan/baru")
    _fill_complaint(phone)
    phone.click("#form-pengaduan button[type=submit]")
    phone.wait_for_selector("#qr")
    found["receipt"] = serious_violations(phone)
    number = phone.inner_text("#receipt-no").strip()
    ask_for_information(rt, number)
    phone.goto(f"{server}/lacak?resi={number}")
    phone.wait_for_selector("#form-lengkapi")
    found["tracking with a reply"] = serious_violations(phone)

    opened = rt.engine.open("pengaduan-ptsp", walk_in_record(), Actor("petugas", frozenset({"petugas"}), "Petugas"))
    desk = signed_in(browser, server, "petugas")
    desk.goto(f"{server}/admin/work/ticket/{opened.ticket.id}")
    found["console evidence"] = serious_violations(desk, "#evidence")
    desk.goto(f"{server}/admin/work/new")
    found["console record evidence"] = serious_violations(desk, "#record-evidence")
    desk.goto(f"{server}/admin/work/receipt/{opened.ticket.id}")
    found["console receipt"] = serious_violations(desk, "#receipt")
    desk.goto(f"{server}/admin/tidak-ada")
    found["console 404"] = serious_violations(desk)
    assert {k: v for k, v in found.items() if v} == {}


def test_the_desk_records_with_the_opt_out_checkbox_and_a_scan_and_prints_pin_and_qr(browser, server, rt, tmp_path):
    scan = tmp_path / "formulir-bertanda-tangan.pdf"
    scan.write_bytes(PDF)
    page = signed_in(browser, server, "petugas")
    page.goto(server + "/admin/work/new")
    page.select_option("#kanal", "langsung")
    page.fill("#nama", "Siti Aminah")
    page.fill("#alamat", "Jl. Ahmad Yani No. 5, Serang")
    page.fill("#telepon", "0812-3456-7890")
    page.select_option("#kategori", "durasi_waktu")
    page.fill("#perihal", "Peninjauan lapangan belum dijadwalkan")
    page.fill("#uraian", "Permohonan sudah dua bulan belum ada peninjauan lapangan.")
    opt_out = page.locator("#tanpa_notifikasi")
    assert opt_out.get_attribute("type") == "checkbox"
    page.check("#tanpa_notifikasi", force=True)  # Bootstrap's custom checkbox draws the box over the input
    page.set_input_files("#bukti", str(scan))
    page.click("#record-submit")
    page.wait_for_selector("#receipt")
    number = page.inner_text("#receipt-number").strip()
    assert re.fullmatch(r"\d{3} \d{3}", page.inner_text("#tracking-pin").strip())
    assert page.evaluate("document.getElementById('receipt-qr').naturalWidth") > 0
    screenshot(page, "issue14", "07-resi-cetak")
    page.reload()  # printed again: the PIN and QR code are still there
    assert page.locator("#tracking-pin").is_visible() and page.locator("#receipt-qr").is_visible()
    tid = ticket_id(rt, number)
    assert rt.engine.load(tid).identity.get("tanpa_notifikasi") is True
    assert [a["filename"] for a in attachments.list_for(rt.store, tid)] == ["formulir-bertanda-tangan.pdf"]
