"""Helpers for driving the web app through Flask's test client: CSRF tokens and signing in."""
from __future__ import annotations

import re


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
