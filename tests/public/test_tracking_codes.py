"""Tracking without the long token in the address (issue 14, item 2): the receipt's PIN (hashed, locked after
wrong tries), the QR code's link with the token in its fragment, the browser remembering what it proved, old
``?token=`` links masked in access logs, and documents sent with the complainant's reply (item 4)."""
from __future__ import annotations

import io
import logging
import re
from datetime import timedelta

from sqlalchemy import select

from workflow.core.receipts import clean_pin, hash_pin, new_pin, spaced_pin, tracking_link
from workflow.services import attachments
from workflow.services.tracking import LOCK_MINUTES, MAX_FAILURES, check_pin
from workflow.store.models_intake import tracking_pins

from .conftest import PDF, csrf_from, file_via_form
from .scenario import ask_for_information, ticket_id


def _receipt(client) -> dict:
    html = client.get("/pengaduan/resi").get_data(as_text=True)
    return {"number": re.search(r'id="receipt-no">([^<]+)<', html).group(1),
            "pin": re.search(r'id="pin">([^<]+)<', html).group(1), "html": html}


def _lookup(client, number: str, pin: str = "", token: str = ""):
    page = client.get("/lacak").get_data(as_text=True)
    return client.post("/lacak", data={"csrf_token": csrf_from(page), "resi": number, "pin": pin, "token": token})


# -- the codes themselves (pure) --------------------------------------------------------------------------------
def test_pins_are_six_ascii_digits_typed_any_way_and_hashed_with_a_key():
    pins = {new_pin() for _ in range(200)}
    assert all(re.fullmatch(r"[0-9]{6}", p) for p in pins) and len(pins) > 150
    assert clean_pin(" 493-027 ") == clean_pin("493 027") == "493027" and clean_pin("٤٩٣٠٢٧") == ""
    assert spaced_pin("493027") == "493 027"
    assert hash_pin("ADU-2026-000001", "493027", "k1") != hash_pin("ADU-2026-000001", "493027", "k2")
    assert hash_pin("adu-2026-000001 ", "493027", "k1") == hash_pin("ADU-2026-000001", "493027", "k1")


def test_the_tracking_link_carries_the_token_only_in_its_fragment():
    assert tracking_link("https://x.test/", "ADU-2026-000001", "a+b/c") == \
        "https://x.test/lacak#resi=ADU-2026-000001&token=a%2Bb%2Fc"
    assert tracking_link("https://x.test", "ADU-2026-000001") == "https://x.test/lacak?resi=ADU-2026-000001"


# -- PIN on the tracking page ------------------------------------------------------------------------------------
def test_the_receipt_number_and_pin_open_the_tracking_page_and_the_browser_remembers(client, rt, app):
    file_via_form(client)
    shown = _receipt(client)
    stranger = app.test_client()  # another browser: nothing proven yet
    assert "Status pengaduan" not in stranger.get(f"/lacak?resi={shown['number']}").get_data(as_text=True)
    response = _lookup(stranger, shown["number"].lower(), pin=shown["pin"].replace(" ", "-"))
    assert response.status_code == 303 and response.headers["Location"] == f"/lacak?resi={shown['number']}"
    page = stranger.get(response.headers["Location"])
    assert page.status_code == 200 and "Status pengaduan" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    with rt.store.engine.connect() as conn:
        stored = conn.execute(select(tracking_pins.c.pin_hash)).scalar_one()
    assert shown["pin"].replace(" ", "") not in stored and len(stored) == 64  # kept keyed-hashed only


def test_a_wrong_pin_and_an_unknown_number_get_the_same_page(client):
    file_via_form(client)
    shown = _receipt(client)
    wrong_pin = "000000" if shown["pin"].replace(" ", "") != "000000" else "111111"
    wrong = _lookup(client, shown["number"], pin=wrong_pin)
    unknown = _lookup(client, "ADU-2026-999999", pin=wrong_pin)
    assert wrong.status_code == unknown.status_code == 404 and wrong.get_data() == unknown.get_data()
    assert "PIN/token tidak cocok" in wrong.get_data(as_text=True)


def test_the_pin_locks_after_wrong_tries_from_any_address_and_the_qr_link_still_works(client, rt, app):
    _, token = file_via_form(client)
    shown = _receipt(client)
    pin = shown["pin"].replace(" ", "")
    wrong = f"{(int(pin) + 1) % 1000000:06d}"
    for n in range(MAX_FAILURES):
        other = app.test_client()
        assert _lookup(other, shown["number"], pin=wrong).status_code == (429 if n == MAX_FAILURES - 1 else 404)
    locked = _lookup(app.test_client(), shown["number"], pin=pin)  # even the right PIN waits now
    assert locked.status_code == 429 and "Terlalu banyak PIN yang salah" in locked.get_data(as_text=True)
    assert int(locked.headers["Retry-After"]) == LOCK_MINUTES * 60
    assert _lookup(app.test_client(), shown["number"], token=token).status_code == 303
    later = rt.engine.now() + timedelta(minutes=LOCK_MINUTES + 1)
    assert check_pin(rt.store, shown["number"], pin, rt.engine.identity_salt, later).ok  # the lock ends
    assert check_pin(rt.store, shown["number"], wrong, rt.engine.identity_salt, later).ok is False


def test_reloading_the_receipt_keeps_the_number_pin_qr_and_tracking(client):
    file_via_form(client)
    first, again = _receipt(client), _receipt(client)
    assert first["number"] == again["number"] and first["pin"] == again["pin"]
    assert 'id="qr" src="data:image/svg+xml' in again["html"] and "alt=" in again["html"]
    track = re.search(r'id="track-link" href="([^"]+)"', again["html"]).group(1)
    assert "token" not in track and "Status pengaduan" in client.get(track).get_data(as_text=True)


# -- replies: no token in the page, documents on request -------------------------------------------------------
def test_a_reply_needs_no_token_once_proven_and_carries_the_documents_asked_for(client, rt, app):
    number, _ = file_via_form(client)
    ask_for_information(rt, number, "Lampirkan surat tanda terima permohonan.")
    html = client.get(f"/lacak?resi={number}").get_data(as_text=True)
    assert 'name="token"' not in html and '<label for="f-bukti">' in html
    response = client.post("/lacak/lengkapi", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(html), "resi": number, "kelengkapan": "Surat terlampir.",
        "bukti": [(io.BytesIO(PDF), "tanda-terima.pdf")]})
    assert response.status_code == 302 and response.headers["Location"] == f"/lacak?resi={number}&ok=1"
    tid = ticket_id(rt, number)
    assert [a["filename"] for a in attachments.list_for(rt.store, tid)] == ["tanda-terima.pdf"]
    audit = [r for r in rt.store.audit_rows(ticket_id=tid) if r["detail"].get("event") == "attachment"]
    assert audit[-1]["actor_id"] == "pemohon"
    stranger = app.test_client()  # without the proof, the same post does nothing
    page = stranger.get("/lacak").get_data(as_text=True)
    refused = stranger.post("/lacak/lengkapi", data={"csrf_token": csrf_from(page), "resi": number,
                                                     "kelengkapan": "x"})
    assert refused.status_code == 404


def test_a_refused_document_refuses_the_reply_and_says_why(client, rt):
    number, _ = file_via_form(client)
    ask_for_information(rt, number)
    html = client.get(f"/lacak?resi={number}").get_data(as_text=True)
    response = client.post("/lacak/lengkapi", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(html), "resi": number, "kelengkapan": "Terlampir.",
        "bukti": [(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 64), "surat.exe")]})
    assert response.status_code == 422 and 'id="e-bukti"' in response.get_data(as_text=True)
    assert rt.engine.load(ticket_id(rt, number)).state == "menunggu_kelengkapan"


# -- tokens out of logs ----------------------------------------------------------------------------------------
def test_an_old_token_link_still_works_and_its_token_is_masked_in_the_access_log(client, caplog):
    from admin.public.redact import RedactTokens

    number, token = file_via_form(client)
    assert "Status pengaduan" in client.get(f"/lacak?resi={number}&token={token}").get_data(as_text=True)
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - [%s] "%s" %s %s',
                               ("127.0.0.1", "now", f"GET /lacak?resi={number}&token={token} HTTP/1.1", "200", "-"),
                               None)
    RedactTokens().filter(record)
    assert token not in record.getMessage() and "token=[disaring]" in record.getMessage()
    assert any(isinstance(f, RedactTokens) for f in logging.getLogger("werkzeug").filters)


def test_the_receipt_notice_carries_the_pin_and_the_stored_copy_keeps_neither_pin_nor_token(client, rt):
    from notifications.delivery import deliver
    from notifications.expansion import expand_outbox
    from workflow.store import models as m
    from workflow.store.models_notifications import deliveries

    number, token = file_via_form(client)
    pin = _receipt(client)["pin"]
    with rt.store.engine.connect() as conn:
        pending = conn.execute(select(m.outbox.c.id, m.outbox.c.status)
                               .where(m.outbox.c.template == "tanda_terima")).all()
    for row in pending:
        if row.status == "pending":
            for delivery_id in expand_outbox(rt, row.id):
                deliver(rt, delivery_id)
    with rt.store.engine.connect() as conn:
        rows = conn.execute(select(deliveries.c.body, deliveries.c.status, deliveries.c.channel)
                            .where(deliveries.c.template == "tanda_terima")).all()
    sent = [r.body for r in rows if r.status == "sent"]
    assert {r.channel for r in rows if r.status == "sent"} >= {"email"}  # the form gave an email and a phone
    assert all(token not in body and pin not in body for body in sent)
    assert all("PIN pelacakan    : [PIN]" in body and f"/lacak#resi={number}&token=[token]" in body for body in sent)


def test_done_on_this_device_forgets_the_receipt_and_the_tracking(client):
    """A shared phone or kiosk: after noting the codes, the complainant makes the browser forget them."""
    number, _ = file_via_form(client)
    page = client.get("/pengaduan/resi").get_data(as_text=True)
    assert 'id="forget"' in page
    response = client.post("/lacak/selesai", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302 and response.headers["Location"] == "/?selesai=1"
    assert 'id="forgotten"' in client.get("/?selesai=1").get_data(as_text=True)
    assert 'id="receipt-no"' not in client.get("/pengaduan/resi").get_data(as_text=True)
    assert "Status pengaduan" not in client.get(f"/lacak?resi={number}").get_data(as_text=True)
