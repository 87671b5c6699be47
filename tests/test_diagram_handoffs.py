"""A handoff in the swimlane: the waiting state carries a parallel gateway and says the ticket is with
several agencies at once (each on its own clocks), and the move on when all have answered is drawn."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from workflow.spec.diagram import depths, render_mermaid, render_svg
from workflow.spec.loader import load_definition_file

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "valid" / "handoffs.yaml"


def test_the_waiting_state_shows_a_parallel_gateway_and_the_agencies_clocks():
    definition = load_definition_file(FIXTURE)
    root = ET.fromstring(render_svg(definition))

    state = next(g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("data-state") == "menunggu_opd")
    assert state.get("data-handoff") == "verifikasi"
    gate = next(g for g in state.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "gateway")
    title = gate.find("{http://www.w3.org/2000/svg}title").text
    assert "beberapa instansi sekaligus" in title and "Konfirmasi OPD 1 hari kerja" in title
    assert "Jawaban OPD 3 hari kerja" in title
    moves = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if "handoff" in (g.get("class") or "").split()]
    assert [(g.get("data-from"), g.get("data-to"), g.get("data-triggers")) for g in moves] == \
        [("menunggu_opd", "telaah", "handoff:verifikasi")]


def test_states_after_a_handoff_are_laid_out_after_it_and_mermaid_marks_it():
    definition = load_definition_file(FIXTURE)
    depth = depths(definition)
    assert depth["telaah"] == depth["menunggu_opd"] + 1
    text = render_mermaid(definition, locale="en")
    assert 'menunggu_opd -->|"all agencies answered"| telaah' in text
    assert "class menunggu_opd handoff" in text
