"""Canned answers declared in the definition (issue 14, item 8): offered beside the answer fields, inserted
without JavaScript by a post that fires nothing and keeps what was typed."""
from __future__ import annotations

from tests.console.conftest import csrf_from, login, open_ticket
from workflow.core.guards import Actor


def verified(rt, tingkat: str = "ringan") -> int:
    ticket_id = open_ticket(rt)
    rt.engine.fire(ticket_id, "verifikasi", Actor("petugas", frozenset({"petugas"})),
                   {"tingkat": tingkat, "kewenangan": "dalam"})
    return ticket_id


def test_the_answer_field_offers_the_definitions_canned_answers(app, rt):
    ticket_id = verified(rt)
    client = app.test_client()
    login(client, "petugas")
    html = client.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
    assert 'id="canned-jawab_langsung-jawaban"' in html
    assert "Reset akun SIPEKA" in html and "Persyaratan belum lengkap" in html
    assert "Menunggu peninjauan lapangan OPD" not in html  # declared for the team's 'jawab' only
    assert 'id="canned-jawab_langsung-analisa"' not in html  # not a field the answers fill


def test_insert_without_javascript_adds_the_text_after_what_was_typed_and_fires_nothing(app, rt):
    ticket_id = verified(rt)
    client = app.test_client()
    login(client, "petugas")
    page = client.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
    response = client.post(f"/admin/work/ticket/{ticket_id}/fire", data={
        "csrf_token": csrf_from(page), "trigger": "jawab_langsung", "expected_version": "2",
        "analisa": "Akun terkunci.", "jawaban": "Yth. Ibu Siti,", "_canned_jawaban": "reset_sipeka",
        "_insert": "jawaban"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Yth. Ibu Siti,\n\nTerima kasih atas pengaduan Bapak/Ibu. Akun SIPEKA" in html
    assert ">Akun terkunci.</textarea>" in html  # the other field kept
    assert rt.engine.load(ticket_id).state == "terverifikasi"
