"""Pages show what the documented role table (docs/console.md) allows: no password hash anywhere, and a
complainant's contact only to supervisors (admin manages accounts and sees no complainant identity)."""
from __future__ import annotations

import re

import pytest

from tests.conftest import walk_in_record
from tests.console.test_inbox import channels  # noqa: F401 - the fixture: notifications on memory channels
from tests.web import PASSWORD, STAFF, post_login
from workflow.core.guards import Actor

PETUGAS = Actor("petugas", frozenset({"petugas"}), "Petugas")
VALUES = {"ticket_id": 1, "key": "pengaduan-ptsp", "version": 1, "fmt": "jsonl", "export_type": "csv",
          "action": "abaikan", "plan_id": 1, "message_id": 1, "delivery_id": 1, "attachment_id": 1, "user_id": 1}


def signed_in(app, username: str):
    client = app.test_client()
    assert post_login(client, username, PASSWORD).status_code == 302
    return client


def get_pages(app, client) -> dict[str, bytes]:
    """Every GET page of the console and the API's documents, as this client receives them."""
    out = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static") or not \
                rule.rule.startswith(("/admin", "/api")):
            continue
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(VALUES.get(name, 1)), url)
        out[url] = client.get(url).data
    return out


@pytest.mark.parametrize("username", ["admin", "auditor", "kadis"])
def test_no_page_or_export_shows_a_password_hash(app, rt, username):
    rt.engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS)
    pages = get_pages(app, signed_in(app, username))
    pages["/admin/users/1"] = signed_in(app, "admin").get("/admin/users/1").data
    leaked = [url for url, body in pages.items() if b"$argon2" in body]
    assert not leaked, f"password hashes shown on {leaked}"
    assert len(pages) > 20


def test_admin_sees_no_complainant_contact_on_the_deliveries_page_and_a_supervisor_does(app, rt, channels):  # noqa: F811
    channels["webhook"].fail_next(1, retryable=False, reason="gateway menolak +6281234567890")
    rt.engine.open("pengaduan-ptsp", walk_in_record(email=None, telepon="081234567890"), PETUGAS)
    admin_page = signed_in(app, "admin").get("/admin/pengiriman/").get_data(as_text=True)
    assert "tanda_terima" in admin_page  # the delivery is listed: admin can still send it again
    assert "6281234567890" not in admin_page and "disamarkan" in admin_page
    assert "6281234567890" in signed_in(app, "kasi").get("/admin/pengiriman/").get_data(as_text=True)
    assert set(STAFF["admin"][0]) == {"admin"}
