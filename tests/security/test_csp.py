"""Every page says which scripts may run (Content-Security-Policy: this site's files only, no inline
script) and that no other site may frame it; the pages themselves hold no inline script or handler, so
the policy breaks nothing (the browser test in test_csp_browser.py runs them under it)."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.conftest import walk_in_record
from tests.web import PASSWORD, post_login
from workflow.core.guards import Actor

VALUES = {"ticket_id": 1, "key": "pengaduan-ptsp", "version": 1, "fmt": "jsonl", "export_type": "csv",
          "action": "abaikan", "plan_id": 1, "message_id": 1, "delivery_id": 1, "attachment_id": 1, "user_id": 1}
PUBLIC = ["/", "/pengaduan/baru", "/lacak", "/login", "/healthz", "/metrics", "/api/v1/openapi.json"]


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would refuse to run: inline scripts and on* handlers."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        self.found += [f"<{tag} {k}=...>" for k in names if k.lower().startswith("on")]
        if any((v or "").strip().lower().startswith("javascript:") for v in names.values()):
            self.found.append(f"<{tag}> with a javascript: URL")
        self._script = tag == "script" and "src" not in names

    def handle_data(self, data):
        if self._script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        self._script = False


def pages(app, client) -> dict[str, object]:
    out = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or "static" in rule.endpoint or not rule.rule.startswith("/admin"):
            continue
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(VALUES.get(name, 1)), url)
        out[url] = client.get(url)
    return out


def policy(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def check(url, response) -> list[str]:
    wrong = []
    rules = policy(response)
    if rules.get("frame-ancestors") != "frame-ancestors 'none'" or response.headers.get("X-Frame-Options") != "DENY":
        wrong.append(f"{url}: may be framed ({response.headers.get('Content-Security-Policy')})")
    scripts = rules.get("script-src") or rules.get("default-src", "")
    if not scripts or "'unsafe-inline'" in scripts or "*" in scripts.split():
        wrong.append(f"{url}: scripts not limited ({scripts!r})")
    if response.mimetype == "text/html":
        parser = InlineCode()
        parser.feed(response.get_data(as_text=True))
        wrong += [f"{url}: {what}" for what in parser.found]
    return wrong


@pytest.mark.parametrize("username", ["admin", "kadis", "petugas", "esdm", "auditor"])
def test_every_console_page_has_the_policy_and_no_inline_script(app, rt, username):
    rt.engine.open("pengaduan-ptsp", walk_in_record(), Actor("petugas", frozenset({"petugas"})))
    client = app.test_client()
    post_login(client, username, PASSWORD)
    visited = pages(app, client)
    wrong = [w for url, response in visited.items() for w in check(url, response)]
    assert not wrong, "\n".join(wrong)
    assert sum(r.mimetype == "text/html" and r.status_code == 200 for r in visited.values()) >= 3


def test_public_pages_the_api_and_operator_endpoints_have_the_policy(client):
    wrong = [w for url in PUBLIC for w in check(url, client.get(url))]
    assert not wrong, "\n".join(wrong)


def test_the_diagram_keeps_its_own_stricter_policy_and_cannot_be_framed(client):
    post_login(client, "kasi", PASSWORD)
    response = client.get("/sop/pengaduan-ptsp/v1.svg")
    assert response.mimetype == "image/svg+xml"
    rules = policy(response)
    assert rules["default-src"] == "default-src 'none'" and rules["frame-ancestors"] == "frame-ancestors 'none'"
