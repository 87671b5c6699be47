"""End to end in Debian's Chromium: before publishing, a supervisor asks what the draft would have done to the
quarter's complaints, sees that renaming an action strands history (which complaint, at which stage, why),
returns to the editor with the draft kept, and nothing was published. Screenshots go to test-artifacts/."""
from __future__ import annotations

import pytest

from tests.browser import MARKS, chromium, screenshot, serve
from tests.conftest import SOP

from .conftest import PASSWORD
from .test_whatif_console import history

pytestmark = MARKS


@pytest.fixture
def server(app):
    with serve(app, "whatif-e2e") as base:
        yield base


@pytest.fixture
def browser():
    with chromium() as instance:
        yield instance


def test_a_supervisor_sees_a_renamed_action_strand_history_before_publishing(server, browser, rt):
    history(rt)
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="id-ID")
    page.set_default_timeout(30000)
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "kasi")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{server}/admin/definisi/pengaduan-ptsp/edit")
    page.wait_for_selector("#yaml-gutter .ln")
    draft = SOP.read_text(encoding="utf-8").replace("teruskan_tim", "teruskan_ke_tim")
    page.fill("#yaml-source", draft)
    page.click("#btn-whatif")
    page.fill("#whatif-period", "2026-Q4")
    page.click("#btn-whatif")
    page.wait_for_selector("#whatif-causes")
    assert page.inner_text("#whatif-stranded-count") == "1"
    assert "Teruskan ke Tim Penanganan" in page.inner_text("#whatif-causes")
    page.click("#whatif-stranded summary") if page.locator("#whatif-stranded summary").count() else None
    screenshot(page, "supervisor", "whatif-renamed-action")
    page.click("text=Kembali ke penyunting")
    page.wait_for_selector("#yaml-gutter .ln")
    assert "teruskan_ke_tim" in page.input_value("#yaml-source")
    assert page.locator("#base-version").inner_text() == "1"  # nothing was published
