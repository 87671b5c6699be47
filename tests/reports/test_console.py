"""The supervisor's report page: view the period's report, download it, keep root causes and plans."""
from __future__ import annotations

from tests.console.conftest import login
from tests.web import csrf_from

from .conftest import Q1_CSV, docx_tables, rekap_from_rows


def import_q1(rt):
    from workflow.services.imports import import_complaints

    return import_complaints(rt, Q1_CSV)


def test_only_supervisors_open_the_report_page(client):
    assert client.get("/admin/laporan/").status_code in (302, 303)  # to the login page
    login(client, "petugas")
    assert client.get("/admin/laporan/").status_code == 403


def test_supervisor_reads_and_downloads_the_quarter(client, rt):
    import_q1(rt)
    login(client, "kasi")
    page = client.get("/admin/laporan/?period=2021-Q1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Tabel 3.1 Rekapitulasi pengaduan" in html and "id='total'>16<" in html
    assert html.count("data:image/png;base64,") == 4
    download = client.get("/admin/laporan/unduh?period=2021-Q1&format=docx")
    assert download.status_code == 200
    assert "laporan-pengaduan-2021-Q1.docx" in download.headers["Content-Disposition"]
    rekap = rekap_from_rows(docx_tables(download.data)["Tabel 3.1 Rekapitulasi pengaduan"])
    assert rekap["TOTAL"][0] == "16" and rekap["Kesehatan"][0] == "-"
    assert client.get("/admin/laporan/unduh?period=2021-Q1&format=xlsx").data[:2] == b"PK"
    assert client.get("/admin/laporan/unduh?period=2021-Q1&format=json").json["total"] == 16
    assert [r["actor_id"] for r in rt.store.audit_rows(kind="identity_view")] == ["kasi", "kasi", "kasi"]
    bad = client.get("/admin/laporan/?period=Q9")
    assert "2021-Q1" in bad.get_data(as_text=True)  # the accepted spellings are shown


def test_supervisor_records_a_root_cause_links_complaints_and_plans(client, rt):
    receipts = import_q1(rt).receipts
    login(client, "kasi")
    token = csrf_from(client.get("/admin/laporan/?period=2021-Q1").get_data(as_text=True))
    client.post("/admin/laporan/akar-masalah", data={"csrf_token": token, "period": "2021-Q1", "code": "SIPEKA_DOWN",
                                                     "title": "Maintenance server SIPEKA", "description": ""})
    from workflow.store.queries.rootcause import list_root_causes

    cause = list_root_causes(rt.store)[0]
    client.post("/admin/laporan/tautkan", data={"csrf_token": token, "period": "2021-Q1", "root_cause_id": cause.id,
                                                "tickets": f"{receipts[5]}, {receipts[8]}"})
    client.post("/admin/laporan/rencana", data={"csrf_token": token, "period": "2021-Q1", "plan_period": "2021-Q1",
                                                "root_cause_id": cause.id, "title": "Maintenance di luar jam layanan",
                                                "owner": "Diskominfo", "due_date": "2021-04-30"})
    html = client.get("/admin/laporan/?period=2021-Q1").get_data(as_text=True)
    assert 'data-code="SIPEKA_DOWN"' in html and "Maintenance di luar jam layanan" in html
    assert "<td>SIPEKA_DOWN</td><td>Maintenance server SIPEKA</td><td>-</td><td>2</td>" in html  # Tabel 4.4
    q2 = client.get("/admin/laporan/unduh?period=2021-Q2&format=json").json
    assert q2["previous_action_plans"][0]["recurrence"] == "Tidak"
