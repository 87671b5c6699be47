"""The supervisor dashboard shows what the engine did: open tickets per stage, deadlines, escalations, on-time rates."""
from __future__ import annotations

from datetime import timedelta

import lxml.html
import pytest

from tests.conftest import MONDAY_9_WIB, walk_in_record
from workflow.services.escalation import sweep_due_rungs
from workflow.store.queries import dashboard
from workflow.store.queries.dashboard import dashboard_numbers, period_bounds
from workflow.store.queries.worklist import Filters, Queue

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
    numbers = dashboard_numbers(rt.store, clock(), {"kepala_seksi"})
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
    from workflow.runtime import build_runtime
    from workflow.services.publish import publish

    rt = build_runtime(db=db_engine)
    rt.engine.now = lambda: MONDAY_9_WIB
    publish(rt.store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
    a = rt.engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS).ticket.id
    b = rt.engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS).ticket.id
    rt.engine.fire(a, "tolak", PETUGAS, {"alasan": "x"}, now=MONDAY_9_WIB + timedelta(hours=1))
    assert sweep_due_rungs(rt, now=SUNDAY_9_WIB) >= 1
    numbers = dashboard_numbers(rt.store, SUNDAY_9_WIB, {"kepala_seksi"})
    assert [(r["state"], r["n"]) for r in numbers["by_state"]] == [("diterima", 1)]
    clocks = {r["clock"]: r for r in numbers["clocks"]}
    assert clocks["penyelesaian"] == {"clock": "penyelesaian", "running": 1, "overdue": 0, "at_risk": 1}
    assert clocks["tanggapan_awal"]["overdue"] == 1
    assert {r["clock"]: (r["on_time"], r["stopped"]) for r in numbers["quarter"]} == \
        {"penyelesaian": (1, 1), "tanggapan_awal": (1, 1)}
    assert numbers["escalations_total"] == 1 and numbers["escalations"][0]["ticket_id"] == b



def test_escalations_waiting_are_found_from_the_open_flagged_tickets_in_chunks(db_engine, monkeypatch):
    """The escalations query starts from the open flagged tickets, a chunk of them per statement: split into
    chunks of one ticket, the count and the newest-first list are those of a single statement."""
    from sqlalchemy import update

    from tests.conftest import SOP
    from workflow.runtime import build_runtime
    from workflow.services.publish import publish
    from workflow.store import models as m

    rt = build_runtime(db=db_engine)
    rt.engine.now = lambda: MONDAY_9_WIB
    publish(rt.store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
    ids = [rt.engine.open("pengaduan-ptsp", walk_in_record(perihal=f"Kasus {i}"), PETUGAS,
                          now=MONDAY_9_WIB + timedelta(minutes=i)).ticket.id for i in range(4)]
    assert sweep_due_rungs(rt, now=SUNDAY_9_WIB) >= 4  # each triage is late: escalated to the kepala seksi
    rt.engine.fire(ids[0], "tolak", PETUGAS, {"alasan": "x"}, now=SUNDAY_9_WIB)  # closed: no longer waiting
    with db_engine.begin() as conn:  # flags cleared: no longer waiting
        conn.execute(update(m.tickets).where(m.tickets.c.id == ids[1]).values(flags=[]))

    whole = dashboard.escalations_waiting(rt.store, {"kepala_seksi"})
    monkeypatch.setattr(dashboard, "FLAGGED_CHUNK", 1)
    chunked = dashboard.escalations_waiting(rt.store, {"kepala_seksi"})
    newest = dashboard.escalations_waiting(rt.store, {"kepala_seksi"}, limit=1)
    elsewhere = dashboard.escalations_waiting(rt.store, {"kepala_bidang"})
    assert whole == chunked
    total, rows = whole
    assert total == 2
    assert [r["ticket_id"] for r in rows] == [ids[3], ids[2]]  # newest first
    assert newest == (2, rows[:1])
    assert elsewhere == (0, [])


def test_on_time_periods_count_each_period_as_on_time_alone(db_engine):
    """One pass over several periods (this month inside this quarter) gives each period's own counts."""
    from tests.conftest import SOP
    from workflow.runtime import build_runtime
    from workflow.services.publish import publish

    rt = build_runtime(db=db_engine)
    rt.engine.now = lambda: MONDAY_9_WIB
    publish(rt.store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
    late = rt.engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS).ticket.id
    early = rt.engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS).ticket.id
    rt.engine.fire(early, "tolak", PETUGAS, {"alasan": "x"}, now=MONDAY_9_WIB + timedelta(hours=1))  # 30 Nov
    rt.engine.fire(late, "tolak", PETUGAS, {"alasan": "x"}, now=SUNDAY_9_WIB)  # 6 Dec, triage 5 days late
    periods = {"month": period_bounds(SUNDAY_9_WIB, "month"), "quarter": period_bounds(SUNDAY_9_WIB, "quarter"),
               "november": period_bounds(MONDAY_9_WIB, "month")}
    together = dashboard.on_time_periods(rt.store, periods)
    alone = {name: dashboard.on_time_periods(rt.store, {name: bounds})[name] for name, bounds in periods.items()}
    key = lambda rows: sorted((r["clock"], r["stopped"], r["on_time"]) for r in rows)  # noqa: E731
    assert {name: key(rows) for name, rows in together.items()} == {name: key(rows) for name, rows in alone.items()}
    assert key(together["month"]) == [("penyelesaian", 1, 1), ("tanggapan_awal", 1, 0)]
    assert key(together["november"]) == [("penyelesaian", 1, 1), ("tanggapan_awal", 1, 1)]
    assert key(together["quarter"]) == [("penyelesaian", 2, 2), ("tanggapan_awal", 2, 1)]


# -- one at-risk rule: the dashboard, the queue filter and the ticket page agree ------------------------
NOW = MONDAY_9_WIB + timedelta(days=7)  # Monday 7 December 2026, 09:00 WIB; office hours 08:00-16:00, Mon-Fri


def open_deadline_mix(rt) -> dict[str, int]:
    """Tickets whose clocks are, at `NOW` (triage: 1 working day, resolution: 7 calendar days):

    late_triage:     opened Tuesday: resolution 86 % used (at risk), triage overdue since Wednesday;
    overdue_triage:  opened Thursday: triage overdue since Friday, resolution 57 %;
    triage_risk:     opened Friday 10:00: triage 7 of 8 office hours used (at risk);
    weekend:         opened Friday 15:00: triage 2 of 8 office hours used, though 92 % of the wall time
                     to its due time (Monday 15:00) has passed: not at risk;
    just_opened:     opened 08:30 today: triage due within 24 hours, 1/16 used: not at risk;
    paused:          opened Tuesday, waiting on the complainant since yesterday: paused, never at risk;
    rejected:        opened Tuesday and rejected: clocks stopped.
    """
    def opened(at, perihal):
        return rt.engine.open("pengaduan-ptsp", walk_in_record(perihal=perihal), PETUGAS, now=at).ticket.id

    mix = {"late_triage": opened(NOW - timedelta(days=6), "Enam hari"),
           "overdue_triage": opened(NOW - timedelta(days=4), "Empat hari"),
           "triage_risk": opened(NOW - timedelta(days=3, hours=-1), "Jumat pukul 10"),
           "weekend": opened(NOW - timedelta(days=2, hours=18), "Jumat pukul 15"),
           "just_opened": opened(NOW - timedelta(minutes=30), "Baru saja"),
           "paused": opened(NOW - timedelta(days=6), "Menunggu pemohon"),
           "rejected": opened(NOW - timedelta(days=6), "Ditolak")}
    rt.engine.fire(mix["paused"], "minta_kelengkapan", PETUGAS, {"kekurangan": "fotokopi KTP"},
                   now=NOW - timedelta(days=1))
    rt.engine.fire(mix["rejected"], "tolak", PETUGAS, {"alasan": "bukan pengaduan"}, now=NOW - timedelta(days=5))
    return mix


def test_dashboard_counts_and_the_queue_filter_agree_on_the_same_tickets(db_engine, monkeypatch):
    """On SQLite and PostgreSQL: the per-clock counts of the dashboard are the tickets the work queue's
    deadline filter lists and colours, and the ticket page marks the same clocks."""
    from admin.app import create_app
    from admin.console.common import clock_views, definition_for, list_tickets
    from tests.conftest import SOP
    from workflow.runtime import build_runtime
    from workflow.services.publish import publish

    monkeypatch.setenv("ALUR_SECRET_KEY", "dashboard-tests")
    monkeypatch.setenv("ALUR_IDENTITY_SALT", "dashboard-tests")
    rt = build_runtime(db=db_engine)
    rt.engine.now = lambda: NOW
    publish(rt.store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=NOW - timedelta(days=7))
    mix = open_deadline_mix(rt)
    name = {ticket_id: key for key, ticket_id in mix.items()}

    numbers = dashboard_numbers(rt.store, NOW, {"kepala_seksi"})
    clocks = {r["clock"]: r for r in numbers["clocks"]}
    assert clocks["penyelesaian"] == {"clock": "penyelesaian", "running": 5, "overdue": 0, "at_risk": 1}
    assert clocks["tanggapan_awal"] == {"clock": "tanggapan_awal", "running": 5, "overdue": 2, "at_risk": 1}

    app = create_app({"TESTING": True}, runtime=rt)
    with app.test_request_context("/admin/work/"):
        at_risk, _ = list_tickets(Queue(), Filters(deadline="at_risk"))
        overdue, _ = list_tickets(Queue(), Filters(deadline="overdue"))
        everything, _ = list_tickets(Queue(), Filters())
        definition = definition_for()
        pages = {key: {c.key: c for c in clock_views(definition, rt.engine.load(ticket_id), rt.calendar)}
                 for key, ticket_id in mix.items()}

    # the filter lists the tickets the dashboard counted, clock for clock
    assert sorted(name[r["id"]] for r in at_risk) == ["late_triage", "triage_risk"]
    assert len(at_risk) == sum(r["at_risk"] for r in numbers["clocks"])
    assert sorted(name[r["id"]] for r in overdue) == ["late_triage", "overdue_triage"]
    assert len(overdue) == sum(r["overdue"] for r in numbers["clocks"])
    # row colours: late outweighs at risk on the same ticket
    colours = {name[r["id"]]: ("late" if r["overdue"] else "risk" if r["at_risk"] else "") for r in everything}
    assert colours == {"late_triage": "late", "overdue_triage": "late", "triage_risk": "risk", "weekend": "",
                       "just_opened": "", "paused": ""}
    # the ticket page marks the same clock runs the dashboard counted
    marked = sorted((key, clock) for key, views in pages.items() for clock, v in views.items() if v.at_risk)
    assert marked == [("late_triage", "penyelesaian"), ("triage_risk", "tanggapan_awal")]
    late = sorted((key, clock) for key, views in pages.items() for clock, v in views.items() if v.overdue)
    assert late == [("late_triage", "tanggapan_awal"), ("overdue_triage", "tanggapan_awal")]
    assert {v.status for v in pages["paused"].values()} == {"paused"}  # paused: never at risk ...
    # ... nor overdue, though its triage was late when the office began waiting: the page says by how much
    assert pages["paused"]["tanggapan_awal"].left_net.startswith("terlambat ")


def test_the_dashboard_links_its_counts_to_the_queue_that_lists_the_same_tickets(client, rt, clock):
    mix = open_deadline_mix(rt)
    clock.moment = NOW
    login(client, "kasi")
    doc = page(client)
    assert cell(doc, "//tr[@data-clock='tanggapan_awal']", "at-risk") == "1"
    assert cell(doc, "//tr[@data-clock='penyelesaian']", "at-risk") == "1"
    [link] = doc.xpath("//tr[@data-clock='tanggapan_awal']//td[contains(@class,'at-risk')]//a")
    assert "deadline=at_risk" in link.get("href")

    queue = page(client, link.get("href"))
    listed = {a.text_content().strip() for a in queue.xpath("//table[@id='queue']//tbody/tr/td[1]/a")}
    receipts = {key: rt.engine.load(ticket_id).receipt_no for key, ticket_id in mix.items()}
    assert listed == {receipts["late_triage"], receipts["triage_risk"]}
    assert "80%" in queue.xpath("//select[@id='f-deadline']/option[@value='at_risk']")[0].text_content()

    ticket = page(client, f"/admin/work/ticket/{mix['triage_risk']}")
    assert len(ticket.xpath("//table[@id='clocks']//span[contains(@class,'alur-at-risk')]")) == 1
    paused = page(client, f"/admin/work/ticket/{mix['paused']}")
    assert not paused.xpath("//table[@id='clocks']//span[contains(@class,'alur-at-risk')]")
