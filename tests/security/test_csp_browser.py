"""The pages' scripts still work under the Content-Security-Policy, in Debian's Chromium: the record
form's channel and sector behaviour, the definition editor's line numbers and publish question, the
receipt's print button, the public form's permit filter; and the browser reports no violation."""
from __future__ import annotations

import pytest

from tests.browser import MARKS, chromium, screenshot, serve
from tests.conftest import walk_in_record
from tests.web import PASSWORD
from workflow.core.guards import Actor

pytestmark = MARKS

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || ''));
});
window.__printed = 0;
window.print = function () { window.__printed += 1; };
"""


@pytest.fixture
def page(app):
    with serve(app, "csp-e2e") as base, chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
        context.add_init_script(WATCH)
        page = context.new_page()
        page.set_default_timeout(20000)
        page.base = base
        yield page
        context.close()


def login(page, username: str) -> None:
    page.goto(page.base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#alur-user")


def violations(page) -> list[str]:
    return page.evaluate("window.__csp")


def test_console_and_public_scripts_run_under_the_policy(page, rt):
    ticket = rt.engine.open("pengaduan-ptsp", walk_in_record(), Actor("petugas", frozenset({"petugas"}))).ticket
    login(page, "petugas")
    page.goto(page.base + "/admin/work/new")
    box = page.locator('[data-field="tanggal_ambil_kotak"]')
    page.select_option('#record-form [name="kanal"]', "kotak_pengaduan")
    assert box.is_visible()
    page.select_option('#record-form [name="kanal"]', "langsung")
    assert not box.is_visible()
    assert violations(page) == []

    page.goto(page.base + f"/admin/work/receipt/{ticket.id}")
    page.click("#btn-print")
    assert page.evaluate("window.__printed") == 1 and violations(page) == []

    page.goto(page.base + "/admin/work/")  # the sign-out button is a plain form
    page.click("text=Keluar")
    page.wait_for_selector("#username")
    login(page, "kasi")
    page.goto(page.base + "/admin/definisi/pengaduan-ptsp/edit")
    assert page.locator("#yaml-gutter .ln").count() > 100  # line numbers drawn by editor.js
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("#btn-publish")
    assert asked == ["Terbitkan sebagai versi baru?"] and page.url.endswith("/edit")  # not sent when declined
    screenshot(page, "security", "editor-under-csp")
    assert violations(page) == []

    page.goto(page.base + "/pengaduan/baru")
    page.select_option("#f-sektor", index=1)
    sector = page.eval_on_selector("#f-sektor", "s => s.value")
    shown = page.eval_on_selector_all("#f-jenis_izin optgroup:not([hidden])", "gs => gs.map(g => g.dataset.parentCode)")
    assert shown == [sector]
    assert violations(page) == []
