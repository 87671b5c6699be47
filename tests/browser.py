"""The browser harness shared by the end-to-end tests: a real server thread and Debian's Chromium.

Chromium is Debian's package driven by Playwright (``apt-get install -y chromium``); Playwright's own
browser download is not used. Missing Chromium skips locally and fails in CI, like the other services.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import ROOT, service_missing

# Module marks for browser tests. When Chromium drops a connection mid-download (it cancels a font it
# no longer needs), werkzeug's development server leaves the static file for the garbage collector,
# which reports an unclosed FileIO; that is the test server's housekeeping, not alur's.
MARKS = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:Exception ignored in. <_io.FileIO:pytest.PytestUnraisableExceptionWarning"),
]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"


@contextmanager
def serve(app, name: str = "e2e") -> Iterator[str]:
    """The app on a free port of 127.0.0.1 in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@contextmanager
def chromium():
    """A headless Debian Chromium under Playwright."""
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", FileNotFoundError(f"{CHROMIUM} (apt-get install -y chromium)"))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def artifacts(folder: str) -> Path:
    """test-artifacts/<folder>/, created (CI keeps it)."""
    target = ARTIFACTS / folder
    target.mkdir(parents=True, exist_ok=True)
    return target


def screenshot(page, folder: str, name: str, full: bool = True) -> Path:
    """Save a screenshot under test-artifacts/<folder>/."""
    path = artifacts(folder) / (name if name.endswith(".png") else f"{name}.png")
    page.screenshot(path=str(path), full_page=full)
    return path


DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def new_page(browser, viewport: dict | None = None, locale: str = "id-ID", timeout: int = 20000, **options):
    """A page of a new browser context; ``options`` go to the context (base_url, is_mobile, has_touch...).
    Close it with ``page.context.close()`` when the browser lives on."""
    context = browser.new_context(viewport=viewport or DESKTOP, locale=locale, **options)
    page = context.new_page()
    page.set_default_timeout(timeout)
    return page


def signed_in(browser, base: str, username: str, viewport: dict | None = None, locale: str = "id-ID"):
    """A page of a new browser context, signed in to the console as ``username`` (the test password)."""
    from tests.web import PASSWORD

    page = new_page(browser, viewport, locale)
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#alur-user", state="attached")
    return page


def serious_violations(page, context: str | None = None) -> list[str]:
    """axe-core's critical and serious violations on the page as it is now ("id: help (n nodes)"); with
    ``context`` (a CSS selector), only inside that part of the page."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, context=context).response["violations"]
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)" for v in found
            if v.get("impact") in ("critical", "serious")]


def open_form(page, button: str, submit: str) -> None:
    """Click ``button`` and wait until the form it unfolds shows ``submit`` and has finished unfolding.

    Bootstrap's collapse opens the form from a script: a toggle clicked before the page's scripts ran did
    nothing, and a submit clicked while the collapse was still moving was lost (both seen on a loaded CI
    machine), so the page must have loaded first and the form must have stopped moving."""
    page.wait_for_function("() => document.readyState === 'complete'")
    page.click(button)
    page.wait_for_selector(submit, state="visible")
    page.wait_for_function("() => !document.querySelector('.collapsing')")


def submit_form(page, submit: str) -> None:
    """Click ``submit`` and wait for the page the form leads to, loaded (so the next step finds its scripts
    ready, not the page it left)."""
    with page.expect_navigation():
        page.click(submit)


def fits_width(page) -> bool:
    """Whether the page needs no sideways scrolling (a phone's first test)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
