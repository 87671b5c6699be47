"""The office calendar as a month grid (issue 14, also-list): holidays, cuti bersama and office closures told
apart, and a click on a day closes or reopens it through a CSRF-protected POST; in Chromium too."""
from __future__ import annotations

from datetime import date

import lxml.html
import pytest

from tests.browser import chromium, screenshot, serve

from .conftest import PASSWORD, csrf_from, login


def grid(client, year: int = 2026, month: int = 12):
    html = client.get(f"/admin/kalender/?year={year}&month={month}").get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    return html, {td.get("data-day"): td for td in doc.xpath("//table[contains(@class,'alur-month')]//td")}


def test_the_month_grid_tells_holidays_cuti_bersama_and_weekends_apart(client):
    login(client, "kasi")
    html, days = grid(client)
    assert "Desember 2026" in html
    assert days["2026-12-25"].get("data-kind") == "holiday" and "Natal" in days["2026-12-25"].text_content()
    assert days["2026-12-24"].get("data-kind") == "cuti"
    assert days["2026-12-26"].get("data-kind") == "weekend" and not days["2026-12-26"].xpath(".//button")
    assert days["2026-12-01"].get("data-kind") == "work" and days["2026-12-01"].xpath(".//button")
    assert days["2026-11-30"].get("data-kind") is None  # a day of the month before: shown empty


def test_a_click_closes_a_working_day_and_another_reopens_it(client, rt):
    login(client, "kasi")
    html, _ = grid(client)
    token = csrf_from(html)
    closed = client.post("/admin/kalender/change", data={"csrf_token": token, "action": "toggle",
                                                          "day": "2026-12-02", "name": "SK Gubernur 12/2026"})
    assert closed.status_code == 302 and "month=12" in closed.headers["Location"]
    assert not rt.calendar.is_working_day(date(2026, 12, 2))
    _, days = grid(client)
    assert days["2026-12-02"].get("data-kind") == "office"
    assert "SK Gubernur 12/2026" in days["2026-12-02"].text_content()
    client.post("/admin/kalender/change", data={"csrf_token": token, "action": "toggle", "day": "2026-12-02"})
    assert rt.calendar.is_working_day(date(2026, 12, 2))
    client.post("/admin/kalender/change", data={"csrf_token": token, "action": "toggle", "day": "2026-12-24"})
    assert rt.calendar.is_working_day(date(2026, 12, 24))  # cuti bersama reopened
    assert grid(client)[1]["2026-12-24"].get("data-kind") == "opened"


def test_a_weekend_click_changes_nothing_and_a_post_without_token_is_refused(client, rt):
    login(client, "kasi")
    html, _ = grid(client)
    client.post("/admin/kalender/change", data={"csrf_token": csrf_from(html), "action": "toggle",
                                                "day": "2026-12-26"})
    assert not rt.calendar.is_working_day(date(2026, 12, 26))
    assert "tidak ada yang diubah" in grid(client)[0]
    refused = client.post("/admin/kalender/change", data={"action": "toggle", "day": "2026-12-02"})
    assert refused.status_code == 400 and rt.calendar.is_working_day(date(2026, 12, 2))


@pytest.mark.browser
@pytest.mark.filterwarnings("ignore:Exception ignored in. <_io.FileIO:pytest.PytestUnraisableExceptionWarning")
def test_a_supervisor_closes_a_day_by_clicking_it_in_chromium(app, rt):
    with serve(app, "calendar-grid") as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="id-ID")
        page.set_default_timeout(20000)
        page.goto(base + "/login")
        page.fill("#username", "kasi")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#alur-user", state="attached")
        page.goto(base + "/admin/kalender/?year=2026&month=12")
        page.fill("#grid-name", "Banjir: kantor tutup")
        page.click("#day-2026-12-03")
        page.wait_for_selector("td[data-day='2026-12-03'][data-kind='office']")
        assert "Banjir: kantor tutup" in page.inner_text("td[data-day='2026-12-03']")
        assert not rt.calendar.is_working_day(date(2026, 12, 3))
        screenshot(page, "console", "calendar-month-grid", full=True)
        page.select_option("#cal-month", "3")
        page.click("#month-grid >> xpath=preceding::button[@type='submit'][1]")
        page.wait_for_selector("#month-title >> text=Maret 2026")
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
