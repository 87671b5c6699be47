"""Forms a keyboard and a screen reader can use (issue 14, item 10), in Chromium: a refused form's error summary
names each field, links to it and takes the focus; each field in error says so (aria-invalid) and points at its
message (aria-describedby); the first Tab on any page reaches a skip link that moves the focus to the content."""
from __future__ import annotations

import pytest

from tests.browser import MARKS, chromium, serve, submit_form

from .walker import demo_app, login

pytestmark = MARKS


@pytest.fixture
def site(tmp_path, web_template):
    with demo_app(tmp_path, web_template) as (app, rt), serve(app, "forms-a11y") as base, chromium() as browser:
        context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="id-ID")
        page = context.new_page()
        page.set_default_timeout(20000)
        yield base, page
        context.close()


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_a_refused_public_form_leads_to_each_field_in_error(site):
    base, page = site
    page.goto(base + "/pengaduan/baru")
    page.fill("#f-perihal", "Izin belum diproses")
    submit_form(page, "#form-pengaduan button[type=submit]")  # the refused page loaded: its script has run
    page.wait_for_selector("#error-summary")
    assert focused_id(page) == "error-summary"  # read first, where a keyboard user starts
    links = page.locator("#error-summary a")
    assert links.count() >= 2
    first = links.first
    target = first.get_attribute("href").lstrip("#")
    assert first.inner_text().strip() == page.inner_text(f"label[for={target}]").replace("*", "").strip()
    field = page.locator(f"#{target}")
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby").split()
    assert page.inner_text(f"#{described[0]}").strip()  # the field's own message
    first.click()
    assert focused_id(page) == target
    assert page.input_value("#f-perihal") == "Izin belum diproses"  # nothing typed is lost


def test_the_desk_record_form_does_the_same(site):
    base, page = site
    login(page, base, "petugas")
    page.goto(base + "/admin/work/new")
    submit_form(page, "#record-form button[type=submit]")
    page.wait_for_selector("#record-errors")
    assert focused_id(page) == "record-errors"
    link = page.locator("#record-errors a").first
    target = link.get_attribute("href").lstrip("#")
    assert page.get_attribute(f"#{target}", "aria-invalid") == "true"
    assert page.get_attribute(f"#{target}", "aria-describedby").startswith(f"{target}-error")


def test_the_first_tab_reaches_a_skip_link_to_the_content(site):
    base, page = site
    for url, who in ((base + "/", None), (base + "/admin/work/", "petugas")):
        if who:
            login(page, base, who)
        page.goto(url)
        page.keyboard.press("Tab")
        skip = page.evaluate("[document.activeElement.tagName, document.activeElement.getAttribute('href'),"
                             " document.activeElement.innerText]")
        assert skip[:2] == ["A", "#main"] and skip[2].strip() == "Langsung ke isi"
        page.keyboard.press("Enter")
        assert focused_id(page) == "main"
