"""Definition problems in Indonesian (issue 14, item 3): every message and hint that validation can report has
an entry in the catalog (workflow.spec.messages), read from the code itself so a new message cannot slip in
untranslated; a misspelt state is one problem, not a cascade; a YAML indentation error gets an indentation
hint; D106 shows the deadline as written; the CLI speaks the same messages with --lang id or ALUR_LANG."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT, SOP
from workflow.spec.loader import check_definition
from workflow.spec.messages import format_problem, hint_id, message_id, translate

SPEC = ROOT / "workflow" / "spec"


def _templates(node) -> list[str]:
    """The texts an expression can produce, with '{}' for each value filled in at run time."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [a + b for a in _templates(node.left) or ["{}"] for b in _templates(node.right) or ["{}"]]
    if isinstance(node, ast.BoolOp):
        return [t for v in node.values for t in _templates(v)]
    if isinstance(node, ast.IfExp):
        return _templates(node.body) + _templates(node.orelse)
    return []


def reported() -> list[tuple[str, str, str, str]]:
    """(code, message template, hint template, where) of every problem call in workflow/spec."""
    found = []
    for path in sorted(SPEC.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or getattr(node.func, "attr", None) != "problem":
                continue
            args = node.args
            if not args or not isinstance(args[0], ast.Constant) or not str(args[0].value).startswith("D"):
                continue
            where = f"{path.name}:{node.lineno}"
            for message in _templates(args[2]) if len(args) > 2 else []:
                for hint in (_templates(args[3]) if len(args) > 3 else []) or [""]:
                    found.append((args[0].value, message, hint, where))
    return found


def _sample(template: str) -> str:
    return template.replace("{}", "nama_contoh")


def test_the_scan_finds_the_problem_calls():
    assert len(reported()) > 80


@pytest.mark.parametrize(("code", "message", "hint", "where"), reported(), ids=lambda v: str(v)[:40])
def test_every_message_and_hint_has_an_indonesian_text(code, message, hint, where):
    if message == "{}":  # a message built elsewhere (guard parameters, YAML limits): checked by example below
        return
    assert message_id(code, _sample(message)) is not None, f"{where}: no entry for {code} {message!r}"
    if hint and hint != "{}":
        for part in hint.split(" || "):
            assert hint_id(_sample(part)) is not None, f"{where}: no entry for the hint {part!r}"


def _problems(text: str):
    _, problems = check_definition(text, "sop.yaml")
    return problems


def test_a_misspelt_state_is_one_problem_in_indonesian_naming_every_line_it_is_used_on():
    text = SOP.read_text(encoding="utf-8").replace("\n  diterima:\n", "\n  diterimaa:\n", 1)
    problems = _problems(text)
    assert [p.code for p in problems] == ["D201"], [str(p) for p in problems]
    shown = translate(problems[0], "id")
    assert shown.message == "tahap 'diterima' tidak dikenal"
    assert shown.hint.startswith("maksud Anda 'diterimaa'?; juga dipakai di baris ")
    assert len(re.findall(r"\d+", shown.hint)) >= 4  # the other places the old name is used


def test_a_clock_with_a_broken_budget_is_not_also_unknown_where_it_is_used():
    text = SOP.read_text(encoding="utf-8").replace("budget: {amount: 7, unit: calendar_days}", "budget: {amount: 7}", 1)
    problems = _problems(text)
    assert [p.code for p in problems] == ["D106"], [str(p) for p in problems]
    assert problems[0].message == "deadline 'amount: 7' has no explicit unit"  # as written, not {'amount': 7}
    assert "{'" not in problems[0].message
    assert translate(problems[0], "id").message == "tenggat 'amount: 7' tidak menyebut satuannya"


def test_an_indentation_error_gets_an_indentation_hint_and_a_quoting_error_a_quoting_one():
    lines = SOP.read_text(encoding="utf-8").splitlines()
    at = lines.index("    label_en: Received")
    lines[at] = "  label_en: Received"  # dedented under 'diterima:'
    indented = _problems("\n".join(lines))
    assert [p.code for p in indented] == ["D100"]
    assert "indented" in indented[0].hint and "quoted" not in indented[0].hint
    assert "menjorok" in translate(indented[0], "id").hint

    quoted = _problems("key: x\ntitle: Catatan: wajib\n")
    assert [p.code for p in quoted] == ["D100"] and "quoted" in quoted[0].hint
    assert "tanda kutip" in translate(quoted[0], "id").hint


def test_english_stays_the_text_as_reported():
    problem = _problems("key: x\ntitle: Catatan: wajib\n")[0]
    assert translate(problem, "en") == problem and format_problem(problem, "en") == str(problem)


def test_the_cli_speaks_indonesian_on_request(tmp_path):
    from workflow.cli import cli as main

    broken = tmp_path / "sop.yaml"
    broken.write_text(SOP.read_text(encoding="utf-8").replace("\n  diterima:\n", "\n  diterimaa:\n", 1),
                      encoding="utf-8")
    runner = CliRunner()
    english = runner.invoke(main, ["definitions", "validate", str(broken)])
    assert english.exit_code == 1 and "D201 unknown state 'diterima'" in english.output
    indonesian = runner.invoke(main, ["definitions", "validate", "--lang", "id", str(broken)])
    assert indonesian.exit_code == 1
    assert "D201 tahap 'diterima' tidak dikenal (di transitions[0].from)" in indonesian.output
    assert "saran: maksud Anda 'diterimaa'?" in indonesian.output
    by_env = runner.invoke(main, ["definitions", "validate", str(broken)], env={"ALUR_LANG": "id"})
    assert "tidak dikenal" in by_env.output


def test_guard_parameter_messages_have_indonesian_texts():
    for message in ("guard 'field_in' needs parameter 'values'", "guard 'field_in' takes no parameter 'x'",
                    "guard 'field_in' parameter 'values' must be list"):
        assert message_id("D204", message) is not None, message
    assert Path(SPEC / "messages.py").exists()
