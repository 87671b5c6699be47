"""The shipped SOP walked end to end through every branch, reloading the ticket between steps."""
from __future__ import annotations

from datetime import timedelta

import pytest

from workflow.errors import TransitionRejected

from .conftest import MONDAY_9_WIB, walk_in_record
from .scenario import Scenario

FIRED: set[int] = set()


@pytest.fixture
def s(engine, actors):
    scenario = Scenario(engine, actors, MONDAY_9_WIB).open(walk_in_record())
    yield scenario
    FIRED.update(index for _, _, index in scenario.fired)


def test_light_complaint_answered_directly_by_the_officer(s):
    (s.do("verifikasi", "petugas", "terverifikasi", tingkat="ringan", kewenangan="dalam")
      .do("jawab_langsung", "petugas", "dijawab", analisa="Pemohon belum login", jawaban="Silakan login ulang",
          tindak_lanjut="Arahan diberikan")
      .advance(hours=2)
      .do("arsipkan", "petugas", "diarsipkan", nomor_arsip="ARS/2026/11/001")
      .do("sampaikan", "petugas", "menunggu_konfirmasi", media_jawaban="langsung")
      .do("konfirmasi_puas", "pemohon", "selesai", tanggapan_pemohon="Terima kasih"))
    done = s.reload()
    assert done.outcome == "answered" and done.closed_at == s.now
    assert all(c.status == "stopped" for c in done.clocks)


def test_heavy_complaint_through_supervisor_and_opd_with_clarification_and_reopening(s):
    (s.do("verifikasi", "petugas", "terverifikasi", tingkat="berat", kewenangan="dalam")
      .do("teruskan_tim", "petugas", "ditangani_tim", catatan="perlu peninjauan ESDM")
      .do("minta_arahan", "tim", "menunggu_arahan", telaah="Keterlambatan peninjauan lapangan")
      .do("beri_arahan", "kasi", "ditangani_tim", arahan="Koordinasikan dengan Dinas ESDM")
      .do("serahkan_opd", "tim", "diserahkan_opd", opd="Dinas ESDM", permintaan="Jadwalkan peninjauan"))
    assert s.reload().opd == "dinas_esdm"
    assert s.clock("opd_ack").status == "running"
    (s.advance(hours=3)
      .do("konfirmasi_opd", "opd", "diproses_opd")
      .do("minta_klarifikasi", "opd", "klarifikasi_opd", pertanyaan_opd="Nomor registrasi lengkap?"))
    assert s.clock("opd_ack").status == "stopped"
    assert s.clock("opd_jawaban").status == "paused"
    (s.do("jawab_klarifikasi", "tim", "diproses_opd", klarifikasi="REG-2026-0042")
      .do("jawab_opd", "opd", "ditangani_tim", jawaban_opd="Peninjauan dijadwalkan 2 Desember"))
    assert s.reload().opd is None and s.clock("opd_jawaban").status == "stopped"
    (s.do("jawab", "tim", "dijawab", analisa="Peninjauan lapangan terlambat", tindak_lanjut="Koordinasi dengan ESDM",
          jawaban="Peninjauan dijadwalkan 2 Desember")
      .do("arsipkan", "petugas", "diarsipkan")
      .do("sampaikan", "petugas", "menunggu_konfirmasi", media_jawaban="email")
      .advance(days=3)
      .do("buka_kembali", "pemohon", "ditangani_tim", alasan_buka_kembali="Belum ada peninjauan"))
    runs = [c for c in s.reload().clocks if c.clock == "penyelesaian"]
    assert [r.run for r in runs] == [1, 2] and runs[-1].status == "running"  # restarted for the reopening
    (s.do("jawab", "tim", "dijawab", analisa="Sudah ditinjau", tindak_lanjut="Selesai", jawaban="Sudah ditinjau")
      .do("arsipkan", "petugas", "diarsipkan")
      .do("sampaikan", "petugas", "menunggu_konfirmasi", media_jawaban="email"))
    with pytest.raises(TransitionRejected,
                       match="setelah 10 hari kerja sejak tahap «Jawaban disampaikan, menunggu konfirmasi»") as early:
        s.engine.fire(s.ticket.id, "tutup_otomatis", s.actors["system"], now=s.now + timedelta(days=3))
    assert early.value.reasons[0].kind == "guard"
    s.advance(days=20).do("tutup_otomatis", "system", "selesai_tanpa_konfirmasi")
    assert s.reload().outcome == "closed_unconfirmed"


def test_reopening_after_the_window_is_refused(s):
    (s.do("verifikasi", "petugas", "terverifikasi", tingkat="ringan", kewenangan="dalam")
      .do("jawab_langsung", "petugas", "dijawab", analisa="a", jawaban="b")
      .do("arsipkan", "petugas", "diarsipkan")
      .do("sampaikan", "petugas", "menunggu_konfirmasi", media_jawaban="telepon"))
    with pytest.raises(TransitionRejected, match="sudah lewat"):
        s.engine.fire(s.ticket.id, "buka_kembali", s.actors["pemohon"], {"alasan_buka_kembali": "x"},
                      now=s.now + timedelta(days=30))
    assert s.reload().state == "menunggu_konfirmasi"


def test_outside_authority_is_transferred_and_the_complainant_told(s, store):
    import sqlalchemy as sa

    (s.do("verifikasi", "petugas", "terverifikasi", tingkat="sedang", kewenangan="luar")
      .do("alihkan", "petugas", "dialihkan", opd_tujuan="Dinas Kesehatan", alasan="Izin praktik di kabupaten"))
    assert s.reload().outcome == "transferred"
    with store.engine.connect() as conn:
        templates = conn.execute(sa.text("SELECT template FROM outbox WHERE ticket_id = :t AND recipient = 'pemohon'"),
                                 {"t": s.ticket.id}).scalars().all()
    assert "diteruskan_opd" in templates and "tanda_terima" in templates


def test_missing_information_returns_to_whoever_asked(s):
    (s.do("minta_kelengkapan", "petugas", "menunggu_kelengkapan", kekurangan="Nomor registrasi")
      .do("lengkapi", "pemohon", "diterima", kelengkapan="REG-1")
      .do("verifikasi", "petugas", "terverifikasi", tingkat="sedang", kewenangan="dalam")
      .do("minta_kelengkapan", "petugas", "menunggu_kelengkapan", kekurangan="Surat kuasa")
      .do("lengkapi", "petugas", "diterima", kelengkapan="diterima lewat telepon")
      .do("verifikasi", "petugas", "terverifikasi", tingkat="sedang", kewenangan="dalam")
      .do("teruskan_tim", "petugas", "ditangani_tim")
      .do("minta_kelengkapan", "tim", "menunggu_kelengkapan", kekurangan="Foto lokasi")
      .do("lengkapi", "pemohon", "ditangani_tim", kelengkapan="terlampir"))
    assert s.clock("penyelesaian").status == "running"


def test_rejected_merged_and_withdrawn_complaints_close_with_their_outcome(engine, actors):
    rejected = Scenario(engine, actors, MONDAY_9_WIB).open(walk_in_record())
    rejected.do("minta_kelengkapan", "petugas", "menunggu_kelengkapan", kekurangan="identitas")
    rejected.do("tolak", "petugas", "ditolak", alasan="Tidak ada tanggapan")
    merged = Scenario(engine, actors, MONDAY_9_WIB).open(walk_in_record())
    merged.do("verifikasi", "petugas", "terverifikasi", tingkat="sedang", kewenangan="dalam")
    merged.do("gabungkan", "petugas", "digabung", nomor_induk="ADU-2026-000001")
    rejected_early = Scenario(engine, actors, MONDAY_9_WIB).open(walk_in_record())
    rejected_early.do("tolak", "petugas", "ditolak", alasan="Bukan pengaduan")
    merged_early = Scenario(engine, actors, MONDAY_9_WIB).open(walk_in_record())
    merged_early.do("gabungkan", "petugas", "digabung", nomor_induk="ADU-2026-000001")
    rejected_verified = Scenario(engine, actors, MONDAY_9_WIB).open(walk_in_record())
    rejected_verified.do("verifikasi", "petugas", "terverifikasi", tingkat="ringan", kewenangan="dalam")
    rejected_verified.do("tolak", "petugas", "ditolak", alasan="Dobel")
    assert [x.reload().outcome for x in (rejected, merged, rejected_early, merged_early, rejected_verified)] == \
        ["rejected", "merged", "rejected", "merged", "rejected"]
    for x in (rejected, merged, rejected_early, merged_early, rejected_verified):
        FIRED.update(index for _, _, index in x.fired)


WITHDRAW_FROM = {
    "diterima": [],
    "terverifikasi": [("verifikasi", "petugas", "terverifikasi", {"tingkat": "berat", "kewenangan": "dalam"})],
    "menunggu_kelengkapan": [("minta_kelengkapan", "petugas", "menunggu_kelengkapan", {"kekurangan": "x"})],
    "ditangani_tim": [("verifikasi", "petugas", "terverifikasi", {"tingkat": "berat", "kewenangan": "dalam"}),
                      ("teruskan_tim", "petugas", "ditangani_tim", {})],
}
TO_OPD = WITHDRAW_FROM["ditangani_tim"] + [("serahkan_opd", "tim", "diserahkan_opd",
                                            {"opd": "dinas_esdm", "permintaan": "x"})]
WITHDRAW_FROM.update({
    "menunggu_arahan": WITHDRAW_FROM["ditangani_tim"] + [("minta_arahan", "tim", "menunggu_arahan", {"telaah": "x"})],
    "diserahkan_opd": TO_OPD,
    "diproses_opd": TO_OPD + [("konfirmasi_opd", "opd", "diproses_opd", {})],
    "klarifikasi_opd": TO_OPD + [("konfirmasi_opd", "opd", "diproses_opd", {}),
                                 ("minta_klarifikasi", "opd", "klarifikasi_opd", {"pertanyaan_opd": "x"})],
})


@pytest.mark.parametrize("state", list(WITHDRAW_FROM))
def test_complainant_can_withdraw_from_every_open_stage(engine, actors, state):
    s = Scenario(engine, actors, MONDAY_9_WIB).open(walk_in_record())
    for trigger, who, expect, inputs in WITHDRAW_FROM[state]:
        s.do(trigger, who, expect, **inputs)
    s.do("cabut", "pemohon", "dicabut", alasan_cabut="Sudah selesai sendiri")
    done = s.reload()
    assert done.outcome == "withdrawn" and done.opd is None
    assert all(c.status == "stopped" for c in done.clocks)
    FIRED.update(index for _, _, index in s.fired)


def test_opd_can_return_a_handoff_and_the_team_can_take_it_back(engine, actors):
    s = Scenario(engine, actors, MONDAY_9_WIB).open(walk_in_record())
    for trigger, who, expect, inputs in TO_OPD:
        s.do(trigger, who, expect, **inputs)
    s.do("kembalikan_opd", "opd", "ditangani_tim", alasan_opd="Kewenangan Dinas PUPR")
    assert s.reload().opd is None and s.clock("opd_ack").status == "stopped"
    s.do("serahkan_opd", "tim", "diserahkan_opd", opd="dinas_pupr", permintaan="Mohon tinjau")
    s.do("tarik_dari_opd", "kasi", "ditangani_tim", alasan="Sudah ada jawaban internal")
    s.do("serahkan_opd", "tim", "diserahkan_opd", opd="dinas_esdm", permintaan="Mohon tinjau")
    s.do("konfirmasi_opd", "opd", "diproses_opd")
    s.do("tarik_dari_opd", "tim", "ditangani_tim", alasan="Ditangani internal")
    FIRED.update(index for _, _, index in s.fired)


def test_every_transition_of_the_sop_was_walked(engine):
    """Runs last in this module: the scenarios above must cover every transition of the SOP."""
    if not FIRED:
        pytest.skip("run the whole module: this test checks what the scenarios above walked")
    definition = engine.definition("pengaduan-ptsp")
    missing = [f"{t.trigger} ({', '.join(t.sources)} -> {t.dest})" for t in definition.transitions
               if t.index not in FIRED]
    assert not missing, "transitions no scenario walks: " + "; ".join(missing)
