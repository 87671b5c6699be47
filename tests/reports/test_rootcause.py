"""Root causes and action plans as records, and the report's check whether last period's plans worked."""
from __future__ import annotations

from datetime import date

import pytest

from workflow.errors import InvalidInput, TicketNotFound
from workflow.reports import build_report, render
from workflow.services.rootcause import (
    PlanStatus,
    RootCauseNotFound,
    add_action_plan,
    create_root_cause,
    get_root_cause,
    link_complaints,
    set_plan_status,
    unlink_complaint,
)
from workflow.store.queries.rootcause import list_action_plans, list_root_causes

from ..conftest import memory_runtime
from .conftest import docx_tables, open_ticket, wib


@pytest.fixture
def two_quarters(store, engine, actors):
    """Q1 2026: two SIPEKA outages and one OPD delay; Q2 2026: the outage comes back, the delay does not."""
    q1 = [open_ticket(engine, actors, wib(2026, 2, d, 9, 0), nama=f"Q1-{d}") for d in (2, 3, 4)]
    q2 = [open_ticket(engine, actors, wib(2026, 5, 4, 9, 0), nama="Q2-1")]
    sipeka = create_root_cause(store, code="SIPEKA_DOWN", title="Gangguan / maintenance server SIPEKA",
                               description="Server SIPEKA tidak stabil", actor_id="kasi1", now=wib(2026, 4, 1, 8, 0))
    opd = create_root_cause(store, code="OPD_LAPANGAN", title="Peninjauan lapangan OPD terlambat",
                            actor_id="kasi1", now=wib(2026, 4, 1, 8, 0))
    assert link_complaints(store, sipeka, [q1[0].receipt_no, q1[1].id], actor_id="kasi1") == 2
    assert link_complaints(store, sipeka, [q1[0].id], actor_id="kasi1") == 0  # already linked: harmless
    link_complaints(store, opd, [q1[2].receipt_no], actor_id="kasi1")
    link_complaints(store, sipeka, [q2[0].receipt_no], actor_id="kasi1")
    add_action_plan(store, root_cause_id=sipeka, period="2026-q1", title="Maintenance server terjadwal di luar jam "
                    "layanan", owner="Diskominfo", due_date=date(2026, 4, 30), actor_id="kasi1")
    add_action_plan(store, root_cause_id=opd, period="2026-Q1", title="Jadwal peninjauan lapangan mingguan",
                    owner="Dinas ESDM", due_date=date(2026, 5, 15), actor_id="kasi1")
    add_action_plan(store, root_cause_id=sipeka, period="2026-Q2", title="Server cadangan SIPEKA",
                    owner="Diskominfo", due_date=None, actor_id="kasi1")
    return {"sipeka": sipeka, "opd": opd, "q1": q1, "q2": q2}


def test_root_causes_and_plans_are_records_with_an_audit_trail(engine, two_quarters, store):
    causes = {c.code: c for c in list_root_causes(store)}
    assert causes["SIPEKA_DOWN"].complaints == 3 and causes["OPD_LAPANGAN"].complaints == 1
    plans = list_action_plans(store, "2026-Q1")
    assert [(p.root_cause_code, p.owner, p.status) for p in plans] == [
        ("OPD_LAPANGAN", "Dinas ESDM", "direncanakan"), ("SIPEKA_DOWN", "Diskominfo", "direncanakan")]
    set_plan_status(store, plans[0].id, "selesai", actor_id="kasi1")
    assert list_action_plans(store, "2026-Q1")[0].status == "selesai"
    actions = [row["detail"].get("action") for row in store.audit_rows(kind="system")]
    assert actions.count("root_cause.create") == 2 and "action_plan.status" in actions
    assert unlink_complaint(store, two_quarters["opd"], two_quarters["q1"][2].id, actor_id="kasi1")
    assert {c.code: c.complaints for c in list_root_causes(store)}["OPD_LAPANGAN"] == 0


def test_bad_root_cause_input_is_refused_with_what_to_fix(store, engine, two_quarters):
    with pytest.raises(InvalidInput) as caught:
        create_root_cause(store, code="SIPEKA_DOWN", title="lagi", actor_id="kasi1")
    assert "sudah dipakai" in caught.value.errors["code"]
    with pytest.raises(InvalidInput) as caught:
        add_action_plan(store, root_cause_id=two_quarters["sipeka"], period="kuartal satu", title="x", owner="",
                        due_date=None, actor_id="kasi1")
    assert set(caught.value.errors) == {"period", "owner"}
    with pytest.raises(TicketNotFound, match="ADU-2099-000001"):
        link_complaints(store, two_quarters["sipeka"], ["ADU-2099-000001"], actor_id="kasi1")


def test_report_lists_root_causes_and_says_whether_last_periods_complaints_came_back(store, engine, two_quarters):
    q1 = build_report(store, "2026-Q1", catalogs=engine.catalogs, calendar=engine.calendar)
    assert [(c.code, c.count) for c in q1.root_causes] == [("SIPEKA_DOWN", 2), ("OPD_LAPANGAN", 1)]
    assert len(q1.action_plans) == 2 and q1.previous_action_plans == ()

    q2 = build_report(store, "2026-Q2", catalogs=engine.catalogs, calendar=engine.calendar)
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


# -- the use cases' rules, on the in-memory store ----------------------------------------------------
@pytest.fixture
def office(actors):
    """A runtime on the memory store with two complaints filed."""
    rt = memory_runtime()
    tickets = [open_ticket(rt.engine, actors, wib(2026, 2, d, 9, 0), nama=f"Q1-{d}") for d in (2, 3)]
    return rt, tickets


def system_actions(store) -> list[str]:
    return [row["detail"]["action"] for row in store.audit_rows(kind="system")]


def test_a_root_cause_is_created_once_per_code_and_audited(office):
    rt, _ = office
    new_id = create_root_cause(rt.store, code=" SIPEKA_DOWN ", title=" Server SIPEKA ", actor_id="kasi1")
    assert get_root_cause(rt.store, "SIPEKA_DOWN").id == new_id
    assert get_root_cause(rt.store, new_id).title == "Server SIPEKA"
    with pytest.raises(InvalidInput) as caught:
        create_root_cause(rt.store, code="SIPEKA_DOWN", title="lagi", actor_id="kasi1")
    assert "sudah dipakai" in caught.value.errors["code"]
    with pytest.raises(InvalidInput) as caught:
        create_root_cause(rt.store, code="bukan kode!", title="", actor_id="kasi1")
    assert set(caught.value.errors) == {"code", "title"}
    with pytest.raises(RootCauseNotFound, match="NONE"):
        get_root_cause(rt.store, "NONE")
    assert system_actions(rt.store) == ["root_cause.create"]


def test_linking_names_every_missing_complaint_and_links_nothing_then(office):
    rt, (one, two) = office
    cause = create_root_cause(rt.store, code="SIPEKA_DOWN", title="Server SIPEKA", actor_id="kasi1")
    with pytest.raises(TicketNotFound, match="ADU-2099-000001, ADU-2099-000002"):
        link_complaints(rt.store, cause, [one.receipt_no, "ADU-2099-000001", "ADU-2099-000002"], actor_id="kasi1")
    with pytest.raises(TicketNotFound, match="id 999 tidak ada"):
        link_complaints(rt.store, cause, [one.id, "999"], actor_id="kasi1")
    with pytest.raises(RootCauseNotFound):
        link_complaints(rt.store, cause + 1, [one.id], actor_id="kasi1")
    assert link_complaints(rt.store, cause, [" ", ""], actor_id="kasi1") == 0
    assert link_complaints(rt.store, cause, [one.receipt_no, str(two.id), one.id], actor_id="kasi1") == 2
    assert link_complaints(rt.store, cause, [two.receipt_no], actor_id="kasi1") == 0  # already linked
    assert unlink_complaint(rt.store, cause, one.id, actor_id="kasi1") is True
    assert unlink_complaint(rt.store, cause, one.id, actor_id="kasi1") is False
    links = [row["detail"] for row in rt.store.audit_rows(kind="system")
             if row["detail"]["action"] == "root_cause.link"]
    assert [d["tickets"] for d in links] == [[one.id, two.id]]
    assert system_actions(rt.store) == ["root_cause.create", "root_cause.link", "root_cause.unlink"]


def test_an_action_plan_is_kept_under_its_periods_canonical_key(office):
    rt, _ = office
    cause = create_root_cause(rt.store, code="SIPEKA_DOWN", title="Server SIPEKA", actor_id="kasi1")
    plan = add_action_plan(rt.store, root_cause_id=cause, period="2026-q1", title=" Server cadangan ",
                           owner=" Diskominfo ", due_date=date(2026, 4, 30), actor_id="kasi1")
    [created] = [row["detail"] for row in rt.store.audit_rows(kind="system")
                 if row["detail"]["action"] == "action_plan.create"]
    assert (created["action_plan_id"], created["period"], created["owner"]) == (plan, "2026-Q1", "Diskominfo")
    with pytest.raises(InvalidInput) as caught:
        add_action_plan(rt.store, root_cause_id=cause, period="2026-Q1", title=" ", owner="x", due_date=None,
                        actor_id="kasi1", status="tertunda")
    assert set(caught.value.errors) == {"title", "status"}
    with pytest.raises(RootCauseNotFound):
        add_action_plan(rt.store, root_cause_id=cause + 1, period="2026-Q1", title="x", owner="x", due_date=None,
                        actor_id="kasi1")
    set_plan_status(rt.store, plan, PlanStatus.BERJALAN, actor_id="kasi1")
    with pytest.raises(InvalidInput):
        set_plan_status(rt.store, plan, "tertunda", actor_id="kasi1")
    with pytest.raises(RootCauseNotFound, match="rencana"):
        set_plan_status(rt.store, plan + 1, "selesai", actor_id="kasi1")
    assert system_actions(rt.store) == ["root_cause.create", "action_plan.create", "action_plan.status"]
