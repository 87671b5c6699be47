"""The example kota office end to end (definitions/examples/pengaduan-pelayanan-pekalongan.yaml): published
beside the Banten SOP and staffed through ``alur``; the complaint box's collection date refused on a day the
box is not opened; a heavy complaint mediated, inspected (its report due 3 working days after the inspection
date, escalated by the sweep when late), decided, appealed to the second level and referred to the legal
route, the business, the lurah and the Ombudsman told by the addresses the office keeps; a light complaint
through the API; both reported under the office's own name with its own outcomes."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import migrated_engine

from .conftest import app_for, fire, set_up, signed_in

WIB = timezone(timedelta(hours=7))
STAFF = {
    "petugas1": (["petugas_pengaduan"], None),
    "tim1": (["tim_penanganan"], None),
    "mediator1": (["mediator"], None),
    "kabid1": (["kabid_pengawasan"], None),
    "sekdis1": (["sekretaris_dinas"], None),
    "kadis1": (["kepala_dinas_kota"], None),
}
BOX = {"kanal": "kotak_pengaduan", "nama": "Sutrisno", "telepon": "0813-1111-2222", "email": "sutrisno@contoh.id",
       "kategori": "Dampak usaha terhadap lingkungan", "perihal": "Limbah pencucian batik ke sungai",
       "uraian": "Usaha batik di Kelurahan Kauman membuang limbah ke sungai setiap malam.",
       "nama_usaha": "Batik Sekar Jagad", "email_pelaku_usaha": "admin@sekarjagad.example.id", "kelurahan": "Kauman",
       "telepon_lurah": "0857-4000-1234"}


@pytest.fixture
def kota(tmp_path, monkeypatch):
    with migrated_engine("sqlite", tmp_path) as engine:
        yield set_up(engine, tmp_path, monkeypatch, "pengaduan-pelayanan-pekalongan.yaml", "office-pekalongan.yaml",
                     "agencies-pekalongan.yaml", STAFF)


def test_the_box_is_opened_on_monday_and_thursday_only(kota, tmp_path):
    record = tmp_path / "kotak.json"
    record.write_text(json.dumps({**BOX, "tanggal_ambil_kotak": "2026-11-24"}), encoding="utf-8")
    refused = kota.alur("tickets", "open", kota.key, "--record", str(record), "--as", "petugas1", ok=False)
    assert refused.exit_code == 1
    assert "kotak pengaduan hanya dibuka hari Senin dan Kamis; 24 November 2026 adalah hari Selasa" in refused.output

    record.write_text(json.dumps({**BOX, "tanggal_ambil_kotak": "2026-11-26"}), encoding="utf-8")
    assert "tercatat" in kota.alur("tickets", "open", kota.key, "--record", str(record), "--as", "petugas1").output


def open_box_complaint(kota, tmp_path) -> tuple[str, int]:
    record = tmp_path / "kotak.json"
    record.write_text(json.dumps({**BOX, "tanggal_ambil_kotak": "2026-11-30"}), encoding="utf-8")
    receipt = json.loads(kota.alur("tickets", "open", kota.key, "--record", str(record), "--as", "petugas1",
                                   "--json").output)["receipt_no"]
    return receipt, kota.ticket(receipt).id


def test_a_heavy_complaint_is_mediated_inspected_appealed_and_referred(kota, tmp_path):
    app = app_for(kota)
    receipt, ticket_id = open_box_complaint(kota, tmp_path)

    assert fire(signed_in(app, "petugas1"), ticket_id, "pilah", bobot="berat").status_code == 302
    tim = signed_in(app, "tim1")
    assert fire(tim, ticket_id, "jadwalkan_mediasi", waktu_mediasi="2026-12-01T10:00",
                tempat_mediasi="Ruang rapat DPMPTSP").status_code == 302
    kota.sweep()
    invited = [m for m in kota.sent("email") if m.recipient == "admin@sekarjagad.example.id"]
    assert invited and invited[0].subject == f"Undangan mediasi atas pengaduan {receipt}"
    assert "Sutrisno" not in invited[0].body  # the business never learns who complained
    assert fire(signed_in(app, "mediator1"), ticket_id, "hasil_mediasi", hasil="tidak_sepakat",
                berita_acara="Pelaku usaha menolak memasang IPAL").status_code == 302

    # inspection on Thursday 3 December: the report is due 3 working days after it, Tuesday 8 December
    assert fire(tim, ticket_id, "jadwalkan_inspeksi", tanggal_inspeksi="2026-12-03",
                tujuan_inspeksi="Saluran pembuangan limbah").status_code == 302
    run = kota.ticket(receipt).clock("laporan_inspeksi")
    assert run.due_at.astimezone(WIB).date() == datetime(2026, 12, 8).date()
    kota.sweep()
    assert any(m.recipient == "+6285740001234" and "inspeksi" in m.subject for m in kota.sent("webhook"))  # the lurah

    kota.clock.moment = run.due_at + timedelta(hours=2)  # the report is late: escalated to the head of division
    kota.sweep()
    assert "laporan_terlambat" in kota.ticket(receipt).flags
    assert fire(tim, ticket_id, "laporkan_inspeksi", temuan="Limbah dibuang tanpa pengolahan",
                kesimpulan="terbukti").status_code == 302
    assert fire(signed_in(app, "kabid1"), ticket_id, "sampaikan_keputusan",
                jawaban="Pelaku usaha wajib memasang IPAL dalam 30 hari.").status_code == 302

    # the complainant appeals (through the officer); the Sekretaris Dinas refers it to the Ombudsman
    kota.alur("tickets", "fire", receipt, "ajukan_banding", "--as", "petugas1",
              "--input", "alasan_banding=Tenggat 30 hari terlalu lama; sungai tercemar setiap hari")
    assert kota.ticket(receipt).state == "banding"
    assert fire(signed_in(app, "sekdis1"), ticket_id, "rujuk_hukum", instansi_rujukan="ombudsman_jateng",
                alasan="Dugaan pembiaran pencemaran; kewenangan pengawasan di luar dinas").status_code == 302
    closed = kota.ticket(receipt)
    assert (closed.state, closed.outcome) == ("dirujuk", "dirujuk_jalur_hukum")
    kota.sweep()
    ombudsman = [m for m in kota.sent("email") if m.recipient == "pengaduan@ombudsman-jateng.example.id"]
    assert ombudsman and "Sutrisno" in ombudsman[0].body  # a biasa complaint goes with its complainant


def test_a_light_complaint_through_the_api_and_the_office_report(kota, tmp_path):
    app = app_for(kota)
    app.config["ALUR_INTAKE_DEFINITION"] = kota.key
    client = app.test_client()
    output = kota.alur("apikeys", "create", "gateway", "--scope", "intake", "--scope", "read", "--scope", "act",
                       "--role", "petugas_pengaduan").output
    headers = {"Authorization": "Bearer " + re.search(r"(alur_\S+)", output).group(1)}
    light = {**BOX, "kanal": "whatsapp", "kategori": "Pelayanan perizinan", "perihal": "Antrean loket terlalu lama"}
    filed = client.post("/api/v1/tickets", json=light, headers=headers)
    assert filed.status_code == 201, filed.get_data(as_text=True)
    receipt = filed.get_json()["receipt_no"]
    for trigger, inputs in (("pilah", {"bobot": "ringan"}), ("jawab_ringan", {"jawaban": "Loket ditambah satu."}),
                            ("terima_keputusan", {})):
        moved = client.post(f"/api/v1/tickets/{receipt}/transitions/{trigger}", json={"inputs": inputs},
                            headers=headers)
        assert moved.status_code == 200, moved.get_data(as_text=True)
    assert (kota.ticket(receipt).state, kota.ticket(receipt).outcome) == ("selesai", "selesai_dijawab")

    written = tmp_path / "laporan.json"
    kota.alur("report", "--period", "2026-Q4", "--definition", kota.key, "--format", "json", "-o", str(written))
    text = json.dumps(json.loads(written.read_text(encoding="utf-8")), ensure_ascii=False)
    assert "Kota Pekalongan" in text and "Provinsi Banten" not in text
    assert "Selesai dijawab" in text
