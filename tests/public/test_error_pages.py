"""Error pages for people (issue 14, item 7): 400, 403, 404, 405, 413, 429 and 500 in Indonesian, English on
request, each with what to do and a way back, on console and public URLs; /api keeps problem+json. And the
public home page (issue 14, also): contacts from the office profile, each service's promised deadline from its
definition, a privacy notice."""
from __future__ import annotations

import re

import pytest

from workflow.services.office import set_profile

from .conftest import csrf_from, form_record


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _login(client, username: str):
    from tests.web import PASSWORD, post_login

    return post_login(client, username, PASSWORD)


@pytest.mark.parametrize("path, home", [("/tidak-ada", 'href="/"'), ("/admin/tidak-ada", 'href="/admin/"')])
def test_a_missing_page_says_so_in_indonesian_with_a_way_back(client, path, home):
    response = client.get(path)
    html = _text(response)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert '<html lang="id">' in html and "Halaman tidak ditemukan" in html and home in html
    assert "Not Found" not in html and "Traceback" not in html


def test_english_on_request(client):
    client.get("/bahasa/en?next=/")
    html = _text(client.get("/admin/tidak-ada"))
    assert '<html lang="en">' in html and "Page not found" in html and "Back to the console" in html


def test_a_console_page_outside_ones_role_is_a_403_page_with_the_way_back(client):
    _login(client, "auditor")
    response = client.get("/admin/work/new")
    html = _text(response)
    assert response.status_code == 403 and "Akses ditolak" in html and 'href="/admin/"' in html
    assert 'href="/login"' in html and "Forbidden" not in html


def test_wrong_method_and_expired_form(client):
    wrong = client.get("/logout")
    assert wrong.status_code == 405 and "tidak dapat dibuka dengan cara tersebut" in _text(wrong)
    assert "POST" in wrong.headers["Allow"]
    expired = client.post("/pengaduan/baru", data={**form_record(), "csrf_token": "kedaluwarsa"})
    assert expired.status_code == 400 and "Formulir kedaluwarsa" in _text(expired) and 'href="/"' in _text(expired)


def test_too_large_says_so_and_that_back_keeps_the_input(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    page = client.get("/pengaduan/baru")
    response = client.post("/pengaduan/baru", data={**form_record(uraian="x" * 5000),
                                                    "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 413 and "Berkas terlalu besar" in _text(response)
    assert "tombol Kembali" in _text(response)


def test_a_crash_is_a_500_page_and_the_api_keeps_problem_json(client, app):
    @app.route("/admin/_crash")
    def _crash():
        raise RuntimeError("boom")

    @app.route("/_crash")
    def _public_crash():
        raise RuntimeError("boom")

    for path in ("/admin/_crash", "/_crash"):
        response = client.get(path)
        assert response.status_code == 500 and "Terjadi kesalahan" in _text(response) and "boom" not in _text(response)
    api = client.get("/api/v1/tidak-ada")
    assert api.status_code == 404 and api.mimetype == "application/problem+json"


@pytest.mark.parametrize("app_config", [{"ALUR_RATELIMIT_TRACK": "1 per minute"}])
def test_a_429_page_says_when_to_retry(client, app_config):
    assert client.get("/lacak").status_code == 200
    blocked = client.get("/lacak")
    html = _text(blocked)
    assert blocked.status_code == 429 and re.search(r"Coba lagi dalam \d+ (detik|menit) \(pukul \d\d:\d\d WIB\)", html)
    assert 1 <= int(blocked.headers["Retry-After"]) <= 61 and "tombol Kembali" in html


# -- the home page ---------------------------------------------------------------------------------------------
def test_the_home_page_shows_contacts_promise_and_privacy(client, rt):
    set_profile(rt, {"phones": ["(0254) 267 060", "0812-1111-2222"], "email": "pengaduan@contoh.go.id",
                       "address": "Jl. Syech Nawawi Al-Bantani, KP3B"}, actor_id="admin")
    html = _text(client.get("/"))
    assert 'href="tel:(0254)267060"' in html and "0812-1111-2222" in html
    assert 'href="mailto:pengaduan@contoh.go.id"' in html and "Jl. Syech Nawawi" in html and "Jam layanan" in html
    assert re.search(r'id="promise".*paling lambat <strong>7 hari kalender</strong>', html)
    assert 'id="privacy"' in html and "Pemberitahuan privasi" in html
    client.get("/bahasa/en?next=/")
    english = _text(client.get("/"))
    assert "within <strong>7 calendar days</strong>" in english and "Privacy notice" in english
    assert "Identitas dan kontak" not in english  # the notice itself is translated
