"""End to end in Debian's Chromium (headless) against a real server thread: one complaint from the
counter to closing, through the officer, the handling team and the OPD liaison."""
from __future__ import annotations

import pytest

from tests.browser import MARKS, artifacts, chromium, open_form, screenshot, serve, submit_form
from tests.console.conftest import PASSWORD

pytestmark = MARKS



@pytest.fixture
def server(app):
    with serve(app, "console-e2e") as base:
        yield base


@pytest.fixture
def browser():
    with chromium() as instance:
        yield instance


class Desk:
    """One person at their browser."""

    def __init__(self, browser, base: str):
        self.context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="id-ID")
        self.page = self.context.new_page()
        self.page.set_default_timeout(20000)
        self.base = base

    def login(self, username: str) -> None:
        self.page.goto(self.base + "/login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_selector("#alur-user")

    def logout(self) -> None:
        self.page.click("text=Keluar")
        self.page.wait_for_selector("#username")

    def shot(self, name: str, full: bool = True) -> None:
        screenshot(self.page, "console", name, full)

    def act(self, trigger: str, fill: dict[str, str] | None = None, select: dict[str, str] | None = None) -> None:
        """Open a transition's form on the ticket page, fill it and submit."""
        open_form(self.page, f"#btn-{trigger}", f"#submit-{trigger}")
        for name, value in (select or {}).items():
            self.page.select_option(f"#{trigger}-{name}", value)
        for name, value in (fill or {}).items():
            self.page.fill(f"#{trigger}-{name}", value)
        submit_form(self.page, f"#submit-{trigger}")

    def state(self) -> str:
        return self.page.get_attribute("#ticket-state", "data-state")


def test_walk_in_complaint_from_counter_to_closing(server, browser, rt):
    desk = Desk(browser, server)
    page = desk.page

    # the officer records a walk-in complaint and prints its receipt
    desk.login("petugas")
    page.goto(server + "/admin/work/")
    desk.shot("01-work-queue")
    page.click("#btn-record")
    page.select_option("#kanal", "langsung")
    # only for the complaint box: the page's script hides it on change (wait for it, do not race it)
    page.wait_for_selector("#tanggal_ambil_kotak", state="hidden")
    assert not page.is_visible("#tanggal_ambil_kotak")
    page.fill("#nama", "Siti Aminah")
    page.fill("#alamat", "Jl. Ahmad Yani No. 5, Serang, Banten")
    page.fill("#telepon", "0812-3456-7890")
    page.fill("#no_registrasi", "REG-2026-0042")
    page.select_option("#sektor", "esdm")
    page.select_option("#kategori", "durasi_waktu")
    page.fill("#perihal", "Peninjauan lapangan SIPA belum dijadwalkan")
    page.fill("#uraian", "Permohonan SIPA sudah dua bulan belum ada peninjauan lapangan dari Dinas ESDM.")
    page.check("#tanda_tangan", force=True)
    desk.shot("02-record-form")
    page.click("#record-submit")
    page.wait_for_selector("#receipt")
    receipt_no = page.inner_text("#receipt-number").strip()
    assert receipt_no.startswith("ADU-")
    assert page.is_visible("#tracking-token")
    assert "7 (tujuh) hari kalender" in page.inner_text("#receipt")
    desk.shot("03-receipt")
    page.emulate_media(media="print")
    page.pdf(path=str(artifacts("console") / "03-receipt.pdf"), format="A4")
    page.emulate_media(media="screen")
    ticket_url = page.get_attribute(f"a:has-text('{receipt_no}')", "href")

    # verify with severity "berat", then forward to the handling team
    page.goto(server + ticket_url)
    desk.act("verifikasi", select={"tingkat": "berat", "kewenangan": "dalam"},
             fill={"catatan": "Perlu koordinasi ESDM."})
    assert desk.state() == "terverifikasi"
    desk.act("teruskan_tim", fill={"catatan": "Mohon koordinasi dengan Dinas ESDM."})
    assert desk.state() == "ditangani_tim"
    desk.logout()

    # the team hands it to Dinas ESDM
    desk.login("tim")
    page.goto(server + "/admin/work/?tab=team")
    page.click(f"text={receipt_no}")
    desk.shot("04-ticket-team")
    desk.act("serahkan_opd", select={"opd": "dinas_esdm"},
             fill={"permintaan": "Mohon jadwal peninjauan lapangan SIPA dalam minggu ini."})
    assert desk.state() == "diserahkan_opd"
    desk.logout()

    # the liaison acknowledges and answers
    desk.login("esdm")
    page.goto(server + "/admin/opd/")
    page.click(f"text={receipt_no}")
    assert "Siti Aminah" in page.inner_text("#identity-card")  # biasa: the liaison of this OPD may see it
    desk.act("konfirmasi_opd")
    assert desk.state() == "diproses_opd"
    desk.shot("05-ticket-opd")
    desk.act("jawab_opd", fill={"jawaban_opd": "Peninjauan lapangan dijadwalkan Kamis, 3 Desember 2026."})
    page.wait_for_selector("#queue")
    assert receipt_no not in page.inner_text("#queue")  # handed back: no longer this agency's
    desk.logout()

    # the team drafts the answer to the complainant
    desk.login("tim")
    page.goto(server + ticket_url)
    desk.act("jawab", fill={"analisa": "Keterlambatan di jadwal peninjauan lapangan OPD.",
                            "tindak_lanjut": "OPD menjadwalkan peninjauan 3 Desember.",
                            "jawaban": "Peninjauan lapangan SIPA Anda dijadwalkan 3 Desember 2026."})
    assert desk.state() == "dijawab"
    desk.logout()

    # the officer archives and delivers it, then records the complainant's confirmation
    desk.login("petugas")
    page.goto(server + ticket_url)
    desk.act("arsipkan", fill={"nomor_arsip": "ARS/2026/118"})
    desk.act("sampaikan", select={"media_jawaban": "langsung"})
    assert desk.state() == "menunggu_konfirmasi"
    desk.act("konfirmasi_puas", fill={"tanggapan_pemohon": "Terima kasih, jelas."})
    assert desk.state() == "selesai"
    assert "Jawaban diterima" in page.inner_text("#timeline")
    desk.shot("06-ticket-closed")
    assert rt.engine.load(int(ticket_url.rstrip("/").split("/")[-1])).state == "selesai"

