"""Two definitions live at once, as people meet them: the Sleman example SOP published beside the shipped one
and staffed with its own roles. The public form offers both services, each with its own fields; the API files
on ?definition= and documents both records; its desk officer records on it and the analyst finds it under
"Giliran saya"; the report names the office and counts Sleman's own outcomes and their categories."""
from __future__ import annotations

import re

import pytest

from tests.conftest import MONDAY_9_WIB, ROOT
from tests.web import CHEAP_HASH, PASSWORD, post_login
from workflow.services import users
from workflow.services.agencies import import_agencies
from workflow.services.office import load_profile_file
from workflow.services.publish import publish
from workflow.services.roles import role_directory

from .conftest import IDENTITY, csrf_from

EXAMPLES = ROOT / "definitions" / "examples"
SLEMAN = "pengaduan-perizinan-sleman"


@pytest.fixture
def sleman(rt, monkeypatch):
    """The Banten office running its SOP and Sleman's side by side, with Sleman's desk officer and analyst."""
    monkeypatch.setattr(users, "hash_password", lambda password: CHEAP_HASH)
    load_profile_file(rt, EXAMPLES / "office-banten.yaml", actor_id="kasi", now=MONDAY_9_WIB)
    import_agencies(rt, EXAMPLES / "agencies-sleman.yaml", actor_id="kasi", now=MONDAY_9_WIB)
    path = EXAMPLES / f"{SLEMAN}.yaml"
    publish(rt.store, path.read_text(encoding="utf-8"), file=str(path), actor_id="kasi", now=MONDAY_9_WIB,
            catalogs=rt.catalogs)
    for name, role in (("loket", "petugas_loket"), ("analis", "analis_perizinan")):
        users.create_user(rt.store, name, PASSWORD, [role], display_name=name.title(), directory=role_directory(rt),
                          actor_id="admin")
    return rt


def sleman_record(**overrides) -> dict:
    record = {**IDENTITY, "nomor_permohonan": "PBG-2026-311", "layanan": "Persetujuan Bangunan Gedung (PBG)",
              "kategori": "Proses lambat", "perihal": "PBG belum terbit", "uraian": "Sudah tiga bulan belum terbit.",
              "lokasi_objek": "Jl. Kaliurang km 7", "kerahasiaan": "biasa"}
    record.update(overrides)
    return record


def test_the_public_form_offers_every_public_service_with_its_own_fields(client, sleman):
    chooser = client.get("/pengaduan/baru").get_data(as_text=True)
    assert "Pilih layanan yang diadukan" in chooser
    assert re.findall(r'class="service" data-key="([^"]+)"', chooser) == [SLEMAN, "pengaduan-ptsp"]
    form = client.get(f"/pengaduan/baru/{SLEMAN}").get_data(as_text=True)
    assert "Layanan yang diadukan" in form and "Sektor" not in form and "Penanganan Pengaduan Perizinan DPMPTSP " \
        "Kabupaten Sleman" in form
    posted = client.post(f"/pengaduan/baru/{SLEMAN}", data={**sleman_record(), "csrf_token": csrf_from(form)})
    assert posted.status_code == 302, posted.get_data(as_text=True)[:3000]
    receipt = client.get(posted.headers["Location"]).get_data(as_text=True)
    number = re.search(r'id="receipt-no">([^<]+)<', receipt).group(1)
    ticket = sleman.engine.load(_id(sleman, number))
    assert (ticket.definition_key, ticket.fields["layanan"], ticket.fields["kanal"]) == \
        (SLEMAN, "Persetujuan Bangunan Gedung (PBG)", "website_sipeka")  # the online channel of the catalog
    assert client.get("/pengaduan/baru/tidak-ada").status_code == 404
    banten = client.get("/pengaduan/baru/pengaduan-ptsp").get_data(as_text=True)
    assert "Sektor" in banten and "Layanan yang diadukan" not in banten
    assert "DPMPTSP Provinsi Banten" in client.get("/").get_data(as_text=True)  # the office, from its profile


def test_the_api_files_on_the_definition_asked_for_and_documents_each_record(client, sleman, api_key):
    doc = client.get("/api/v1/openapi.json").json
    schema = doc["paths"]["/tickets"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert sorted(s["title"] for s in schema["oneOf"]) == [SLEMAN, "pengaduan-ptsp"]
    headers = api_key("intake", "read", role="petugas_loket", name="mpp")
    created = client.post(f"/api/v1/tickets?definition={SLEMAN}", json={**sleman_record(), "kanal": "website_sipeka"},
                          headers=headers)
    assert created.status_code == 201, created.json
    ticket = client.get(f"/api/v1/tickets/{created.json['receipt_no']}", headers=headers).json
    assert (ticket["definition_key"], ticket["state_label"]) == (SLEMAN, "Diterima loket")
    refused = client.post("/api/v1/tickets?definition=tidak-ada", json=sleman_record(), headers=headers)
    assert refused.status_code == 422 and "definition" in refused.json["errors"]


def test_the_desk_records_on_its_sop_and_the_analyst_finds_it_under_my_turn(app, sleman):
    desk = app.test_client()
    assert post_login(desk, "loket", PASSWORD).status_code == 302
    queue = desk.get("/admin/work/").get_data(as_text=True)
    assert 'id="btn-record"' in queue
    page = desk.get("/admin/work/new").get_data(as_text=True)
    assert 'name="_definisi" value="pengaduan-perizinan-sleman"' in page and "Layanan yang diadukan" in page
    form = {**sleman_record(), "kanal": "langsung", "_definisi": SLEMAN, "csrf_token": csrf_from(page)}
    saved = desk.post("/admin/work/new", data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    receipt = desk.get(saved.headers["Location"]).get_data(as_text=True)
    assert "DINAS PENANAMAN MODAL DAN PELAYANAN TERPADU SATU PINTU PROVINSI BANTEN" in receipt
    assert "14 (empat belas) hari kerja" in receipt
    number = re.search(r'id="receipt-number">([^<]+)<', receipt).group(1)
    ticket_id = _id(sleman, number)
    page = desk.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
    form = {"trigger": "teruskan_analis", "csrf_token": csrf_from(page), "expected_version": "1"}
    assert desk.post(f"/admin/work/ticket/{ticket_id}/fire", data=form).status_code == 302
    analyst = app.test_client()
    post_login(analyst, "analis", PASSWORD)
    turn = analyst.get("/admin/work/?tab=turn").get_data(as_text=True)
    assert number in turn and "Kajian awal analis" in turn


def _id(rt, receipt_no: str) -> int:
    with rt.store.unit_of_work(read_only=True) as uow:
        return uow.tickets.id_by_receipt(receipt_no)


def test_the_report_names_the_office_and_counts_the_definitions_own_outcomes(sleman):
    from workflow.reports import build_for_runtime
    from workflow.services.roles import role_directory as directory_of

    actors = directory_of(sleman)
    assert "analis_perizinan" in actors.roles
    report = build_for_runtime(sleman, "2026-Q4", definition_key=SLEMAN, now=MONDAY_9_WIB)
    assert report.title == "LAPORAN EVALUASI PENGADUAN PADA PELAYANAN TERPADU SATU PINTU PROVINSI BANTEN " \
                           "TRIWULAN IV TAHUN 2026"
    assert report.definitions == (SLEMAN,)
    assert "Tidak ditemukan pelanggaran" in [c.label for c in report.by_outcome]
    assert [c.code for c in report.by_category][:5] == ["answered", "resolved_by_explanation", "transferred",
                                                         "no_violation", "referred"]
    kategori = [c.label for c in report.by_kategori]
    assert "Proses lambat" in kategori and "Durasi Waktu" not in kategori  # Sleman's own list, not Banten's


def test_the_public_form_leaves_out_what_the_definition_says_the_office_fills_and_groups_the_rest(client, rt):
    """Which fields are the office's and how the form is grouped come from the definition (office_only,
    group), not from field names in code: renamed office fields stay off the public form, a field called
    'tingkat' that the office does not mark shows, and a group of the definition's own heads its fields."""
    text = (ROOT / "definitions" / "pengaduan-ptsp.yaml").read_text(encoding="utf-8")
    text = text.replace("key: pengaduan-ptsp", "key: pengaduan-lain", 1)
    text = text.replace("tanggal_ambil_kotak", "tgl_buka_kotak").replace("tanda_tangan", "paraf_pengadu")
    text = text.replace("{name: tingkat, office_only: true, ", "{name: tingkat, ")
    text = text.replace("group: Perizinan yang diadukan, group_en: The permit complained about",
                        "group: Izin yang dipersoalkan, group_en: The permit in question")
    publish(rt.store, text, file="pengaduan-lain.yaml", actor_id="kasi", now=MONDAY_9_WIB, catalogs=rt.catalogs)
    form = client.get("/pengaduan/baru/pengaduan-lain").get_data(as_text=True)
    legends = re.findall(r"<legend>([^<]+)</legend>", form)
    assert legends[:3] == ["Identitas pengadu", "Izin yang dipersoalkan", "Isi pengaduan"]
    assert 'name="tgl_buka_kotak"' not in form and 'name="paraf_pengadu"' not in form
    assert 'name="nomor_rujukan"' not in form and 'name="tingkat"' in form
    english = client.get("/pengaduan/baru/pengaduan-lain", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.findall(r"<legend>([^<]+)</legend>", english)[1] == "The permit in question"
