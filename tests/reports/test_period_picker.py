"""The report period is picked, not typed (issue 14, also-list): a year and a quarter, semester, month, the whole
year or a date range; links with ?period= keep working. Through the test client and in Chromium."""
from __future__ import annotations

import lxml.html
import pytest

from tests.browser import chromium, serve
from tests.console.conftest import PASSWORD, login

from .conftest import Q1_CSV


def shown(client, query: str) -> tuple[str, dict]:
    html = client.get("/admin/laporan/?" + query).get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    chosen = {name: (doc.xpath(f"//select[@name='{name}']/descendant::option[@selected]/@value") or [None])[0]
              for name in ("span", "year")}
    return doc.xpath("string(//*[@id='period-label'])"), chosen


@pytest.mark.parametrize("query, label, span", [
    ("year=2021&span=Q1", "Triwulan I Tahun 2021", "Q1"),
    ("year=2021&span=S2", "Semester II Tahun 2021", "S2"),
    ("year=2021&span=03", "Bulan Maret Tahun 2021", "03"),
    ("year=2021&span=year", "Tahun 2021", "year"),
    ("year=2021&span=range&from=2021-01-05&to=2021-02-01", "5 Januari 2021 s.d. 1 Februari 2021", "range"),
    ("period=2021-Q2", "Triwulan II Tahun 2021", "Q2"),  # an old link
])
def test_a_picked_period_is_the_report_shown_and_stays_picked(client, query, label, span):
    login(client, "kasi")
    text, chosen = shown(client, query)
    assert label in text
    assert chosen == {"span": span, "year": "2021"}


def test_the_picked_quarter_downloads_the_same_period(client, rt):
    from workflow.services.imports import import_complaints

    import_complaints(rt, Q1_CSV)
    login(client, "kasi")
    html = client.get("/admin/laporan/?year=2021&span=Q1").get_data(as_text=True)
    link = lxml.html.fromstring(html).xpath("//a[@data-format='json']/@href")[0]
    assert "period=2021-Q1" in link
    assert client.get(link).json["total"] == 16


@pytest.mark.browser
@pytest.mark.filterwarnings("ignore:Exception ignored in. <_io.FileIO:pytest.PytestUnraisableExceptionWarning")
def test_a_supervisor_picks_a_quarter_in_chromium(app):
    with serve(app, "period-picker") as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="id-ID")
        page.set_default_timeout(30000)
        page.goto(base + "/login")
        page.fill("#username", "kasi")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#alur-user", state="attached")
        page.goto(base + "/admin/laporan/")
        page.select_option("#period-span", "Q3")
        page.select_option("#period-year", "2025")
        page.click("#period-form button[type=submit]")
        page.wait_for_selector("#period-label >> text=Triwulan III Tahun 2025")
        assert page.input_value("#period-span") == "Q3" and page.input_value("#period-year") == "2025"
