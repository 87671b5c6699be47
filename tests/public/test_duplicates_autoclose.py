"""Duplicate flagging at intake, link and merge for the petugas (engine and console page), and the
automatic close of answers nobody confirmed."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.web import post_login
from workflow.errors import TransitionRejected
from workflow.services import duplicates
from workflow.services.autoclose import close_unconfirmed
from workflow.store.queries.duplicates import flagged

from .conftest import PASSWORD, PETUGAS, csrf_from, file_via_form
from .scenario import answer, ticket_id


def test_same_registration_and_category_as_an_open_ticket_is_flagged(client, rt):
    first, _ = file_via_form(client)
    second, _ = file_via_form(client)
    other_category, _ = file_via_form(client, kategori="sikap_petugas")
    other_registration, _ = file_via_form(client, no_registrasi="REG-LAIN")
    assert rt.engine.load(ticket_id(rt, second)).flags == [f"duplikat:{first}"]
    for receipt in (first, other_category, other_registration):
        assert rt.engine.load(ticket_id(rt, receipt)).flags == []
    rows = flagged(rt.store)
    assert [(row["receipt_no"], row["duplicates_of"]) for row in rows] == [(second, [first])]
    audit = [r for r in rt.store.audit_rows(ticket_id=ticket_id(rt, second)) if r["kind"] == "system"]
    assert audit[-1]["detail"] == {"event": "duplicate_flag", "of": first}


def test_a_closed_ticket_is_not_a_duplicate_target(client, rt):
    first, _ = file_via_form(client)
    rt.engine.fire(ticket_id(rt, first), "tolak", PETUGAS, {"alasan": "bukan pengaduan"})
    second, _ = file_via_form(client)
    assert rt.engine.load(ticket_id(rt, second)).flags == []


def test_link_keeps_both_running_and_clears_the_flag(client, rt):
    first, _ = file_via_form(client)
    second, _ = file_via_form(client)
    duplicates.link(rt, ticket_id(rt, second), first, PETUGAS)
    ticket = rt.engine.load(ticket_id(rt, second))
    assert ticket.flags == [f"terkait:{first}"] and ticket.state == "diterima"
    assert duplicates.links_of(rt, ticket.id) == [{"kind": "terkait", "receipt_no": first}]
    assert flagged(rt.store) == []


def test_merge_fires_gabungkan_with_the_parent_number(client, rt):
    first, _ = file_via_form(client)
    second, _ = file_via_form(client)
    merged = duplicates.merge(rt, ticket_id(rt, second), first, PETUGAS)
    assert merged.state == "digabung" and merged.fields["nomor_induk"] == first
    assert flagged(rt.store) == []
    with pytest.raises(TransitionRejected, match="gabungkan"):
        duplicates.merge(rt, ticket_id(rt, second), first, PETUGAS)
    assert rt.engine.load(ticket_id(rt, second)).state == "digabung"


def test_console_page_lists_flagged_tickets_and_merges(app, client, rt):
    first, _ = file_via_form(client)
    second, _ = file_via_form(client)
    officer = app.test_client()
    post_login(officer, "petugas", PASSWORD)
    page = officer.get("/admin/duplikat/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and second in html and first in html
    assert "Ratna" not in html  # no identity on this page
    response = officer.post(f"/admin/duplikat/{ticket_id(rt, second)}/merge",
                            data={"other": first, "csrf_token": csrf_from(html)})
    assert response.status_code == 302
    assert rt.engine.load(ticket_id(rt, second)).state == "digabung"
    assert "no-duplicates" in officer.get("/admin/duplikat/").get_data(as_text=True)
    assert app.test_client().get("/admin/duplikat/").status_code in (302, 401, 403)  # not for the public


def test_autoclose_closes_only_after_the_confirmation_window(client, rt):
    waiting, _ = file_via_form(client)
    confirmed, token = file_via_form(client, no_registrasi="REG-2")
    answer(rt, waiting)
    answer(rt, confirmed)
    rt.engine.fire(ticket_id(rt, confirmed), "konfirmasi_puas", PETUGAS, {})
    now = rt.engine.now()
    assert close_unconfirmed(rt, now=now + timedelta(days=3)) == 0
    assert close_unconfirmed(rt, now=now + timedelta(days=20)) == 1
    ticket = rt.engine.load(ticket_id(rt, waiting))
    assert ticket.state == "selesai_tanpa_konfirmasi" and ticket.outcome == "closed_unconfirmed"
    last = list(rt.store.audit_rows(ticket_id=ticket.id))[-1]
    assert last["trigger"] == "tutup_otomatis" and last["actor_id"] == "system"
    assert close_unconfirmed(rt, now=now + timedelta(days=21)) == 0  # idempotent
    assert rt.engine.load(ticket_id(rt, confirmed)).state == "selesai"
