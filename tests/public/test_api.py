"""/api/v1: keys and scopes, intake with Idempotency-Key, tracking, lists, transitions, problem+json."""
from __future__ import annotations

import re
import threading

from click.testing import CliRunner
from sqlalchemy import func, select

from workflow.store import models as m

from .conftest import api_record
from .scenario import ticket_id

PROBLEM = "application/problem+json"


def count_tickets(rt) -> int:
    with rt.db.connect() as conn:
        return conn.execute(select(func.count()).select_from(m.tickets)).scalar_one()


def test_openapi_document_is_served_without_a_key_and_derives_the_record_from_the_definition(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    body = doc["paths"]["/tickets"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"nama", "alamat", "telepon", "sektor", "jenis_izin", "kategori", "uraian"} <= set(body["properties"])
    assert "esdm" in body["properties"]["sektor"]["enum"] and "durasi_waktu" in body["properties"]["kategori"]["enum"]
    assert body["properties"]["kerahasiaan"]["enum"] == ["biasa", "anonim", "rahasia"]
    assert set(body["required"]) >= {"kanal", "nama", "alamat", "kategori", "perihal", "uraian"}
    assert doc["paths"]["/tickets/{receipt_no}/transitions/{trigger}"]["post"]


def test_missing_wrong_and_revoked_keys_answer_401_problem(client, api_key, rt):
    assert client.get("/api/v1/tickets").status_code == 401
    response = client.get("/api/v1/tickets", headers={"Authorization": "Bearer alur_00000000_nope"})
    assert response.status_code == 401 and response.mimetype == PROBLEM
    assert {"type", "title", "status", "detail"} <= set(response.json)
    from workflow.services.apikeys import create_key, revoke_key
    key_id, key = create_key(rt.store, "old", ["read"])
    assert client.get("/api/v1/tickets", headers={"X-API-Key": key}).status_code == 200
    revoke_key(rt.store, key_id)
    assert client.get("/api/v1/tickets", headers={"X-API-Key": key}).status_code == 401


def test_scopes_are_enforced(client, api_key):
    intake_only = api_key("intake")
    assert client.get("/api/v1/tickets", headers=intake_only).status_code == 403
    read_only = api_key("read")
    response = client.post("/api/v1/tickets", json=api_record(), headers=read_only)
    assert response.status_code == 403 and "intake" in response.json["detail"]


def test_create_returns_receipt_and_token_once_and_tracking_works(client, api_key, rt):
    headers = api_key("intake")
    response = client.post("/api/v1/tickets", json=api_record(), headers=headers)
    assert response.status_code == 201
    created = response.json
    assert created["state"] == "diterima" and created["token"] and created["replayed"] is False
    assert created["tracking_url"].endswith(f"/lacak#resi={created['receipt_no']}&token={created['token']}")
    assert re.fullmatch(r"[0-9]{6}", created["tracking_pin"])  # to read out over the phone (issue 14)
    status = client.get(f"/api/v1/tickets/{created['receipt_no']}/status",
                        headers={**headers, "X-Tracking-Token": created["token"]})
    assert status.status_code == 200 and status.json["state_label"] == "Diterima"
    wrong = client.get(f"/api/v1/tickets/{created['receipt_no']}/status", headers={**headers, "X-Tracking-Token": "x"})
    unknown = client.get("/api/v1/tickets/ADU-2026-999999/status",
                         headers={**headers, "X-Tracking-Token": created["token"]})
    assert wrong.status_code == unknown.status_code == 404 and wrong.json == unknown.json


def test_invalid_record_is_422_with_field_errors(client, api_key, rt):
    response = client.post("/api/v1/tickets", json=api_record(telepon="999", kategori="tidak-ada", extra="x"),
                           headers=api_key("intake"))
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert {"telepon", "kategori", "extra"} <= set(response.json["errors"])
    assert count_tickets(rt) == 0
    not_json = client.post("/api/v1/tickets", data="{nope",
                           headers={**api_key("intake"), "Content-Type": "application/json"})
    assert not_json.status_code == 400 and not_json.mimetype == PROBLEM


def test_idempotency_key_same_body_same_ticket_other_body_422(client, api_key, rt):
    headers = {**api_key("intake"), "Idempotency-Key": "sipeka-7781"}
    first = client.post("/api/v1/tickets", json=api_record(), headers=headers)
    again = client.post("/api/v1/tickets", json=api_record(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json["receipt_no"] == first.json["receipt_no"] and again.json["replayed"] is True
    assert again.json["tracking_pin"] is None
    assert again.json["token"] is None  # the token is never stored in clear, so it is not replayed
    other = client.post("/api/v1/tickets", json=api_record(perihal="Lain"), headers=headers)
    assert other.status_code == 422 and "Idempotency-Key" in other.json["title"]
    assert count_tickets(rt) == 1


def test_an_idempotency_key_is_remembered_for_24_hours_then_free_again(client, api_key, rt):
    """After the window a key names a new request; the client's expired keys are dropped, others stay."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from workflow.store import models_intake as mi

    headers = {**api_key("intake"), "Idempotency-Key": "harian-001"}
    first = client.post("/api/v1/tickets", json=api_record(), headers=headers)
    fresh = client.post("/api/v1/tickets", json=api_record(perihal="Masih baru"),
                        headers={**headers, "Idempotency-Key": "harian-002"})
    assert first.status_code == fresh.status_code == 201
    keys = mi.idempotency_keys.c
    with rt.db.begin() as conn:  # a day and an hour pass for the first request only
        conn.execute(update(mi.idempotency_keys).where(keys.key == "harian-001").values(
            created_at=datetime.now(timezone.utc) - timedelta(hours=25)))
    later = client.post("/api/v1/tickets", json=api_record(perihal="Pengaduan esok hari"), headers=headers)
    assert later.status_code == 201 and later.json["replayed"] is False
    assert later.json["receipt_no"] != first.json["receipt_no"]
    assert count_tickets(rt) == 2 + 1
    with rt.db.connect() as conn:
        remembered = dict(conn.execute(select(keys.key, keys.request_hash)).all())
    assert set(remembered) == {"harian-001", "harian-002"}  # the expired row was replaced, not kept twice
    replay = client.post("/api/v1/tickets", json=api_record(perihal="Pengaduan esok hari"), headers=headers)
    assert replay.json["receipt_no"] == later.json["receipt_no"] and replay.json["replayed"] is True


def test_a_failed_request_releases_its_idempotency_key(client, api_key, rt):
    headers = {**api_key("intake"), "Idempotency-Key": "k-bad"}
    assert client.post("/api/v1/tickets", json=api_record(telepon="1"), headers=headers).status_code == 422
    assert client.post("/api/v1/tickets", json=api_record(telepon="1"), headers=headers).status_code == 422
    assert count_tickets(rt) == 0


def test_concurrent_retries_with_one_idempotency_key_make_one_ticket(app, api_key, rt):
    headers = {**api_key("intake"), "Idempotency-Key": "retry-storm-1"}
    results: list = []
    barrier = threading.Barrier(8)

    def post():
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/tickets", json=api_record(), headers=headers)
        results.append((response.status_code, response.json.get("receipt_no")))

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 8
    assert {code for code, _ in results} == {201}
    assert len({receipt for _, receipt in results}) == 1
    assert count_tickets(rt) == 1


def test_list_filters_and_hides_anonim_and_rahasia_identities(client, api_key):
    intake = api_key("intake")
    for level in ("biasa", "anonim", "rahasia"):
        assert client.post("/api/v1/tickets", json=api_record(kerahasiaan=level, no_registrasi=f"R-{level}"),
                           headers=intake).status_code == 201
    read = api_key("read")
    listed = client.get("/api/v1/tickets", headers=read).json
    assert listed["total"] == 3
    by_level = {item["kerahasiaan"]: item for item in listed["items"]}
    assert by_level["biasa"]["identity"]["nama"] == "Ratna Kusumawardhani"
    assert by_level["anonim"]["identity"] is None and by_level["rahasia"]["identity"] is None
    only = client.get("/api/v1/tickets?kerahasiaan=anonim&limit=1", headers=read).json
    assert only["total"] == 1 and only["items"][0]["kerahasiaan"] == "anonim"
    bad = client.get("/api/v1/tickets?limit=0", headers=read)
    assert bad.status_code == 422 and "limit" in bad.json["errors"]
    assert client.get("/api/v1/tickets?created_from=2020-01-01&created_to=2099-12-31", headers=read).json["total"] == 3


def test_transitions_listed_and_fired_as_the_keys_role(client, api_key, rt):
    created = client.post("/api/v1/tickets", json=api_record(), headers=api_key("intake")).json
    actor = api_key("read", "act", role="petugas", name="lapor-bridge")
    options = client.get(f"/api/v1/tickets/{created['receipt_no']}/transitions", headers=actor).json
    verify = next(o for o in options["items"] if o["trigger"] == "verifikasi")
    assert verify["allowed"] and {f["name"] for f in verify["inputs"]} >= {"tingkat", "kewenangan"}
    fired = client.post(f"/api/v1/tickets/{created['receipt_no']}/transitions/verifikasi",
                        json={"inputs": {"tingkat": "ringan", "kewenangan": "dalam"},
                              "expected_version": options["version"]}, headers=actor)
    assert fired.status_code == 200 and fired.json["state"] == "terverifikasi"
    row = [r for r in rt.store.audit_rows(ticket_id=ticket_id(rt, created["receipt_no"]))
           if r["trigger"] == "verifikasi"]
    assert row[0]["actor_id"] == "api:lapor-bridge" and row[0]["actor_role"] == "petugas"
    stale = client.post(f"/api/v1/tickets/{created['receipt_no']}/transitions/jawab_langsung",
                        json={"inputs": {"analisa": "a", "jawaban": "j"}, "expected_version": 1}, headers=actor)
    assert stale.status_code == 409 and stale.mimetype == PROBLEM
    refused = client.post(f"/api/v1/tickets/{created['receipt_no']}/transitions/serahkan_opd",
                          json={"inputs": {}}, headers=actor)
    assert refused.status_code == 409 and refused.json["reasons"][0]["kind"] == "state"
    missing = client.post(f"/api/v1/tickets/{created['receipt_no']}/transitions/jawab_langsung",
                          json={"inputs": {"analisa": "a"}}, headers=actor)
    assert missing.status_code == 422 and "jawaban" in missing.json["errors"]
    read_only = api_key("read")
    assert client.post(f"/api/v1/tickets/{created['receipt_no']}/transitions/tolak", json={"inputs": {"alasan": "x"}},
                       headers=read_only).status_code == 403


def test_definitions_listed_and_described(client, api_key):
    headers = api_key("read")
    items = client.get("/api/v1/definitions", headers=headers).json["items"]
    assert [(d["key"], d["version"]) for d in items] == [("pengaduan-ptsp", 1)]
    detail = client.get("/api/v1/definitions/pengaduan-ptsp", headers=headers).json
    assert any(t["trigger"] == "gabungkan" for t in detail["transitions"])
    assert detail["record_schema"]["properties"]["kategori"]["enum"]
    missing = client.get("/api/v1/definitions/tidak-ada", headers=headers)
    assert missing.status_code == 404 and missing.mimetype == PROBLEM


def test_routing_and_size_errors_are_problem_json_never_html(app, client, api_key):
    headers = api_key("intake", "read")
    for response, status in ((client.get("/api/v1/tidak-ada", headers=headers), 404),
                             (client.delete("/api/v1/tickets", headers=headers), 405),
                             (client.get("/api/v1/tickets/BUKAN-NOMOR", headers=headers), 404)):
        assert response.status_code == status and response.mimetype == PROBLEM, response.data[:200]
        assert response.json["title"] and response.json["detail"]
    app.config["MAX_CONTENT_LENGTH"] = 100
    big = client.post("/api/v1/tickets", json=api_record(uraian="x" * 500), headers=headers)
    assert big.status_code == 413 and big.mimetype == PROBLEM


def test_unexpected_errors_are_500_problem_without_a_trace(app, client, api_key, monkeypatch, rt):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def boom(*a, **k):
        raise RuntimeError("secret internals /work/main/x.py line 1")

    monkeypatch.setattr(rt.engine, "decide_open", boom)
    response = client.post("/api/v1/tickets", json=api_record(), headers=api_key("intake"))
    assert response.status_code == 500 and response.mimetype == PROBLEM
    assert "secret internals" not in response.get_data(as_text=True) \
        and "Traceback" not in response.get_data(as_text=True)


def test_apikeys_cli_creates_lists_and_revokes(rt, monkeypatch):
    from admin.cli import cli
    runner = CliRunner()
    created = runner.invoke(cli, ["apikeys", "create", "wa-gateway", "--scope", "intake", "--scope", "read"],
                            obj={"runtime": rt})
    assert created.exit_code == 0, created.output
    key = [line for line in created.output.splitlines() if line.startswith("alur_")][0]
    listed = runner.invoke(cli, ["apikeys", "list"], obj={"runtime": rt})
    assert "wa-gateway" in listed.output and key not in listed.output and "intake,read" in listed.output
    # The name is the integration's identity: another partner cannot be given it by mistake ...
    clash = runner.invoke(cli, ["apikeys", "create", "wa-gateway", "--scope", "intake"], obj={"runtime": rt})
    assert clash.exit_code == 1 and "already named 'wa-gateway'" in clash.output
    assert "--same-integration" in clash.output and "alur_" not in clash.output
    # ... but the same partner can get a second key to rotate to.
    rotated = runner.invoke(cli, ["apikeys", "create", "wa-gateway", "--scope", "intake", "--same-integration"],
                            obj={"runtime": rt})
    assert rotated.exit_code == 0 and "key 2 'wa-gateway'" in rotated.output
    revoked = runner.invoke(cli, ["apikeys", "revoke", "1"], obj={"runtime": rt})
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert runner.invoke(cli, ["apikeys", "revoke", "1"], obj={"runtime": rt}).exit_code == 1
