"""The definition's ``answers:`` section (workflow/spec/answers.py): read, checked (D247), looked up per field."""
from __future__ import annotations

from pathlib import Path

import pytest

from workflow.spec.answers import answers_for
from workflow.spec.loader import check_definition, load_definition

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = (ROOT / "tests" / "fixtures" / "valid" / "minimal.yaml").read_text(encoding="utf-8")
SOP = ROOT / "definitions" / "pengaduan-ptsp.yaml"


def with_answers(block: str):
    return check_definition(MINIMAL + "answers:\n" + block, "mini.yaml")


def test_the_shipped_sop_declares_answers_for_its_answer_fields():
    d = load_definition(SOP.read_text(encoding="utf-8"), str(SOP))
    assert [a.key for a in answers_for(d, "jawab_langsung", "jawaban")] == ["reset_sipeka", "persyaratan_belum_lengkap"]
    assert "menunggu_tinjauan_opd" in [a.key for a in answers_for(d, "jawab", "jawaban")]
    assert answers_for(d, "jawab_langsung", "analisa") == []


@pytest.mark.parametrize("block, message", [
    ("  a: {label: A, fields: [jawabn], text: Teks}\n", "no transition asks for a textarea 'jawabn'"),
    ("  a: {label: A, fields: [perihal], text: Teks}\n", "no transition asks for a textarea 'perihal'"),
    ("  a: {label: A, fields: [jawaban], triggers: [jawb], text: Teks}\n", "unknown trigger 'jawb'"),
    ("  a: {label: A, fields: [jawaban], triggers: [teruskan], text: Teks}\n", "asks for none of jawaban"),
    ("  a: {label: A, fields: [jawaban], text: '   '}\n", "the text is empty"),
    ("  a: {label: A, fields: [jawaban], text: " + "x" * 5001 + "}\n", "more than 5000"),
])
def test_a_canned_answer_that_fills_nothing_is_a_located_d247(block, message):
    definition, problems = with_answers(block)
    found = [p for p in problems if p.code == "D247"]
    assert len(found) == 1 and message in found[0].message
    assert found[0].path.startswith("answers.a") and found[0].line is not None


def test_unknown_keys_and_a_missing_text_are_shape_problems():
    _, problems = with_answers("  a: {label: A, fields: [jawaban], txt: Teks}\n")
    assert [p.code for p in problems] == ["D103", "D102"]  # no cascading "the text is empty"
    assert "'txt'" in problems[0].message and "'text'" in problems[1].message


def test_a_valid_answer_is_offered_where_its_field_is_asked():
    definition, problems = with_answers("  salah_cetak: {label: Salah cetak, label_en: Misprint, fields: [jawaban], "
                                        "text: Dokumen dicetak ulang.}\n")
    assert problems == []
    (answer,) = answers_for(definition, "jawab", "jawaban")
    assert (answer.label, answer.label_en, answer.text) == ("Salah cetak", "Misprint", "Dokumen dicetak ulang.")
