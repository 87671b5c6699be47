"""Definition validation: one failing fixture per error code, located, explained, and all at once.

Each file in tests/fixtures/invalid/ is the valid tests/fixtures/valid/minimal.yaml with one rule broken.
Its first line names the code (``# D201: ...``) and the line where the problem must be reported ends
with ``# <- D201``; the tests read both from the file, so a fixture documents itself.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from notifications.templates import available_templates
from workflow.cli import cli
from workflow.errors import DefinitionError
from workflow.spec.loader import check_definition, load_definition

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))
VALID = sorted((FIXTURES / "valid").glob("*.yaml"))
MINIMAL = FIXTURES / "valid" / "minimal.yaml"
SOP = ROOT / "definitions" / "pengaduan-ptsp.yaml"
CODE_SOURCES = sorted((ROOT / "workflow" / "spec").glob("*.py"))  # every module that may emit a code
CODE_RE = re.compile(r"\bD\d{3}\b")
TEMPLATES = available_templates()
LOCATION_RE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?P<code>D\d{3}) \S")


def problems_of(text: str, file: str = "<test>"):
    """Validate as `alur definitions validate` does (notification templates known)."""
    _, problems = check_definition(text, file, templates=TEMPLATES)
    return problems


def expectation(path: Path) -> tuple[str, int, str]:
    """(code, line, header) a fixture declares: the code on its first line, the line marked '# <- Dxxx'."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = re.match(r"#\s*(D\d{3}):", lines[0])
    assert header, f"{path.name}: the first line must be '# Dxxx: what is wrong'"
    marked = [(n, m.group(1)) for n, text in enumerate(lines, 1) if (m := re.search(r"#\s*<-\s*(D\d{3})\s*$", text))]
    assert len(marked) == 1, f"{path.name}: mark exactly one line with '# <- {header.group(1)}'"
    line, code = marked[0]
    assert code == header.group(1), f"{path.name}: header says {header.group(1)}, marker says {code}"
    return code, line, lines[0]


def minimal(*edits: tuple[str, str]) -> str:
    text = MINIMAL.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


# -- one fixture per code ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_fixture_yields_exactly_its_code_at_the_marked_line(path: Path) -> None:
    """The one broken rule is reported once, with its code, at the marked line, with a hint; nothing else."""
    code, line, header = expectation(path)
    problems = problems_of(path.read_text(encoding="utf-8"), str(path))

    assert [p.code for p in problems] == [code], "\n".join(map(str, problems))
    problem = problems[0]
    assert problem.line == line, str(problem)
    assert problem.column is not None and problem.column >= 1
    assert problem.file == str(path)
    assert problem.hint.strip(), f"{code} must tell the author what to do next"
    suggestion = re.search(r"did you mean '([^']+)'\?", header)
    if suggestion:  # an unknown name: the hint proposes the closest declared one
        assert problem.hint == f"did you mean '{suggestion.group(1)}'?"


def test_every_code_in_the_validators_has_a_fixture() -> None:
    """A new error code cannot ship without a fixture that makes it fire (and none points at a dead code)."""
    used = set()
    for source in CODE_SOURCES:
        used |= set(CODE_RE.findall(source.read_text(encoding="utf-8")))
    covered = {expectation(path)[0] for path in INVALID}

    assert used - covered == set(), "write tests/fixtures/invalid/<code>.yaml for these codes"
    assert covered - used == set(), "these fixtures name codes the validators never emit"
    assert {f"D10{i}" for i in range(8)} | {f"D2{i:02d}" for i in range(1, 21)} <= covered


def test_every_code_is_documented_in_the_format_contract() -> None:
    """definitions/README.md's error table has a row for every code the validators emit."""
    readme = (ROOT / "definitions" / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\|\s*`?(D\d{3})`?\s*\|", readme, flags=re.MULTILINE))
    used = set()
    for source in CODE_SOURCES:
        used |= set(CODE_RE.findall(source.read_text(encoding="utf-8")))

    assert used - documented == set()


# -- valid definitions ------------------------------------------------------------------------------
def test_the_shipped_sop_has_no_problems() -> None:
    assert problems_of(SOP.read_text(encoding="utf-8"), str(SOP)) == []


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_fixture_has_no_problems(path: Path) -> None:
    assert problems_of(path.read_text(encoding="utf-8"), str(path)) == []


# -- everything at once -----------------------------------------------------------------------------
def test_all_problems_are_reported_at_once() -> None:
    """Three unrelated mistakes, one in each of structure, deadlines and meaning: three problems."""
    text = minimal(
        ("outcome: answered", "outcome: answerd"),  # D105
        ("budget: {amount: 7, unit: calendar_days}", "budget: {amount: 7, unit: days}"),  # D106
        ("to: ditangani_tim, roles: [petugas]}", "to: ditangani_tim, roles: [petugass]}"),  # D202
    )
    problems = problems_of(text)

    assert sorted(p.code for p in problems) == ["D105", "D106", "D202"]
    assert len({p.line for p in problems}) == 3


def test_load_definition_raises_one_error_listing_every_problem() -> None:
    text = minimal(("outcome: answered", "outcome: answerd"),
                   ("to: ditangani_tim, roles: [petugas]}", "to: ditangani_tim, roles: [petugass]}"))
    with pytest.raises(DefinitionError, match=r"2 problem\(s\) in the definition") as caught:
        load_definition(text, "mini.yaml")

    assert [p.code for p in caught.value.problems] == ["D105", "D202"]
    assert all(p.file == "mini.yaml" and p.line for p in caught.value.problems)


@pytest.mark.parametrize("edit, code", [
    (("{trigger: teruskan, from: diterima, to: ditangani_tim,", "{trigger: teruskan, from: diterima,"), "D102"),
    (("{name: perihal, type: text, required", "{name: perihal, required"), "D102"),
    (("{name: perihal, type: text,", "{type: text,"), "D102"),
    (("{trigger: teruskan, from:", "{from:"), "D102"),
    (("to: ditangani_tim, roles: [petugas]}", "to: ditangani_tim}"), "D102"),
    (("tim: {label: Tim Penanganan, lane: tim}", "tim: {label: Tim Penanganan, lane: timm}"), "D216"),
], ids=["to", "type", "name", "trigger", "roles", "inherited-lane"])
def test_one_mistake_is_reported_once(edit: tuple[str, str], code: str) -> None:
    """A missing key is not echoed as 'unknown state None' or 'None is not an identifier'; a role's bad
    lane is not reported again on the state that inherits it."""
    problems = problems_of(minimal(edit))

    assert [p.code for p in problems if p.code != "D207"] == [code], "\n".join(map(str, problems))


HOSTILE = 'x" onmouseover="alert(document.domain)" style="pointer-events:all'
NO_LANES = ("lanes:\n  - {key: petugas, label: Petugas}\n  - {key: tim, label: Tim}\n"
            "  - {key: pimpinan, label: Pimpinan}\n", "")


@pytest.mark.parametrize("edits, code, path", [
    ((NO_LANES, ("lane: tim}", f"lane: '{HOSTILE}'}}")), "D104", "roles.tim.lane"),
    ((NO_LANES, ("actors: [tim]}", f"actors: [tim], lane: '{HOSTILE}'}}")), "D104", "states.ditangani_tim.lane"),
    ((NO_LANES, ("lane: pimpinan,", "lane: Pimpinan Dinas,")), "D104", "roles.kepala_seksi.lane"),
    ((("lane: tim}", f"lane: '{HOSTILE}'}}"),), "D216", "roles.tim.lane"),
    ((("{key: tim, label: Tim}", f"{{key: '{HOSTILE}', label: Tim}}"),), "D104", "lanes[1].key"),
    ((("  ditangani_tim: {label", "  'a\"b': {label"),), "D104", 'states.a"b'),
    ((("  tim: {label: Tim Penanganan", "  'a\"b': {label: Tim Penanganan"),), "D104", 'roles.a"b'),
    ((("  penyelesaian:\n", "  'a\"b':\n"),), "D104", 'clocks.a"b'),
], ids=["role-lane", "state-lane", "lane-with-a-space", "declared-lanes", "lane-key", "state-key", "role-key",
        "clock-key"])
def test_a_name_drawn_into_the_diagram_is_an_identifier_or_a_declared_lane(edits, code, path) -> None:
    """Issue 12, item 1: names reach the SVG's markup (data-lane, ids). Lanes named by roles and states
    are declared lanes (D216) or, with no 'lanes:', identifiers (D104) like every other key; labels are
    free text, which the diagram escapes."""
    problems = problems_of(minimal(*edits))

    assert (code, path) in [(p.code, p.path) for p in problems], "\n".join(map(str, problems))
    assert all(p.line for p in problems)


@pytest.mark.parametrize("edit", [
    ("title: Pengaduan mini", "title: !foo Pengaduan mini"),
    ("title: Pengaduan mini", "title: !!python/name:os.system x"),
    ("title: Pengaduan mini", "title: Pengaduan mini\n? [a, b]\n: c"),
    ("escalate_to: kepala_seksi", "escalate_to: [kepala_seksi]"),
    ("{at: 80%, notify", "{at: 80%, flag: [a], notify"),
    ("catalog: kategori,", "catalog: [kategori],"),
    ("template: jawaban", "template: [jawaban]"),
    ("to: ditangani_tim, roles: [petugas]}", "to: [ditangani_tim], roles: [petugas]}"),
    ("roles: [petugas]}", "roles: [petugas], effects: [{assign: {role: [tim]}}]}"),
    ("roles: [petugas]}", "roles: [petugas], guards: [{name: [field_in]}]}"),
    ("roles: [petugas]}", "roles: [petugas], guards: [{name: field_in, field: tingkat, values: ringan}]}"),
    ("roles:\n  petugas:", "roles:\n  - petugas:"),
    ("  ditangani_tim: {label: Ditangani tim, actors: [tim]}", "  ditangani_tim:"),
], ids=["unknown-tag", "python-tag", "complex-key", "escalate-to-list", "flag-list", "catalog-list",
        "template-list", "to-list", "assign-role-list", "guard-name-list", "guard-values-text", "roles-as-list",
        "empty-state"])
def test_malformed_values_are_reported_never_raised(edit: tuple[str, str]) -> None:
    """Whatever shape a value has, validation returns located problems instead of a traceback."""
    problems = problems_of(minimal(edit))

    assert problems
    assert all(re.fullmatch(r"D\d{3}", p.code) and p.line and p.hint for p in problems), "\n".join(map(str, problems))


@pytest.mark.parametrize("text", ["", "# only a comment\n", "- a list\n", "just text\n"],
                         ids=["empty", "comment", "list", "scalar"])
def test_a_file_that_is_not_a_definition_is_one_problem(text: str) -> None:
    problems = problems_of(text)

    assert [(p.code, p.line) for p in problems] == [("D101", 1)]


def test_yaml_syntax_error_names_the_line_and_what_to_do() -> None:
    problems = problems_of(minimal(("label: Perihal}", "label: Perihal: wajib}")))

    assert [p.code for p in problems] == ["D100"]
    assert problems[0].line == MINIMAL.read_text().splitlines().index(
        "  - {name: perihal, type: text, required: true, label: Perihal}") + 1
    assert "quoted" in problems[0].hint


def test_ladder_compares_working_hours_with_working_days() -> None:
    """10 office hours is more than one working day (08:00-16:00), so it cannot come before it."""
    ladder = ("      - {at: 100%, escalate_to: kepala_seksi, notify: [escalation_target]}\n",
              "      - {at: 100%, escalate_to: kepala_seksi, notify: [escalation_target]}\n"
              "      - {after: {amount: FIRST}, escalate_to: kepala_seksi}\n"
              "      - {after: {amount: SECOND}, escalate_to: kepala_seksi}\n")

    def problems_for(first: str, second: str):
        rungs = ladder[1].replace("FIRST", first).replace("SECOND", second)
        return [p.code for p in problems_of(minimal((ladder[0], rungs)))]

    assert problems_for("1, unit: working_days", "10, unit: working_hours") == []
    assert problems_for("10, unit: working_hours", "1, unit: working_days") == ["D220"]
    assert problems_for("4, unit: working_hours", "1, unit: working_days") == []


def test_a_definition_is_frozen_against_list_edits() -> None:
    """The guard's values list cannot be edited through the cached spec."""
    definition = load_definition(SOP.read_text(encoding="utf-8"), str(SOP))
    values = definition.transitions_named("jawab_langsung")[0].guards[0].params["values"]

    with pytest.raises(TypeError, match="frozen"):
        values.append("berat")
    assert list(values) == ["ringan"]
    assert json.dumps(values) == '["ringan"]'


# -- the command line -------------------------------------------------------------------------------
def test_cli_validate_lists_every_problem_as_file_line_column_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(minimal(("outcome: answered", "outcome: answerd"),
                           ("to: ditangani_tim, roles: [petugas]}", "to: ditangani_tim, roles: [petugass]}")),
                   encoding="utf-8")
    result = CliRunner().invoke(cli, ["definitions", "validate", str(bad)])

    assert result.exit_code == 1
    located = [m.groupdict() for line in result.stdout.splitlines() if (m := LOCATION_RE.match(line))]
    assert [(m["file"], m["code"]) for m in located] == [(str(bad), "D105"), (str(bad), "D202")]
    assert "hint: did you mean 'petugas'?" in result.stdout
    assert "2 problem(s)" in result.output


def test_cli_validate_accepts_the_sop() -> None:
    result = CliRunner().invoke(cli, ["definitions", "validate", str(SOP)])

    assert result.exit_code == 0, result.output
    assert "ok (pengaduan-ptsp: 17 states" in result.stdout


def test_cli_validate_checks_every_path_given() -> None:
    paths = [str(SOP), str(FIXTURES / "invalid" / "D201.yaml"), str(FIXTURES / "invalid" / "D215.yaml")]
    result = CliRunner().invoke(cli, ["definitions", "validate", *paths])

    assert result.exit_code == 1
    codes = [m["code"] for line in result.stdout.splitlines() if (m := LOCATION_RE.match(line))]
    assert codes == ["D201", "D215"]


def test_cli_validate_json_parses() -> None:
    bad = FIXTURES / "invalid" / "D201.yaml"
    result = CliRunner().invoke(cli, ["definitions", "validate", "--json", str(bad)])

    assert result.exit_code == 1
    problems = json.loads(result.stdout)
    assert [(p["code"], p["line"], p["file"]) for p in problems] == [("D201", expectation(bad)[1], str(bad))]
    assert problems[0]["hint"] == "did you mean 'ditangani_tim'?"
    assert problems[0]["path"] == "transitions[1].from[1]"

    good = CliRunner().invoke(cli, ["definitions", "validate", "--json", str(SOP)])
    assert good.exit_code == 0
    assert json.loads(good.stdout) == []


def test_a_named_user_is_a_valid_recipient_and_a_malformed_one_is_located() -> None:
    """`user:<username>` is accepted (delivery reaches that account); `user:` alone names nobody (D217)."""
    named = minimal(("to: [pemohon], template: jawaban", "to: [pemohon, user:sekretaris.kadis], template: jawaban"))
    assert problems_of(named) == []

    broken = minimal(("to: [pemohon], template: jawaban", "to: [pemohon, 'user:'], template: jawaban"))
    found = problems_of(broken)
    assert [p.code for p in found] == ["D217"]
    assert "does not name a user" in found[0].message and "user:<username" in found[0].hint
    assert found[0].line == MINIMAL.read_text(encoding="utf-8").splitlines().index(
        next(line for line in MINIMAL.read_text(encoding="utf-8").splitlines() if "template: jawaban" in line)) + 1
