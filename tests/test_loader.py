"""Loading the shipped SOP into the frozen spec, and the guard logic validation relies on."""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from types import MappingProxyType

import pytest

from workflow.errors import DefinitionError
from workflow.spec.guards import mutually_exclusive
from workflow.spec.loader import check_definition, load_definition, load_definition_file, source_hash
from workflow.spec.model import Definition, GuardRef, Span

ROOT = Path(__file__).resolve().parent.parent
SOP = ROOT / "definitions" / "pengaduan-ptsp.yaml"


@pytest.fixture(scope="module")
def sop_text() -> str:
    return SOP.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sop(sop_text: str) -> Definition:
    return load_definition(sop_text, str(SOP))


def transition(d: Definition, trigger: str, index: int = 0):
    return d.transitions_named(trigger)[index]


# -- the spec built from the SOP ---------------------------------------------------------------------
def test_sop_identity_and_shape(sop: Definition) -> None:
    assert sop.key == "pengaduan-ptsp"
    assert sop.title.startswith("Penanganan Pengaduan")
    assert sop.version is None  # a draft until the store loads it as a published version
    assert sop.catalogs == ("kanal", "sektor", "kategori", "tingkat", "opd")
    assert [lane.key for lane in sop.lanes] == ["pemohon", "petugas", "tim", "opd", "pimpinan", "sistem"]
    assert len(sop.states) == 17 and len(sop.transitions) == 26


def test_sop_starts_at_diterima(sop: Definition) -> None:
    assert sop.initial == "diterima"
    assert [s.key for s in sop.states.values() if s.initial] == ["diterima"]


def test_sop_terminal_states_and_their_outcomes(sop: Definition) -> None:
    terminals = {s.key: s.outcome for s in sop.states.values() if s.terminal}

    assert terminals == {
        "selesai": "answered", "selesai_tanpa_konfirmasi": "closed_unconfirmed", "dialihkan": "transferred",
        "ditolak": "rejected", "dicabut": "withdrawn", "digabung": "merged",
    }
    assert all(not sop.transitions_from(key) for key in terminals)


def test_sop_state_lane_defaults_to_its_first_actor(sop: Definition) -> None:
    assert sop.states["terverifikasi"].lane == "petugas"  # no 'lane:', first actor is petugas
    assert sop.states["diserahkan_opd"].lane == "opd"
    assert sop.states["menunggu_kelengkapan"].lane == "pemohon"  # written explicitly


def test_sop_clocks_have_explicit_units_and_budgets(sop: Definition) -> None:
    budgets = {key: clock.budget for key, clock in sop.clocks.items()}

    assert budgets == {
        "penyelesaian": Span(7, "calendar_days"),
        "tanggapan_awal": Span(1, "working_days"),
        "opd_ack": Span(1, "working_days"),
        "opd_jawaban": Span(2, "working_days"),
        "penyampaian": Span(1, "working_days"),
    }
    assert sop.clocks["penyelesaian"].budget.describe() == "7 hari kalender"
    assert sop.clocks["opd_jawaban"].budget.describe() == "2 hari kerja"


def test_sop_overall_clock_pauses_while_waiting_for_the_complainant(sop: Definition) -> None:
    clock = sop.clocks["penyelesaian"]

    assert clock.start.open is True
    assert clock.pause.states == ("menunggu_kelengkapan",)
    assert "selesai" in clock.stop.states and "menunggu_konfirmasi" in clock.stop.states


def test_sop_escalation_ladder_climbs_the_supervisor_chain(sop: Definition) -> None:
    ladder = sop.clocks["penyelesaian"].escalation

    assert [r.key() for r in ladder] == ["at50", "at80", "at100", "after1working_days", "after3working_days"]
    assert [r.escalate_to for r in ladder] == [None, None, "kepala_seksi", "kepala_bidang", "kepala_dinas"]
    assert ladder[2].flag == "terlambat"
    assert ladder[1].notify == ("assignee", "role:kepala_seksi")
    assert [r.key for r in sop.supervisor_chain()] == ["kepala_seksi", "kepala_bidang", "kepala_dinas"]


def test_sop_guards_are_guard_refs_with_params(sop: Definition) -> None:
    guards = transition(sop, "jawab_langsung").guards

    assert all(isinstance(g, GuardRef) for g in guards)
    assert [(g.name, dict(g.params), g.negate) for g in guards] == [
        ("field_in", {"field": "tingkat", "values": ["ringan"]}, False),
        ("field_in", {"field": "kewenangan", "values": ["dalam"]}, False),
    ]
    assert guards[0].describe() == "field_in(field=tingkat, values=['ringan'])"
    assert transition(sop, "jawab").guards == (GuardRef("no_opd_assigned"),)


def test_sop_negated_guard_keeps_its_params(sop: Definition) -> None:
    (guard,) = transition(sop, "tutup_otomatis").guards

    assert guard.name == "within" and guard.negate is True
    assert dict(guard.params) == {"since": "menunggu_konfirmasi", "amount": 10, "unit": "working_days"}


def test_sop_effects_and_inputs(sop: Definition) -> None:
    handoff = transition(sop, "serahkan_opd")

    assert [(e.kind, dict(e.params)) for e in handoff.effects] == [
        ("assign_opd", {"field": "opd"}),
        ("notify", {"to": ["opd"], "template": "serah_opd"}),
    ]
    assert [(f.name, f.type, f.required) for f in handoff.inputs] == [
        ("opd", "opd", True), ("permintaan", "textarea", True)]
    assert [e.params for e in transition(sop, "buka_kembali").effects if e.kind == "clock"] == [
        {"restart": "penyelesaian"}]


def test_sop_same_trigger_siblings_keep_their_file_position(sop: Definition) -> None:
    siblings = sop.transitions_named("lengkapi")

    assert [t.dest for t in siblings] == ["diterima", "ditangani_tim"]
    assert siblings[0].index < siblings[1].index
    assert sop.transitions[siblings[1].index] is siblings[1]


def test_sop_record_fields(sop: Definition) -> None:
    assert sop.identity_fields() == ("nama", "alamat", "telepon", "email", "tanpa_notifikasi")
    secrecy = sop.record_field("kerahasiaan")
    assert secrecy is not None
    assert secrecy.options == ("biasa", "anonim", "rahasia") and secrecy.default == "biasa"
    permit = sop.record_field("jenis_izin")
    assert permit is not None and permit.catalog == "jenis_izin" and permit.parent == "sektor"
    assert {f.name for f in sop.record if f.required} == {"kanal", "nama", "alamat", "kategori", "perihal", "uraian"}


def test_load_definition_file_and_version(sop_text: str) -> None:
    from_file = load_definition_file(SOP)
    published = load_definition(sop_text, "pengaduan-ptsp@v3", version=3)

    assert from_file.states == load_definition(sop_text).states
    assert published.version == 3


# -- frozen ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mutate", [
    lambda d: setattr(d, "key", "lain"),
    lambda d: d.states.__setitem__("baru", d.states["selesai"]),
    lambda d: setattr(d.states["selesai"], "outcome", "rejected"),
    lambda d: d.transitions.append(d.transitions[0]),
    lambda d: setattr(d.transitions[0], "dest", "selesai"),
    lambda d: d.transitions_named("jawab_langsung")[0].guards[0].params.__setitem__("field", "kategori"),
    lambda d: d.transitions_named("jawab_langsung")[0].guards[0].params["values"].append("berat"),
    lambda d: d.transitions_named("serahkan_opd")[0].effects[1].params["to"].append("pemohon"),
    lambda d: setattr(d.clocks["penyelesaian"].budget, "amount", 14),
    lambda d: d.roles.__delitem__("kepala_seksi"),
    lambda d: d.notifications["jawaban"].__setitem__("label", "lain"),
], ids=["attribute", "states", "state", "transitions", "transition", "guard-params", "guard-values",
        "notify-to", "budget", "roles", "notifications"])
def test_definition_is_frozen(sop_text: str, mutate) -> None:
    """Nothing reachable from a loaded definition can be changed in place; the spec is shared by tickets."""
    d = load_definition(sop_text)
    with pytest.raises((dataclasses.FrozenInstanceError, TypeError, AttributeError)):
        mutate(d)

    again = load_definition(sop_text)
    assert d == again


def test_frozen_definition_is_still_plain_data(sop: Definition) -> None:
    """Freezing keeps lists lists and mappings read-only views, so JSON and the guards work as before."""
    import json

    guard = transition(sop, "jawab_langsung").guards[0]
    assert isinstance(guard.params, MappingProxyType)
    assert isinstance(guard.params["values"], list)
    assert json.loads(json.dumps(dict(guard.params))) == {"field": "tingkat", "values": ["ringan"]}
    assert json.loads(json.dumps(dict(sop.notifications)))["jawaban"] == {"label": "Jawaban pengaduan"}


# -- source hash ----------------------------------------------------------------------------------------
def test_source_hash_is_sha256_of_the_text_and_stable(sop_text: str, sop: Definition) -> None:
    assert sop.source_hash == hashlib.sha256(sop_text.encode("utf-8")).hexdigest() == source_hash(sop_text)
    assert load_definition(sop_text, "another-name.yaml").source_hash == sop.source_hash
    assert load_definition(sop_text, version=9).source_hash == sop.source_hash


def test_source_hash_changes_with_any_edit(sop_text: str, sop: Definition) -> None:
    """Even a comment changes the hash: what is published is the text, byte for byte."""
    edited = sop_text + "# catatan\n"

    assert load_definition(edited).source_hash != sop.source_hash


# -- mutually exclusive guards -----------------------------------------------------------------------------
def g(name: str, negate: bool = False, **params) -> GuardRef:
    return GuardRef(name, MappingProxyType(params), negate)


@pytest.mark.parametrize("a, b", [
    ((g("field_in", field="tingkat", values=["ringan"]),),
     (g("field_in", field="tingkat", values=["sedang", "berat"]),)),
    ((g("field_in", field="tingkat", values=["ringan"]),),
     (g("field_not_in", field="tingkat", values=["ringan", "sedang"]),)),
    ((g("field_not_in", field="tingkat", values=["ringan"]),), (g("field_in", field="tingkat", values=["ringan"]),)),
    ((g("field_present", field="nomor_rujukan"),), (g("field_absent", field="nomor_rujukan"),)),
    ((g("field_in", field="tingkat", values=["ringan"]),), (g("field_absent", field="tingkat"),)),
    ((g("opd_assigned"),), (g("no_opd_assigned"),)),
    ((g("no_opd_assigned"),), (g("opd_assigned"),)),
    ((g("within", since="x", amount=2, unit="working_days"),),
     (g("within", True, since="x", amount=2, unit="working_days"),)),
    ((g("actor_in_ticket_opd"), g("field_in", field="k", values=["a"])), (g("field_in", field="k", values=["b"]),)),
], ids=["in-disjoint", "in-vs-not-in-covering", "not-in-vs-in", "present-absent", "in-vs-absent", "opd",
        "opd-reversed", "negated", "one-pair-suffices"])
def test_mutually_exclusive(a, b) -> None:
    assert mutually_exclusive(a, b)
    assert mutually_exclusive(b, a)


@pytest.mark.parametrize("a, b", [
    ((g("field_in", field="tingkat", values=["ringan", "sedang"]),),
     (g("field_in", field="tingkat", values=["sedang"]),)),
    ((g("field_in", field="tingkat", values=["ringan"]),), (g("field_in", field="kategori", values=["sedang"]),)),
    ((g("field_in", field="tingkat", values=["ringan", "sedang"]),),
     (g("field_not_in", field="tingkat", values=["ringan"]),)),
    ((g("field_in", field="tingkat", values=["ringan"]),), (g("field_present", field="tingkat"),)),
    ((g("field_in", field="tingkat", values=["ringan", None]),), (g("field_absent", field="tingkat"),)),
    ((g("field_not_in", field="tingkat", values=["ringan"]),), (g("field_not_in", field="tingkat", values=["berat"]),)),
    ((g("field_in", True, field="tingkat", values=["ringan"]),),
     (g("field_in", field="tingkat", values=["ringan", "sedang"]),)),
    ((), (g("opd_assigned"),)),
    ((), ()),
    ((g("actor_is_assignee"),), (g("actor_in_ticket_opd"),)),
], ids=["in-overlap", "different-fields", "in-not-covered", "in-vs-present", "in-includes-empty",
        "two-not-in", "negated-vs-wider", "unguarded", "both-unguarded", "unrelated"])
def test_not_mutually_exclusive(a, b) -> None:
    """When some ticket could pass both lists, validation must call the pair ambiguous (D211)."""
    assert not mutually_exclusive(a, b)
    assert not mutually_exclusive(b, a)


# -- texts built to exhaust the loader (issue 12, item 5) -----------------------------------------------
def laughs(levels: int) -> str:
    """A 'billion laughs': each anchor repeats the one before ten times, 10**levels values in a few lines."""
    lines = ["key: lol", "title: lol", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def refusal(text: str):
    """The one problem a text the loader will not build yields (the definition is None)."""
    definition, problems = check_definition(text, "bomb.yaml")
    assert definition is None
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def test_a_billion_laughs_is_refused_before_anything_is_built() -> None:
    """The 378-byte definition of the review took 17 s and 1 GB: aliases are counted as they are composed,
    each as many values as it repeats, and composing stops at the limit."""
    text = laughs(9)
    problem = refusal(text)

    assert problem.code == "D108" and "aliases" in problem.hint
    assert problem.file == "bomb.yaml" and problem.line is not None and problem.column is not None
    assert "*a" in text.splitlines()[problem.line - 1]  # located at an alias, not at the file's start
    with pytest.raises(DefinitionError, match="D108"):
        load_definition(text)


@pytest.mark.parametrize("text, words", [
    ("key: lol\nx: " + "[" * 500 + "]" * 500 + "\n", "nested"),
    ("key: lol\nx: &a [lol, *a]\n", "inside its own anchor"),
    ("key: lol\nx: &a lol\ny: [" + ", ".join(["*a"] * 1000) + "]\n", "aliases"),
    ("key: lol\nx: [" + ",".join(["1"] * 60_000) + "]\n", "values"),
    ("key: lol\ndescription: '" + "x" * 300_000 + "'\n", "characters"),
], ids=["deep", "self-alias", "many-aliases", "many-values", "long-text"])
def test_every_limit_is_a_located_problem_saying_what_to_do(text: str, words: str) -> None:
    """Depth, an alias inside itself (both a RecursionError before), the number of aliases, of values and of
    characters: each is one D108 with a line, a column and a hint, never an exception."""
    problem = refusal(text)

    assert problem.code == "D108" and words in problem.message
    assert problem.line and problem.column and problem.hint


def test_aliases_within_the_limits_still_load(sop_text: str) -> None:
    """Anchors and aliases stay usable for what they are for: one list written once, used twice."""
    both = "roles: [pemohon, petugas]"
    head, rest = sop_text.split(both, 1)
    text = head + "roles: &keduanya [pemohon, petugas]" + rest.replace(both, "roles: *keduanya")
    assert text.count("*keduanya") == 4

    definition, problems = check_definition(text, "sop.yaml")
    assert problems == []
    assert definition.transitions == load_definition(sop_text).transitions
