"""A quarter whose waits are known, walked through the engine so the audit trail holds them (issue 15).

Q4 2026 (from Monday 30 November 09:00 WIB):

* ``waited`` -- the officer asks for a document an hour in; the complainant answers two days later
  (47 hours waiting, both ticket clocks paused); answered directly and delivered 53 hours after opening:
  the 7-day promise kept.
* ``opd`` -- severe, forwarded to the team, handed to Dinas ESDM a day in, acknowledged 2 hours later,
  answered by the agency at day 4, answered and delivered at day 9: the promise broken.
* ``open`` -- never touched: still received (its promise pending until day 7).
* ``withdrawn`` -- withdrawn by the complainant after 3 hours: owed no answer.

Q3 2026 (the previous quarter), two complaints verified within hours that then waited three and four days
for the officer's answer (``terverifikasi``), answered and confirmed: that quarter's bottleneck. In Q4 the
complaint nobody touched holds ``diterima`` longest.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.conftest import MONDAY_9_WIB, walk_in_record

H, D = timedelta(hours=1), timedelta(days=1)
Q3_MONDAY = datetime(2026, 8, 3, 2, 0, tzinfo=timezone.utc)  # Monday 3 August 2026, 09:00 WIB
MEASURED = MONDAY_9_WIB + 12 * D


def walk_quarter(engine, actors) -> dict[str, int]:
    """The tickets above (ids by name); Q3's are opened first, in the order of the trail."""
    p, tim, opd, pemohon = actors["petugas"], actors["tim"], actors["opd"], actors["pemohon"]
    t0 = MONDAY_9_WIB

    def opened(at: datetime, **record) -> int:
        return engine.open("pengaduan-ptsp", walk_in_record(**record), p, now=at).ticket.id

    ids = {}
    for n in range(2):
        ids[f"q3_{n}"] = tid = opened(Q3_MONDAY + n * H, kanal="email")
        engine.fire(tid, "verifikasi", p, {"tingkat": "ringan", "kewenangan": "dalam"}, now=Q3_MONDAY + 2 * H)
        answered = Q3_MONDAY + (3 + n) * D
        engine.fire(tid, "jawab_langsung", p, {"analisa": "a", "jawaban": "b"}, now=answered)
        engine.fire(tid, "arsipkan", p, {}, now=answered + H)
        engine.fire(tid, "sampaikan", p, {"media_jawaban": "email"}, now=answered + 2 * H)
        engine.fire(tid, "konfirmasi_puas", pemohon, {"tanggapan_pemohon": "Terima kasih"}, now=answered + 3 * H)
    ids["waited"] = tid = opened(t0)
    engine.fire(tid, "minta_kelengkapan", p, {"kekurangan": "Akta"}, now=t0 + H)
    engine.fire(tid, "lengkapi", pemohon, {"kelengkapan": "Akta terlampir"}, now=t0 + 2 * D)
    engine.fire(tid, "verifikasi", p, {"tingkat": "ringan", "kewenangan": "dalam"}, now=t0 + 2 * D + 2 * H)
    engine.fire(tid, "jawab_langsung", p, {"analisa": "a", "jawaban": "b"}, now=t0 + 2 * D + 3 * H)
    engine.fire(tid, "arsipkan", p, {}, now=t0 + 2 * D + 4 * H)
    engine.fire(tid, "sampaikan", p, {"media_jawaban": "langsung"}, now=t0 + 2 * D + 5 * H)
    ids["opd"] = tid = opened(t0 + 10 * 60 * timedelta(seconds=1), kanal="email", kategori="Sistem OSS")
    engine.fire(tid, "verifikasi", p, {"tingkat": "berat", "kewenangan": "dalam"}, now=t0 + H)
    engine.fire(tid, "teruskan_tim", p, {}, now=t0 + 2 * H)
    engine.fire(tid, "serahkan_opd", tim, {"opd": "Dinas ESDM", "permintaan": "Tinjau"}, now=t0 + D)
    engine.fire(tid, "konfirmasi_opd", opd, {}, now=t0 + D + 2 * H)
    engine.fire(tid, "jawab_opd", opd, {"jawaban_opd": "Dijadwalkan"}, now=t0 + 4 * D)
    engine.fire(tid, "jawab", tim, {"analisa": "a", "tindak_lanjut": "t", "jawaban": "j"}, now=t0 + 8 * D)
    engine.fire(tid, "arsipkan", p, {}, now=t0 + 8 * D + H)
    engine.fire(tid, "sampaikan", p, {"media_jawaban": "email"}, now=t0 + 9 * D)
    ids["open"] = opened(t0 + 2 * H)
    ids["withdrawn"] = tid = opened(t0 + 3 * H)
    engine.fire(tid, "cabut", pemohon, {"alasan_cabut": "Sudah selesai"}, now=t0 + 6 * H)
    return ids
