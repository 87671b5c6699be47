"""The WhatsApp gateway's inbound webhook, over real HTTP: signed requests open a draft and thread later messages
and media of the same number; a wrong signature, an old timestamp and a replayed request change nothing; the
receipt with its tracking link goes back to the number through the outbound webhook once the draft is filed."""
from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from werkzeug.serving import make_server

from notifications import delivery
from notifications.channels.config import build_channels
from notifications.channels.webhook import sign, verify_signature
from tests.inbound.conftest import PDF, PNG
from workflow.core.guards import Actor
from workflow.services import attachments, inbound

SECRET = "rahasia-gateway-uji"
NUMBER = "+6281234567890"


@pytest.fixture
def app_config():
    return {"ALUR_WHATSAPP_INBOUND_SECRET": SECRET}


@pytest.fixture
def server(app):
    """The app on a real HTTP server on a free loopback port."""
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join(5)


def post(base: str, body: dict | bytes, *, secret: str = SECRET, stamp: int | None = None,
         headers: dict | None = None) -> tuple[int, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    stamp = int(time.time()) if stamp is None else stamp
    sent = {"Content-Type": "application/json", "X-Alur-Timestamp": str(stamp),
            "X-Alur-Signature": sign(secret, stamp, raw), **(headers or {})}
    request = urllib.request.Request(f"{base}/api/v1/inbound/whatsapp", data=raw, headers=sent, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def message(n: int, text: str = "Izin usaha saya belum terbit sejak bulan lalu.", **extra) -> dict:
    return {"id": f"wamid.{n}", "from": "6281234567890", "name": "Rudi", "text": text, **extra}


def test_a_first_message_opens_a_draft_and_later_messages_and_media_join_it(rt, server):
    status, answer = post(server, message(1))
    assert status == 200 and answer["outcome"] == "draft"
    photo = {"filename": "loket.png", "content_type": "image/png", "data": base64.b64encode(PNG).decode()}
    fake = {"filename": "virus.pdf", "data": base64.b64encode(b"MZ\x90\x00 not a pdf").decode()}
    status, second = post(server, message(2, "Ini fotonya.", media=[photo, fake]))
    assert status == 200 and second["outcome"] == "thread" and second["draft_id"] == answer["draft_id"]
    assert [(r["filename"], r["reason"]) for r in second["refused"]] == [("virus.pdf", "type")]

    [draft] = inbound.open_drafts(rt.store)
    assert (draft.channel, draft.kanal, draft.contact, draft.contact_name) == ("whatsapp", "sms_whatsapp", NUMBER,
                                                                             "Rudi")
    view = inbound.draft_view(rt.store, draft.id)
    assert [m.body for m in view.messages] == ["Izin usaha saya belum terbit sejak bulan lalu.", "Ini fotonya."]
    assert [f.filename for f in view.files[view.messages[1].id]] == ["loket.png"]


def test_wrong_missing_and_old_signatures_are_refused_and_record_nothing(rt, server):
    assert post(server, message(1), secret="bukan-rahasianya")[0] == 401
    status, problem = post(server, message(1), stamp=int(time.time()) - 3600)
    assert status == 401 and problem["reason"] == "expired"
    raw = json.dumps(message(1)).encode()
    request = urllib.request.Request(f"{server}/api/v1/inbound/whatsapp", data=raw, method="POST",
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    refused.value.close()
    assert refused.value.code == 401
    tampered = json.dumps(message(1, "Diubah di tengah jalan")).encode()
    stamp = int(time.time())
    status, problem = post(server, tampered, headers={"X-Alur-Signature": sign(SECRET, stamp, raw),
                                                      "X-Alur-Timestamp": str(stamp)})
    assert status == 401 and problem["reason"] == "mismatch"
    assert inbound.open_drafts(rt.store) == []


def test_a_replayed_request_changes_nothing(rt, server):
    raw = json.dumps(message(1)).encode()
    stamp = int(time.time())
    assert post(server, raw, stamp=stamp)[1]["outcome"] == "draft"
    status, again = post(server, raw, stamp=stamp)  # the very same signed request, sent again
    assert status == 200 and again["outcome"] == "duplicate"
    [draft] = inbound.open_drafts(rt.store)
    assert len(inbound.draft_view(rt.store, draft.id).messages) == 1


def test_a_body_the_adapter_cannot_read_names_the_fields(server):
    status, problem = post(server, {"id": "wamid.9", "from": "bukan nomor"})
    assert status == 422 and set(problem["errors"]) == {"from"}


class Gateway(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        verify_signature(SECRET, self.headers["X-Alur-Timestamp"], raw, self.headers["X-Alur-Signature"])
        Gateway.received.append(json.loads(raw))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": "gw-1"}')

    def log_message(self, *args):
        pass


def test_the_tracking_link_goes_back_to_the_number_through_the_outbound_webhook(rt, server):
    gateway = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    try:
        Gateway.received = []
        url = f"http://127.0.0.1:{gateway.server_port}/alur"
        delivery.install(rt, channels=build_channels({"ALUR_WEBHOOK_URL": url, "ALUR_WEBHOOK_SECRET": SECRET}))
        post(server, message(1, media=[{"filename": "surat.pdf", "data": base64.b64encode(PDF).decode()}]))
        [draft] = inbound.open_drafts(rt.store)
        view = inbound.draft_view(rt.store, draft.id)
        record = {"kanal": draft.kanal, "nama": "Rudi", "telepon": draft.contact, "alamat": "Jl. Merdeka 1, Serang",
                  "kategori": "durasi_waktu", "perihal": "Izin usaha belum terbit", "uraian": view.messages[0].body}
        opened = inbound.file_draft(rt, draft.id, record, Actor("petugas", frozenset({"petugas"}), "Petugas"),
                                    definition_key="pengaduan-ptsp")
        delivery.sweep_outbox(rt)
        deadline = time.monotonic() + 10
        while not Gateway.received and time.monotonic() < deadline:
            time.sleep(0.1)
        [sent] = [m for m in Gateway.received if m["recipient"] == NUMBER]
        assert opened.ticket.receipt_no in sent["body"]
        link = next(word for word in sent["body"].split() if "/lacak" in word)
        assert f"resi={opened.ticket.receipt_no}" in link and "token=" in link  # the link that opens the ticket
        assert [a["filename"] for a in attachments.list_for(rt.store, opened.ticket.id)] == ["surat.pdf"]

        status, later = post(server, message(2, "Terima kasih, ada kabar?"))  # threads to the open ticket now
        assert status == 200 and later["outcome"] == "thread" and later["receipt_no"] == opened.ticket.receipt_no
    finally:
        gateway.shutdown()
        gateway.server_close()
