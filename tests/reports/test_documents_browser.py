"""End to end in Debian's Chromium: a kasi edits the quarter's report and lets the public pages list published
reports, the kepala dinas approves and publishes it, and a citizen reads it on the public pages, with the
office's text and no complainant named."""
from __future__ import annotations

import pytest

from tests.browser import MARKS, chromium, screenshot, serve
from tests.console.conftest import PASSWORD, open_ticket

pytestmark = MARKS

CONCLUSION = "Pengaduan triwulan ini dijawab tepat waktu; tinjauan lapangan OPD perlu dipercepat."


@pytest.fixture
def server(app):
    with serve(app, "report-e2e") as base:
        yield base


@pytest.fixture
def browser():
    with chromium() as instance:
        yield instance


def _person(browser, base, username=None):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(30000)
    if username:
        page.goto(base + "/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#alur-user")
    return context, page


def test_kasi_edits_kadis_publishes_a_citizen_reads_it(server, browser, rt):
    open_ticket(rt)  # one complaint this quarter, whose complainant must not appear publicly
    kasi_context, kasi = _person(browser, server, "kasi")
    kasi.goto(server + "/admin/laporan/naskah/")
    kasi.fill("#period", "2026-Q4")
    kasi.click("#open-draft button[type=submit]")
    kasi.wait_for_selector("#narrative-form")
    assert "Triwulan IV Tahun 2026" in kasi.input_value("#section-pendahuluan")
    kasi.fill("#section-kesimpulan", CONCLUSION)
    kasi.click("#save-draft")
    kasi.wait_for_selector("text=Disimpan sebagai versi 2")
    assert kasi.get_attribute("#document-status", "data-version") == "2"
    assert kasi.locator("#approve").count() == 0  # the kasi cannot approve
    screenshot(kasi, "reports", "01-kasi-saved")
    kasi.goto(server + "/admin/kantor/")
    kasi.check("#public_reports")
    kasi.click("#office-save")
    kasi.wait_for_selector(".alert-success")
    kasi_context.close()

    kadis_context, kadis = _person(browser, server, "kadis")
    kadis.goto(server + "/admin/laporan/naskah/")
    kadis.click(".document-row a")
    kadis.wait_for_selector("#approve")
    kadis.click("#approve")
    kadis.wait_for_selector("#publish")
    kadis.click("#publish")
    kadis.wait_for_selector("#reopen-form")
    assert kadis.get_attribute("#document-status", "data-status") == "published"
    screenshot(kadis, "reports", "02-kadis-published")
    kadis_context.close()

    citizen_context, citizen = _person(browser, server)
    citizen.goto(server + "/")
    citizen.click("#public-reports-link a")
    citizen.wait_for_selector(".public-report")
    citizen.click(".public-report a")
    citizen.wait_for_selector("#report")
    body = citizen.inner_text("#report")
    assert CONCLUSION in body and "Nomor laporan" in body
    assert "Siti Aminah" not in citizen.content() and "Dirahasiakan" in body
    screenshot(citizen, "reports", "03-citizen-reads")
    with citizen.expect_download() as download:
        citizen.click("#public-downloads a:text('DOCX')")
    assert download.value.suggested_filename.endswith("-no1.docx")
    citizen_context.close()
