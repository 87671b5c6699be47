"""Anonim and rahasia complaints: the complainant's name, address, phone and email appear on no public
page, in no API response (evidence file names included) and on no OPD liaison page."""
from __future__ import annotations

import io

import pytest

from tests.web import post_login

from .conftest import IDENTITY_NEEDLES, PASSWORD, PDF, PETUGAS, TIM, api_record, csrf_from, file_via_form
from .scenario import answer, ticket_id


def leaks(text: str) -> list[str]:
    return [needle for needle in IDENTITY_NEEDLES if needle.lower() in text.lower()]


def hand_to_esdm(rt, receipt: str) -> None:
    tid = ticket_id(rt, receipt)
    rt.engine.fire(tid, "verifikasi", PETUGAS, {"tingkat": "sedang", "kewenangan": "dalam"})
    rt.engine.fire(tid, "teruskan_tim", PETUGAS, {})
    rt.engine.fire(tid, "serahkan_opd", TIM, {"opd": "dinas_esdm", "permintaan": "Mohon jadwal peninjauan."})


@pytest.mark.parametrize("level", ["anonim", "rahasia"])
def test_protected_identity_appears_nowhere_public_nor_to_the_opd(app, client, api_key, rt, level):
    pages: dict[str, str] = {}
    # filed through the form (receipt page captured inside file_via_form is scanned below via tracking)
    page = client.get("/pengaduan/baru")
    data = {**__import__("tests.public.conftest", fromlist=["form_record"]).form_record(kerahasiaan=level),
            "csrf_token": csrf_from(page.get_data(as_text=True))}
    posted = client.post("/pengaduan/baru", data=data)
    receipt_page = client.get(posted.headers["Location"]).get_data(as_text=True)
    pages["receipt"] = receipt_page
    import re
    number = re.search(r'id="receipt-no">([^<]+)<', receipt_page).group(1)
    token = re.search(r'id="token">([^<]+)<', receipt_page).group(1)

    # and through the API
    keys = api_key("intake", "read", "act")
    created = client.post("/api/v1/tickets", json=api_record(kerahasiaan=level), headers=keys)
    pages["api create"] = created.get_data(as_text=True)
    api_number, api_token = created.json["receipt_no"], created.json["token"]
    # evidence named after the complainant, as people name their KTP scans
    attached = client.post(f"/api/v1/tickets/{api_number}/attachments", headers=keys,
                           data={"files": [(io.BytesIO(PDF), "KTP_Ratna_Kusumawardhani_0813-9988-7766.pdf")]},
                           content_type="multipart/form-data")
    assert attached.status_code == 201
    pages["api attach"] = attached.get_data(as_text=True)

    for receipt in (number, api_number):
        hand_to_esdm(rt, receipt)

    pages["track"] = client.get(f"/lacak?resi={number}&token={token}").get_data(as_text=True)
    pages["track api-filed"] = client.get(f"/lacak?resi={api_number}&token={api_token}").get_data(as_text=True)
    pages["api status"] = client.get(f"/api/v1/tickets/{number}/status",
                                     headers={**keys, "X-Tracking-Token": token}).get_data(as_text=True)
    pages["api list"] = client.get("/api/v1/tickets", headers=keys).get_data(as_text=True)
    pages["api get"] = client.get(f"/api/v1/tickets/{number}", headers=keys).get_data(as_text=True)
    pages["api transitions"] = client.get(f"/api/v1/tickets/{number}/transitions", headers=keys).get_data(as_text=True)
    pages["api attachments"] = client.get(f"/api/v1/tickets/{api_number}/attachments",
                                          headers=keys).get_data(as_text=True)
    pages["index"] = client.get("/").get_data(as_text=True)

    # the OPD liaison's console
    liaison = app.test_client()
    post_login(liaison, "esdm", PASSWORD)
    inbox = liaison.get("/admin/opd/")
    assert inbox.status_code == 200 and number in inbox.get_data(as_text=True)
    pages["opd inbox"] = inbox.get_data(as_text=True)
    for receipt in (number, api_number):
        detail = liaison.get(f"/admin/opd/ticket/{ticket_id(rt, receipt)}")
        assert detail.status_code == 200
        pages[f"opd ticket {receipt}"] = detail.get_data(as_text=True)

    found = {name: leaks(text) for name, text in pages.items() if leaks(text)}
    assert found == {}
    # the identity was recorded all the same (handled normally, only hidden)
    assert rt.engine.load(ticket_id(rt, number)).identity["nama"] == "Ratna Kusumawardhani"


def test_answered_ticket_tracking_page_shows_no_identity_even_for_biasa(client, rt):
    number, token = file_via_form(client)
    answer(rt, number)
    html = client.get(f"/lacak?resi={number}&token={token}").get_data(as_text=True)
    assert leaks(html) == []
