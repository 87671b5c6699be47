"""The supervisor dashboard shows what the engine did: open tickets per stage, deadlines, escalations, on-time rates."""
from __future__ import annotations

from datetime import timedelta

import lxml.html
import pytest

from admin.console.supervisor import dashboard_numbers, period_bounds
from tests.conftest import MONDAY_9_WIB
from workflow.escalation import sweep_due_rungs

from .conftest import PETUGAS, login, open_ticket, utc

WEDNESDAY_9_WIB = MONDAY_9_WIB + timedelta(days=2)
SUNDAY_9_WIB = MONDAY_9_WIB + timedelta(days=6)


def page(client, url="/admin/pimpinan/"):
    response = client.get(url)
    assert response.status_code == 200
    return lxml.html.fromstring(response.get_data(as_text=True))


def cell(doc, row_xpath: str, cls: str) -> str:
    [row] = doc.xpath(row_xpath)
    [td] = row.xpath(f".//td[contains(@class, '{cls}')]")
    return td.text_content().strip()


@pytest.fixture
def three_tickets(rt, clock):
    """Monday 09:00 WIB: A waits in diterima, B goes to the team, C is rejected at once."""
    a = open_ticket(rt)
    b = open_ticket(rt, perihal="Izin lingkungan")
    rt.engine.fire(b, "verifikasi", PETUGAS, {"tingkat": "sedang", "kewenangan": "dalam"})
    rt.engine.fire(b, "teruskan_tim", PETUGAS, {})
    c = open_ticket(rt, perihal="Salah kanal")
    rt.engine.fire(c, "tolak", PETUGAS, {"alasan": "bukan pengaduan"})
    return a, b, c


def test_open_tickets_by_stage_and_lane(client, rt, clock, three_tickets):
    clock.moment = WEDNESDAY_9_WIB
    login(client, "kasi")
    doc = page(client)
    assert doc.get_element_by_id("open-total").text_content().strip() == "2"
    assert cell(doc, "//tr[@data-state='diterima']", "state-count") == "1"
    assert cell(doc, "//tr[@data-state='ditangani_tim']", "state-count") == "1"
    assert not doc.xpath("//tr[@data-state='ditolak']")  # closed tickets are not open work
    lanes = {r.get("data-lane"): r.xpath(".//th[contains(@class,'lane-total')]")[0].text_content().strip()
             for r in doc.xpath("//tr[contains(@class,'lane-row')]")}
    assert lanes == {"petugas": "1", "tim": "1"}
    assert list(lanes) == ["petugas", "tim"]  # in the definition's lane order


def test_overdue_and_at_risk_per_clock(client, rt, clock, three_tickets):
    clock.moment = WEDNESDAY_9_WIB  # triage (1 working day) of A was due Tuesday 09:00
    login(client, "kasi")
    doc = page(client)
    assert cell(doc, "//tr[@data-clock='tanggapan_awal']", "running") == "1"
    assert cell(doc, "//tr[@data-clock='tanggapan_awal']", "overdue") == "1"
    assert cell(doc, "//tr[@data-clock='penyelesaian']", "running") == "2"
    assert cell(doc, "//tr[@data-clock='penyelesaian']", "overdue") == "0"
    assert cell(doc, "//tr[@data-clock='penyelesaian']", "at-risk") == "0"  # 2 of 7 days

    clock.moment = SUNDAY_9_WIB  # 6 of 7 calendar days: past 80%, not yet due
    doc = page(client)
    assert cell(doc, "//tr[@data-clock='penyelesaian']", "at-risk") == "2"
    assert cell(doc, "//tr[@data-clock='penyelesaian']", "overdue") == "0"


def test_on_time_rate_this_month_and_quarter(client, rt, clock, three_tickets):
    a, _, _ = three_tickets
    clock.moment = SUNDAY_9_WIB
    rt.engine.fire(a, "tolak", PETUGAS, {"alasan": "tidak lengkap"})  # triage 5 days late; resolution in time
    login(client, "kasi")
    doc = page(client)
    # December (WIB): A's two clocks stopped, one in time. Q4: plus C's two and B's triage, all in time.
    assert cell(doc, "//tr[@data-rate-clock='tanggapan_awal']", "month").startswith("0%")
    assert cell(doc, "//tr[@data-rate-clock='penyelesaian']", "month").startswith("100%")
    assert "67% (2/3)" == cell(doc, "//tr[@data-rate-clock='tanggapan_awal']", "quarter")
    [total] = doc.xpath("//tr[@id='rate-total']")
    month, quarter = [td.text_content().split() for td in total.xpath("./td")[1:]]
    assert month[:2] == ["50%", "(1/2)"]
    assert quarter[:2] == ["80%", "(4/5)"]


def test_escalations_wait_on_the_target_role_only(client, app, rt, clock, three_tickets):
    clock.moment = WEDNESDAY_9_WIB
    assert sweep_due_rungs(rt, now=clock()) >= 1  # A's triage passed 100%: escalated to kepala_seksi
    login(client, "kasi")
    doc = page(client)
    assert doc.get_element_by_id("escalations-total").text_content().strip() == "1"
    receipts = [r.get("data-receipt") for r in doc.xpath("//tr[contains(@class,'escalation-row')]")]
    assert receipts == [rt.engine.load(three_tickets[0]).receipt_no]

    other = app.test_client()
    login(other, "kabid")  # kepala bidang: the first rung is not theirs
    assert page(other).get_element_by_id("escalations-total").text_content().strip() == "0"

    rt.engine.fire(three_tickets[0], "tolak", PETUGAS, {"alasan": "selesai"})  # closed: nothing waits any more
    assert page(client).get_element_by_id("escalations-total").text_content().strip() == "0"


def test_numbers_come_from_aggregates_on_an_empty_database(rt, clock):
    numbers = dashboard_numbers(rt.db, clock(), {"kepala_seksi"})
    assert numbers["by_state"] == [] and numbers["clocks"] == [] and numbers["escalations_total"] == 0
    assert numbers["month"] == [] and numbers["quarter"] == []


def test_periods_are_wib_months_and_quarters():
    # 31 Dec 2026 20:00 UTC is already 1 January 2027 in Jakarta
    start, end = period_bounds(utc(2026, 12, 31, 20, 0), "month")
    assert (start, end) == (utc(2026, 12, 31, 17, 0), utc(2027, 1, 31, 17, 0))
    start, end = period_bounds(utc(2026, 11, 30, 2, 0), "quarter")
    assert (start, end) == (utc(2026, 9, 30, 17, 0), utc(2026, 12, 31, 17, 0))


def test_the_aggregates_agree_on_sqlite_and_postgresql(db_engine):
    """Epoch arithmetic and the JSON flags test are dialect-specific: both databases must count the same."""
    from tests.conftest import SOP, walk_in_record
    from workflow.publish import publish
    from workflow.runtime import build_runtime

    rt = build_runtime(db=db_engine)
    rt.engine.now = lambda: MONDAY_9_WIB
    publish(rt.store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
    a = rt.engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS).ticket.id
    b = rt.engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS).ticket.id
    rt.engine.fire(a, "tolak", PETUGAS, {"alasan": "x"}, now=MONDAY_9_WIB + timedelta(hours=1))
    assert sweep_due_rungs(rt, now=SUNDAY_9_WIB) >= 1
    numbers = dashboard_numbers(db_engine, SUNDAY_9_WIB, {"kepala_seksi"})
    assert [(r["state"], r["n"]) for r in numbers["by_state"]] == [("diterima", 1)]
    clocks = {r["clock"]: r for r in numbers["clocks"]}
    assert clocks["penyelesaian"] == {"clock": "penyelesaian", "running": 1, "overdue": 0, "at_risk": 1}
    assert clocks["tanggapan_awal"]["overdue"] == 1
    assert {r["clock"]: (r["on_time"], r["stopped"]) for r in numbers["quarter"]} == \
        {"penyelesaian": (1, 1), "tanggapan_awal": (1, 1)}
    assert numbers["escalations_total"] == 1 and numbers["escalations"][0]["ticket_id"] == b
