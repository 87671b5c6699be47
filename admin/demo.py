"""``alur serve --demo``: an embedded database ready to explore, with the shipped example office.

Upgrades the database, publishes the shipped SOP, creates one user per role with a fresh password
(printed once by ``alur serve``), and records a few complaints in various stages through the engine.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click

from notifications.templates import available_templates
from workflow.core.guards import Actor
from workflow.services import users
from workflow.services.publish import publish
from workflow.store.queries.tickets import ticket_count

SOP = Path(__file__).resolve().parent.parent / "definitions" / "pengaduan-ptsp.yaml"

# username, roles, supervisor level, OPD, display name
DEMO_USERS = (
    ("admin", ["admin"], None, None, "Administrator Sistem"),
    ("kasi", ["supervisor"], 1, None, "Kepala Seksi Pelaporan dan Pengaduan"),
    ("kabid", ["supervisor"], 2, None, "Kepala Bidang Pelayanan"),
    ("kadis", ["supervisor"], 3, None, "Kepala DPMPTSP"),
    ("petugas", ["petugas"], None, None, "Rina Petugas Front Office"),
    ("tim", ["tim"], None, None, "Tim Penanganan Pengaduan"),
    ("esdm", ["opd_liaison"], None, "dinas_esdm", "Penghubung Dinas ESDM"),
    ("auditor", ["auditor"], None, None, "Inspektorat (Auditor)"),
)


def prepare_demo(rt) -> list[tuple[str, str, str]]:
    """Make the embedded database ready to explore; returns (username, role description, password)."""
    rt.store.upgrade()
    rt.reload_calendar()
    now = datetime.now(timezone.utc)
    result = publish(rt.store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="demo", now=now,
                     catalogs=rt.catalogs, templates=available_templates())
    click.echo(f"definition {result.key} v{result.version} " + ("published" if result.created else "already published"))
    logins = []
    for username, roles, level, opd, name in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        if users.get_user_by_name(rt.store, username) is None:
            users.create_user(rt.store, username, password, roles, supervisor_level=level, opd=opd, display_name=name,
                              catalogs=rt.catalogs)
        else:
            users.set_password(rt.store, username, password)
            users.set_active(rt.store, username, True)
        described = ", ".join(roles) + (f" (level {level})" if level else "") + (f" ({opd})" if opd else "")
        logins.append((username, described, password))
    created = seed_demo_tickets(rt, now)
    if created:
        click.echo(f"{created} demo complaints recorded")
    return logins


DEMO_TICKETS = (
    # (record overrides, [(trigger, inputs, actor key)], days ago)
    ({"perihal": "Jadwal peninjauan lapangan SIPA belum ada", "kategori": "durasi_waktu"}, [], 0),
    ({"kanal": "telepon", "perihal": "Tidak bisa masuk ke SIPEKA", "kategori": "sistem_sipeka", "sektor": None,
      "jenis_izin": None}, [], 0.2),
    ({"kanal": "sms_whatsapp", "nama": "Budi Santoso", "perihal": "Salah cetak nama perusahaan pada izin",
      "kategori": "salah_cetak", "kerahasiaan": "anonim"},
     [("verifikasi", {"tingkat": "sedang", "kewenangan": "dalam"}, "petugas")], 1),
    ({"kanal": "email", "nama": "Dewi Lestari", "email": "dewi@example.id", "perihal": "Dugaan pungutan di loket",
      "kategori": "pungutan_liar", "kerahasiaan": "rahasia"},
     [("verifikasi", {"tingkat": "berat", "kewenangan": "dalam"}, "petugas"),
      ("teruskan_tim", {"catatan": "Kategori pungli: tangani hati-hati."}, "petugas")], 2),
    ({"perihal": "Rekomendasi teknis ESDM belum terbit", "kategori": "durasi_waktu"},
     [("verifikasi", {"tingkat": "berat", "kewenangan": "dalam"}, "petugas"),
      ("teruskan_tim", {}, "petugas"),
      ("serahkan_opd", {"opd": "dinas_esdm", "permintaan": "Mohon jadwal peninjauan lapangan SIPA."}, "tim")], 3),
    ({"kanal": "kotak_pengaduan", "nama": "Ahmad Fauzi", "perihal": "Petugas loket kurang ramah",
      "kategori": "sikap_petugas", "sektor": None, "jenis_izin": None},
     [("verifikasi", {"tingkat": "ringan", "kewenangan": "dalam"}, "petugas"),
      ("jawab_langsung", {"analisa": "Petugas sudah ditegur.", "jawaban": "Terima kasih, petugas telah dibina."},
       "petugas")], 1.5),
    ({"perihal": "Izin usaha pertambangan belum diproses", "kategori": "durasi_waktu"},
     [("verifikasi", {"tingkat": "sedang", "kewenangan": "dalam"}, "petugas"),
      ("teruskan_tim", {}, "petugas")], 9),
    ({"kanal": "website_sipeka", "perihal": "Status permohonan tidak berubah", "kategori": "sistem_sipeka"},
     [("verifikasi", {"tingkat": "ringan", "kewenangan": "dalam"}, "petugas"),
      ("jawab_langsung", {"analisa": "Sinkronisasi tertunda.", "jawaban": "Status sudah diperbarui."}, "petugas"),
      ("arsipkan", {"nomor_arsip": "ARS/2026/117"}, "petugas"),
      ("sampaikan", {"media_jawaban": "website_sipeka"}, "petugas"),
      ("konfirmasi_puas", {"tanggapan_pemohon": "Terima kasih."}, "petugas")], 5),
)


def seed_demo_tickets(rt, now: datetime) -> int:
    """Record demo complaints through the engine (never by writing rows), once per database."""
    if ticket_count(rt.store):
        return 0
    actors = {"petugas": Actor("petugas", frozenset({"petugas"}), "Rina Petugas Front Office"),
              "tim": Actor("tim", frozenset({"tim"}), "Tim Penanganan Pengaduan")}
    kanal = rt.catalogs.get("kanal")
    count = 0
    for overrides, steps, days_ago in DEMO_TICKETS:
        at = now - timedelta(days=days_ago)
        record = {
            "kanal": "langsung", "nama": "Siti Aminah", "alamat": "Jl. Ahmad Yani No. 5, Serang, Banten",
            "telepon": "0812-3456-7890", "sektor": "esdm", "jenis_izin": "SIPA", "kategori": "durasi_waktu",
            "perihal": "", "uraian": "Permohonan belum ada kejelasan.", "no_registrasi": "REG-2026-0042",
            "tanda_tangan": True,
        }
        record.update(overrides)
        if (kanal and record.get("kanal") in kanal.entries and
                                              kanal.entries[record["kanal"]].extra.get("collection_date")):
            record["tanggal_ambil_kotak"] = at.date().isoformat()
        record = {k: v for k, v in record.items() if v is not None}
        record = _known_codes(rt, record)
        opened = rt.engine.open(rt.intake_definition(), record, actors["petugas"], now=at)
        moment = at
        for trigger, inputs, who in steps:
            moment = moment + timedelta(hours=2)
            rt.engine.fire(opened.ticket.id, trigger, actors[who], inputs, now=min(moment, now))
        count += 1
    return count


def _known_codes(rt, record: dict) -> dict:
    """Demo values are written as codes; fall back to labels the catalog can match."""
    for name in ("kanal", "kategori", "sektor"):
        cat = rt.catalogs.get(name)
        value = record.get(name)
        if cat is None or value is None or value in cat.entries:
            continue
        matches = cat.match(value.replace("_", " "))
        if matches:
            record[name] = matches[0]
        else:
            record.pop(name)
    return record


__all__ = ["prepare_demo", "seed_demo_tickets", "DEMO_USERS", "SOP"]
