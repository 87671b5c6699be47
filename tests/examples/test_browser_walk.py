"""The example kabupaten office in Debian's Chromium: the field team hands a complaint to two agencies at once
from the ticket page, one agency's liaison acknowledges and answers its own part, the team withdraws the
other agency's, and the complaint goes on to the analyst by itself."""
from __future__ import annotations

import pytest

from tests.browser import MARKS, chromium, open_form, screenshot, serve, submit_form
from tests.conftest import migrated_engine
from tests.web import PASSWORD

from .conftest import app_for, set_up
from .test_sleman import STAFF, in_the_field

pytestmark = MARKS


@pytest.fixture
def sleman(tmp_path, monkeypatch):
    with migrated_engine("sqlite", tmp_path) as engine:
        yield set_up(engine, tmp_path, monkeypatch, "pengaduan-perizinan-sleman.yaml", "office-sleman.yaml",
                     "agencies-sleman.yaml", STAFF)


def sign_in(browser, base: str, username: str):
    page = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="id-ID").new_page()
    page.set_default_timeout(20000)
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#alur-user")
    return page


def submit(page, button: str, submit_id: str, fill: dict | None = None, select: dict | None = None) -> None:
    open_form(page, button, submit_id)
    for selector, value in (select or {}).items():
        page.select_option(selector, value)
    for selector, value in (fill or {}).items():
        page.fill(selector, value)
    submit_form(page, submit_id)


def test_a_parallel_handoff_in_the_browser(sleman):
    rt = sleman.rt
    ticket = in_the_field(sleman)
    with serve(app_for(sleman), "examples-e2e") as base, chromium() as browser:
        field = sign_in(browser, base, "verifikator1")
        field.goto(f"{base}/admin/work/ticket/{ticket.id}")
        submit(field, "#btn-minta_kajian_teknis", "#submit-minta_kajian_teknis",
               select={"#minta_kajian_teknis-instansi_teknis": ["dpupkp_sleman", "dlh_sleman"]},
               fill={"#minta_kajian_teknis-hasil_lapangan": "Saluran tertutup pondasi ruko",
                     "#minta_kajian_teknis-permintaan_kajian": "Mohon kajian sempadan dan drainase"})
        assert field.get_attribute("#ticket-state", "data-state") == "menunggu_instansi"
        assert field.locator("#handoffs .alur-part").count() == 2

        liaison = sign_in(browser, base, "pu1")
        liaison.goto(f"{base}/admin/opd/")
        liaison.click(f"#handoff-inbox a:has-text('{ticket.receipt_no}')")
        submit(liaison, "#btn-terima-dpupkp_sleman", "#submit-terima-dpupkp_sleman")
        submit(liaison, "#btn-jawab-dpupkp_sleman", "#submit-jawab-dpupkp_sleman",
               select={"#jawab-dpupkp_sleman-rekomendasi": "Tidak sesuai ketentuan"},
               fill={"#jawab-dpupkp_sleman-catatan_instansi": "Pondasi melanggar sempadan saluran"})
        assert liaison.get_attribute("#handoffs .alur-part", "data-status") == "dijawab"
        assert liaison.locator("#handoffs .alur-part").count() == 1  # its own part only
        screenshot(liaison, "examples", "handoff-liaison")

        field.goto(f"{base}/admin/work/ticket/{ticket.id}")
        submit(field, "#btn-tarik-dlh_sleman", "#submit-tarik-dlh_sleman",
               fill={"#tarik-dlh_sleman-alasan": "DLH tidak diperlukan setelah kajian PU"})
        assert field.get_attribute("#ticket-state", "data-state") == "telaah_hasil"
        screenshot(field, "examples", "handoff-team")
    assert rt.engine.load(ticket.id).part("kajian_teknis", "dlh_sleman").status == "ditarik"
