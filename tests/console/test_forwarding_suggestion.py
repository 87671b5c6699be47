"""Handing a complaint to an agency: the agencies of the ticket's sector (the opd catalog's ``sectors``) come first
in the choice, marked, with the sector named beside it (issue 14, also-list)."""
from __future__ import annotations

import re

from tests.console.conftest import login, open_ticket
from workflow.core.guards import Actor

PETUGAS = Actor("petugas", frozenset({"petugas"}))


def with_team(rt, **record) -> int:
    ticket_id = open_ticket(rt, **record)
    rt.engine.fire(ticket_id, "verifikasi", PETUGAS, {"tingkat": "berat", "kewenangan": "dalam"})
    rt.engine.fire(ticket_id, "teruskan_tim", PETUGAS, {})
    return ticket_id


def agency_options(html: str) -> list[str]:
    select = re.search(r'<select[^>]*id="serahkan_opd-opd".*?</select>', html, re.DOTALL).group(0)
    return re.findall(r'<option value="([^"]+)"', select)


def test_the_sectors_agencies_come_first(app, rt):
    ticket_id = with_team(rt, sektor="Pekerjaan Umum dan Perumahan Rakyat / Penataan Ruang", jenis_izin=None)
    client = app.test_client()
    login(client, "tim")
    html = client.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
    codes = agency_options(html)
    assert codes[:2] == ["dinas_pupr", "dinas_perkim"]
    assert "dinas_esdm" in codes[2:]  # every agency can still be chosen
    assert "Dinas Pekerjaan Umum dan Penataan Ruang Provinsi Banten (sesuai sektor pengaduan)" in html
    assert 'id="suggested-serahkan_opd-opd"' in html


def test_without_a_sector_the_catalog_order_stays(app, rt):
    ticket_id = with_team(rt, sektor=None, jenis_izin=None)
    client = app.test_client()
    login(client, "tim")
    html = client.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
    assert "sesuai sektor pengaduan" not in html
    assert agency_options(html)[0] == "dinas_esdm"
