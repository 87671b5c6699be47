"""The port's root cause repository on every store, and the ticket lookups the root cause and migration
services use (tickets by id or receipt number; open tickets of a definition on other versions)."""
from __future__ import annotations

from datetime import date

from workflow.core.ticket import Change
from workflow.store.port import ActionPlanRecord, RootCauseRecord

from .test_port_contract import NOW, new_ticket, opened


def test_a_root_cause_code_is_unique_and_found_by_id_or_code(port_store):
    with port_store.unit_of_work() as uow:
        new_id = uow.root_causes.add(RootCauseRecord("SIPEKA_DOWN", "Server SIPEKA", "", "kasi1", NOW))
        assert uow.root_causes.add(RootCauseRecord("SIPEKA_DOWN", "lagi", "", "kasi1", NOW)) is None
        other = uow.root_causes.add(RootCauseRecord("OPD", "OPD terlambat", "x", "kasi1", NOW))
        uow.commit()  # the refused duplicate did not spoil the unit of work
    with port_store.unit_of_work() as uow:
        assert uow.root_causes.get(new_id) == RootCauseRecord("SIPEKA_DOWN", "Server SIPEKA", "", "kasi1", NOW, new_id)
        assert uow.root_causes.get("OPD").id == other
        assert uow.root_causes.get(999) is None and uow.root_causes.get("NONE") is None


def test_links_are_counted_once_per_pair(port_store):
    one, two = opened(port_store, "ADU-2026-000001"), opened(port_store, "ADU-2026-000002")
    with port_store.unit_of_work() as uow:
        cause = uow.root_causes.add(RootCauseRecord("SIPEKA_DOWN", "Server SIPEKA", "", "kasi1", NOW))
        assert uow.root_causes.link(cause, [one.id, two.id], "kasi1", NOW) == 2
        assert uow.root_causes.link(cause, [one.id], "kasi1", NOW) == 0
        assert uow.root_causes.link(cause, [], "kasi1", NOW) == 0
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert uow.root_causes.unlink(cause, one.id) is True
        assert uow.root_causes.unlink(cause, one.id) is False
        assert uow.root_causes.link(cause, [one.id, two.id], "kasi1", NOW) == 1


def test_action_plans_are_stored_and_change_status(port_store):
    with port_store.unit_of_work() as uow:
        cause = uow.root_causes.add(RootCauseRecord("SIPEKA_DOWN", "Server SIPEKA", "", "kasi1", NOW))
        plan = uow.root_causes.add_plan(ActionPlanRecord(cause, "2026-Q1", "Server cadangan", "Diskominfo",
                                                         date(2026, 4, 30), "direncanakan", "kasi1", NOW))
        assert uow.root_causes.set_plan_status(plan, "selesai") is True
        assert uow.root_causes.set_plan_status(plan + 1, "selesai") is False
        uow.commit()


def test_tickets_are_found_by_id_or_receipt_number(port_store):
    one, two = opened(port_store, "ADU-2026-000001"), opened(port_store, "ADU-2026-000002")
    with port_store.unit_of_work() as uow:
        assert [t.id for t in uow.tickets.refs(ids=[two.id, 999], receipts=["ADU-2026-000001", "ADU-1999-000001"])] \
            == [one.id, two.id]
        assert uow.tickets.refs() == []
        assert [t.receipt_no for t in uow.tickets.refs(receipts=["ADU-2026-000002"])] == ["ADU-2026-000002"]


def test_open_tickets_on_other_versions_are_migration_candidates(port_store):
    on_v1 = opened(port_store, "ADU-2026-000001")
    on_v2 = new_ticket("ADU-2026-000002")
    on_v2.definition_version = 2
    closed = new_ticket("ADU-2026-000003")
    closed.closed_at, closed.state = NOW, "selesai"
    other_key = new_ticket("ADU-2026-000004")
    other_key.definition_key = "lain"
    with port_store.unit_of_work() as uow:
        for ticket in (on_v2, closed, other_key):
            uow.tickets.save(Change(ticket, None, []))
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert [t.receipt_no for t in uow.tickets.open_on("sop", not_version=3)] == ["ADU-2026-000001",
                                                                                     "ADU-2026-000002"]
        assert [t.id for t in uow.tickets.open_on("sop", not_version=2)] == [on_v1.id]
        assert [t.definition_version for t in uow.tickets.open_on("sop", not_version=3, version=2)] == [2]
        assert [t.state for t in uow.tickets.open_on("sop", not_version=3, version=1)] == ["diterima"]
