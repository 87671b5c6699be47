"""Roles come from the published definitions (workflow.core.roles, workflow.services.users, staffing): any
declared role can be given, supervisor levels are the definitions' own, every account change is audited,
nobody changes their own rights, a supervisor role is refused where identities may not be granted, and a
definition nobody can act for is warned about."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from tests.conftest import MONDAY_9_WIB, ROOT, memory_runtime
from workflow.core.roles import RoleDirectory
from workflow.errors import AuthError
from workflow.services import users
from workflow.services.agencies import import_agencies
from workflow.services.publish import publish
from workflow.services.roles import role_directory
from workflow.services.staffing import staffing_warnings
from workflow.spec.loader import load_definition_file
from workflow.store.memory import MemoryStore

EXAMPLES = ROOT / "definitions" / "examples"
SLEMAN = EXAMPLES / "pengaduan-perizinan-sleman.yaml"
PASSWORD = "kata-sandi-uji-peran"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def rt():
    """The shipped SOP and the Sleman example published side by side, with Sleman's agencies."""
    runtime = memory_runtime()
    import_agencies(runtime, EXAMPLES / "agencies-sleman.yaml", actor_id="kasi", now=MONDAY_9_WIB)
    publish(runtime.store, SLEMAN.read_text(encoding="utf-8"), file=str(SLEMAN), actor_id="kasi", now=MONDAY_9_WIB,
            catalogs=runtime.catalogs)
    return runtime


def add(rt, name, roles, **kwargs):
    return users.create_user(rt.store, name, PASSWORD, roles, catalogs=rt.catalogs, directory=role_directory(rt),
                             actor_id="admin", **kwargs)


def test_every_role_a_published_definition_declares_can_be_given_with_its_label(rt):
    directory = role_directory(rt)
    assert {"petugas_loket", "analis_perizinan", "verifikator_lapangan", "petugas", "tim"} <= set(directory.roles)
    assert "pemohon" not in directory.roles and "system" not in directory.roles  # the engine's, nobody's
    assert directory.label("verifikator_lapangan") == "Verifikator Lapangan"
    created = add(rt, "rina", ["verifikator_lapangan"])
    assert created.roles == ("verifikator_lapangan",)
    with pytest.raises(AuthError, match="unknown role.*verifikator_lapngan"):
        add(rt, "budi", ["verifikator_lapngan"])


def test_supervisor_levels_are_the_definitions_not_names_in_code(rt):
    directory = role_directory(rt)
    assert directory.levels() == (1, 2, 3)
    assert set(directory.at_level(1)) == {"kepala_seksi", "kasi_pengaduan"}
    # the console's supervisor of level 1 acts as level 1 in both SOPs; holding a role gives its level
    assert {"kepala_seksi", "kasi_pengaduan"} <= directory.actor_roles(["supervisor"], 1)
    assert directory.level_of(["kabid_pelayanan"]) == 2 and directory.position(["kabid_pelayanan"]) == "kabid_pelayanan"
    with pytest.raises(AuthError, match="level the definitions declare"):
        add(rt, "kadis", ["supervisor"], supervisor_level=7)


def test_without_a_published_definition_only_the_consoles_roles_can_be_given():
    store = MemoryStore()
    users.create_user(store, "admin", PASSWORD, ["admin"])
    with pytest.raises(AuthError, match="once it is published"):
        users.create_user(store, "petugas", PASSWORD, ["petugas"])


def test_liaisons_belong_to_any_agency_of_the_office_catalog(rt):
    assert add(rt, "dlh", ["opd_liaison"], opd="dlh_sleman").opd == "dlh_sleman"
    with pytest.raises(AuthError, match="unknown OPD 'dlh_slemann'.*alur agencies add"):
        add(rt, "dlh2", ["opd_liaison"], opd="dlh_slemann")


def test_every_account_change_is_audited_with_its_author_and_never_the_password(rt):
    add(rt, "rina", ["petugas_loket"])
    users.change_user(rt.store, "rina", roles=["analis_perizinan"], actor_id="admin", directory=role_directory(rt))
    users.set_active(rt.store, "rina", False, actor_id="admin")
    users.set_password(rt.store, "rina", "sandi-baru-yang-lain", actor_id="admin")
    rows = [r for r in rt.store.audit_rows() if r["kind"] == "user"]
    assert [(r["actor_id"], r["detail"]["change"]) for r in rows] == [
        ("admin", "created"), ("admin", "rights"), ("admin", "disabled"), ("admin", "password")]
    assert rows[1]["detail"]["before"]["roles"] == ["petugas_loket"]
    assert rows[1]["detail"]["after"]["roles"] == ["analis_perizinan"]
    assert PASSWORD not in str(rows) and "sandi-baru" not in str(rows)


def test_nobody_changes_their_own_rights(rt):
    add(rt, "adm2", ["admin"])
    with pytest.raises(AuthError, match="your own roles"):
        users.change_user(rt.store, "adm2", roles=["admin", "auditor"], actor_id="adm2")
    users.change_user(rt.store, "adm2", roles=["admin"], display_name="Admin Dua", actor_id="adm2")  # the rest may


def test_a_supervisor_role_is_refused_where_identities_may_not_be_granted(rt):
    """The web console passes grant_identity=False: neither the console's supervisor nor a definition's
    supervisor role can be given there, on creation or by a change; taking one away can."""
    directory = role_directory(rt)
    for roles, level in ((["supervisor"], 1), (["kasi_pengaduan"], None)):
        with pytest.raises(AuthError, match="alur users"):
            users.create_user(rt.store, "baru", PASSWORD, roles, supervisor_level=level, directory=directory,
                              grant_identity=False)
    add(rt, "analis", ["analis_perizinan"])
    with pytest.raises(AuthError, match="alur users"):
        users.change_user(rt.store, "analis", roles=["analis_perizinan", "kabid_pelayanan"], actor_id="admin",
                          directory=directory, grant_identity=False)
    add(rt, "kasi", ["kasi_pengaduan"])
    users.change_user(rt.store, "kasi", roles=["analis_perizinan"], actor_id="admin", directory=directory,
                      grant_identity=False)
    assert users.get_user_by_name(rt.store, "kasi").roles == ("analis_perizinan",)


def test_a_definition_nobody_can_act_for_is_warned_about_not_refused(rt):
    sleman = load_definition_file(SLEMAN, rt.catalogs)
    codes = {w.code for w in staffing_warnings(rt.store, sleman, rt.catalogs) if w.kind == "role"}
    assert {"petugas_loket", "analis_perizinan", "kasi_pengaduan"} <= codes
    add(rt, "rina", ["petugas_loket"])
    add(rt, "kasi", ["supervisor"], supervisor_level=1)  # the console's supervisor: level 1 of every SOP
    codes = {w.code for w in staffing_warnings(rt.store, sleman, rt.catalogs) if w.kind == "role"}
    assert "petugas_loket" not in codes and "kasi_pengaduan" not in codes and "analis_perizinan" in codes
    users.set_active(rt.store, "rina", False)
    assert "petugas_loket" in {w.code for w in staffing_warnings(rt.store, sleman, rt.catalogs)}


def test_the_directory_reads_only_the_structure_of_published_versions():
    """A version published against agencies the office has since renamed still names its roles."""
    directory = RoleDirectory.from_definitions([load_definition_file(ROOT / "definitions" / "pengaduan-ptsp.yaml")])
    assert directory.roles["petugas"].intake and not directory.roles["tim"].intake
    assert directory.assignable()[:3] == ("admin", "supervisor", "auditor")
