"""A walk-in complaint recorded at the counter is checked for duplicates like one filed on the web."""
from __future__ import annotations

from tests.console.conftest import csrf_from, login, open_ticket


def record_walk_in(client, **overrides) -> int:
    page = client.get("/admin/work/new").get_data(as_text=True)
    response = client.post("/admin/work/new", data={
        "csrf_token": csrf_from(page), "kanal": "langsung", "nama": "Budi Santoso", "alamat": "Jl. Veteran 2, Serang",
        "telepon": "0812-1111-2222", "sektor": "esdm", "kategori": "durasi_waktu", "no_registrasi": "REG-2026-0042",
        "perihal": "Izin SIPA lama", "uraian": "Belum ada peninjauan lapangan.", "kerahasiaan": "biasa",
        "tanda_tangan": "ya", **overrides})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_a_walk_in_repeating_an_open_web_complaint_is_flagged_and_listed(client, rt):
    web = rt.engine.load(open_ticket(rt, kanal="website_sipeka", no_registrasi="REG-2026-0042",
                                     kategori="durasi_waktu"))
    login(client, "petugas")
    walk_in = rt.engine.load(record_walk_in(client))
    assert walk_in.flags == [f"duplikat:{web.receipt_no}"]
    listed = client.get("/admin/duplikat/").get_data(as_text=True)
    assert walk_in.receipt_no in listed and web.receipt_no in listed
    other = rt.engine.load(record_walk_in(client, no_registrasi="REG-2026-0999"))
    assert other.flags == []
