"""The definitions editor speaks the supervisor's language (issue 14, item 3): problems and hints in
Indonesian, English on request, codes unchanged; a misspelt state name is one problem, not a cascade."""
from __future__ import annotations

import lxml.html

from tests.conftest import SOP

from .conftest import login
from .test_definitions_editor import editor, post

TEXT = SOP.read_text(encoding="utf-8")
RENAMED = TEXT.replace("\n  diterima:\n", "\n  diterimaa:\n", 1)  # the state renamed, its old name still used


def problems(response) -> list:
    return lxml.html.fromstring(response.get_data(as_text=True)).xpath("//li[contains(@class,'problem')]")


def test_a_renamed_state_is_one_problem_in_indonesian_with_every_line_it_is_used_on(client, rt):
    login(client, "kasi")
    token, base = editor(client)
    found = problems(post(client, RENAMED, "check", token, base))
    assert [p.get("data-code") for p in found] == ["D201"]
    text = " ".join(found[0].text_content().split())
    assert "tahap 'diterima' tidak dikenal" in text
    assert "Saran: maksud Anda 'diterimaa'?; juga dipakai di baris" in text
    assert "cannot be reached" not in text and "unknown" not in text


def test_english_on_request_with_the_same_codes(client, rt):
    login(client, "kasi")
    client.get("/locale/en?next=/admin/")
    token, base = editor(client)
    found = problems(post(client, RENAMED, "check", token, base))
    assert [p.get("data-code") for p in found] == ["D201"]
    text = " ".join(found[0].text_content().split())
    assert "unknown state 'diterima'" in text and "did you mean 'diterimaa'?" in text


def test_an_indentation_error_is_explained_as_one_in_indonesian(client, rt):
    login(client, "kasi")
    token, base = editor(client)
    broken = TEXT.replace("\n    label_en: Received\n", "\n  label_en: Received\n", 1)
    found = problems(post(client, broken, "check", token, base))
    assert [p.get("data-code") for p in found] == ["D100"]
    text = " ".join(found[0].text_content().split())
    assert "YAML tidak sah" in text and "menjorok" in text and "tanda kutip" not in text
