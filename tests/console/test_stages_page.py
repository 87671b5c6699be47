"""The supervisor's "Lama per tahapan" page (/admin/tahapan, issue 15): the quarter's time per stage, lane and
agency read from the audit trail, each chart an accessible SVG beside the table of the same figures, the
bottleneck and the promise, one complaint's stays and pauses; in Indonesian and English; supervisors only."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.console.conftest import login
from tests.stage_quarter import MEASURED, walk_quarter
from workflow.core.guards import Actor

SVG = "{http://www.w3.org/2000/svg}"
ACTORS = {"petugas": Actor("petugas", frozenset({"petugas"}), "Petugas"), "tim": Actor("tim", frozenset({"tim"})),
          "opd": Actor("esdm", frozenset({"opd_liaison"}), opd="dinas_esdm"),
          "pemohon": Actor("pemohon", frozenset({"pemohon"}))}


def charts(html: str) -> list[ET.Element]:
    out, at = [], 0
    while (start := html.find("<svg", at)) >= 0:
        end = html.index("</svg>", start) + 6
        out.append(ET.fromstring(html[start:end]))
        at = end
    return out


@pytest.fixture(autouse=True)
def fresh_figures():
    from admin.console import stages

    stages._sections.clear()


def test_a_supervisor_sees_where_the_quarter_s_complaints_waited(app, rt):
    ids = walk_quarter(rt.engine, ACTORS)
    rt.engine.now = lambda: MEASURED
    client = app.test_client()
    login(client, "kasi")
    page = client.get("/admin/tahapan/?period=2026-Q4&by=opd")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "1 dari 3 pengaduan triwulan ini dijawab dalam 7 hari kalender yang dijanjikan" in html
    assert "Diterima (pada Triwulan III Tahun 2026: Terverifikasi)" in html
    drawn = charts(html)
    assert len(drawn) == 3 and all(svg.get("role") == "img" and svg.find(f"{SVG}title").text for svg in drawn)
    state_bars = [g.get("data-key") for g in drawn[0].findall(f"{SVG}g")]
    table = html[html.index('id="table-state"'):html.index("</table>", html.index('id="table-state"'))]
    assert state_bars == [key for key in state_bars if f'data-key="{key}"' in table]  # same rows, same order
    group = html[html.index('id="table-group"'):]
    assert "Dinas Energi dan Sumber Daya Mineral" in group and "Diproses OPD" in group
    receipt = rt.engine.load(ids["waited"]).receipt_no
    one = client.get(f"/admin/tahapan/?period=2026-Q4&receipt={receipt.lower()}").get_data(as_text=True)
    stays = one[one.index('id="ticket-stays"'):]
    assert stays.count('class="stay-row"') == 7 and "menunggu pemohon" in stays
    assert one.count("<li>penyelesaian:") == 1 and one.count("<li>tanggapan_awal:") == 1


def test_the_page_speaks_english_on_request_and_explains_a_bad_period(app, rt):
    walk_quarter(rt.engine, ACTORS)
    rt.engine.now = lambda: MEASURED
    client = app.test_client()
    login(client, "kadis")
    with client.session_transaction() as session:
        session["locale"] = "en"
    html = client.get("/admin/tahapan/?period=2026-Q4").get_data(as_text=True)
    assert "1 of 3 complaints this quarter were answered within the promised 7 calendar days" in html
    assert "Time per stage" in html and "Received" in html
    wrong = client.get("/admin/tahapan/?period=kuartal-3").get_data(as_text=True)
    assert 'id="period-error"' in wrong and "Showing the current quarter" in wrong


def test_only_supervisors_open_it(app, rt):
    for who, status in (("petugas", 403), ("auditor", 403), ("kabid", 200)):
        client = app.test_client()
        login(client, who)
        assert client.get("/admin/tahapan/").status_code == status, who
