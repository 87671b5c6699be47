"""Actions that close a complaint unanswered (withdraw, reject, merge, transfer) are never the primary button
and need a ticked confirmation, checked on the server so it holds without JavaScript (issue 14, also-list)."""
from __future__ import annotations

import re

from tests.console.conftest import csrf_from, login, open_ticket
from workflow.core.guards import Actor

PETUGAS = Actor("petugas", frozenset({"petugas"}))


def handed_to_team(rt) -> int:
    ticket_id = open_ticket(rt)
    rt.engine.fire(ticket_id, "verifikasi", PETUGAS, {"tingkat": "sedang", "kewenangan": "dalam"})
    rt.engine.fire(ticket_id, "teruskan_tim", PETUGAS, {})
    return ticket_id


def test_withdrawal_is_not_primary_and_comes_last(app, rt):
    ticket_id = handed_to_team(rt)
    client = app.test_client()
    login(client, "petugas")
    html = client.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
    button = re.search(r'<button class="btn ([^"]*)"[^>]*id="btn-cabut"', html)
    assert button and "btn-primary" not in button.group(1) and "btn-outline-danger" in button.group(1)
    assert 'id="confirm-cabut"' in html and "tidak dapat dibuka kembali" in html


def test_without_the_confirmation_nothing_closes_and_the_reason_typed_is_kept(app, rt):
    ticket_id = handed_to_team(rt)
    client = app.test_client()
    login(client, "petugas")
    page = client.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "trigger": "cabut", "expected_version": "3",
            "alasan_cabut": "Pemohon menelepon: sudah selesai"}
    refused = client.post(f"/admin/work/ticket/{ticket_id}/fire", data=data)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Centang konfirmasi" in html and "Pemohon menelepon: sudah selesai" in html
    assert rt.engine.load(ticket_id).state == "ditangani_tim"
    done = client.post(f"/admin/work/ticket/{ticket_id}/fire", data={**data, "_confirm": "ya"})
    assert done.status_code == 302 and rt.engine.load(ticket_id).state == "dicabut"


def test_an_ordinary_move_needs_no_confirmation(app, rt):
    ticket_id = open_ticket(rt)
    client = app.test_client()
    login(client, "petugas")
    page = client.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
    assert 'id="confirm-verifikasi"' not in page
    response = client.post(f"/admin/work/ticket/{ticket_id}/fire", data={
        "csrf_token": csrf_from(page), "trigger": "verifikasi", "expected_version": "1", "tingkat": "ringan",
        "kewenangan": "dalam"})
    assert response.status_code == 302 and rt.engine.load(ticket_id).state == "terverifikasi"
