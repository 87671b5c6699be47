"""Forms a keyboard and a screen reader can use (issue 14, item 10), in Chromium: a refused form's error summary
names each field, links to it and takes the focus; each field in error says so (aria-invalid) and points at its
message (aria-describedby); the first Tab on any page reaches a skip link that moves the focus to the content."""
from __future__ import annotations

import pytest

from tests.browser import MARKS, chromium, serious_violations, serve, submit_form

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



KINDS = ("primary", "secondary", "success", "danger", "info", "warning")
ROWS = ("", "table-danger", "table-warning", "table-success", "table-info", "table-active", "table-secondary")
PROBE = """([kinds, rows]) => {
  const table = document.createElement('table');
  table.id = 'probe';
  table.className = 'table table-sm';
  const body = table.createTBody();
  rows.forEach((tint, r) => {
    const cell = body.insertRow().insertCell();
    if (tint) { cell.parentElement.className = tint; }
    kinds.forEach((kind) => {
      for (const cls of ['btn btn-sm btn-outline-' + kind, 'btn btn-sm btn-' + kind, 'text-' + kind]) {
        const el = document.createElement(cls.startsWith('btn') ? 'button' : 'span');
        el.className = cls;
        el.id = 'p' + r + '-' + cls.split(' ').pop();
        el.textContent = 'Tandai sudah';
        cell.appendChild(el);
      }
    });
    const link = document.createElement('a');
    link.href = '#';
    link.textContent = 'PGD-2026-000001';
    cell.appendChild(link);
  });
  document.querySelector('main').prepend(table);
}"""


def test_coloured_buttons_and_text_keep_their_contrast_on_tinted_rows_and_under_the_pointer(site):
    """Every coloured button and text of the console, on every tinted table row, at rest and under the mouse,
    keeps WCAG AA contrast. The page walk found the green "Tandai sudah" on an overdue (pink) row of the
    dispositions at 4.34:1, only on days a disposition was overdue; and Bootstrap's hover shades put white on
    light green and blue-green (about 3:1), never checked because the walk never hovers."""
    base, page = site
    login(page, base, "petugas")
    page.goto(base + "/admin/work/")
    page.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
    page.evaluate(PROBE, [list(KINDS), list(ROWS)])
    found = [f"at rest: {v}" for v in serious_violations(page, context="#probe")]
    for r, tint in enumerate(ROWS):
        for kind in KINDS:
            for cls in (f"btn-outline-{kind}", f"btn-{kind}"):
                page.hover(f"#p{r}-{cls}")
                found += [f"{cls} on {tint or 'a plain row'}, under the pointer: {v}"
                          for v in serious_violations(page, context=f"#p{r}-{cls}")]
    assert not found, "\n".join(found)
