"""Who reaches the supervisor and auditor pages: the expected table, checked for every role and anonymous.

Decision (written down here and in admin/console/auditor.py): the audit log is read by auditors and by
the head of office (supervisor level 3, kepala dinas), who answers for the office to the inspectorate.
Kepala seksi and kepala bidang manage the deadlines the log judges, so they do not read it here.
Supervisor pages are for supervisors of every level and nobody else (not even admin, who manages users).
"""
from __future__ import annotations

import pytest

from .conftest import USERS, csrf_from, login

A = 200  # allowed
R = 403  # refused
L = 302  # anonymous: sent to the login page

# page -> expected status per user; "anon" is a client that never logged in
EXPECTED = {
    #                                         admin kasi kabid kadis petugas tim esdm auditor anon
    "/admin/pimpinan/":                        (R,   A,   A,    A,    R,      R,  R,   R,      L),
    "/admin/definisi/":                        (R,   A,   A,    A,    R,      R,  R,   R,      L),
    "/admin/definisi/pengaduan-ptsp/edit":     (R,   A,   A,    A,    R,      R,  R,   R,      L),
    "/admin/definisi/pengaduan-ptsp/v1":       (R,   A,   A,    A,    R,      R,  R,   R,      L),
    "/admin/definisi/pengaduan-ptsp/v1/diagram": (R, A,   A,    A,    R,      R,  R,   R,      L),
    "/admin/kalender/":                        (R,   A,   A,    A,    R,      R,  R,   R,      L),
    "/admin/audit/":                           (R,   R,   R,    A,    R,      R,  R,   A,      L),
    "/admin/audit/identitas":                  (R,   R,   R,    A,    R,      R,  R,   A,      L),
    "/admin/audit/export.jsonl":               (R,   R,   R,    A,    R,      R,  R,   A,      L),
    "/admin/audit/export.csv":                 (R,   R,   R,    A,    R,      R,  R,   A,      L),
    "/sop/pengaduan-ptsp/v1.svg":              (A,   A,   A,    A,    A,      A,  A,   A,      L),
    "/sop/pengaduan-ptsp/v1.mmd":              (A,   A,   A,    A,    A,      A,  A,   A,      L),
}
WHO = ("admin", "kasi", "kabid", "kadis", "petugas", "tim", "esdm", "auditor", "anon")

# POST actions -> expected per user (the forms below are valid, so an allowed user really acts)
FORMS = {
    "/admin/definisi/pengaduan-ptsp/edit": {"action": "check", "source": "key: x", "base_version": "1"},
    "/admin/kalender/change": {"action": "add", "day": "2026-12-31", "name": "Tutup akhir tahun"},
    "/admin/audit/verify": {},
}
ACTIONS = {
    "/admin/definisi/pengaduan-ptsp/edit":     (R,   A,   A,    A,    R,      R,  R,   R,      L),
    "/admin/kalender/change":                  (R,   A,   A,    A,    R,      R,  R,   R,      L),
    "/admin/audit/verify":                     (R,   R,   R,    A,    R,      R,  R,   A,      L),
}


def test_the_table_names_every_console_user():
    assert set(WHO) - {"anon"} == set(USERS)


@pytest.fixture
def clients(app):
    out = {}
    for name in WHO:
        client = app.test_client()
        if name != "anon":
            login(client, name)
        out[name] = client
    return out


def test_every_page_is_allowed_or_refused_as_the_table_says(clients):
    seen = {}
    for url, expected in EXPECTED.items():
        for who, want in zip(WHO, expected):
            response = clients[who].get(url)
            seen[(url, who)] = response.status_code
            if want == L:
                assert "/login" in response.headers.get("Location", ""), (url, who)
    wrong = {k: v for k, v in seen.items() if v != dict(zip(WHO, EXPECTED[k[0]]))[k[1]]}
    assert not wrong, f"unexpected status codes: {wrong}"


def test_every_action_checks_the_role_on_the_server(clients, rt):
    seen = {}
    for url, expected in ACTIONS.items():
        for who, want in zip(WHO, expected):
            token = csrf_from(clients[who].get("/login").get_data(as_text=True))
            response = clients[who].post(url, data={"csrf_token": token, **FORMS[url]})
            status = response.status_code
            # an allowed user gets a page or a redirect back to it; a refused one 403; anonymous the login page
            got = L if status == 302 and "/login" in response.headers.get("Location", "") else \
                A if status in (200, 302, 422) else status
            seen[(url, who)] = got
    wrong = {k: v for k, v in seen.items() if v != dict(zip(WHO, ACTIONS[k[0]]))[k[1]]}
    assert not wrong, f"unexpected outcomes: {wrong}"


def test_auditors_change_nothing(clients, rt):
    """No create, edit or delete anywhere for an auditor: only GET pages and the read-only re-verify."""
    auditor = clients["auditor"]
    for url in ("/admin/audit/", "/admin/audit/identitas", "/admin/audit/export.jsonl"):
        assert auditor.post(url).status_code in (400, 405)  # no POST handler (or no CSRF token)
    for url in ("/admin/audit/new/", "/admin/audit/edit/", "/admin/audit/delete/"):
        assert auditor.get(url).status_code == 404
    before = rt.store.audit_head()
    token = csrf_from(auditor.get("/admin/audit/").get_data(as_text=True))
    assert auditor.post("/admin/audit/verify", data={"csrf_token": token}).status_code == 302
    assert rt.store.audit_head() == before  # verifying writes nothing


def test_menu_shows_only_what_the_user_may_open(clients):
    kasi = clients["kasi"].get("/admin/").get_data(as_text=True)
    auditor = clients["auditor"].get("/admin/").get_data(as_text=True)
    kadis = clients["kadis"].get("/admin/").get_data(as_text=True)
    assert "/admin/pimpinan/" in kasi and "/admin/audit/" not in kasi
    assert "/admin/audit/" in auditor and "/admin/pimpinan/" not in auditor
    assert "/admin/audit/" in kadis and "/admin/pimpinan/" in kadis
