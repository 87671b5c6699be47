"""The SOP diagram in Debian's Chromium, on a 390 px phone and a desktop (issue 14): the whole diagram is
visible or reachable by scrolling its own focusable frame (the page itself does not scroll sideways),
and Chromium's own text measurement finds every label inside its block and every state name inside its
box, for the shipped SOP and the example offices' SOPs."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import DESKTOP, MARKS, PHONE, chromium, fits_width, screenshot, serious_violations, serve, signed_in
from tests.conftest import MONDAY_9_WIB
from workflow.services.publish import publish

pytestmark = MARKS

EXAMPLES = Path(__file__).resolve().parents[2] / "definitions" / "examples"
KEYS = ("pengaduan-ptsp", "pengaduan-perizinan-sleman", "pengaduan-pelayanan-pekalongan")

MEASURE = """(frame) => {
  const svg = frame.querySelector('svg');
  const problems = [];
  for (const g of svg.querySelectorAll('g.state')) {
    const box = g.querySelector('rect').getBBox();
    for (const t of g.querySelectorAll(':scope > text')) {
      const b = t.getBBox();
      if (b.x < box.x + 2 || b.x + b.width > box.x + box.width - 2) problems.push('state ' + t.textContent);
    }
  }
  const boxes = [...svg.querySelectorAll('g.state > rect:first-of-type')].map(r => r.getBBox());
  for (const t of svg.querySelectorAll('g.transition > text')) {
    const b = t.getBBox();
    for (const r of boxes) {
      if (b.x < r.x + r.width && r.x < b.x + b.width && b.y < r.y + r.height && r.y < b.y + b.height)
        problems.push('label over a box: ' + t.textContent);
    }
  }
  const view = svg.viewBox.baseVal;
  const all = svg.getBBox();
  if (all.x < 0 || all.y < 0 || all.x + all.width > view.width + 1 || all.y + all.height > view.height + 1)
    problems.push('drawing outside the viewBox');
  return problems;
}"""


@pytest.fixture
def server(app, rt):
    for name in ("pengaduan-perizinan-sleman.yaml", "pengaduan-pelayanan-pekalongan.yaml"):
        path = EXAMPLES / name
        publish(rt.store, path.read_text(encoding="utf-8"), file=str(path), actor_id="admin", now=MONDAY_9_WIB)
    with serve(app, "diagram-e2e") as base:
        yield base


@pytest.mark.parametrize("width", [PHONE["width"], DESKTOP["width"]])
def test_the_whole_diagram_can_be_seen_and_read_on_a_phone_and_a_desktop(server, width):
    with chromium() as browser:
        page = signed_in(browser, server, "kasi", PHONE if width == PHONE["width"] else DESKTOP)
        for key in KEYS:
            page.goto(f"{server}/admin/definisi/{key}/v1/diagram")
            frame = page.locator("#sop-diagram")
            frame.wait_for()
            assert fits_width(page)  # the page does not scroll sideways
            assert frame.evaluate(MEASURE) == []
            size = frame.evaluate("f => ({sw: f.scrollWidth, cw: f.clientWidth, sh: f.scrollHeight, "
                                  "ch: f.clientHeight, overflow: getComputedStyle(f).overflowX})")
            fits = size["sw"] <= size["cw"] and size["sh"] <= size["ch"]
            if not fits:  # it scrolls in its own frame, which a keyboard reaches
                assert size["overflow"] in ("auto", "scroll")
                assert frame.get_attribute("tabindex") == "0" and frame.get_attribute("aria-label")
                frame.focus()
                assert page.evaluate("document.activeElement.id") == "sop-diagram"
                page.keyboard.press("End")
                frame.evaluate("f => { f.scrollLeft = f.scrollWidth; f.scrollTop = f.scrollHeight; }")
            # the rightmost and the lowest state box lie inside the frame's visible part once scrolled there
            seen = frame.evaluate("""f => {
              const fr = f.getBoundingClientRect();
              const rects = [...f.querySelectorAll('g.state > rect:first-of-type')].map(r => r.getBoundingClientRect());
              const right = rects.reduce((a, b) => (b.right > a.right ? b : a));
              const low = rects.reduce((a, b) => (b.bottom > a.bottom ? b : a));
              const inside = r => r.left >= fr.left - 1 && r.right <= fr.right + 1;
              return inside(right) && low.bottom <= fr.bottom + 1 && right.width > 100;
            }""")
            assert seen, f"{key}: the far end of the diagram cannot be reached at {width} px"
            screenshot(page, "diagram", f"{key}-{width}.png", full=False)
            assert serious_violations(page, "#sop-diagram") == []
        page.goto(f"{server}/admin/definisi/pengaduan-perizinan-sleman/v1")  # the version page embeds it too
        frame = page.locator("#version-diagram")
        frame.wait_for()
        assert frame.get_attribute("tabindex") == "0" and frame.evaluate("f => getComputedStyle(f).overflowX") == "auto"
        assert frame.evaluate(MEASURE) == [] and serious_violations(page, "#version-diagram") == []
        svg = page.goto(f"{server}/sop/pengaduan-perizinan-sleman/v1.svg")
        assert svg.status == 200
        assert page.evaluate("document.documentElement.scrollWidth") >= 1000  # its natural size: scrolls
