"""/api/v1 evidence: POST and GET /tickets/{receipt_no}/attachments, on SQLite and PostgreSQL.

The API goes through `workflow.attachments` like the public form: type by content, size limit, stored by
sha256 under the instance folder, one audit row per file; all of a request's files or none; only the
integration that filed the ticket may add files, within the window and while the ticket is open."""
from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from tests.conftest import MONDAY_9_WIB, SOP
from tests.web import post_login
from workflow.core import evidence
from workflow.runtime import build_runtime
from workflow.services import attachments
from workflow.services.publish import publish
from workflow.services.users import create_user
from workflow.store import models as m
from workflow.store import models_intake as mi

from .conftest import IDENTITY_NEEDLES, PASSWORD, PDF, PETUGAS, PNG, api_record, docx_bytes, file_via_form
from .scenario import ticket_id

PROBLEM = "application/problem+json"
EXE = b"MZ\x90\x00\x03" + b"\x00" * 100


@pytest.fixture
def db(db_engine, web_environment):
    """This module's tests run on SQLite and on PostgreSQL (the store tests' parametrized database)."""
    return db_engine


@pytest.fixture
def rt(db):
    """The app's runtime on that database, with the shipped SOP published (no accounts: tests add theirs)."""
    runtime = build_runtime(db=db)
    publish(runtime.store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
    return runtime


@pytest.fixture
def sipeka(api_key):
    """The SIPEKA portal's key: files complaints and adds their evidence."""
    return api_key("intake", name="sipeka")


def file_ticket(client, headers, **overrides) -> str:
    response = client.post("/api/v1/tickets", json=api_record(**overrides), headers=headers)
    assert response.status_code == 201, response.json
    return response.json["receipt_no"]


def upload(client, receipt: str, headers, files, **kwargs):
    """POST the files (name, bytes) as multipart 'files' parts."""
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/api/v1/tickets/{receipt}/attachments", data=data, headers=headers,
                       content_type="multipart/form-data", **kwargs)


def stored_rows(rt) -> int:
    with rt.db.connect() as conn:
        return conn.execute(select(func.count()).select_from(mi.attachments)).scalar_one()


def attachment_audit(rt, receipt: str) -> list[dict]:
    return [r for r in rt.store.audit_rows(ticket_id=ticket_id(rt, receipt))
            if r["detail"].get("event") == "attachment"]


def stored_files(app) -> list[Path]:
    folder = attachments.storage_dir(app.instance_path)
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_files_are_attached_listed_and_audited_like_form_uploads(app, client, rt, sipeka, api_key):
    receipt = file_ticket(client, sipeka)
    response = upload(client, receipt, sipeka, [("foto-lokasi.png", PNG), ("surat.pdf", PDF)])
    assert response.status_code == 201, response.json
    assert response.headers["Location"] == f"/api/v1/tickets/{receipt}/attachments"
    created = response.json
    assert created["receipt_no"] == receipt and created["replayed"] is False
    assert [(a["name"], a["content_type"], a["size"], a["sha256"]) for a in created["items"]] == [
        ("foto-lokasi.png", "image/png", len(PNG), sha(PNG)), ("surat.pdf", "application/pdf", len(PDF), sha(PDF))]

    for headers in (sipeka, api_key("read", name="lapor-bridge")):
        listed = client.get(f"/api/v1/tickets/{receipt}/attachments", headers=headers)
        assert listed.status_code == 200 and listed.json["items"] == created["items"]
        text = listed.get_data(as_text=True)
        assert "stored_path" not in text and "attachments/" not in text  # where the bytes live stays inside

    # stored by hash outside the web root, exactly as the form stores them
    for data in (PNG, PDF):
        digest = sha(data)
        assert (Path(app.instance_path) / "attachments" / digest[:2] / digest[2:4] / digest).read_bytes() == data
    audit = attachment_audit(rt, receipt)
    assert [(r["detail"]["sha256"], r["actor_id"], r["kind"]) for r in audit] == [
        (sha(PNG), "api:sipeka", "system"), (sha(PDF), "api:sipeka", "system")]
    assert "foto-lokasi" not in json.dumps(audit, default=str)  # names stay out of the exported chain


def test_a_file_over_the_limit_is_413_with_the_limit_and_the_batch_stores_nothing(app, client, rt, sipeka,
                                                                                  monkeypatch):
    monkeypatch.setenv("ALUR_MAX_UPLOAD_BYTES", "1000")
    receipt = file_ticket(client, sipeka)
    response = upload(client, receipt, sipeka, [("kecil.png", PNG), ("besar.pdf", PDF + b"x" * 2000)])
    assert response.status_code == 413 and response.mimetype == PROBLEM
    assert response.json["max_bytes"] == 1000 and set(response.json["errors"]) == {"files[1]"}
    assert "terlalu besar" in response.json["errors"]["files[1]"]
    assert stored_rows(rt) == 0 and attachment_audit(rt, receipt) == [] and stored_files(app) == []

    # the whole request is capped too (MAX_FILES files at the limit): refused before anything is read
    whole = upload(client, receipt, sipeka, [("besar.pdf", PDF + b"x" * 80_000)])
    assert whole.status_code == 413 and whole.mimetype == PROBLEM
    assert whole.json["max_bytes"] == 1000 and whole.json["max_request_bytes"] == 5 * 1000 + 64 * 1024
    assert stored_rows(rt) == 0 and stored_files(app) == []


def test_an_upload_request_may_carry_max_files_at_the_limit_beyond_the_apps_body_limit(app, client, rt, sipeka):
    """The app-wide MAX_CONTENT_LENGTH is sized for one file; the upload operation sets its own cap."""
    receipt = file_ticket(client, sipeka)
    app.config["MAX_CONTENT_LENGTH"] = 300
    response = upload(client, receipt, sipeka, [("a.pdf", PDF + b"a" * 200), ("b.pdf", PDF + b"b" * 200)])
    assert response.status_code == 201 and stored_rows(rt) == 2


def test_a_file_of_another_kind_is_415_with_the_accepted_kinds_and_the_batch_stores_nothing(app, client, rt,
                                                                                            sipeka):
    receipt = file_ticket(client, sipeka)
    response = upload(client, receipt, sipeka, [("foto.png", PNG), ("bukti.pdf", EXE)])
    assert response.status_code == 415 and response.mimetype == PROBLEM
    assert "bukan jenis yang diterima" in response.json["errors"]["files[1]"]
    accepted = {a["content_type"]: a["extensions"] for a in response.json["accepted"]}
    assert accepted["application/pdf"] == [".pdf"] and accepted["image/jpeg"] == [".jpg", ".jpeg"]
    # an accepted kind under the wrong extension is a type problem too, and says which extension to use
    renamed = upload(client, receipt, sipeka, [("foto.pdf", PNG)])
    assert renamed.status_code == 415 and ".png" in renamed.json["errors"]["files[0]"]
    # and so is a request that is not multipart at all
    as_json = client.post(f"/api/v1/tickets/{receipt}/attachments", json={"files": ["x"]}, headers=sipeka)
    assert as_json.status_code == 415 and as_json.json["accepted"][0]["content_type"] == "multipart/form-data"
    assert stored_rows(rt) == 0 and attachment_audit(rt, receipt) == [] and stored_files(app) == []


def test_too_many_no_empty_and_misnamed_files_are_422(client, rt, sipeka):
    receipt = file_ticket(client, sipeka)
    many = upload(client, receipt, sipeka, [(f"f{i}.pdf", PDF) for i in range(evidence.MAX_FILES + 1)])
    assert many.status_code == 422 and many.json["max_files"] == evidence.MAX_FILES and "files" in many.json["errors"]
    empty = upload(client, receipt, sipeka, [("kosong.pdf", b"")])
    assert empty.status_code == 422 and "kosong" in empty.json["errors"]["files[0]"]
    none = client.post(f"/api/v1/tickets/{receipt}/attachments", data={}, headers=sipeka,
                       content_type="multipart/form-data")
    assert none.status_code == 422 and none.json["errors"] == {"files": "wajib diisi"}
    misnamed = client.post(f"/api/v1/tickets/{receipt}/attachments", headers=sipeka, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(PDF), "a.pdf"), "catatan": "foto lokasi"})
    assert misnamed.status_code == 422 and set(misnamed.json["errors"]) == {"file", "catatan"}
    assert stored_rows(rt) == 0


def test_only_the_filing_integration_may_attach_and_others_cannot_tell_the_ticket_exists(client, rt, sipeka,
                                                                                          api_key):
    receipt = file_ticket(client, sipeka)
    unknown = "ADU-2026-999999"
    whatsapp = api_key("intake", name="wa-gateway")  # another integration, intake only
    for method in ("post", "get"):
        def call(number):
            if method == "post":
                return upload(client, number, whatsapp, [("a.pdf", PDF)])
            return client.get(f"/api/v1/tickets/{number}/attachments", headers=whatsapp)
        theirs, missing = call(receipt), call(unknown)
        assert theirs.status_code == missing.status_code == 404 and theirs.mimetype == PROBLEM
        # the same words for a ticket it may not see and one that does not exist, bar the number asked for
        assert theirs.json["title"] == missing.json["title"]
        assert theirs.json["detail"].replace(receipt, "N") == missing.json["detail"].replace(unknown, "N")

    reader = api_key("intake", "read", name="lapor-bridge")  # may see every ticket, so it is told why
    refused = upload(client, receipt, reader, [("a.pdf", PDF)])
    assert refused.status_code == 403 and "mengajukan" in refused.json["detail"]
    assert client.get(f"/api/v1/tickets/{receipt}/attachments", headers=reader).status_code == 200

    no_intake = api_key("read", "act", name="sipeka")  # the filer's name, but not the scope
    assert upload(client, receipt, no_intake, [("a.pdf", PDF)]).status_code == 403
    assert client.post(f"/api/v1/tickets/{receipt}/attachments", headers={"Authorization": "Bearer alur_x_y"},
                       data={}, content_type="multipart/form-data").status_code == 401
    assert stored_rows(rt) == 0

    rotated = api_key("intake", name="sipeka")  # a new key for the same integration keeps its tickets
    assert upload(client, receipt, rotated, [("a.pdf", PDF)]).status_code == 201


def test_a_retry_with_the_same_idempotency_key_replays_and_stores_nothing_twice(client, rt, sipeka):
    receipt = file_ticket(client, sipeka)
    headers = {**sipeka, "Idempotency-Key": "wa-msg-7781-media"}
    first = upload(client, receipt, headers, [("foto.png", PNG), ("surat.pdf", PDF)])
    again = upload(client, receipt, headers, [("foto.png", PNG), ("surat.pdf", PDF)])
    assert first.status_code == again.status_code == 201
    assert again.json["items"] == first.json["items"] and again.json["replayed"] is True
    assert again.headers["Idempotent-Replayed"] == "true"
    assert stored_rows(rt) == 2 and len(attachment_audit(rt, receipt)) == 2
    other = upload(client, receipt, headers, [("lain.docx", docx_bytes())])
    assert other.status_code == 422 and "Idempotency-Key" in other.json["title"]
    # a key is per request, not per operation: the same key cannot then file a complaint either
    assert client.post("/api/v1/tickets", json=api_record(), headers=headers).status_code == 422
    # a refused request releases its key, so the corrected retry goes through
    fixed = {**sipeka, "Idempotency-Key": "wa-msg-7782-media"}
    assert upload(client, receipt, fixed, [("foto.pdf", PNG)]).status_code == 415
    assert upload(client, receipt, fixed, [("foto.png", PNG)]).status_code == 201
    assert stored_rows(rt) == 3


def test_evidence_is_refused_after_the_window_or_once_the_ticket_is_closed(client, rt, sipeka):
    late = file_ticket(client, sipeka)
    with rt.db.begin() as conn:  # filed 25 hours ago
        conn.execute(update(m.tickets).where(m.tickets.c.receipt_no == late).values(
            created_at=datetime.now(timezone.utc) - timedelta(hours=25)))
    response = upload(client, late, sipeka, [("a.pdf", PDF)])
    assert response.status_code == 409 and response.mimetype == PROBLEM
    assert response.json["reasons"][0]["kind"] == "window" and "24 jam" in response.json["detail"]

    closed = file_ticket(client, sipeka)
    rt.engine.fire(ticket_id(rt, closed), "tolak", PETUGAS, {"alasan": "Bukan kewenangan DPMPTSP."})
    response = upload(client, closed, sipeka, [("a.pdf", PDF)])
    assert response.status_code == 409 and response.json["reasons"][0]["kind"] == "state"
    assert client.get(f"/api/v1/tickets/{closed}/attachments", headers=sipeka).json["items"] == []
    assert stored_rows(rt) == 0


def test_a_ticket_takes_at_most_MAX_PER_TICKET_files_in_all(app, client, rt, sipeka, monkeypatch):
    monkeypatch.setattr(evidence, "MAX_PER_TICKET", 3)
    receipt = file_ticket(client, sipeka)
    assert upload(client, receipt, sipeka, [("a.pdf", PDF), ("b.png", PNG)]).status_code == 201
    files_before = stored_files(app)
    over = upload(client, receipt, sipeka, [("c.pdf", PDF + b"c"), ("d.docx", docx_bytes())])
    assert over.status_code == 409 and over.json["max_per_ticket"] == 3 and "sudah memiliki 2" in over.json["detail"]
    assert stored_files(app) == files_before  # refused before a byte was written
    assert upload(client, receipt, sipeka, [("c.pdf", PDF)]).status_code == 201
    assert stored_rows(rt) == 3


@pytest.mark.parametrize("level", ["anonim", "rahasia"])
def test_uploaded_names_of_protected_complaints_never_leave_through_the_api(client, rt, sipeka, api_key, level):
    receipt = file_ticket(client, sipeka, kerahasiaan=level)
    posted = upload(client, receipt, sipeka, [("KTP_Ratna_Kusumawardhani.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 40),
                                              ("surat-0813-9988-7766.pdf", PDF)])
    assert posted.status_code == 201
    listed = client.get(f"/api/v1/tickets/{receipt}/attachments", headers=api_key("read"))
    for response in (posted, listed):
        assert [a["name"] for a in response.json["items"]] == ["bukti-1.jpg", "bukti-2.pdf"]
        text = response.get_data(as_text=True)
        assert [n for n in IDENTITY_NEEDLES + ("KTP",) if n.lower() in text.lower()] == []


def test_api_evidence_is_opened_by_an_officer_on_the_ticket_page_like_form_evidence(app, client, rt, sipeka):
    form_receipt, _ = file_via_form(client, files=[("foto-form.png", PNG)])
    api_receipt = file_ticket(client, sipeka)
    assert upload(client, api_receipt, sipeka, [("surat-api.pdf", PDF)]).status_code == 201

    create_user(rt.store, "petugas1", PASSWORD, ["petugas"], display_name="Petugas Satu", catalogs=rt.catalogs)
    officer = app.test_client()
    assert post_login(officer, "petugas1", PASSWORD).status_code == 302
    for receipt, name, data, content_type in ((form_receipt, "foto-form.png", PNG, "image/png"),
                                              (api_receipt, "surat-api.pdf", PDF, "application/pdf")):
        page = officer.get(f"/admin/work/ticket/{ticket_id(rt, receipt)}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and name in html and sha(data) in html
        assert "Bukti dilampirkan" in html  # the timeline shows the audit row
        link = re.search(rf'href="([^"]+)"[^>]*download><i class="fa fa-paperclip"></i> {re.escape(name)}',
                         html).group(1)
        download = officer.get(link)
        assert download.status_code == 200 and download.data == data and download.mimetype == content_type
        assert download.headers["Content-Disposition"].startswith("attachment;") and name in \
            download.headers["Content-Disposition"]
        assert download.headers["X-Content-Type-Options"] == "nosniff"
    # a file from another ticket is not reachable through this ticket's address
    other = officer.get(link.replace(f"/ticket/{ticket_id(rt, api_receipt)}/",
                                     f"/ticket/{ticket_id(rt, form_receipt)}/"))
    assert other.status_code == 404


def test_the_console_refuses_evidence_whose_bytes_no_longer_match_their_hash(app, client, rt, sipeka):
    receipt = file_ticket(client, sipeka)
    assert upload(client, receipt, sipeka, [("surat.pdf", PDF)]).status_code == 201
    digest = sha(PDF)
    (Path(app.instance_path) / "attachments" / digest[:2] / digest[2:4] / digest).write_bytes(PDF + b"diubah")
    create_user(rt.store, "petugas1", PASSWORD, ["petugas"], display_name="Petugas Satu", catalogs=rt.catalogs)
    officer = app.test_client()
    post_login(officer, "petugas1", PASSWORD)
    tid = ticket_id(rt, receipt)
    row_id = attachments.list_for(rt.store, tid)[0]["id"]
    response = officer.get(f"/admin/work/ticket/{tid}/attachment/{row_id}")
    assert response.status_code == 500 and "tidak cocok dengan sha256" in response.get_data(as_text=True)


def test_rahasia_evidence_has_neutral_names_and_goes_only_to_supervisors_with_a_purpose(app, client, rt, sipeka):
    """Security review item 3: officers see the list, not the files; a supervisor states why."""
    receipt = file_ticket(client, sipeka, kerahasiaan="rahasia")
    assert upload(client, receipt, sipeka, [("KTP_Ratna.pdf", PDF)]).status_code == 201
    create_user(rt.store, "petugas1", PASSWORD, ["petugas"], display_name="Petugas Satu", catalogs=rt.catalogs)
    create_user(rt.store, "kasi1", PASSWORD, ["supervisor"], supervisor_level=1, display_name="Kasi Satu",
                catalogs=rt.catalogs)
    path = (f"/admin/work/ticket/{ticket_id(rt, receipt)}/attachment/"
            f"{attachments.list_for(rt.store, ticket_id(rt, receipt))[0]['id']}")
    officer = app.test_client()
    post_login(officer, "petugas1", PASSWORD)
    html = officer.get(f"/admin/work/ticket/{ticket_id(rt, receipt)}").get_data(as_text=True)
    assert "bukti-1.pdf" in html and "KTP_Ratna" not in html
    assert officer.get(path).status_code == 403
    supervisor = app.test_client()
    post_login(supervisor, "kasi1", PASSWORD)
    page = supervisor.get(f"/admin/work/ticket/{ticket_id(rt, receipt)}").get_data(as_text=True)
    assert "bukti-1.pdf" in page and "KTP_Ratna" not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    download = supervisor.post(path, data={"csrf_token": token, "purpose": "verifikasi KTP"})
    assert download.data == PDF and "bukti-1.pdf" in download.headers["Content-Disposition"]


def test_the_openapi_document_describes_both_operations(client):
    doc = client.get("/api/v1/openapi.json").json
    post = doc["paths"]["/tickets/{receipt_no}/attachments"]["post"]
    form = post["requestBody"]["content"]["multipart/form-data"]
    assert form["schema"]["properties"]["files"]["items"] == {"type": "string", "format": "binary"}
    assert form["schema"]["properties"]["files"]["maxItems"] == evidence.MAX_FILES
    assert "application/pdf" in form["encoding"]["files"]["contentType"]
    assert {"201", "404", "409", "413", "415", "422"} <= set(post["responses"])
    assert post["responses"]["413"]["content"]["application/problem+json"]
    assert "Scope: intake" in post["description"]
    get = doc["paths"]["/tickets/{receipt_no}/attachments"]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AttachmentList")
    assert "stored_path" not in json.dumps(doc["components"]["schemas"]["Attachment"])


def test_parallel_uploads_cannot_take_a_ticket_past_its_limit(app, rt, sipeka, monkeypatch):
    """The count is taken again under the ticket's lock (PostgreSQL) or the write lock (SQLite)."""
    import threading

    monkeypatch.setattr(evidence, "MAX_PER_TICKET", 5)
    receipt = file_ticket(app.test_client(), sipeka)
    barrier = threading.Barrier(4)
    codes: list[int] = []

    def post(n: int):
        client = app.test_client()
        barrier.wait()
        codes.append(upload(client, receipt, sipeka, [(f"{n}a.pdf", PDF + bytes([n, 1])),
                                                       (f"{n}b.pdf", PDF + bytes([n, 2]))]).status_code)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(codes) == [201, 201, 409, 409]
    assert len(attachments.list_for(rt.store, ticket_id(rt, receipt))) == 4
    assert len(attachment_audit(rt, receipt)) == 4
