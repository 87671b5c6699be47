"""What the engine benchmarks share: the shipped SOP, the moment they start, an officer and one walk-in record.

Kept in one place so `bench_fire.py` and `bench_rungs.py` measure the same complaint on the same
definition (and `benchmarks/README.md` can describe it once).
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from workflow.core.guards import Actor

ROOT = Path(__file__).resolve().parent.parent
SOP = ROOT / "definitions" / "pengaduan-ptsp.yaml"
KEY = "pengaduan-ptsp"
POSTGRES_URL = os.environ.get("ALUR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
START = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)  # Monday 09:00 WIB
OFFICER = Actor("petugas1", frozenset({"petugas"}), "Petugas Satu")
RECORD = {
    "kanal": "langsung", "nama": "Siti Aminah", "alamat": "Jl. Ahmad Yani No. 5, Serang, Banten",
    "telepon": "0812-3456-7890", "sektor": "Energi dan Sumber Daya Mineral", "jenis_izin": "SIPA",
    "kategori": "Durasi Waktu", "perihal": "Proses izin SIPA memakan waktu terlalu lama",
    "uraian": "Permohonan SIPA belum ada peninjauan lapangan sejak dua bulan.", "no_registrasi": "REG-2026-0042",
    "tanda_tangan": True,
}
