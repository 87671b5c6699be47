"""Two services on offer, in Debian's Chromium against a real server thread: a complainant chooses the Sleman
service among the office's public definitions, fills its own fields (not the shipped SOP's), gets a receipt,
and a supervisor, in the console, moves the office to WITA and sees every page say so."""
from __future__ import annotations

import pytest

from tests.browser import MARKS, chromium, new_page, screenshot, serve, signed_in

from .test_side_by_side import SLEMAN, sleman  # noqa: F401 - the fixture: Sleman's SOP beside the shipped one

pytestmark = MARKS


@pytest.fixture
def site(app, sleman):  # noqa: F811 - the imported fixture
    with serve(app, "services-e2e") as base, chromium() as browser:
        yield base, browser


@pytest.fixture
def page(site):
    base, browser = site
    tab = new_page(browser, {"width": 1100, "height": 900}, timeout=10000, base_url=base)
    yield tab
    tab.context.close()


def test_a_complainant_chooses_a_service_and_files_on_its_own_form(page, sleman):  # noqa: F811
    page.goto("/pengaduan/baru")
    assert page.locator(".service").count() == 2
    page.click(f"#service-{SLEMAN}")
    assert "Kabupaten Sleman" in page.inner_text("#service-title")
    assert page.locator("#f-sektor").count() == 0  # the shipped SOP's sector list is not this service's
    page.fill("#f-nama", "Wahyu Nugroho")
    page.fill("#f-alamat", "Jl. Kaliurang km 7, Sleman")
    page.fill("#f-telepon", "0812-2222-3333")
    page.select_option("#f-layanan", "Persetujuan Bangunan Gedung (PBG)")
    page.select_option("#f-kategori", "Proses lambat")
    page.fill("#f-perihal", "PBG belum terbit")
    page.fill("#f-uraian", "Sudah tiga bulan belum ada kabar.")
    page.click("#form-pengaduan button[type=submit]")
    number = page.inner_text("#receipt-no").strip()
    screenshot(page, "public", "sleman-receipt")
    with sleman.store.unit_of_work(read_only=True) as uow:
        ticket = uow.tickets.load(uow.tickets.id_by_receipt(number))
    assert ticket.definition_key == SLEMAN and ticket.fields["layanan"] == "Persetujuan Bangunan Gedung (PBG)"


def test_a_supervisor_moves_the_office_to_wita_and_the_pages_say_so(site, sleman):  # noqa: F811
    base, browser = site
    page = signed_in(browser, base, "kasi")
    page.goto(base + "/admin/kantor/")
    assert "DPMPTSP Provinsi Banten" in page.inner_text("header, nav, body")
    page.select_option("#timezone", "Asia/Makassar")
    page.fill("#hours", "senin-kamis 07:30-16:00, jumat 07:30-11:30")
    page.click("#office-save")
    assert "WITA" in page.inner_text(".alert-success")
    page.fill("#hours", "senn 08:00-12:00")
    page.click("#office-save")
    assert "senin" in page.inner_text(".alert-danger") and page.input_value("#hours") == "senn 08:00-12:00"
    screenshot(page, "console", "office-profile-refused")
    page.goto(base + "/admin/pimpinan/")
    assert "WITA" in page.inner_text("body")
    assert sleman.calendar.timezone == "Asia/Makassar"
