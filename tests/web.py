"""Helpers for driving the web app through Flask's test client: test accounts, CSRF tokens, signing in."""
from __future__ import annotations

import re

import flask_admin.babel
import pytest

PASSWORD = "rahasia-uji-123"  # every test account's

# One account per console role: username -> (roles, supervisor_level, opd)
STAFF = {
    "admin": (["admin"], None, None),
    "kasi": (["supervisor"], 1, None),
    "kabid": (["supervisor"], 2, None),
    "kadis": (["supervisor"], 3, None),
    "petugas": (["petugas"], None, None),
    "tim": (["tim"], None, None),
    "esdm": (["opd_liaison"], None, "dinas_esdm"),
    "pupr": (["opd_liaison"], None, "dinas_pupr"),
    "auditor": (["auditor"], None, None),
}


@pytest.fixture(autouse=True)
def fresh_admin_catalog_cache():
    """Flask-Admin caches translation catalogs process-wide, keyed by locale only (admin/translations/README:
    "Trap"): start and end each test with an empty cache so no other test's app leaks in or out (import this
    into a test module or conftest to use it)."""
    flask_admin.babel.domain.cache.clear()
    yield
    flask_admin.babel.domain.cache.clear()


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in a page (every form carries one)."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def post_login(client, username: str, password: str):
    """Sign in through the real login form (token included); returns the response."""
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})
