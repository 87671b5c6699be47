"""The port's office repositories on every store: the office profile with its logo (uow.office) and the
agencies the office adds to its catalog (uow.agencies)."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from workflow.store.port_office import AgencyRecord, Logo

from .test_port_contract import NOW

CAMAT = AgencyRecord("camat_cikupa", "Camat Cikupa", "admin", NOW, label_en="Cikupa district head", kind="camat",
                     email="camat@example.id")


def test_the_profile_is_absent_until_set_and_then_stored_whole(port_store):
    with port_store.unit_of_work(read_only=True) as uow:
        assert uow.office.get() is None and uow.office.logo() is None
    with port_store.unit_of_work() as uow:
        uow.office.put({"name": "Dinas X", "phones": ["(0254) 1"], "hours": "senin-jumat 08:00-16:00"}, NOW, "kasi")
        uow.commit()
    with port_store.unit_of_work(read_only=True) as uow:
        stored = uow.office.get()
    assert stored.data == {"name": "Dinas X", "phones": ["(0254) 1"], "hours": "senin-jumat 08:00-16:00"}
    assert stored.updated_by == "kasi" and stored.updated_at == NOW and stored.logo_type is None


def test_the_logo_is_kept_beside_the_profile_and_survives_a_profile_change(port_store):
    logo = Logo(b"\x89PNG\r\n\x1a\n" + b"x" * 100, "image/png", "a" * 64)
    with port_store.unit_of_work() as uow:
        uow.office.set_logo(logo, NOW, "kasi")  # before any profile: the row is made
        uow.commit()
    with port_store.unit_of_work() as uow:
        uow.office.put({"name": "Dinas Y"}, NOW + timedelta(hours=1), "kabid")
        uow.commit()
    with port_store.unit_of_work(read_only=True) as uow:
        assert uow.office.logo() == logo
        assert uow.office.get().logo_type == "image/png" and uow.office.get().data == {"name": "Dinas Y"}
    with port_store.unit_of_work() as uow:
        uow.office.set_logo(None, NOW + timedelta(hours=2), "kasi")
        uow.commit()
    with port_store.unit_of_work(read_only=True) as uow:
        assert uow.office.logo() is None and uow.office.get().data == {"name": "Dinas Y"}


def test_an_agency_is_added_once_and_replaced_keeping_who_added_it(port_store):
    with port_store.unit_of_work() as uow:
        assert uow.agencies.put(CAMAT) is True
        assert uow.agencies.put(replace(CAMAT, label="Camat Cikupa (baru)", created_by="kabid",
                                        updated_at=NOW + timedelta(hours=1), active=False)) is False
        uow.commit()
    with port_store.unit_of_work(read_only=True) as uow:
        found = uow.agencies.get("camat_cikupa")
        assert found == replace(CAMAT, label="Camat Cikupa (baru)", active=False, updated_at=NOW + timedelta(hours=1))
        assert uow.agencies.get("nobody") is None
        assert [a.code for a in uow.agencies.all()] == ["camat_cikupa"]


def test_the_stamp_changes_with_every_edit_and_not_otherwise(port_store):
    with port_store.unit_of_work(read_only=True) as uow:
        empty = uow.office.stamp()
    with port_store.unit_of_work() as uow:
        uow.office.put({"name": "A"}, NOW, "kasi")
        uow.commit()
    with port_store.unit_of_work(read_only=True) as uow:
        profiled = uow.office.stamp()
        assert uow.office.stamp() == profiled != empty
    with port_store.unit_of_work() as uow:
        uow.agencies.put(CAMAT)
        uow.commit()
    with port_store.unit_of_work(read_only=True) as uow:
        assert uow.office.stamp() != profiled


def test_nothing_is_kept_without_commit(port_store):
    with port_store.unit_of_work() as uow:
        uow.office.put({"name": "A"}, NOW, "kasi")
        uow.agencies.put(CAMAT)
    with port_store.unit_of_work(read_only=True) as uow:
        assert uow.office.get() is None and uow.agencies.all() == []
