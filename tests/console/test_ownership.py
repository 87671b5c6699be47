"""Ownership on the console (issue 14, item 8) through the real app: take, assign, release, internal notes,
queue tab counts, and what the liaison and the complainant never see."""
from __future__ import annotations

import re

from tests.conftest import walk_in_record
from tests.console.conftest import csrf_from, login, open_ticket
from workflow.core.guards import Actor


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def post(client, url: str, ticket_page: str, **data):
    return client.post(url, data={"csrf_token": csrf_from(ticket_page), **data})


def count(html: str, tab: str) -> str:
    found = re.search(rf'id="tab-{tab}"[^>]*>[^<]*<span[^>]*data-count="([^"]+)"', html)
    assert found, f"no count on tab {tab}"
    return found.group(1)


def test_take_shows_on_assigned_to_me_with_counts_and_release_gives_it_back(app, rt):
    ticket_id = open_ticket(rt)
    open_ticket(rt, perihal="Pengaduan kedua")
    client = app.test_client()
    login(client, "petugas")
    queue = page(client, "/admin/work/")
    assert (count(queue, "mine"), count(queue, "unassigned"), count(queue, "all")) == ("0", "2", "2")
    ticket = page(client, f"/admin/work/ticket/{ticket_id}")
    assert "Belum dipegang siapa pun" in ticket
    taken = post(client, f"/admin/work/ticket/{ticket_id}/assign", ticket, action="take", expected_version="1")
    assert taken.status_code == 302
    ticket = page(client, f"/admin/work/ticket/{ticket_id}")
    assert "Dipegang oleh <strong>Petugas</strong> (Anda)" in ticket
    assert "Diambil" in ticket  # on the timeline
    mine = page(client, "/admin/work/?tab=mine")
    assert "ADU-" in mine and count(mine, "mine") == "1" and count(mine, "unassigned") == "1"
    released = post(client, f"/admin/work/ticket/{ticket_id}/assign", ticket, action="release", expected_version="2")
    assert released.status_code == 302
    assert count(page(client, "/admin/work/?tab=mine"), "mine") == "0"


def test_a_stale_take_is_refused_and_the_page_says_to_reload(app, rt):
    ticket_id = open_ticket(rt)
    rt.engine.fire(ticket_id, "verifikasi", Actor("petugas", frozenset({"petugas"})),
                   {"tingkat": "ringan", "kewenangan": "dalam"})
    client = app.test_client()
    login(client, "petugas")
    ticket = page(client, f"/admin/work/ticket/{ticket_id}")
    stale = post(client, f"/admin/work/ticket/{ticket_id}/assign", ticket, action="take", expected_version="1")
    assert stale.status_code == 409
    assert "baru saja diubah orang lain" in stale.get_data(as_text=True)
    assert rt.engine.load(ticket_id).assignee_id is None


def test_the_team_cannot_take_a_ticket_of_the_officers_stage(app, rt):
    ticket_id = open_ticket(rt)
    client = app.test_client()
    login(client, "tim")
    ticket = page(client, f"/admin/work/ticket/{ticket_id}")
    assert 'id="btn-take"' not in ticket
    refused = post(client, f"/admin/work/ticket/{ticket_id}/assign", ticket, action="take", expected_version="1")
    assert refused.status_code == 409
    assert "Petugas Front Office Pengaduan" in refused.get_data(as_text=True)


def test_a_supervisor_assigns_to_a_colleague_of_the_lane_only(app, rt):
    ticket_id = open_ticket(rt)
    client = app.test_client()
    login(client, "kasi")
    ticket = page(client, f"/admin/work/ticket/{ticket_id}")
    options = re.findall(r'<select[^>]*id="assign-to".*?</select>', ticket, re.S)[0]
    assert 'value="petugas"' in options and 'value="tim"' not in options
    wrong = post(client, f"/admin/work/ticket/{ticket_id}/assign", ticket, action="assign", to="tim",
                 expected_version="1")
    assert wrong.status_code == 409
    done = post(client, f"/admin/work/ticket/{ticket_id}/assign", ticket, action="assign", to="petugas",
                expected_version="1")
    assert done.status_code == 302 and rt.engine.load(ticket_id).assignee_id == "petugas"


def test_internal_notes_stay_inside_the_office(app, rt):
    opened = rt.engine.open("pengaduan-ptsp", walk_in_record(), Actor("petugas", frozenset({"petugas"})))
    ticket_id = opened.ticket.id
    petugas = Actor("petugas", frozenset({"petugas"}))
    rt.engine.fire(ticket_id, "verifikasi", petugas, {"tingkat": "berat", "kewenangan": "dalam"})
    rt.engine.fire(ticket_id, "teruskan_tim", petugas, {})
    client = app.test_client()
    login(client, "tim")
    ticket = page(client, f"/admin/work/ticket/{ticket_id}")
    empty = post(client, f"/admin/work/ticket/{ticket_id}/note", ticket, note="   ")
    assert empty.status_code == 422 and "Tuliskan isi catatan" in empty.get_data(as_text=True)
    saved = post(client, f"/admin/work/ticket/{ticket_id}/note", ticket, note="Kabid minta dikawal langsung.")
    assert saved.status_code == 302
    version = rt.engine.load(ticket_id).version
    assert "Kabid minta dikawal langsung." in page(client, f"/admin/work/ticket/{ticket_id}")
    rt.engine.fire(ticket_id, "serahkan_opd", Actor("tim", frozenset({"tim"})),
                   {"opd": "dinas_esdm", "permintaan": "Mohon tinjau."}, expected_version=version)
    liaison = app.test_client()
    login(liaison, "esdm")
    opd_page = page(liaison, f"/admin/opd/ticket/{ticket_id}")
    assert "Kabid minta dikawal" not in opd_page and 'id="note-form"' not in opd_page
    public = app.test_client().get("/lacak", query_string={"resi": opened.ticket.receipt_no, "token": opened.token})
    assert public.status_code == 200 and opened.ticket.receipt_no in public.get_data(as_text=True)
    assert "Kabid minta dikawal" not in public.get_data(as_text=True)
