"""workflow.definition_diff: the text diff, the semantic diff and the impact of a new version on open tickets."""
from __future__ import annotations

import pytest

from workflow.spec.diff import impact, semantic_diff, text_diff
from workflow.spec.loader import load_definition

from .conftest import SOP

TEXT = SOP.read_text(encoding="utf-8")


def load(text: str):
    return load_definition(text, "draft.yaml")


@pytest.fixture(scope="module")
def v1():
    return load(TEXT)


def rename_merged(text: str) -> str:
    """digabung -> digabung_induk everywhere (state, transition target, clock stop list)."""
    return (text.replace("  digabung:\n", "  digabung_induk:\n").replace("to: digabung\n", "to: digabung_induk\n")
            .replace("dicabut, digabung]", "dicabut, digabung_induk]"))


def test_identical_texts_have_no_difference(v1):
    assert text_diff(TEXT, TEXT) == ""
    diff = semantic_diff(v1, load(TEXT))
    assert not diff and diff.summary() == {}


def test_unified_diff_shows_the_changed_lines_with_their_position():
    new = TEXT.replace("budget: {amount: 2, unit: working_days}", "budget: {amount: 3, unit: working_days}")
    diff = text_diff(TEXT, new, "pengaduan-ptsp v1", "draf")
    assert diff.startswith("--- pengaduan-ptsp v1\n+++ draf\n@@ ")
    assert "-    budget: {amount: 2, unit: working_days}\n" in diff
    assert "+    budget: {amount: 3, unit: working_days}\n" in diff


def test_a_changed_budget_is_one_changed_clock(v1):
    new = load(TEXT.replace("budget: {amount: 2, unit: working_days}", "budget: {amount: 3, unit: working_days}"))
    diff = semantic_diff(v1, new)
    assert [d.describe() for d in diff.differences] == ["clock opd_jawaban changed: budget 2 hari kerja → 3 hari kerja"]


def test_renaming_a_state_is_one_removed_one_added_and_the_transition_into_it_changed(v1):
    diff = semantic_diff(v1, load(rename_merged(TEXT)))
    assert diff.keys("state", "removed") == {"digabung"}
    assert diff.keys("state", "added") == {"digabung_induk"}
    [changed] = diff.of("transition", "changed")
    assert changed.key == "gabungkan"
    assert ("to", "digabung", "digabung_induk") in changed.details
    assert diff.keys("clock", "changed") == {"penyelesaian"}
    assert diff.summary() == {"state": {"removed": 1, "added": 1}, "transition": {"changed": 1},
                              "clock": {"changed": 1}}


def test_added_and_removed_transitions_and_clocks(v1):
    extra = TEXT.replace(
        "  # --- Tim Penanganan Pengaduan",
        "  - trigger: tandai_prioritas\n    label: Tandai prioritas\n    from: terverifikasi\n    to: ditangani_tim\n"
        "    roles: [petugas]\n    guards:\n      - {name: field_in, field: tingkat, values: [berat]}\n"
        "      - {name: field_in, field: kewenangan, values: [dalam]}\n\n  # --- Tim Penanganan Pengaduan")
    start = extra.index("  penyampaian:\n")
    end = extra.index("transitions:")
    without_clock = extra[:start] + "\n" + extra[end:]
    diff = semantic_diff(v1, load(without_clock))
    assert diff.keys("transition", "added") == {"tandai_prioritas"}
    assert diff.keys("clock", "removed") == {"penyampaian"}
    back = semantic_diff(load(without_clock), v1)
    assert back.keys("transition", "removed") == {"tandai_prioritas"}
    assert back.keys("clock", "added") == {"penyampaian"}


def test_same_trigger_siblings_pair_with_their_unchanged_twin(v1):
    """minta_kelengkapan exists twice; changing the team's one names only that one."""
    new = TEXT.replace("    from: ditangani_tim\n    to: menunggu_kelengkapan\n    roles: [tim]\n",
                       "    from: ditangani_tim\n    to: menunggu_kelengkapan\n    roles: [tim, petugas]\n")
    diff = semantic_diff(v1, load(new))
    [changed] = diff.differences
    assert changed.kind == "transition" and changed.change == "changed"
    assert "ditangani_tim" in changed.key
    assert changed.details == (("roles", "tim", "tim, petugas"),)


def test_impact_names_open_tickets_in_states_the_new_version_lacks():
    new = load(rename_merged(TEXT).replace("  menunggu_arahan:\n", "  menunggu_arahan_pimpinan:\n")
               .replace("to: menunggu_arahan\n", "to: menunggu_arahan_pimpinan\n")
               .replace("from: menunggu_arahan\n", "from: menunggu_arahan_pimpinan\n")
               .replace("ditangani_tim, menunggu_arahan, diserahkan_opd",
                        "ditangani_tim, menunggu_arahan_pimpinan, diserahkan_opd"))
    result = impact(new, {"diterima": 4, "menunggu_arahan": 2, "ditangani_tim": 1})
    assert result.needs_migration
    assert [(r.state, r.tickets) for r in result.stranded] == [("menunggu_arahan", 2)]
    assert result.stranded_tickets == 2
    assert result.stranded[0].suggestion == "menunggu_arahan_pimpinan"
    assert result.migrate_command("pengaduan-ptsp", 2) == \
        "alur tickets migrate --definition pengaduan-ptsp --to 2 --map menunggu_arahan=menunggu_arahan_pimpinan"
    assert {r.state: r.exists for r in result.rows} == {"diterima": True, "menunggu_arahan": False,
                                                        "ditangani_tim": True}


def test_impact_is_empty_when_every_state_survives(v1):
    result = impact(v1, {"diterima": 3})
    assert not result.needs_migration and result.stranded == [] and result.stranded_tickets == 0
    assert impact(v1, {}).rows == ()
