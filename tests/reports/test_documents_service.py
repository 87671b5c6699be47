"""The report the office signs, as use cases on the in-memory store: drafts start from the generated text,
saves are versions with who changed what, a stale save loses and keeps nothing, only the top supervisor
level approves and publishes, a publication is numbered and carries the audit head, a reissue needs a reason,
and every step is in the verified audit trail."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.conftest import MONDAY_9_WIB, memory_runtime
from workflow.core.audit import verify_stored
from workflow.errors import InvalidInput, ReportDocumentRefused, ReportEditConflict
from workflow.services import report_documents as docs
from workflow.services.users import create_user

GENERATED = {"pendahuluan": "Laporan ini memotret pelayanan pengaduan.", "analisa": "Terdapat 3 pengaduan.",
             "kesimpulan": "Pelayanan berjalan.", "rekomendasi": "- Percepat tinjauan lapangan OPD"}


def snapshot(doc, now):
    return json.dumps({"period": doc.period, "narrative": doc.sections, "at": now.isoformat()}, sort_keys=True)


@pytest.fixture
def rt(monkeypatch):
    from tests.web import CHEAP_HASH
    from workflow.services import users

    monkeypatch.setattr(users, "hash_password", lambda password: CHEAP_HASH)  # argon2 at full cost is slow
    rt = memory_runtime()
    for name, roles in (("kasi", ["kepala_seksi"]), ("kabid", ["kepala_bidang"]), ("kadis", ["kepala_dinas"]),
                        ("petugas", ["petugas"])):
        create_user(rt.store, name, "kata-sandi-uji-123", roles, catalogs=rt.catalogs, now=MONDAY_9_WIB)
    return rt


def _draft(rt):
    return docs.start_draft(rt.store, "2026-q3", None, GENERATED, actor_id="kasi", now=MONDAY_9_WIB)


def _actions(rt):
    return [(r["actor_id"], r["detail"]["action"]) for r in rt.store.audit_rows(kind="report")
            if str(r["detail"].get("action", "")).startswith("report.")]


def test_a_draft_starts_from_the_generated_text_once_per_period_and_scope(rt):
    doc = _draft(rt)
    assert doc.period == "2026-Q3" and doc.version == 1 and doc.status == "draft" and doc.sections == GENERATED
    again = docs.start_draft(rt.store, "2026-Q3", "", {**GENERATED, "analisa": "lain"}, actor_id="kabid")
    assert again.id == doc.id and again.sections["analisa"] == "Terdapat 3 pengaduan."
    other = docs.start_draft(rt.store, "2026-Q3", "pengaduan-ptsp", GENERATED, actor_id="kasi")
    assert other.id != doc.id
    with pytest.raises(ReportDocumentRefused, match="bukan pimpinan"):
        docs.start_draft(rt.store, "2026-Q4", None, GENERATED, actor_id="petugas")


def test_saves_are_versions_naming_who_changed_which_section(rt):
    doc = _draft(rt)
    saved = docs.save_draft(rt.store, doc.id, {**GENERATED, "kesimpulan": "Pelayanan berjalan baik.\n\nCatatan."},
                            expected_version=1, actor_id="kasi", now=MONDAY_9_WIB + timedelta(hours=1))
    assert saved.version == 2 and saved.updated_by == "kasi"
    same = docs.save_draft(rt.store, doc.id, saved.sections, expected_version=2, actor_id="kabid")
    assert same.version == 2  # nothing changed: no new version
    history = docs.history(rt.store, doc.id)
    assert [(v.version, v.action, v.by, v.changed) for v in history] == [
        (1, "create", "kasi", ()), (2, "save", "kasi", ("kesimpulan",))]
    diff = {d.key: d for d in docs.compare(rt.store, doc.id, 1, 2)}
    assert not diff["analisa"].changed and diff["kesimpulan"].changed
    assert [(line.op, line.text) for line in diff["kesimpulan"].lines] == [
        ("removed", "Pelayanan berjalan."), ("added", "Pelayanan berjalan baik."), ("added", ""),
        ("added", "Catatan.")]


def test_a_stale_save_loses_saves_nothing_and_names_the_current_version(rt):
    doc = _draft(rt)
    docs.save_draft(rt.store, doc.id, {**GENERATED, "analisa": "Versi kasi."}, expected_version=1, actor_id="kasi")
    with pytest.raises(ReportEditConflict) as lost:
        docs.save_draft(rt.store, doc.id, {**GENERATED, "analisa": "Versi kabid."}, expected_version=1,
                        actor_id="kabid")
    assert lost.value.current.version == 2 and lost.value.current.sections["analisa"] == "Versi kasi."
    assert docs.get_document(rt.store, doc.id).sections["analisa"] == "Versi kasi."
    assert len(docs.history(rt.store, doc.id)) == 2


def test_bad_text_is_refused_per_section_with_what_to_do(rt):
    doc = _draft(rt)
    with pytest.raises(InvalidInput) as bad:
        docs.save_draft(rt.store, doc.id, {**GENERATED, "analisa": " ", "kesimpulan": "a\x00b",
                                           "rekomendasi": "x" * 20_001}, expected_version=1, actor_id="kasi")
    assert set(bad.value.errors) == {"analisa", "kesimpulan", "rekomendasi"}
    assert "wajib diisi" in bad.value.errors["analisa"] and "20000" in bad.value.errors["rekomendasi"]
    assert docs.get_document(rt.store, doc.id).version == 1


def test_only_the_top_supervisor_level_approves_and_publishes(rt):
    doc = _draft(rt)
    for who in ("kasi", "kabid", "petugas"):
        with pytest.raises(ReportDocumentRefused):
            docs.approve(rt.store, doc.id, expected_version=1, actor_id=who)
    with pytest.raises(ReportDocumentRefused, match="disetujui kepala dinas"):
        docs.publish(rt.store, doc.id, snapshot, expected_version=1, actor_id="kadis")
    approved = docs.approve(rt.store, doc.id, expected_version=1, actor_id="kadis")
    assert approved.status == "approved" and approved.approved_by == "kadis" and approved.approved_version == 2
    with pytest.raises(ReportDocumentRefused, match="kepala dinas"):
        docs.publish(rt.store, doc.id, snapshot, expected_version=2, actor_id="kabid")


def test_an_edit_after_approval_withdraws_it(rt):
    doc = _draft(rt)
    docs.approve(rt.store, doc.id, expected_version=1, actor_id="kadis")
    edited = docs.save_draft(rt.store, doc.id, {**GENERATED, "analisa": "Diubah setelah disetujui."},
                             expected_version=2, actor_id="kasi")
    assert edited.status == "draft" and edited.approved_by is None
    with pytest.raises(ReportDocumentRefused, match="disetujui"):
        docs.publish(rt.store, doc.id, snapshot, expected_version=3, actor_id="kadis")


def test_publication_is_numbered_immutable_and_carries_the_audit_head(rt):
    doc = _draft(rt)
    docs.approve(rt.store, doc.id, expected_version=1, actor_id="kadis")
    pub = docs.publish(rt.store, doc.id, snapshot, expected_version=2, actor_id="kadis",
                       now=MONDAY_9_WIB + timedelta(days=1))
    assert pub.number == 1 and pub.edition == 1 and pub.approved_by == "kadis" and pub.reason == ""
    assert json.loads(pub.content)["narrative"] == GENERATED
    seq, head = rt.store.audit_head()
    assert (pub.audit_seq, pub.audit_hash) == (seq, head)  # the row recording the publication is the head
    row = list(rt.store.audit_rows(seq=seq))[0]
    assert row["detail"]["action"] == "report.publish" and row["detail"]["content_sha256"] == pub.content_sha256
    with pytest.raises(ReportDocumentRefused, match="sudah terbit"):
        docs.save_draft(rt.store, doc.id, {**GENERATED, "analisa": "x"}, expected_version=3, actor_id="kasi")
    assert docs.current_publications(rt.store)[0].number == 1


def test_a_reissue_needs_a_reason_and_makes_a_new_numbered_edition(rt):
    doc = _draft(rt)
    docs.approve(rt.store, doc.id, expected_version=1, actor_id="kadis")
    docs.publish(rt.store, doc.id, snapshot, expected_version=2, actor_id="kadis")
    with pytest.raises(InvalidInput, match="alasan"):
        docs.reopen(rt.store, doc.id, "  ", expected_version=3, actor_id="kasi")
    reopened = docs.reopen(rt.store, doc.id, "Koreksi angka OPD  yang terlambat", expected_version=3,
                           actor_id="kasi")
    assert reopened.status == "draft" and reopened.reissue_reason == "Koreksi angka OPD yang terlambat"
    saved = docs.save_draft(rt.store, doc.id, {**GENERATED, "analisa": "Angka OPD dikoreksi."},
                            expected_version=4, actor_id="kasi")
    docs.approve(rt.store, doc.id, expected_version=saved.version, actor_id="kadis")
    second = docs.publish(rt.store, doc.id, snapshot, expected_version=saved.version + 1, actor_id="kadis")
    assert (second.number, second.edition, second.reason) == (2, 2, "Koreksi angka OPD yang terlambat")
    assert [p.number for p in docs.current_publications(rt.store)] == [2]
    assert docs.publication(rt.store, 1).content != second.content  # the first edition is kept as it was
    assert _actions(rt) == [("kasi", "report.draft"), ("kadis", "report.approve"), ("kadis", "report.publish"),
                            ("kasi", "report.reopen"), ("kasi", "report.save"), ("kadis", "report.approve"),
                            ("kadis", "report.publish")]
    assert verify_stored(rt.store.audit_stored(rt.store.audit_head()[0])).ok


def test_a_publication_carries_the_latest_signed_checkpoint(rt, tmp_path):
    from workflow.core.checkpoints import new_private_key, private_key_pem
    from workflow.services import audit as audit_service

    key_file = tmp_path / "audit.key"
    key_file.write_bytes(private_key_pem(new_private_key()))
    doc = _draft(rt)
    signed = audit_service.checkpoint(rt.store, key_file, MONDAY_9_WIB)
    docs.approve(rt.store, doc.id, expected_version=1, actor_id="kadis")
    pub = docs.publish(rt.store, doc.id, snapshot, expected_version=2, actor_id="kadis")
    assert json.loads(pub.checkpoint) == json.loads(signed.as_json())
    assert pub.audit_seq > signed.seq  # the head at publication is newer than the checkpoint it carries
