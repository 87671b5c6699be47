"""End to end in Debian's Chromium: a supervisor fixes a broken definition guided by the error, and publishes it.

The app runs in a thread (werkzeug) on 127.0.0.1 over a temporary SQLite file; Playwright drives the
real pages, JavaScript line gutter included. Screenshots go to test-artifacts/ (the CI keeps them).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import MARKS, chromium, screenshot, serve
from tests.conftest import SOP

from .conftest import PASSWORD

pytestmark = MARKS


@pytest.fixture
def server(app):
    with serve(app, "supervisor-e2e") as base:
        yield base


@pytest.fixture
def browser():
    with chromium() as instance:
        yield instance


def shot(page, name: str) -> Path:
    return screenshot(page, "supervisor", name)


def test_supervisor_fixes_a_broken_definition_guided_by_the_error_and_publishes_it(server, browser, rt):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="id-ID")
    page.set_default_timeout(15000)
    page.on("dialog", lambda dialog: dialog.accept())  # "Terbitkan sebagai versi baru?"

    page.goto(f"{server}/login")
    page.fill("input[name=username]", "kasi")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{server}/admin/definisi/")
    page.click("#edit-pengaduan-ptsp")
    page.wait_for_selector("#yaml-gutter .ln")

    # The supervisor gives OPDs a third day for their answer, and mistypes a state on the way.
    text = SOP.read_text(encoding="utf-8").replace("budget: {amount: 2, unit: working_days}",
                                                   "budget: {amount: 3, unit: working_days}")
    broken = text.replace("    to: terverifikasi\n", "    to: terverifikasi_x\n", 1)
    line = broken.splitlines().index("    to: terverifikasi_x") + 1
    page.fill("#yaml-source", broken)
    page.click("#btn-check")

    problem = page.locator(".problem[data-code=D201]")
    problem.wait_for()
    assert problem.get_attribute("data-line") == str(line)
    message = problem.inner_text()
    assert f"baris {line}" in message and "terverifikasi_x" in message
    hint = problem.locator(".hint").inner_text()
    suggestion = re.search(r"maksud Anda '([a-z_]+)'\?", hint).group(1)  # the editor speaks Indonesian
    assert suggestion == "terverifikasi"
    assert page.locator(f"#yaml-gutter .ln-error[data-line='{line}']").count() == 1
    assert page.locator("#yaml-marks .mark").count() >= 1
    shot(page, "editor-error.png")

    # Follow the error: clicking it selects the offending line; type the line the hint suggests.
    problem.click()
    selected = page.evaluate("() => { const t = document.getElementById('yaml-source');"
                             " return t.value.substring(t.selectionStart, t.selectionEnd); }")
    assert selected == "    to: terverifikasi_x"
    page.keyboard.type(f"    to: {suggestion}")
    page.click("#btn-check")
    page.locator("#valid-message").wait_for()
    assert page.locator(".problem").count() == 0
    assert page.locator("#impact-ok").is_visible()
    assert page.locator("#semantic-diff tr[data-key=opd_jawaban]").count() == 1
    shot(page, "editor-valid.png")

    page.fill("input[name=note]", "Perbaikan tujuan transisi verifikasi")
    page.click("#btn-publish")
    page.wait_for_url(re.compile(r".*/admin/definisi/pengaduan-ptsp/v2$"))
    assert page.locator("#version-badge").inner_text() == "v2"
    assert "Versi 2 diterbitkan" in page.content()

    page.goto(f"{server}/admin/definisi/")
    versions = page.locator("tr.version-row").evaluate_all("rows => rows.map(r => r.dataset.version)")
    assert versions == ["2", "1"]
    assert "Perbaikan tujuan transisi verifikasi" in page.inner_text("body")
    assert rt.engine.definition("pengaduan-ptsp").version == 2
    assert rt.engine.definition("pengaduan-ptsp").clocks["opd_jawaban"].budget.amount == 3

    page.set_viewport_size({"width": 1760, "height": 1000})  # the whole swimlane, no horizontal scroll
    page.goto(f"{server}/admin/definisi/pengaduan-ptsp/v2/diagram?highlight=ditangani_tim")
    page.wait_for_selector("#sop-diagram svg g.state.current")
    assert page.locator("#sop-diagram g.state").count() == len(rt.engine.definition("pengaduan-ptsp").states)
    shot(page, "sop-diagram.png")
