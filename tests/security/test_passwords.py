"""Passwords of at least 12 characters, not a common one, not holding the username: wherever one is set."""
from __future__ import annotations

import pytest

from tests.web import PASSWORD, csrf_from, post_login
from workflow.errors import AuthError
from workflow.services import passwords, users
from workflow.store.memory import MemoryStore


@pytest.mark.parametrize("weak", ["sebelas-kar", "password1234", "Bismillah2024!", "P@ssw0rd1234", "aaaaaaaaaaaaaa",
                                  "123456789012", "qwertyuiopas", "121212121212", "Indonesia 2025", "siti-aminah-2026"])
def test_short_common_and_username_passwords_are_refused(weak):
    with pytest.raises(AuthError, match="at least 12|too common|username"):
        users.create_user(MemoryStore(), "siti-aminah", weak, ["auditor"])


@pytest.mark.parametrize("good", ["kopi-pagi-di-teras", "rahasia-uji-123", "Banyak kata 7 ekor kucing"])
def test_long_uncommon_passwords_are_accepted(good):
    assert passwords.problem(good, "siti") is None


def test_an_admin_cannot_reset_a_password_to_a_common_one(app, rt):
    admin = app.test_client()
    post_login(admin, "admin", PASSWORD)
    target = users.get_user_by_name(rt.store, "petugas").id
    page = admin.get(f"/admin/users/{target}").get_data(as_text=True)
    answer = admin.post(f"/admin/users/{target}/password", data={"csrf_token": csrf_from(page),
                                                                 "password": "password1234"}, follow_redirects=True)
    assert "terlalu umum" in answer.get_data(as_text=True)
    assert post_login(app.test_client(), "petugas", "password1234").status_code == 401
    assert post_login(app.test_client(), "petugas", PASSWORD).status_code == 302  # nothing was changed
