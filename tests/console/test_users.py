"""User administration in the console (admin/console/users.py): the admin lists accounts, creates one,
changes roles, supervisor level and OPD, disables and enables, and resets passwords, all through
workflow.services.users and with the rules of ``alur users``. No page shows a password hash."""
from __future__ import annotations

import pytest

from tests.console.conftest import PASSWORD, csrf_from, login
from workflow.services.users import authenticate, get_user_by_name

NEW = {"username": "Petugas2", "display_name": "Petugas Dua", "roles": "petugas", "locale": "id",
       "password": "kata-sandi-baru-1"}


@pytest.fixture
def admin(app):
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    return client


def post(client, url: str, data: dict, page: str | None = None):
    token = csrf_from(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def user_id(rt, username: str) -> int:
    return get_user_by_name(rt.store, username).id


def test_the_users_page_speaks_indonesian_and_english_and_never_shows_a_hash(admin):
    page = admin.get("/admin/users/").get_data(as_text=True)
    assert "Buat pengguna" in page and "Create" not in page
    assert "petugas" in page and "password_hash" not in page and "$argon2" not in page
    admin.get("/locale/en")
    page = admin.get("/admin/users/").get_data(as_text=True)
    assert "Create user" in page and "Users" in page
    edit = admin.get("/admin/users/1").get_data(as_text=True)
    assert "$argon2" not in edit and "Reset password" in edit


def test_an_admin_creates_a_user_who_can_sign_in(app, admin, rt):
    assert post(admin, "/admin/users/new", NEW).status_code == 302
    created = get_user_by_name(rt.store, "petugas2")  # usernames are lower-cased
    assert (created.display_name, created.roles, created.active) == ("Petugas Dua", ("petugas",), True)
    assert login(app.test_client(), "petugas2", "kata-sandi-baru-1").status_code == 302


@pytest.mark.parametrize("change, words", [
    ({"roles": "supervisor"}, "--level"),                       # a supervisor needs a level
    ({"roles": "opd_liaison"}, "--opd"),                        # a liaison needs an OPD
    ({"roles": "petugas", "opd": "dinas_esdm"}, "--opd"),       # only a liaison has one
    ({"roles": "petugas", "supervisor_level": "7"}, "Tingkat pimpinan"),
    ({"password": "pendek"}, "minimal 12 karakter"),
    ({"password": "password1234"}, "terlalu umum"),
    ({"password": ""}, "Kata sandi wajib diisi"),
    ({"username": "petugas"}, "already exists"),
])
def test_a_new_user_that_breaks_a_rule_is_refused_with_the_reason_and_the_form_kept(admin, rt, change, words):
    form = {**NEW, **change}
    response = post(admin, "/admin/users/new", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and words in page
    assert f'value="{form["display_name"]}"' in page
    if change.get("username") != "petugas":
        assert get_user_by_name(rt.store, "petugas2") is None


def test_an_admin_changes_roles_and_opd_but_grants_no_supervisor_role(admin, rt):
    """Roles of the published definitions are offered with their labels; a supervisor role (which shows
    rahasia complainants) is refused here and named as a job for the server's command line."""
    target = user_id(rt, "petugas")
    url = f"/admin/users/{target}"
    form = admin.get(url).get_data(as_text=True)
    assert 'value="kepala_bidang"' in form and "Kepala Bidang Pelayanan" in form and 'value="tim"' in form
    assert post(admin, url, {"roles": "tim", "display_name": "Tim Baru", "locale": "en"}).status_code == 302
    changed = get_user_by_name(rt.store, "petugas")
    assert (changed.roles, changed.display_name, changed.locale) == (("tim",), "Tim Baru", "en")
    for asked in ({"roles": "supervisor", "supervisor_level": "2"}, {"roles": "kepala_bidang"}):
        refused = post(admin, url, asked)
        assert refused.status_code == 422 and "alur users" in refused.get_data(as_text=True)
        assert get_user_by_name(rt.store, "petugas").roles == ("tim",)
    assert post(admin, url, {"roles": "opd_liaison", "opd": "dinas_pupr"}).status_code == 302
    changed = get_user_by_name(rt.store, "petugas")
    assert (changed.roles, changed.supervisor_level, changed.opd) == (("opd_liaison",), None, "dinas_pupr")
    refused = post(admin, url, {"roles": "opd_liaison", "opd": "tidak_ada"})
    assert refused.status_code == 422 and "unknown OPD" in refused.get_data(as_text=True)
    assert get_user_by_name(rt.store, "petugas").opd == "dinas_pupr"


def test_every_change_an_admin_makes_is_in_the_audit_trail_with_the_admin_as_author(admin, rt):
    target = user_id(rt, "tim")
    post(admin, f"/admin/users/{target}", {"roles": "petugas"})
    post(admin, f"/admin/users/{target}/active", {"active": "0"}, f"/admin/users/{target}")
    post(admin, f"/admin/users/{target}/password", {"password": "Sandi-baru-yang-panjang-7"}, f"/admin/users/{target}")
    post(admin, "/admin/users/new", NEW)
    rows = [r for r in rt.store.audit_rows(kind="user") if r["actor_id"] == "admin"]
    assert [(r["detail"]["user"], r["detail"]["change"]) for r in rows] == [
        ("tim", "rights"), ("tim", "disabled"), ("tim", "password"), ("petugas2", "created")]
    assert rows[0]["detail"]["before"]["roles"] == ["tim"] and rows[0]["detail"]["after"]["roles"] == ["petugas"]
    assert all("Sandi" not in str(r["detail"]) for r in rows)  # never a password


def test_a_disabled_user_cannot_sign_in_until_enabled_again(app, admin, rt):
    target = user_id(rt, "tim")
    assert post(admin, f"/admin/users/{target}/active", {"active": "0"}, f"/admin/users/{target}").status_code == 302
    assert not get_user_by_name(rt.store, "tim").active
    assert login(app.test_client(), "tim").status_code == 401
    assert post(admin, f"/admin/users/{target}/active", {"active": "1"}, f"/admin/users/{target}").status_code == 302
    assert login(app.test_client(), "tim").status_code == 302


def test_an_admin_resets_a_password(admin, rt):
    target = user_id(rt, "auditor")
    url = f"/admin/users/{target}/password"
    short = post(admin, url, {"password": "pendek"}, f"/admin/users/{target}")
    assert short.status_code == 302 and authenticate(rt.store, "auditor", PASSWORD) is not None
    assert post(admin, url, {"password": "sandi-baru-pemeriksa"}, f"/admin/users/{target}").status_code == 302
    assert authenticate(rt.store, "auditor", PASSWORD) is None
    assert authenticate(rt.store, "auditor", "sandi-baru-pemeriksa") is not None


def test_an_admin_cannot_lock_themselves_out(admin, rt):
    me = user_id(rt, "admin")
    post(admin, f"/admin/users/{me}/active", {"active": "0"}, f"/admin/users/{me}")
    assert get_user_by_name(rt.store, "admin").active
    refused = post(admin, f"/admin/users/{me}", {"roles": "auditor"})
    assert refused.status_code == 422 and get_user_by_name(rt.store, "admin").roles == ("admin",)
    refused = post(admin, f"/admin/users/{me}", {"roles": ["admin", "auditor"]})  # nor grant themselves more
    assert refused.status_code == 422 and "sendiri" in refused.get_data(as_text=True)
    assert get_user_by_name(rt.store, "admin").roles == ("admin",)


def test_unknown_accounts_answer_404(admin):
    assert admin.get("/admin/users/999").status_code == 404
