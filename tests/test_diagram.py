"""workflow.diagram draws a definition as the SOP's swimlane diagram (SVG) and as Mermaid text."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from types import MappingProxyType

import pytest

from workflow.spec.diagram import depths, edges, layout, render_mermaid, render_svg, stubs
from workflow.spec.loader import load_definition

from .conftest import SOP

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = 'x" onmouseover="alert(document.domain)" style="pointer-events:all'

MINI = """\
key: mini
title: "Mini & <SOP>"
lanes:
  - {key: pemohon, label: Pemohon, label_en: Complainant}
  - {key: petugas, label: Petugas, label_en: Officer}
roles:
  pemohon: {label: Pemohon, lane: pemohon}
  petugas: {label: Petugas, lane: petugas}
record:
  - {name: perihal, type: text, required: true, label: Perihal}
states:
  baru: {label: Baru, label_en: New, lane: petugas, initial: true, actors: [petugas]}
  dijawab: {label: "Dijawab & <dikirim>", lane: pemohon, actors: [pemohon]}
  selesai: {label: Selesai, lane: pemohon, terminal: true, outcome: answered}
transitions:
  - {trigger: jawab, label: Jawab, from: baru, to: dijawab, roles: [petugas]}
  - {trigger: tutup, label: Tutup, from: dijawab, to: selesai, roles: [pemohon]}
  - {trigger: ulang, label: Ulangi, from: dijawab, to: baru, roles: [pemohon]}
"""


@pytest.fixture(scope="module")
def sop():
    return load_definition(SOP.read_text(encoding="utf-8"), str(SOP), version=3)


@pytest.fixture(scope="module")
def mini():
    return load_definition(MINI, "mini.yaml")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if cls in (g.get("class") or "").split()]


def test_svg_is_well_formed_with_one_lane_per_definition_lane_in_order(sop):
    root = parse(render_svg(sop))
    assert root.tag == f"{SVG}svg" and root.get("viewBox")
    assert [g.get("data-lane") for g in groups(root, "lane")] == [lane.key for lane in sop.lanes]
    assert root.get("data-version") == "3"


def test_every_state_is_drawn_inside_its_own_lane(sop):
    lay = layout(sop)
    bands = {key: (top, top + height) for key, _, top, height in lay.lanes}
    for key, state in sop.states.items():
        box = lay.boxes[key]
        top, bottom = bands[state.lane]
        assert top <= box.y and box.y + 48 <= bottom, f"{key} is outside lane {state.lane}"
    root = parse(render_svg(sop))
    assert {g.get("data-state") for g in groups(root, "state")} == set(sop.states)


def test_states_run_left_to_right_by_breadth_first_depth(sop):
    depth = depths(sop)
    assert depth["diterima"] == 0
    assert depth["terverifikasi"] == 1
    assert depth["ditangani_tim"] == 2
    lay = layout(sop)
    x = {k: b.x for k, b in lay.boxes.items()}
    assert x["diterima"] < x["terverifikasi"] < x["ditangani_tim"] < x["diserahkan_opd"] < x["diproses_opd"]
    assert x["dijawab"] < x["diarsipkan"] < x["menunggu_konfirmasi"] < x["selesai"]
    assert min(x.values()) == x["diterima"]


def test_boxes_never_overlap(sop):
    boxes = list(layout(sop).boxes.values())
    places = {(b.x, b.y) for b in boxes}
    assert len(places) == len(boxes)


def test_every_transition_is_drawn_once_per_pair_or_as_a_stub(sop):
    root = parse(render_svg(sop))
    drawn = set()
    for g in groups(root, "transition"):
        drawn.update(g.get("data-triggers").split())
    assert drawn == set(sop.triggers())
    stubbed = {t.trigger for t in stubs(sop)}
    assert stubbed == {"cabut"}  # withdrawal from eight states is one stub, not eight arrows
    pairs = [(s, d) for s, d, _, _ in edges(sop)]
    assert len(pairs) == len(set(pairs))


def test_terminal_and_initial_states_are_styled(sop):
    root = parse(render_svg(sop))
    terminal = {g.get("data-state") for g in groups(root, "terminal")}
    assert terminal == {k for k, s in sop.states.items() if s.terminal}
    assert [g.get("data-state") for g in groups(root, "initial")] == ["diterima"]


def test_highlight_marks_exactly_the_current_state_and_its_ways_out(sop):
    root = parse(render_svg(sop, highlight="diproses_opd"))
    assert [g.get("data-state") for g in groups(root, "current")] == ["diproses_opd"]
    hot = groups(root, "from-current")
    assert hot and all("diproses_opd" in g.get("data-from").split() for g in hot)
    assert not groups(parse(render_svg(sop, highlight="no_such_state")), "current")
    assert not groups(parse(render_svg(sop)), "current")


def test_labels_are_escaped_and_follow_the_locale(mini):
    svg = render_svg(mini)
    root = parse(svg)  # would raise on a raw & or <
    assert "Dijawab &amp; &lt;dikirim&gt;" in svg
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Baru" in texts and "Pemohon" in texts
    english = " ".join(t.text or "" for t in parse(render_svg(mini, locale="en")).iter(f"{SVG}text"))
    assert "New" in english and "Complainant" in english and "Baru" not in english


def with_state(definition, key, **changes):
    """`definition` with one state changed, bypassing validation (as a stored or hand-built one could be)."""
    states = dict(definition.states)
    states[key] = replace(states[key], **changes)
    return replace(definition, states=MappingProxyType(states))


def test_no_name_or_label_adds_markup_to_the_svg(mini):
    """Issue 12, item 1: a lane name with quotes became attributes of the lane's <g> (stored XSS).

    Validation refuses such names now, but the writer must not rely on it: every attribute and text is
    escaped by the XML writer, so what a name holds stays inside its attribute or its text.
    """
    hostile = with_state(mini, "dijawab", lane=HOSTILE, label=HOSTILE + "<script>alert(1)</script>")
    root = parse(render_svg(replace(hostile, title=HOSTILE), id_prefix=HOSTILE, highlight="dijawab"))

    attributes = {name for element in root.iter() for name in element.attrib}
    assert not [name for name in attributes if name.startswith("on") or name == "style"]
    assert not list(root.iter(f"{SVG}script"))
    assert HOSTILE in [g.get("data-lane") for g in groups(root, "lane")]
    assert [g.get("id") for g in groups(root, "current")] == [f"{HOSTILE}-state-dijawab"]
    assert root.find(f"{SVG}title").text == HOSTILE


def test_control_characters_in_a_label_keep_the_svg_well_formed(mini):
    """XML cannot carry most control characters; they are left out instead of breaking the document."""
    root = parse(render_svg(with_state(mini, "baru", label="Ba\x01ru\x1b")))

    assert "Baru" in [t.text for t in root.iter(f"{SVG}text")]


def test_two_diagrams_on_one_page_do_not_share_ids(mini):
    a, b = render_svg(mini, id_prefix="a"), render_svg(mini, id_prefix="b")
    ids_a = {e.get("id") for e in parse(a).iter() if e.get("id")}
    ids_b = {e.get("id") for e in parse(b).iter() if e.get("id")}
    assert ids_a and not ids_a & ids_b


def test_rendering_is_deterministic(sop):
    assert render_svg(sop, highlight="dijawab") == render_svg(sop, highlight="dijawab")


def test_back_edges_are_drawn_too(mini):
    root = parse(render_svg(mini))
    pairs = {(g.get("data-from"), g.get("data-to")) for g in groups(root, "transition")}
    assert pairs == {("baru", "dijawab"), ("dijawab", "selesai"), ("dijawab", "baru")}


def test_mermaid_export_has_a_subgraph_per_lane_and_every_edge(sop):
    text = render_mermaid(sop, highlight="ditangani_tim")
    assert text.startswith("flowchart LR\n")
    for lane in sop.lanes:
        assert f"subgraph lane_{lane.key}[" in text
    for t in sop.transitions:
        for source in t.sources:
            assert f"  {source} -" in text and f"| {t.dest}" in text
    assert "class ditangani_tim current" in text
    assert "selesai([" in text  # terminal states get the stadium shape


def test_mermaid_quotes_labels(mini):
    text = render_mermaid(mini)
    assert 'dijawab["Dijawab & <dikirim>"]' in text
    assert '-->|"Jawab"| dijawab' in text


def test_arrow_labels_never_cover_a_state_or_each_other(sop):
    from workflow.spec.diagram import BOX_H, BOX_W, CHAR_W

    root = parse(render_svg(sop))
    lay = layout(sop)
    boxes = [(b.x, b.y, b.x + BOX_W, b.y + BOX_H) for b in lay.boxes.values()]
    labels = []
    for g in groups(root, "transition"):
        if "stub" in g.get("class"):
            continue
        for t in g.iter(f"{SVG}text"):
            x, y, half = float(t.get("x")), float(t.get("y")), len(t.text) * CHAR_W / 2
            labels.append((x - half, y - 10, x + half, y + 2))
    assert len(labels) >= len(edges(sop)) * 0.8  # most arrows keep a (possibly shortened) label

    def hit(a, b):
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    assert not [(lab, box) for lab in labels for box in boxes if hit(lab, box)]
    assert not [(a, b) for i, a in enumerate(labels) for b in labels[i + 1:] if hit(a, b)]


@pytest.mark.parametrize("module", ["workflow.spec.diagram", "workflow.spec.diff"])
def test_diagram_and_diff_stay_pure(module):
    """Both modules import no web, database or queue library (see tests/test_architecture.py)."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    assert not [m for m in loaded if m.split(".")[0] in ("flask", "sqlalchemy", "redis", "rq")]
