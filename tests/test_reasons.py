"""Refusals said as a person would (workflow/core/reasons.py): from the guard and its parameters, with the
definition's labels, in Indonesian and English."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import MONDAY_9_WIB, SOP
from workflow.core.guards import Actor, GuardContext, evaluate
from workflow.core.reasons import Wording
from workflow.spec.catalog import default_catalogs
from workflow.spec.loader import load_definition
from workflow.spec.model import GuardRef

CATALOGS = default_catalogs()
D = load_definition(SOP.read_text(encoding="utf-8"), str(SOP), CATALOGS)
PETUGAS = Actor("p", frozenset({"petugas"}))


def said(trigger: str, ref: GuardRef, **ctx) -> tuple[str, str]:
    t = D.transitions_named(trigger)[0]
    context = GuardContext(state=t.sources[0], fields=ctx.pop("fields", {}), actor=ctx.pop("actor", PETUGAS),
                           now=MONDAY_9_WIB, **ctx)
    verdict = evaluate(ref, context, Wording(D, CATALOGS, t))
    assert not verdict.passed
    return verdict.reason, verdict.reason_en


@pytest.mark.parametrize("trigger, ref, ctx, indonesian, english", [
    ("jawab_langsung", GuardRef("field_in", {"field": "tingkat", "values": ["ringan"]}),
     {"fields": {"tingkat": "sedang"}},
     "«Jawab langsung» hanya untuk pengaduan dengan tingkat pengaduan Ringan; pengaduan ini Sedang.",
     "“Answer directly” is only for complaints whose severity is Light; this one's is Medium."),
    ("jawab_langsung", GuardRef("field_in", {"field": "tingkat", "values": ["ringan"]}), {},
     "«Jawab langsung» hanya untuk pengaduan dengan tingkat pengaduan Ringan; pengaduan ini belum diisi.",
     "“Answer directly” is only for complaints whose severity is Light; this one's is not filled in yet."),
    ("jawab", GuardRef("no_opd_assigned", {}), {"opd": "dinas_esdm"},
     "«Susun jawaban» belum dapat dilakukan selama pengaduan masih di Dinas Energi dan Sumber Daya Mineral Provinsi "
     "Banten; tunggu jawabannya atau tarik kembali.",
     "“Draft the answer” cannot be done while the complaint is with Energy and Mineral Resources Agency; wait for "
     "its answer or take it back."),
    ("jawab", GuardRef("field_present", {"field": "no_registrasi"}), {},
     "«Susun jawaban» baru dapat dilakukan setelah nomor registrasi perizinan diisi.",
     "“Draft the answer” needs the permit registration number filled in first."),
    ("jawab", GuardRef("actor_is_assignee", {}), {"assignee": "budi"},
     "Pengaduan ini dipegang budi; hanya dia yang dapat melakukan «Susun jawaban».",
     "This complaint is held by budi; only they can do “Draft the answer”."),
])
def test_each_guard_is_refused_in_words_with_the_definitions_labels(trigger, ref, ctx, indonesian, english):
    assert said(trigger, ref, **ctx) == (indonesian, english)


def test_a_time_window_names_its_span_and_the_stage_by_label():
    since = MONDAY_9_WIB - timedelta(days=30)
    ref = GuardRef("within", {"since": "menunggu_konfirmasi", "amount": 10, "unit": "working_days"})
    indonesian, english = said("buka_kembali", ref, entered={"menunggu_konfirmasi": since})
    assert indonesian == ("«Buka kembali pengaduan» hanya dapat dilakukan dalam 10 hari kerja sejak tahap «Jawaban "
                          "disampaikan, menunggu konfirmasi»; batas itu sudah lewat.")
    assert english.startswith("“Reopen the complaint” is only possible within 10 working days of “Answer delivered")
    negated = GuardRef("within", ref.params, negate=True)
    early = said("tutup_otomatis", negated, entered={"menunggu_konfirmasi": MONDAY_9_WIB})
    assert early[0].startswith("«Tutup otomatis (tanpa konfirmasi)» baru dapat dilakukan setelah 10 hari kerja")


def test_no_refusal_shows_a_code_where_a_label_exists():
    for t in D.transitions:
        for g in t.guards:
            if g.name == "field_in" and g.params["field"] == "tingkat":
                for reason in said(t.trigger, g, fields={"tingkat": "berat" if "berat" not in g.params["values"]
                                                         else "ringan"}):
                    assert " tingkat =" not in reason and "harus salah satu" not in reason


def test_an_options_label_reads_in_lower_case_mid_sentence():
    indonesian, english = said("alihkan", GuardRef("field_in", {"field": "kewenangan", "values": ["luar"]}),
                               fields={"kewenangan": "dalam"})
    field = next(f for t in D.transitions for f in t.inputs if f.name == "kewenangan")
    outside, inside = field.option_label("luar"), field.option_label("dalam")
    assert indonesian == (f"«Alihkan ke OPD berwenang» hanya untuk pengaduan dengan kewenangan DPMPTSP "
                          f"{outside[0].lower() + outside[1:]}; pengaduan ini {inside[0].lower() + inside[1:]}.")
    assert english.startswith("“Transfer (outside authority)” is only for complaints whose")
