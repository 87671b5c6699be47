"""Office-side moves for public tests, fired through the engine as the console would."""
from __future__ import annotations

from .conftest import PETUGAS


def ticket_id(rt, receipt: str) -> int:
    with rt.store.unit_of_work() as uow:
        return uow.tickets.id_by_receipt(receipt)


def ask_for_information(rt, receipt: str, what: str = "Mohon lampirkan nomor tanda terima permohonan SIPA.") -> None:
    rt.engine.fire(ticket_id(rt, receipt), "minta_kelengkapan", PETUGAS, {"kekurangan": what})


def answer(rt, receipt: str, text: str = "Peninjauan lapangan dijadwalkan 3 Desember 2026.", now=None) -> None:
    tid = ticket_id(rt, receipt)
    rt.engine.fire(tid, "verifikasi", PETUGAS, {"tingkat": "ringan", "kewenangan": "dalam",
                                                 "catatan": "CATATAN-INTERNAL-RAHASIA"}, now=now)
    rt.engine.fire(tid, "jawab_langsung", PETUGAS, {"analisa": "ANALISA-INTERNAL", "jawaban": text}, now=now)
    rt.engine.fire(tid, "arsipkan", PETUGAS, {"nomor_arsip": "ARS-1"}, now=now)
    rt.engine.fire(tid, "sampaikan", PETUGAS, {"media_jawaban": "website_sipeka"}, now=now)
