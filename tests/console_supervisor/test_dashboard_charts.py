"""The supervisor dashboard's pictures (issue 14): complaints in and closed per week, the on-time rate per
clock over the last quarters, open tickets by stage and by OPD. Each is an accessible SVG (role="img",
title, description) drawn from the same numbers as the table beside it, and the on-time rate of a
quarter is the quarterly report's figure for that quarter."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import lxml.html
import pytest

from tests.browser import DESKTOP, PHONE, chromium, fits_width, screenshot, serious_violations, serve, signed_in
from tests.conftest import MONDAY_9_WIB
from workflow.reports.build import build_report
from workflow.store.queries.dashboard_trends import quarter_bounds, week_starts

from .conftest import PETUGAS, TIM, login, open_ticket

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def history(rt, clock):
    """Four complaints a week apart, two closed, one with an OPD; then a look three weeks on."""
    ids = []
    for week in range(4):
        clock.moment = MONDAY_9_WIB + timedelta(weeks=week)
        ids.append(open_ticket(rt))
    clock.moment = MONDAY_9_WIB + timedelta(weeks=3, days=1)
    rt.engine.fire(ids[0], "tolak", PETUGAS, {"alasan": "bukan pengaduan"})
    rt.engine.fire(ids[1], "tolak", PETUGAS, {"alasan": "bukan pengaduan"})
    rt.engine.fire(ids[2], "verifikasi", PETUGAS, {"tingkat": "sedang", "kewenangan": "dalam"})
    rt.engine.fire(ids[2], "teruskan_tim", PETUGAS, {})
    rt.engine.fire(ids[2], "serahkan_opd", TIM, {"opd": "dinas_esdm", "permintaan": "Mohon tinjau."})
    return ids


def picture(doc, key: str):
    """The card of one picture: its svg element (as parsed from the page) and its table's rows."""
    [card] = doc.xpath(f"//*[@data-picture='{key}']")
    [svg] = card.xpath(".//svg")
    rows = [[c.text_content().strip() for c in tr.xpath("./th|./td")] for tr in card.xpath(".//table/tbody/tr")]
    return card, svg, rows


def bar_values(svg) -> list[str]:
    return [r.get("data-value") for r in svg.iter("rect") if r.get("data-value") is not None]


def test_the_four_pictures_are_accessible_and_draw_the_numbers_of_their_tables(client, rt, clock, history):
    login(client, "kasi")
    html = client.get("/admin/pimpinan/").get_data(as_text=True)
    doc = lxml.html.fromstring(html)

    for key in ("weekly", "on-time", "stage", "opd"):
        card, svg, rows = picture(doc, key)
        assert svg.get("role") == "img"
        title, desc = svg.get("aria-labelledby"), svg.get("aria-describedby")
        assert svg.xpath(f".//title[@id='{title}']")[0].text.strip()
        assert svg.xpath(f".//desc[@id='{desc}']")[0].text.strip()
        assert card.xpath(".//table") and rows, f"{key} has no table of its numbers"
        assert not list(svg.iter("script"))

    _, svg, rows = picture(doc, "weekly")
    assert len(rows) == 12
    monday = MONDAY_9_WIB.date()
    weeks = week_starts(clock.moment, 12)
    assert weeks[-4] == monday  # the first complaint's week is four weeks back (this week included)
    received = [int(r[1]) for r in rows]
    closed = [int(r[2]) for r in rows]
    assert received[-4:] == [1, 1, 1, 1] and sum(received) == 4
    assert closed[-1] == 2 and sum(closed) == 2
    # the bars hold the same numbers, week by week (received and closed side by side)
    assert bar_values(svg) == [str(v) for pair in zip(received, closed) for v in pair]

    _, svg, rows = picture(doc, "stage")
    counts = {label: int(n) for label, n in rows}
    assert sum(counts.values()) == 2 and any(label.startswith("Diserahkan ke OPD") for label in counts)
    assert sorted(bar_values(svg)) == sorted(str(n) for n in counts.values())

    _, svg, rows = picture(doc, "opd")
    assert len(rows) == 1 and rows[0][1] == "1" and "esdm" not in rows[0][0].split()  # a label, not the code
    assert bar_values(svg) == ["1"]


def test_the_on_time_rate_per_quarter_is_the_reports_figure(client, rt, clock, history):
    login(client, "kasi")
    doc = lxml.html.fromstring(client.get("/admin/pimpinan/").get_data(as_text=True))
    _, svg, rows = picture(doc, "on-time")
    quarters = list(quarter_bounds(clock.moment, 4))
    this_quarter = quarters[-1]
    report = build_report(rt.store, this_quarter, catalogs=rt.catalogs, now=clock.moment)
    expected = {}
    for stats in report.sla.clocks:
        stopped = stats.on_time + stats.late - stats.late_running
        if stopped:
            expected[stats.label] = f"{stats.on_time * 100 / stopped:.0f}% ({stats.on_time}/{stopped})"
    shown = {row[0]: row[-1] for row in rows if row[-1] != "–"}
    assert shown == expected and shown  # same clocks, same counts, same rate
    assert all(row[1:-1] == ["–"] * 3 for row in rows)  # nothing stopped in the three quarters before
    assert {v for v in bar_values(svg) if v != "–"} == {v.split()[0] for v in shown.values()}


def test_an_empty_office_shows_empty_pictures_without_error(client, rt, clock):
    login(client, "kasi")
    response = client.get("/admin/pimpinan/")
    assert response.status_code == 200
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    _, _, rows = picture(doc, "opd")
    assert rows == [["Belum ada data."]]


def test_chart_labels_are_escaped_by_the_writer():
    from admin.console.charts import Series, bars, columns

    hostile = '<script>alert(1)</script>" onload="x'
    for svg in (bars("c", hostile, hostile, [hostile], [3]), columns("d", hostile, hostile, [hostile],
                                                                     [Series(hostile, [2])])):
        root = ET.fromstring(svg)
        assert not list(root.iter(f"{SVG}script")) and not [a for e in root.iter() for a in e.attrib
                                                          if a.startswith("on")]
        assert hostile in [e.text for e in root.iter()]



@pytest.mark.browser
@pytest.mark.filterwarnings("ignore:Exception ignored in. <_io.FileIO:pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("width", [PHONE["width"], DESKTOP["width"]])
def test_the_pictures_fit_a_phone_and_a_desktop_in_chromium(app, rt, clock, history, width):
    with serve(app, "dashboard-e2e") as base, chromium() as browser:
        page = signed_in(browser, base, "kasi", PHONE if width == PHONE["width"] else DESKTOP)
        page.goto(f"{base}/admin/pimpinan/")
        for key in ("weekly", "on-time", "stage", "opd"):
            chart = page.locator(f"#picture-{key} svg")
            chart.scroll_into_view_if_needed()
            box = chart.bounding_box()
            card = page.locator(f"#picture-{key}").bounding_box()
            assert box["width"] > 150 and box["x"] >= card["x"] - 1 and box["x"] + box["width"] <= card["x"] + \
                card["width"] + 1, f"{key} leaves its card at {width} px"
            assert page.locator(f"#picture-{key}-table").is_visible()
        assert fits_width(page)
        assert serious_violations(page, "#dashboard-pictures") == []
        page.locator("#dashboard-pictures").scroll_into_view_if_needed()
        screenshot(page, "dashboard", f"pictures-{width}.png", full=True)
