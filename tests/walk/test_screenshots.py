"""The README's pictures (docs/screenshots/*.png), taken from the demo office in Chromium: the work queue, a
ticket handed to an agency, the editor pointing at a broken line (in Indonesian), the SOP diagram, the public
form and a tracking page. Every run saves them under test-artifacts/screenshots/ and checks each page shows
what its picture promises; ``ALUR_UPDATE_SCREENSHOTS=1`` also copies them over docs/screenshots/."""
from __future__ import annotations

import os
import shutil

import pytest

from tests.browser import MARKS, chromium, screenshot, serve
from tests.conftest import ROOT

from .walker import demo_app, login, tracked

pytestmark = [*MARKS, pytest.mark.slow]

DOCS = ROOT / "docs" / "screenshots"


def test_readme_screenshots_come_from_the_demo_office(tmp_path, web_template):
    shots = {}
    with demo_app(tmp_path, web_template) as (app, rt), serve(app, "screenshots") as base, chromium() as browser:
        [(_, _), (receipt, token)] = tracked(app)

        def desk(username: str, width: int = 1280):
            context = browser.new_context(viewport={"width": width, "height": 860}, locale="id-ID")
            page = context.new_page()
            page.set_default_timeout(20000)
            login(page, base, username)
            return context, page

        def take(page, name: str, full: bool = False) -> None:
            shots[name] = screenshot(page, "screenshots", name, full)

        context, page = desk("petugas")
        page.goto(base + "/admin/work/?tab=all")
        assert page.locator("table tbody tr").count() >= 5
        take(page, "console-work-queue.png")
        context.close()

        context, page = desk("tim")
        page.goto(base + "/admin/work/?tab=all&state=diserahkan_opd")
        page.locator("a[href*='/admin/work/ticket/']").first.click()
        page.wait_for_selector("#timeline")
        assert "Diserahkan" in page.inner_text("#ticket-state")
        take(page, "console-ticket-opd.png")
        context.close()

        context, page = desk("kasi")
        page.goto(base + "/admin/definisi/pengaduan-ptsp/edit")
        text = page.input_value("#yaml-source").replace("    to: terverifikasi\n", "    to: terverifikasi_x\n", 1)
        page.fill("#yaml-source", text)
        page.click("#btn-check")
        problem = page.locator(".problem[data-code=D201]")
        problem.wait_for()
        assert "tidak dikenal" in problem.inner_text() and "maksud Anda 'terverifikasi'?" in problem.inner_text()
        take(page, "definition-editor-error.png")
        page.goto(base + "/admin/definisi/pengaduan-ptsp/v1/diagram")
        page.wait_for_selector("#sop-diagram svg")
        diagram = screenshot(page, "screenshots", "sop-swimlane-diagram.png")  # the page, for the record
        size = page.evaluate("() => { const w = document.getElementById('sop-diagram');"
                             " w.style.overflow = 'visible'; w.style.maxHeight = 'none';"
                             " const b = w.querySelector('svg').getBoundingClientRect();"
                             " return [Math.ceil(b.width), Math.ceil(b.height)]; }")
        page.set_viewport_size({"width": max(1280, size[0] + 80), "height": max(860, size[1] + 400)})
        page.locator("#sop-diagram svg").screenshot(path=str(diagram))  # the whole diagram, unscrolled
        shots["sop-swimlane-diagram.png"] = diagram
        context.close()

        context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="id-ID")
        page = context.new_page()
        page.goto(base + "/pengaduan/baru")
        assert page.inner_text("h1") == "Formulir pengaduan"
        take(page, "public-form.png")
        page.goto(f"{base}/lacak?resi={receipt}&token={token}")
        page.wait_for_selector("#timeline")
        assert "Status sudah diperbarui." in page.inner_text("#answer")
        take(page, "public-tracking.png")
        context.close()

    assert all(path.stat().st_size > 10_000 for path in shots.values())
    if os.environ.get("ALUR_UPDATE_SCREENSHOTS") == "1":  # refresh the README's pictures on request only
        DOCS.mkdir(parents=True, exist_ok=True)
        for name, path in shots.items():
            shutil.copyfile(path, DOCS / name)
