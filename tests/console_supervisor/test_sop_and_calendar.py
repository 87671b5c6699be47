"""The SOP diagram pages and SVG route, and the calendar editor."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import lxml.html
from flask import url_for

from .conftest import csrf_from, login

SVG = "{http://www.w3.org/2000/svg}"


def current_states(svg_text: str) -> list[str]:
    root = ET.fromstring(svg_text)
    return [g.get("data-state") for g in root.iter(f"{SVG}g") if "current" in (g.get("class") or "").split()]


def test_the_svg_route_serves_the_diagram_with_the_ticket_state_highlighted(app, client):
    login(client, "petugas")  # the ticket page embeds it for case workers
    with app.test_request_context():
        url = url_for("sop.diagram", key="pengaduan-ptsp", version=1, highlight="ditangani_tim")
    assert url == "/sop/pengaduan-ptsp/v1.svg?highlight=ditangani_tim"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert current_states(response.get_data(as_text=True)) == ["ditangani_tim"]
    assert current_states(client.get("/sop/pengaduan-ptsp/v1.svg").get_data(as_text=True)) == []
    assert client.get("/sop/pengaduan-ptsp/v9.svg").status_code == 404
    assert client.get("/sop/tidak-ada/v1.svg").status_code == 404


def test_the_svg_cannot_run_script_when_opened_on_its_own(client):
    """Security review item 1: an SVG opened directly is a document; it may keep its inline styles, nothing else."""
    login(client, "admin")
    svg = client.get("/sop/pengaduan-ptsp/v1.svg")
    assert svg.headers["Content-Security-Policy"] == \
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"  # no framing: every response
    assert svg.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/sop/pengaduan-ptsp/v1.mmd").headers["X-Content-Type-Options"] == "nosniff"


def test_the_svg_follows_the_language(client):
    login(client, "petugas")
    client.get("/locale/en")
    assert "Handling team" in client.get("/sop/pengaduan-ptsp/v1.svg").get_data(as_text=True)
    client.get("/locale/id")
    assert "Ditangani Tim" in client.get("/sop/pengaduan-ptsp/v1.svg").get_data(as_text=True)


def test_the_diagram_page_inlines_the_svg_and_offers_mermaid(client):
    login(client, "kasi")
    html = client.get("/admin/definisi/pengaduan-ptsp/v1/diagram?highlight=dijawab").get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    assert doc.get_element_by_id("sop-diagram") is not None
    assert 'class="state current"' in html and 'data-state="dijawab"' in html
    assert doc.get_element_by_id("mermaid-text").text_content().startswith("flowchart LR")
    mermaid = client.get("/sop/pengaduan-ptsp/v1.mmd")
    assert mermaid.mimetype == "text/plain" and "subgraph lane_opd" in mermaid.get_data(as_text=True)


def calendar(client, year=2026):
    html = client.get(f"/admin/kalender/?year={year}").get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    rows = {r.get("data-day"): r for r in doc.xpath("//tr[contains(@class,'closure-row')]")}
    return html, rows


def change(client, **form):
    html, _ = calendar(client)
    return client.post("/admin/kalender/change", data={"csrf_token": csrf_from(html), **form})


def test_the_calendar_lists_holidays_and_cuti_bersama_of_the_year(client):
    login(client, "kasi")
    _, rows = calendar(client)
    assert "Hari Raya Natal" in rows["2026-12-25"].text_content()
    assert "Cuti Bersama Hari Raya Natal" in rows["2026-12-24"].text_content()
    assert "2026-03-22" not in rows  # a Sunday holiday changes no deadline


def test_adding_removing_and_resetting_days_changes_the_working_calendar(client, rt):
    login(client, "kasi")
    assert rt.calendar.is_working_day(date(2026, 12, 31))
    response = change(client, action="add", day="2026-12-31", name="Tutup akhir tahun (SK Gubernur 9/2026)")
    assert response.status_code == 302
    assert not rt.calendar.is_working_day(date(2026, 12, 31))
    _, rows = calendar(client)
    assert "Tutup akhir tahun" in rows["2026-12-31"].text_content() and "tutup" in rows["2026-12-31"].text_content()

    assert change(client, action="remove", day="2026-12-24", name="Cuti bersama dibatalkan").status_code == 302
    assert rt.calendar.is_working_day(date(2026, 12, 24))
    _, rows = calendar(client)
    assert "masuk kerja" in rows["2026-12-24"].text_content()

    assert change(client, action="reset", day="2026-12-24").status_code == 302
    assert not rt.calendar.is_working_day(date(2026, 12, 24))
    kinds = [(r["detail"].get("op") or r["detail"].get("action"), r["actor_id"])
             for r in rt.store.audit_rows(kind="calendar") if r["actor_id"] != "system"]
    assert [who for _, who in kinds] == ["kasi", "kasi", "kasi"]


def test_a_bad_day_or_a_missing_name_is_explained_not_stored(client, rt):
    login(client, "kasi")
    response = change(client, action="add", day="31-12-2026", name="x")
    assert response.status_code == 302
    html, _ = calendar(client)
    assert "Tanggal tidak valid" in html
    change(client, action="remove", day="2026-12-30", name="")  # not a holiday: nothing to open
    html, rows = calendar(client)
    assert "2026-12-30" not in rows and "nothing to open" in html
