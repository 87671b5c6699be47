"""The example kabupaten office end to end (definitions/examples/pengaduan-perizinan-sleman.yaml): published
beside the Banten SOP, staffed with its own roles and agencies through ``alur``, a complaint filed through
the API, walked through the console by each of its roles (the field verification, a hand-over to two
agencies at once, each liaison answering its own part), escalated by the sweep when one agency is slow,
finished from the command line and the console, and reported under the office's own name."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from tests.conftest import migrated_engine
from workflow.core.guards import Actor

from .conftest import act, app_for, fire, set_up, signed_in

STAFF = {
    "loket1": (["petugas_loket"], None),
    "analis1": (["analis_perizinan"], None),
    "verifikator1": (["verifikator_lapangan"], None),
    "kasi1": (["kasi_pengaduan"], None),
    "kabid1": (["kabid_pelayanan"], None),
    "kadis1": (["kepala_dpmptsp"], None),
    "pu1": (["opd_liaison"], "dpupkp_sleman"),
    "dlh1": (["opd_liaison"], "dlh_sleman"),
}
RECORD = {"kanal": "langsung", "nama": "Rina Kartika", "alamat": "Jl. Kaliurang km 7, Sleman",
          "telepon": "0812-2233-4455", "email": "rina@contoh.id", "layanan": "Persetujuan Bangunan Gedung (PBG)",
          "kategori": "Dampak bangunan atau usaha", "perihal": "Bangunan baru menutup saluran air warga",
          "uraian": "Sejak pembangunan ruko di sebelah rumah kami, saluran air tertutup dan rumah kebanjiran.",
          "lokasi_objek": "Jl. Kaliurang km 7,2"}


@pytest.fixture
def sleman(tmp_path, monkeypatch):
    with migrated_engine("sqlite", tmp_path) as engine:
        yield set_up(engine, tmp_path, monkeypatch, "pengaduan-perizinan-sleman.yaml", "office-sleman.yaml",
                     "agencies-sleman.yaml", STAFF)


def test_the_office_runs_beside_the_banten_sop_with_its_own_staff(sleman):
    listed = sleman.alur("definitions", "list").output
    assert "pengaduan-ptsp" in listed and "pengaduan-perizinan-sleman" in listed
    roles = sleman.alur("users", "roles").output
    assert "verifikator_lapangan" in roles and "Verifikator Lapangan" in roles
    assert "dlh_sleman" in sleman.alur("agencies", "list").output
    checked = sleman.alur("definitions", "validate", "definitions/examples/pengaduan-perizinan-sleman.yaml").output
    assert "ok (pengaduan-perizinan-sleman: 11 states" in checked and "warning" not in checked


def test_a_complaint_walks_through_every_role_two_agencies_and_the_report(sleman, tmp_path):
    app = app_for(sleman)
    app.config["ALUR_INTAKE_DEFINITION"] = sleman.key  # the API files on this office's SOP
    key = re.search(r"(alur_\S+)", sleman.alur("apikeys", "create", "loket-web", "--scope", "intake",
                                               "--role", "petugas_loket").output).group(1)
    filed = app.test_client().post("/api/v1/tickets", json=RECORD, headers={"Authorization": f"Bearer {key}"})
    assert filed.status_code == 201, filed.get_data(as_text=True)
    receipt = filed.get_json()["receipt_no"]
    ticket_id = sleman.ticket(receipt).id

    desk = signed_in(app, "loket1")
    assert fire(desk, ticket_id, "teruskan_analis", catatan_loket="Pemohon membawa foto").status_code == 302
    assert fire(signed_in(app, "analis1"), ticket_id, "verifikasi",
                hal_diverifikasi="Periksa saluran air dan garis sempadan").status_code == 302
    field = signed_in(app, "verifikator1")
    assert fire(field, ticket_id, "minta_kajian_teknis", hasil_lapangan="Saluran tertutup pondasi ruko",
                instansi_teknis=["dpupkp_sleman", "dlh_sleman"],
                permintaan_kajian="Mohon kajian sempadan dan drainase").status_code == 302
    assert sleman.ticket(receipt).state == "menunggu_instansi"
    told = [m for m in sleman.sent("email") if m.recipient == "rina@contoh.id"]
    assert any("memverifikasi di lapangan" in m.subject for m in told)  # the template the SOP ships

    pu = signed_in(app, "pu1")
    assert receipt in pu.get("/admin/opd/").get_data(as_text=True)
    sleman.sweep()  # the outbox: each agency's liaisons are told of their own part, with their own deadline
    inbox = pu.get("/admin/kotak-masuk/").get_data(as_text=True)
    assert f"Serah terima pengaduan {receipt} ke Dinas Pekerjaan Umum Perumahan" in inbox
    assert "Dinas Lingkungan Hidup" not in inbox
    assert act(pu, ticket_id, "kajian_teknis", "dpupkp_sleman", "terima").status_code == 302
    assert act(pu, ticket_id, "kajian_teknis", "dpupkp_sleman", "jawab", rekomendasi="Tidak sesuai ketentuan",
               catatan_instansi="Pondasi melanggar sempadan saluran").status_code == 302
    dlh = signed_in(app, "dlh1")
    page = dlh.get(f"/admin/opd/ticket/{ticket_id}").get_data(as_text=True)
    assert "Pondasi melanggar" not in page  # DLH sees its own part only
    assert act(dlh, ticket_id, "kajian_teknis", "dlh_sleman", "terima").status_code == 302

    # DLH is slow: past half of its 4 working days it is reminded, its own ladder, not PU's
    sleman.clock.moment = sleman.rt.calendar.add(sleman.clock.moment, 2.5, "working_days")
    assert sleman.sweep()["sweep_due_rungs"] >= 1
    reminded = [r for r in sleman.rt.store.audit_rows(kind="escalation") if r["ticket_id"] == ticket_id]
    assert {r["detail"].get("agency") for r in reminded if r["detail"]["clock"] == "jawaban_instansi"} == {"dlh_sleman"}
    assert act(dlh, ticket_id, "kajian_teknis", "dlh_sleman", "jawab", rekomendasi="Sesuai ketentuan",
               catatan_instansi="Tidak ada pencemaran").status_code == 302
    assert sleman.ticket(receipt).state == "telaah_hasil"  # both answered: on to the analyst by itself

    shown = sleman.alur("tickets", "show", receipt, "--as", "analis1").output
    assert "Telaah hasil verifikasi" in shown
    assert "Dinas Lingkungan Hidup Kabupaten Sleman (dlh_sleman): Sudah dijawab" in shown
    sleman.alur("tickets", "fire", receipt, "ajukan_jawaban", "--as", "analis1", "--input", "kesimpulan=tidak_terbukti",
                "--input", "jawaban=Saluran akan dibuka kembali oleh pemilik ruko; tidak ada pelanggaran izin.")
    assert fire(signed_in(app, "kasi1"), ticket_id, "setujui").status_code == 302
    closed = sleman.ticket(receipt)
    assert (closed.state, closed.outcome) == ("tidak_terbukti", "tidak_terbukti")

    written = tmp_path / "laporan.json"
    report = sleman.alur("report", "--period", "2026-Q4", "--definition", sleman.key, "--format", "json",
                         "-o", str(written)).output
    assert "1 pengaduan" in report
    text = json.dumps(json.loads(written.read_text(encoding="utf-8")), ensure_ascii=False)
    assert "Kabupaten Sleman" in text and "Provinsi Banten" not in text
    assert "Tidak ditemukan pelanggaran" in text
    data = json.loads(written.read_text(encoding="utf-8"))
    by_agency = json.dumps(data.get("sla", {}), ensure_ascii=False)
    assert "dlh_sleman" in by_agency or "Dinas Lingkungan Hidup Kabupaten Sleman" in by_agency  # each agency's runs


def in_the_field(office):
    """A complaint recorded at the desk and sent to the field team, through the engine."""
    desk = Actor("loket1", frozenset({"petugas_loket"}))
    ticket = office.rt.engine.open(office.key, RECORD, desk).ticket
    office.rt.engine.fire(ticket.id, "teruskan_analis", desk, {})
    office.rt.engine.fire(ticket.id, "verifikasi", Actor("analis1", frozenset({"analis_perizinan"})),
                          {"hal_diverifikasi": "Sempadan dan saluran air"})
    return ticket


def test_withdrawing_the_complaint_cancels_the_agencies_parts(sleman):
    rt = sleman.rt
    desk = Actor("loket1", frozenset({"petugas_loket"}))
    ticket = in_the_field(sleman)
    rt.engine.fire(ticket.id, "minta_kajian_teknis", Actor("verifikator1", frozenset({"verifikator_lapangan"})),
                   {"hasil_lapangan": "x", "instansi_teknis": ["dpupkp_sleman", "dlh_sleman"],
                    "permintaan_kajian": "y"})
    sleman.clock.moment += timedelta(hours=1)

    after = rt.engine.fire(ticket.id, "cabut", desk, {"alasan_cabut": "Sudah diselesaikan dengan tetangga"})

    assert after.state == "dicabut"
    assert [p.status for p in after.handoffs] == ["dibatalkan", "dibatalkan"]
    assert all(r.status == "stopped" for r in after.clocks)
