"""Handoffs on the console (Flask test client): each liaison finds their agency's part in their inbox, sees
and answers only that part; the team sees every part and withdraws one, and the ticket moves on."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import MONDAY_9_WIB
from tests.console.conftest import csrf_from, login
from tests.web import CHEAP_HASH, PASSWORD
from workflow.core.guards import Actor
from workflow.services import users
from workflow.services.publish import publish

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "valid" / "handoffs.yaml"
PETUGAS = Actor("petugas", frozenset({"petugas"}), "Petugas")
TIM = Actor("tim", frozenset({"tim"}), "Tim")


@pytest.fixture
def handed(rt, monkeypatch) -> int:
    """A ticket of the fixture SOP handed to ESDM and PUPR at once; an LHK liaison who has no part."""
    publish(rt.store, FIXTURE.read_text(encoding="utf-8"), file=str(FIXTURE), actor_id="admin", now=MONDAY_9_WIB)
    monkeypatch.setattr(users, "hash_password", lambda password: CHEAP_HASH)
    users.create_user(rt.store, "lhk", PASSWORD, ["opd_liaison"], opd="dinas_lhk", catalogs=rt.catalogs)
    ticket = rt.engine.open("mini-serah", {"perihal": "Reklame tanpa izin di Jl. Raya"}, PETUGAS).ticket
    rt.engine.fire(ticket.id, "teruskan", PETUGAS, {})
    rt.engine.fire(ticket.id, "serahkan", TIM, {"opd_teknis": ["dinas_esdm", "dinas_pupr"],
                                                "permintaan": "Mohon verifikasi lokasi dan izin"})
    return ticket.id


def act(client, base: str, ticket_id: int, agency: str, action: str, **inputs):
    page = client.get(f"{base}/ticket/{ticket_id}").get_data(as_text=True)
    found = re.search(r'name="expected_version" value="(\d+)"', page)
    version = found.group(1) if found else ""  # no form of this part on the page: posted by hand
    return client.post(f"{base}/ticket/{ticket_id}/handoff", data={
        "csrf_token": csrf_from(page), "handoff": "verifikasi", "agency": agency, "action": action,
        "expected_version": version, **inputs})


def parts(html: str) -> list[tuple[str, str]]:
    return re.findall(r'class="list-group-item alur-part" data-agency="([^"]+)" data-status="([^"]+)"', html)


def test_a_liaison_finds_and_answers_only_their_agencys_part(client, rt, handed):
    login(client, "esdm")
    inbox = client.get("/admin/opd/").get_data(as_text=True)
    assert 'id="handoff-inbox"' in inbox and "Reklame tanpa izin" in inbox and "Konfirmasi OPD" in inbox

    page = client.get(f"/admin/opd/ticket/{handed}").get_data(as_text=True)
    assert parts(page) == [("dinas_esdm", "menunggu")]  # PUPR's part is not shown
    assert "Mohon verifikasi lokasi dan izin" in page and 'id="btn-terima-dinas_esdm"' in page
    assert act(client, "/admin/opd", handed, "dinas_esdm", "terima").status_code == 302
    missing = act(client, "/admin/opd", handed, "dinas_esdm", "jawab")
    assert missing.status_code == 422 and "wajib diisi" in missing.get_data(as_text=True)
    done = act(client, "/admin/opd", handed, "dinas_esdm", "jawab", hasil="Lokasi sesuai izin")
    assert done.status_code == 302
    page = client.get(f"/admin/opd/ticket/{handed}").get_data(as_text=True)
    assert parts(page) == [("dinas_esdm", "dijawab")] and "Lokasi sesuai izin" in page
    # not the other agency's part, even by posting it
    assert act(client, "/admin/opd", handed, "dinas_pupr", "terima").status_code == 409
    assert rt.engine.load(handed).part("verifikasi", "dinas_pupr").status == "menunggu"


def test_an_agency_without_a_part_cannot_open_the_ticket(client, handed):
    login(client, "lhk")
    assert client.get(f"/admin/opd/ticket/{handed}").status_code == 404
    assert "Reklame tanpa izin" not in client.get("/admin/opd/").get_data(as_text=True)


def test_the_team_sees_every_part_and_withdrawing_the_last_moves_the_ticket_on(client, rt, handed):
    from workflow.services import handoffs

    handoffs.act(rt.engine, handed, "verifikasi", "dinas_esdm", "jawab",
                 Actor("esdm", frozenset({"opd_liaison"}), opd="dinas_esdm"), {"hasil": "Sesuai"})
    login(client, "tim")
    page = client.get(f"/admin/work/ticket/{handed}").get_data(as_text=True)
    assert parts(page) == [("dinas_esdm", "dijawab"), ("dinas_pupr", "menunggu")]
    assert "Sesuai" in page and 'id="btn-tarik-dinas_pupr"' in page and 'id="btn-terima-dinas_pupr"' not in page

    refused = act(client, "/admin/work", handed, "dinas_pupr", "tarik")
    assert refused.status_code == 422 and "tuliskan mengapa" in refused.get_data(as_text=True)
    assert act(client, "/admin/work", handed, "dinas_pupr", "tarik", alasan="Bukan kewenangan PUPR").status_code == 302

    after = client.get(f"/admin/work/ticket/{handed}").get_data(as_text=True)
    assert 'data-state="telaah"' in after and "Bukan kewenangan PUPR" in after
