"""In Debian's Chromium: a WhatsApp complaint with a photo arrives through the signed webhook, the officer opens
Draf masuk, reads the original beside the record form, completes what is missing and saves it; the receipt follows."""
from __future__ import annotations

import base64
import json
import time
import urllib.request

import pytest

from notifications.channels.webhook import sign
from tests.browser import MARKS, chromium, screenshot, serve
from tests.inbound.conftest import PNG
from tests.web import PASSWORD

pytestmark = MARKS
SECRET = "rahasia-gateway-uji"


@pytest.fixture
def app_config():
    return {"ALUR_WHATSAPP_INBOUND_SECRET": SECRET}


def send(base: str, body: dict) -> None:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()))
    request = urllib.request.Request(f"{base}/api/v1/inbound/whatsapp", data=raw, method="POST", headers={
        "Content-Type": "application/json", "X-Alur-Timestamp": stamp, "X-Alur-Signature": sign(SECRET, stamp, raw)})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def test_an_officer_completes_a_whatsapp_draft_beside_the_original(app):
    with serve(app, "drafts-e2e") as base, chromium() as browser:
        send(base, {"id": "wamid.A", "from": "081234567890", "name": "Rudi Hartono",
                    "text": "Selamat siang. Izin usaha saya (REG-2026-0042) belum terbit padahal sudah 3 minggu."})
        send(base, {"id": "wamid.B", "from": "6281234567890", "text": "Ini foto tanda terimanya.",
                    "media": [{"filename": "tanda-terima.png", "content_type": "image/png",
                               "data": base64.b64encode(PNG).decode()}]})
        page = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="id-ID").new_page()
        page.set_default_timeout(20000)
        page.goto(base + "/login")
        page.fill("#username", "petugas")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#alur-user")
        page.goto(base + "/admin/draf/")
        page.click("#drafts a")
        page.wait_for_selector("#origin")
        origin = page.inner_text("#origin")
        assert "Izin usaha saya (REG-2026-0042)" in origin and "tanda-terima.png" in origin
        assert page.input_value("#telepon") == "+6281234567890" and page.input_value("#nama") == "Rudi Hartono"
        screenshot(page, "inbound", "draft-beside-original")
        page.fill("#alamat", "Jl. Ahmad Yani 5, Serang")
        page.select_option("#kategori", "durasi_waktu")
        page.click("#record-submit")
        page.wait_for_load_state()
        assert "/admin/work/receipt/" in page.url
        assert "ADU-" in page.inner_text("body")
        screenshot(page, "inbound", "draft-filed-receipt")
