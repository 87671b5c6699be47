"""The office's pages (admin/console/office.py): a supervisor edits the profile, its hours and dated hours,
uploads a logo and extends the agencies; a wrong value keeps what was typed and says what to fix; every page
speaks Indonesian and English; the administrator does not edit the office."""
from __future__ import annotations

import io

import pytest

from workflow.services.office import current_office, load_profile

from .conftest import csrf_from, login

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PROFILE = {"name": "Dinas Penanaman Modal dan PTSP Kota Contoh", "short_name": "DPMPTSP Kota Contoh",
           "service_name": "Pelayanan Terpadu Satu Pintu Kota Contoh", "level": "kota", "region": "Kota Contoh",
           "city": "Contoh", "address": "Jl. Merdeka 1", "phones": "(0285) 421093, 0812-1111-2222",
           "email": "pengaduan@contoh.go.id", "website": "", "timezone": "Asia/Makassar",
           "hours": "senin-kamis 07:30-16:00, jumat 07:30-11:30",
           "dated_label": ["Ramadan", ""], "dated_from": ["2027-02-08", ""], "dated_to": ["2027-03-09", ""],
           "dated_hours": ["senin-jumat 08:00-14:00", ""]}


@pytest.fixture
def kasi(client):
    login(client, "kasi")
    return client


def post(client, url: str, data: dict, page: str | None = None, **kwargs):
    token = csrf_from(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def test_a_supervisor_sets_the_profile_and_the_whole_console_names_the_office(kasi, rt):
    page = kasi.get("/admin/kantor/").get_data(as_text=True)
    assert "Profil kantor" in page and "Jam kantor" in page and "WITA (Asia/Makassar)" in page
    assert post(kasi, "/admin/kantor/", PROFILE).status_code == 302
    office = load_profile(rt.store)
    assert (office.short_name, office.zone_name, office.phones) == ("DPMPTSP Kota Contoh", "WITA",
                                                                   ("(0285) 421093", "0812-1111-2222"))
    assert office.dated_hours[0].label == "Ramadan" and len(office.dated_hours) == 1
    assert rt.calendar.timezone == "Asia/Makassar"  # deadlines now count in WITA
    page = kasi.get("/admin/kantor/").get_data(as_text=True)
    assert "DPMPTSP Kota Contoh" in page.split("<body")[1][:3000]  # the console header
    assert "WITA" in kasi.get("/admin/pimpinan/").get_data(as_text=True)  # times shown in the office's zone
    rows = [r for r in rt.store.audit_rows(kind="office")]
    assert rows[-1]["actor_id"] == "kasi" and "timezone" in rows[-1]["detail"]["changed"]


def test_a_wrong_value_is_refused_with_the_typed_form_kept(kasi, rt):
    response = post(kasi, "/admin/kantor/", {**PROFILE, "hours": "senn-jumat 08:00-16:00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "did you mean &#39;senin&#39;" in page
    assert 'value="DPMPTSP Kota Contoh"' in page and "senn-jumat" in page  # nothing typed is lost
    assert not current_office(rt).configured


def test_the_logo_is_uploaded_served_as_an_image_and_other_files_refused(kasi, client, rt):
    assert client.get("/logo").status_code == 404
    done = post(kasi, "/admin/kantor/logo", {"logo": (io.BytesIO(PNG), "logo.png")}, "/admin/kantor/",
                content_type="multipart/form-data")
    assert done.status_code == 302
    served = client.get("/logo")
    assert served.status_code == 200 and served.data == PNG and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    refused = post(kasi, "/admin/kantor/logo", {"logo": (io.BytesIO(b"<svg onload='x'/>"), "logo.png")},
                   "/admin/kantor/", content_type="multipart/form-data", follow_redirects=True)
    assert "PNG, JPEG or GIF" in refused.get_data(as_text=True)
    assert client.get("/logo").data == PNG


def test_a_supervisor_adds_and_retires_an_agency(kasi, rt):
    added = post(kasi, "/admin/kantor/instansi", {"code": "camat_cikupa", "label": "Camat Cikupa", "kind": "camat",
                                                  "email": "camat@contoh.go.id"})
    assert added.status_code == 302
    page = kasi.get("/admin/kantor/instansi").get_data(as_text=True)
    assert 'data-code="camat_cikupa"' in page and "Kecamatan (camat)" in page
    assert rt.catalogs["opd"].label_of("camat_cikupa") == "Camat Cikupa"
    post(kasi, "/admin/kantor/instansi", {"code": "camat_cikupa", "active": "0"})
    entry = rt.catalogs["opd"].get("camat_cikupa")
    assert entry.extra["active"] is False and entry.extra["email"] == "camat@contoh.go.id"  # contacts kept
    refused = post(kasi, "/admin/kantor/instansi", {"code": "Camat X", "label": "x"})
    assert refused.status_code == 422 and "not an agency code" in refused.get_data(as_text=True)


def test_the_pages_speak_english_on_request(kasi):
    kasi.get("/locale/en")
    assert "Office hours" in kasi.get("/admin/kantor/").get_data(as_text=True)
    assert "Agencies" in kasi.get("/admin/kantor/instansi").get_data(as_text=True)


def test_the_administrator_does_not_edit_the_office(client):
    login(client, "admin")
    assert client.get("/admin/kantor/").status_code == 403
