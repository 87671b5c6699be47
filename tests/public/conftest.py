"""Public intake fixtures: the shared web app (tests/web.py), API keys, and helpers to file a complaint
through the form."""
from __future__ import annotations

import io
import re
import zipfile

import pytest

from tests.web import PASSWORD, csrf_from  # noqa: F401 - re-exported to the tests
from workflow.core.guards import Actor
from workflow.services.apikeys import create_key

IDENTITY = {"nama": "Ratna Kusumawardhani", "alamat": "Jl. Cendrawasih Gg. Melati No. 17, Pandeglang",
            "telepon": "0813-9988-7766", "email": "ratna.k@contoh.id"}
# what the identity looks like once normalised (the phone in E.164), so scans catch every spelling
IDENTITY_NEEDLES = ("Ratna Kusumawardhani", "Kusumawardhani", "Cendrawasih", "Gg. Melati", "+6281399887766",
                    "081399887766", "0813-9988-7766", "9988", "ratna.k@contoh.id")

PETUGAS = Actor("petugas1", frozenset({"petugas"}), "Petugas Satu")
TIM = Actor("tim1", frozenset({"tim"}), "Tim Satu")
OPD_ESDM = Actor("esdm", frozenset({"opd_liaison"}), "Penghubung ESDM", opd="dinas_esdm")
SYSTEM = Actor.system()

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def form_record(**overrides) -> dict:
    record = {**IDENTITY, "no_registrasi": "REG-2026-0042", "sektor": "esdm", "jenis_izin": "",
              "kategori": "durasi_waktu", "perihal": "Izin SIPA belum diproses",
              "uraian": "Permohonan SIPA belum ada peninjauan lapangan sejak dua bulan.",
              "tempat": "Kantor DPMPTSP Serang", "waktu_kejadian": "2026-11-20T10:00", "kerahasiaan": "biasa"}
    record.update(overrides)
    return record


def api_record(**overrides) -> dict:
    record = {**IDENTITY, "kanal": "website_sipeka", "no_registrasi": "REG-2026-0100", "sektor": "esdm",
              "kategori": "durasi_waktu", "perihal": "Izin SIPA belum diproses",
              "uraian": "Permohonan belum diproses.", "kerahasiaan": "biasa"}
    record.update(overrides)
    return record


def file_via_form(client, files=None, **overrides) -> tuple[str, str]:
    """File a complaint through the public form; returns (receipt number, token) from the receipt page."""
    page = client.get("/pengaduan/baru")
    data = {**form_record(**overrides), "csrf_token": csrf_from(page.get_data(as_text=True))}
    if files:
        data["bukti"] = [(io.BytesIO(content), name) for name, content in files]
    response = client.post("/pengaduan/baru", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    number = re.search(r'id="receipt-no">([^<]+)<', receipt).group(1)
    token = re.search(r'id="token">([^<]+)<', receipt).group(1)
    return number, token


@pytest.fixture
def app_config():
    return {"ALUR_RATELIMIT_FORM": "1000 per minute", "ALUR_RATELIMIT_TRACK": "1000 per minute"}


@pytest.fixture
def api_key(rt):
    """A factory: api_key("intake", "read") -> the Authorization header for a new key."""
    def make(*scopes: str, role: str = "petugas", name: str = "sipeka") -> dict[str, str]:
        _, key = create_key(rt.store, name, scopes or ("intake", "read", "act"), role, same_integration=True)
        return {"Authorization": f"Bearer {key}"}
    return make
