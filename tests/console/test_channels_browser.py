"""The complaint box and the referral list in Chromium, on a phone (390 px) and a desktop (issue 16): a
petugas opens the box's session, records the form found through the link (the box date shown beside the
channel, filled in), closes the session; the team ticks a LAPOR! update off from the list. Each page fits
the phone's width and has no critical or serious axe-core violation."""
from __future__ import annotations

import pytest

from tests.browser import DESKTOP, MARKS, PHONE, chromium, fits_width, screenshot, serious_violations, serve, signed_in
from tests.conftest import walk_in_record
from workflow.core.guards import Actor

pytestmark = MARKS
PETUGAS = Actor("petugas", frozenset({"petugas"}), "Petugas")


@pytest.fixture
def server(app):
    with serve(app, "channels-e2e") as base:
        yield base


@pytest.fixture
def browser():
    with chromium() as instance:
        yield instance


def checked(page, name: str) -> None:
    assert fits_width(page), f"{name} scrolls sideways"
    assert serious_violations(page) == [], name
    screenshot(page, "channels", name)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_box_session_on_a_phone_and_a_desktop(server, browser, viewport, rt):
    page = signed_in(browser, server, "petugas", viewport)
    page.goto(server + "/admin/kotak-pengaduan/")
    checked(page, f"box-index-{viewport['width']}")
    page.fill("#box-tanggal", "2026-11-26")  # a Thursday: a box day of the shipped SOP
    page.click("#box-open button[type=submit]")
    page.wait_for_selector("#box-record")
    checked(page, f"box-session-{viewport['width']}")
    page.click("#box-record")
    page.wait_for_selector("#record-form")
    assert page.input_value('[name="kanal"]') == "kotak_pengaduan"
    assert page.is_visible('[name="tanggal_ambil_kotak"]') and page.input_value('[name="tanggal_ambil_kotak"]') == \
        "2026-11-26"
    # a referral's number belongs to referral channels: the form's script hides it for the box
    page.wait_for_selector('[data-field="nomor_rujukan"]', state="hidden")
    record = walk_in_record()
    for name in ("nama", "alamat", "telepon", "perihal", "uraian"):
        page.fill(f'#record-form [name="{name}"]', record[name])
    page.select_option('#record-form [name="kategori"]', "durasi_waktu")
    page.click('label[for="tanda_tangan"]')
    page.click("#record-submit")
    page.wait_for_selector("#receipt-no, .alur-receipt, #receipt", state="attached")
    page.go_back()
    page.go_back()
    page.reload()
    assert page.locator("#box-recorded a").count() == 1
    page.fill("#box-formulir", "1")
    page.click("#box-close button[type=submit]")
    page.wait_for_selector("#box-session-status")
    assert "Ditutup" in page.inner_text("#box-session-status")


def test_the_team_ticks_a_lapor_update_off_on_a_phone(server, browser, rt):
    ticket = rt.engine.open("pengaduan-ptsp", walk_in_record(kanal="lapor", nomor_rujukan="LAPOR-2026-77"),
                            PETUGAS).ticket
    page = signed_in(browser, server, "tim", PHONE)
    page.goto(server + "/admin/disposisi/")
    checked(page, "dispositions-390")
    row = page.locator(f'tr[data-receipt="{ticket.receipt_no}"]')
    assert "LAPOR-2026-77" in row.inner_text()
    row.locator("button").first.click()
    page.wait_for_selector(".alert-success")
    assert row.locator(".badge-success").count() == 1
    page.goto(server + f"/admin/work/ticket/{ticket.id}")
    assert page.locator("#disposisi .badge-success").count() == 1
