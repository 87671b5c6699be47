"""The supervisor's impact view of moving running complaints to another version: per ticket and clock the old
and new budget and due time and which would become late, then applying it (Flask test client)."""
from __future__ import annotations

from html import unescape

from tests.conftest import MONDAY_9_WIB, SOP
from tests.console_supervisor.conftest import csrf_from, login, open_ticket
from workflow.services.publish import publish


def second_version(rt) -> None:
    text = SOP.read_text(encoding="utf-8").replace("budget: {amount: 7, unit: calendar_days}",
                                                   "budget: {amount: 14, unit: working_days}")
    publish(rt.store, text, file="v2.yaml", actor_id="kasi", now=MONDAY_9_WIB, note="14 hari kerja")


def test_the_impact_view_shows_the_deadlines_and_moving_recomputes_them(client, rt):
    ticket_id = open_ticket(rt, now=MONDAY_9_WIB)
    receipt = rt.engine.load(ticket_id).receipt_no
    second_version(rt)
    login(client, "kasi")

    assert 'id="migration-link"' in client.get("/admin/definisi/pengaduan-ptsp/v2").get_data(as_text=True)
    page = client.get("/admin/definisi/pengaduan-ptsp/v2/migrasi").get_data(as_text=True)
    assert receipt in page and "7 hari kalender → 14 hari kerja" in page
    assert "7 Des 2026 09.00 WIB → 18 Des 2026 09.00 WIB" in page
    assert "<strong>1</strong> pengaduan dapat dipindahkan" in page

    moved = client.post("/admin/definisi/pengaduan-ptsp/v2/migrasi", data={"csrf_token": csrf_from(page),
                                                                          "action": "apply", "map": ""})
    assert moved.status_code == 302
    run = rt.engine.load(ticket_id).clock("penyelesaian")
    assert (rt.engine.load(ticket_id).definition_version, run.budget, run.unit) == (2, 14, "working_days")
    assert "1 pengaduan dipindahkan ke v2" in client.get(moved.headers["Location"]).get_data(as_text=True)


def test_a_bad_mapping_is_explained_and_kept(client, rt):
    open_ticket(rt)
    second_version(rt)
    login(client, "kasi")
    page = client.get("/admin/definisi/pengaduan-ptsp/v2/migrasi").get_data(as_text=True)
    response = client.post("/admin/definisi/pengaduan-ptsp/v2/migrasi",
                           data={"csrf_token": csrf_from(page), "action": "check", "map": "diterima=hilang"})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "state 'hilang' does not exist" in html and "diterima=hilang" in html
