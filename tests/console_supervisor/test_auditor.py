"""The auditor's log: filters, pages, the chain status, exports that re-verify, and who viewed a secret identity."""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import lxml.html

from admin.auth import User, view_identity
from tests.conftest import MONDAY_9_WIB
from tests.web import STAFF
from workflow.core.audit import verify_rows
from workflow.reports.audit_export import CSV_COLUMNS
from workflow.services.users import get_user_by_name

from .conftest import PETUGAS, csrf_from, login, open_ticket

# The template database's trail: the SOP published (1), then one audited account creation per test user.
SETUP = 1 + len(STAFF)
HISTORY = [(SETUP + 4, "transition"), (SETUP + 3, "transition"), (SETUP + 2, "open"), (SETUP + 1, "open")]
EVERY = HISTORY + [(seq, "user") for seq in range(SETUP, 1, -1)] + [(1, "publish")]


def rows_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    return doc, [(int(r.get("data-seq")), r.get("data-kind")) for r in doc.xpath("//tr[contains(@class,'audit-row')]")]


def make_history(rt, clock):
    """Monday: two tickets opened, the first verified. Wednesday: the second rejected."""
    a = open_ticket(rt)
    b = open_ticket(rt, perihal="Kedua")
    rt.engine.fire(a, "verifikasi", PETUGAS, {"tingkat": "sedang", "kewenangan": "dalam"})
    rt.engine.fire(b, "tolak", PETUGAS, {"alasan": "ganda"}, now=MONDAY_9_WIB + timedelta(days=2))
    return rt.engine.load(a), rt.engine.load(b)


def test_the_log_lists_every_row_newest_first_with_the_chain_intact(client, rt, clock):
    make_history(rt, clock)
    login(client, "auditor")
    doc, rows = rows_of(client, "/admin/audit/")
    assert rows == EVERY
    assert doc.get_element_by_id("chain-ok") is not None
    assert f"{len(EVERY)} baris terverifikasi" in doc.get_element_by_id("chain-status").text_content()


def test_filters_by_receipt_actor_trigger_kind_and_wib_dates(client, rt, clock):
    a, b = make_history(rt, clock)
    login(client, "auditor")
    _, rows = rows_of(client, f"/admin/audit/?receipt={a.receipt_no.lower()}")
    assert [k for _, k in rows] == ["transition", "open"]
    _, rows = rows_of(client, "/admin/audit/?trigger=tolak")
    assert len(rows) == 1 and rows[0][1] == "transition"
    _, rows = rows_of(client, "/admin/audit/?kind=open&actor=petugas")
    assert [k for _, k in rows] == ["open", "open"]
    _, rows = rows_of(client, "/admin/audit/?actor=nobody")
    assert rows == []
    # Wednesday 2 December 2026 in WIB holds only the rejection
    _, rows = rows_of(client, "/admin/audit/?from=2026-12-02&to=2026-12-02")
    assert len(rows) == 1
    _, rows = rows_of(client, "/admin/audit/?to=2026-11-30")
    assert len(rows) == 4 + len(STAFF)  # everything on Monday (WIB), the publish and the accounts included


def test_the_log_is_paginated(client, rt, clock, monkeypatch):
    monkeypatch.setattr("admin.console.auditor.PAGE_SIZE", 4)
    make_history(rt, clock)
    login(client, "auditor")
    doc, first = rows_of(client, "/admin/audit/")
    _, second = rows_of(client, "/admin/audit/?page=2")
    assert first == HISTORY and second == EVERY[4:8]
    assert f"1 / {-(-len(EVERY) // 4)}" in doc.text_content()


def test_the_jsonl_export_streams_every_row_and_reverifies_offline(client, rt, clock):
    make_history(rt, clock)
    login(client, "auditor")
    response = client.get("/admin/audit/export.jsonl")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [r["seq"] for r in rows] == list(range(1, len(EVERY) + 1))
    status = verify_rows(rows)
    assert status.ok and status.rows == len(EVERY) and status.head_hash == rt.store.audit_head()[1]
    rows[-2]["inputs"]["tingkat"] = "ringan"  # any edit of an exported row shows
    assert not verify_rows(rows).ok


def test_the_csv_export_follows_the_filters_with_one_header(client, rt, clock, monkeypatch):
    monkeypatch.setattr("admin.console.auditor.EXPORT_BATCH", 2)  # several batches, still one header
    make_history(rt, clock)
    login(client, "auditor")
    text = client.get("/admin/audit/export.csv?kind=open").get_data(as_text=True)
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == CSV_COLUMNS
    assert [row[1] for row in table[1:]] == ["open", "open"]
    everything = list(csv.reader(io.StringIO(client.get("/admin/audit/export.csv").get_data(as_text=True))))
    assert len(everything) == len(EVERY) + 1 and everything.count(CSV_COLUMNS) == 1
    empty = list(csv.reader(io.StringIO(client.get("/admin/audit/export.csv?actor=nobody").get_data(as_text=True))))
    assert empty == [CSV_COLUMNS]


def test_reverify_button_reports_the_chain_status(client, rt, clock):
    make_history(rt, clock)
    login(client, "auditor")
    html = client.get("/admin/audit/").get_data(as_text=True)
    response = client.post("/admin/audit/verify", data={"csrf_token": csrf_from(html)}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert f"Rantai audit utuh: {len(EVERY)} baris terverifikasi." in page
    assert "oleh auditor" in page


def test_who_viewed_a_confidential_identity_is_listed(app, client, rt, clock):
    secret = rt.engine.load(open_ticket(rt, kerahasiaan="rahasia"))
    with app.test_request_context():
        kasi = User.from_record(get_user_by_name(rt.store, "kasi"))
        identity = view_identity(secret, "verifikasi laporan pungli", user=kasi)
    assert identity["nama"] == "Siti Aminah"
    login(client, "auditor")
    doc = lxml.html.fromstring(client.get("/admin/audit/identitas").get_data(as_text=True))
    [row] = doc.xpath("//tr[contains(@class,'identity-row')]")
    text = row.text_content()
    assert secret.receipt_no in text and "kasi" in text and "verifikasi laporan pungli" in text
    assert "Siti Aminah" not in doc.text_content()  # the log names who looked, never whom they saw
