"""Root causes and action plans as records, and the report's check whether last period's plans worked."""
from __future__ import annotations

from datetime import date

import pytest

from workflow.errors import InvalidInput, TicketNotFound
from workflow.reports import build_report, render
from workflow.services.rootcause import (add_action_plan, create_root_cause, link_complaints, list_action_plans,
                                list_root_causes, set_plan_status, unlink_complaint)

from .conftest import docx_tables, open_ticket, wib


@pytest.fixture
def two_quarters(db_engine, engine, actors):
    """Q1 2026: two SIPEKA outages and one OPD delay; Q2 2026: the outage comes back, the delay does not."""
    q1 = [open_ticket(engine, actors, wib(2026, 2, d, 9, 0), nama=f"Q1-{d}") for d in (2, 3, 4)]
    q2 = [open_ticket(engine, actors, wib(2026, 5, 4, 9, 0), nama="Q2-1")]
    sipeka = create_root_cause(db_engine, code="SIPEKA_DOWN", title="Gangguan / maintenance server SIPEKA",
                               description="Server SIPEKA tidak stabil", actor_id="kasi1", now=wib(2026, 4, 1, 8, 0))
    opd = create_root_cause(db_engine, code="OPD_LAPANGAN", title="Peninjauan lapangan OPD terlambat",
                            actor_id="kasi1", now=wib(2026, 4, 1, 8, 0))
    assert link_complaints(db_engine, sipeka, [q1[0].receipt_no, q1[1].id], actor_id="kasi1") == 2
    assert link_complaints(db_engine, sipeka, [q1[0].id], actor_id="kasi1") == 0  # already linked: harmless
    link_complaints(db_engine, opd, [q1[2].receipt_no], actor_id="kasi1")
    link_complaints(db_engine, sipeka, [q2[0].receipt_no], actor_id="kasi1")
    add_action_plan(db_engine, root_cause_id=sipeka, period="2026-q1", title="Maintenance server terjadwal di luar jam "
                    "layanan", owner="Diskominfo", due_date=date(2026, 4, 30), actor_id="kasi1")
    add_action_plan(db_engine, root_cause_id=opd, period="2026-Q1", title="Jadwal peninjauan lapangan mingguan",
                    owner="Dinas ESDM", due_date=date(2026, 5, 15), actor_id="kasi1")
    add_action_plan(db_engine, root_cause_id=sipeka, period="2026-Q2", title="Server cadangan SIPEKA",
                    owner="Diskominfo", due_date=None, actor_id="kasi1")
    return {"sipeka": sipeka, "opd": opd, "q1": q1, "q2": q2}


def test_root_causes_and_plans_are_records_with_an_audit_trail(db_engine, engine, two_quarters, store):
    causes = {c.code: c for c in list_root_causes(db_engine)}
    assert causes["SIPEKA_DOWN"].complaints == 3 and causes["OPD_LAPANGAN"].complaints == 1
    plans = list_action_plans(db_engine, "2026-Q1")
    assert [(p.root_cause_code, p.owner, p.status) for p in plans] == [
        ("OPD_LAPANGAN", "Dinas ESDM", "direncanakan"), ("SIPEKA_DOWN", "Diskominfo", "direncanakan")]
    set_plan_status(db_engine, plans[0].id, "selesai", actor_id="kasi1")
    assert list_action_plans(db_engine, "2026-Q1")[0].status == "selesai"
    actions = [row["detail"].get("action") for row in store.audit_rows(kind="system")]
    assert actions.count("root_cause.create") == 2 and "action_plan.status" in actions
    assert unlink_complaint(db_engine, two_quarters["opd"], two_quarters["q1"][2].id, actor_id="kasi1")
    assert {c.code: c.complaints for c in list_root_causes(db_engine)}["OPD_LAPANGAN"] == 0


def test_bad_root_cause_input_is_refused_with_what_to_fix(db_engine, engine, two_quarters):
    with pytest.raises(InvalidInput) as caught:
        create_root_cause(db_engine, code="SIPEKA_DOWN", title="lagi", actor_id="kasi1")
    assert "sudah dipakai" in caught.value.errors["code"]
    with pytest.raises(InvalidInput) as caught:
        add_action_plan(db_engine, root_cause_id=two_quarters["sipeka"], period="kuartal satu", title="x", owner="",
                        due_date=None, actor_id="kasi1")
    assert set(caught.value.errors) == {"period", "owner"}
    with pytest.raises(TicketNotFound, match="ADU-2099-000001"):
        link_complaints(db_engine, two_quarters["sipeka"], ["ADU-2099-000001"], actor_id="kasi1")


def test_report_lists_root_causes_and_says_whether_last_periods_complaints_came_back(db_engine, engine, two_quarters):
    q1 = build_report(db_engine, "2026-Q1", catalogs=engine.catalogs, calendar=engine.calendar)
    assert [(c.code, c.count) for c in q1.root_causes] == [("SIPEKA_DOWN", 2), ("OPD_LAPANGAN", 1)]
    assert len(q1.action_plans) == 2 and q1.previous_action_plans == ()

    q2 = build_report(db_engine, "2026-Q2", catalogs=engine.catalogs, calendar=engine.calendar)
    assert [(c.code, c.count) for c in q2.root_causes] == [("SIPEKA_DOWN", 1)]
    assert [p.title for p in q2.action_plans] == ["Server cadangan SIPEKA"]
    came_back = {p.root_cause_code: (p.recurred, p.recurrence_text) for p in q2.previous_action_plans}
    assert came_back == {"SIPEKA_DOWN": (1, "Ya, 1 pengaduan"), "OPD_LAPANGAN": (0, "Tidak")}
    tables = docx_tables(render(q2, "docx"))
    previous = tables["Tabel 5.2 Tindak lanjut periode sebelumnya (Triwulan I Tahun 2026)"]
    assert previous[0][-1] == "Pengaduan berulang periode ini"
    assert {row[1]: row[-1] for row in previous[1:]} == {"Gangguan / maintenance server SIPEKA": "Ya, 1 pengaduan",
                                                         "Peninjauan lapangan OPD terlambat": "Tidak"}
    assert tables["Tabel 5.1 Rencana tindak lanjut"][1][3:5] == ["Diskominfo", "-"]
    assert tables["Tabel 4.4 Akar masalah pengaduan"][1][1:3] == ["SIPEKA_DOWN", "Gangguan / maintenance server SIPEKA"]
