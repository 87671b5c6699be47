"""The complaint box and dispositions in the console, as a petugas and the team use them (issue 16): open a
box session for the day the box was opened, record the forms found on the record form with the channel and
the day filled in, close the session with the number of forms; see the open referrals with each body's
reference, deadline and expected updates, tick one off, and export the list for updating SP4N-LAPOR!."""
from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook

from tests.conftest import walk_in_record
from tests.console.conftest import csrf_from, login
from workflow.core.guards import Actor

PETUGAS = Actor("petugas", frozenset({"petugas"}), "Petugas")
BOX = "/admin/kotak-pengaduan"
THURSDAY = "2026-11-26"


def post(client, page_url: str, url: str, data: dict):
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def test_a_box_session_from_opening_to_close(client, rt):
    login(client, "petugas")
    refused = post(client, f"{BOX}/", f"{BOX}/buka", {"definisi": "pengaduan-ptsp", "tanggal": "2026-11-24"})
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Sesi tidak dapat dibuka" in page and "24 November 2026 adalah hari Selasa" in page

    opened = post(client, f"{BOX}/", f"{BOX}/buka", {"definisi": "pengaduan-ptsp", "tanggal": THURSDAY})
    session_url = opened.headers["Location"]
    assert re.search(r"/admin/kotak-pengaduan/\d+$", session_url)
    page = client.get(session_url).get_data(as_text=True)
    record_url = re.search(r'id="box-record" href="([^"]+)"', page).group(1).replace("&amp;", "&")

    form = client.get(record_url).get_data(as_text=True)
    assert re.search(r'<option value="kotak_pengaduan"[^>]*selected', form)
    assert f'value="{THURSDAY}"' in form  # the box date is the session's day
    record = {**walk_in_record(kanal="kotak_pengaduan", tanggal_ambil_kotak=THURSDAY), "tanda_tangan": "ya",
              "_definisi": "pengaduan-ptsp", "sektor": "esdm", "kategori": "durasi_waktu", "jenis_izin": ""}
    filed = client.post("/admin/work/new", data={**record, "csrf_token": csrf_from(form)})
    assert filed.status_code == 302, filed.get_data(as_text=True)[:3000]

    page = client.get(session_url).get_data(as_text=True)
    receipts = re.findall(r"ADU-\d{4}-\d+", page.split('id="box-recorded"')[1].split("</ul>")[0])
    assert len(receipts) == 1
    short = post(client, session_url, f"{session_url}/tutup", {"formulir": "2", "catatan": ""})
    assert "jelaskan sisanya di catatan" in client.get(short.headers["Location"]).get_data(as_text=True)
    post(client, session_url, f"{session_url}/tutup", {"formulir": "2", "catatan": "satu formulir berisi saran"})
    page = client.get(session_url).get_data(as_text=True)
    assert "Ditutup: 2 formulir" in page and "satu formulir berisi saran" in page and 'id="box-close"' not in page
    [row] = [r for r in rt.store.audit_rows() if r["kind"] == "box_session"]
    assert row["detail"]["tercatat"] == receipts and row["detail"]["formulir"] == 2


def test_the_team_sees_open_referrals_ticks_one_off_and_exports_them(client, rt):
    lapor = rt.engine.open("pengaduan-ptsp", walk_in_record(kanal="lapor", nomor_rujukan='=HYPERLINK("x","y")'),
                           PETUGAS).ticket
    rt.engine.open("pengaduan-ptsp", walk_in_record(kanal="dprd", nomor_rujukan="DPRD/170/2026"), PETUGAS)
    rt.engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS)  # not a referral: not listed
    login(client, "tim")
    page = client.get("/admin/disposisi/").get_data(as_text=True)
    assert "DPRD/170/2026" in page and "SP4N-LAPOR!" in page and lapor.receipt_no in page
    assert page.count('data-receipt="') == 2
    assert "Tindak lanjut dilaporkan di SP4N-LAPOR!" in page

    done = post(client, "/admin/disposisi/", f"/admin/disposisi/{lapor.id}/diterima", {"catatan": "sudah"})
    assert "Pembaruan status dicatat" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert [r["detail"]["kewajiban"] for r in rt.store.audit_rows() if r["kind"] == "disposition_update"] == \
        ["diterima"]
    ticket_page = client.get(f"/admin/work/ticket/{lapor.id}").get_data(as_text=True)
    assert 'id="disposisi"' in ticket_page and "Disposisi dari SP4N-LAPOR!" in ticket_page

    exported = client.get("/admin/disposisi/ekspor.csv?instansi=lapor")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Instansi perujuk", "Nomor rujukan", "Nomor resi"]
    assert [r[2] for r in rows[1:]] == [lapor.receipt_no]
    assert rows[1][1] == "'=HYPERLINK(\"x\",\"y\")"  # a reference cannot become a formula
    assert rows[1][6] == "Tindak lanjut dilaporkan di SP4N-LAPOR!"  # the next update once 'diterima' is done
    book = load_workbook(io.BytesIO(client.get("/admin/disposisi/ekspor.xlsx").data))
    sheet = book["Disposisi"]
    assert sheet.max_row == 3 and sheet.cell(1, 2).value == "Nomor rujukan"
    assert all(not str(c.value or "").startswith("=") for row in sheet.iter_rows() for c in row)


def test_a_liaison_cannot_see_referrals(client):
    login(client, "esdm")
    assert client.get("/admin/disposisi/").status_code == 403
    assert client.get(f"{BOX}/").status_code == 403
