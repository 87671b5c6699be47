"""Evidence uploads: accepted by content (not just extension), capped in size, stored by hash outside
the web root, with the hash in the audit trail."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from workflow.core import evidence
from workflow.core.evidence import check, sniff
from workflow.errors import AttachmentRejected, AttachmentUnreadable
from workflow.services import attachments

from .conftest import PDF, PETUGAS, PNG, docx_bytes


@pytest.mark.parametrize("data,kind", [
    (PDF, "pdf"), (PNG, "png"), (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "jpeg"),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8, "webp"), (docx_bytes(), "docx"),
    (b"MZ\x90\x00", None), (b"<html><script>", None), (b"PK\x03\x04garbage", None),
])
def test_sniff_recognises_allowed_types_by_their_bytes(data, kind):
    assert sniff(data) == kind


def test_an_executable_renamed_to_pdf_is_refused():
    with pytest.raises(AttachmentRejected, match="bukan jenis yang diterima") as refused:
        check("surat.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100)
    assert refused.value.reason == "type"


def test_a_png_named_pdf_is_refused_with_the_right_extension_suggested():
    with pytest.raises(AttachmentRejected, match=r"\.png") as refused:
        check("surat.pdf", PNG)
    assert refused.value.reason == "extension"


def test_size_limit_comes_from_ALUR_MAX_UPLOAD_BYTES(monkeypatch):
    monkeypatch.setenv("ALUR_MAX_UPLOAD_BYTES", "100")
    with pytest.raises(AttachmentRejected, match="terlalu besar") as refused:
        check("bukti.pdf", PDF + b"x" * 200)
    assert refused.value.reason == "too_large"
    assert check("bukti.pdf", PDF).size == len(PDF)


def test_empty_file_is_refused():
    with pytest.raises(AttachmentRejected, match="kosong") as refused:
        check("a.pdf", b"")
    assert refused.value.reason == "empty"


def test_neutral_names_say_only_the_position_and_the_kind():
    assert evidence.neutral_name("image/jpeg", 2) == "bukti-2.jpg"
    assert evidence.neutral_name("application/pdf", 1) == "bukti-1.pdf"


def test_path_parts_in_the_filename_are_dropped():
    assert check("../../etc/passwd.pdf", PDF).filename == "passwd.pdf"
    assert check("C:\\Users\\x\\bukti.pdf", PDF).filename == "bukti.pdf"


def test_files_are_stored_by_hash_under_the_instance_folder_and_audited(rt, tmp_path):
    opened = rt.engine.open("pengaduan-ptsp", {"kanal": "langsung", "nama": "A", "alamat": "B",
                                                "kategori": "durasi_waktu", "perihal": "p", "uraian": "u"}, PETUGAS)
    upload = check("KTP_Ratna.pdf", PDF)
    attachments.record(rt.store, opened.ticket.id, opened.ticket.receipt_no, [upload], tmp_path / "instance")
    digest = hashlib.sha256(PDF).hexdigest()
    stored = tmp_path / "instance" / "attachments" / digest[:2] / digest[2:4] / digest
    assert stored.read_bytes() == PDF
    rows = attachments.list_for(rt.store, opened.ticket.id)
    assert [(r["sha256"], r["filename"], r["content_type"], r["size"]) for r in rows] == \
        [(digest, "KTP_Ratna.pdf", "application/pdf", len(PDF))]
    assert not Path(rows[0]["stored_path"]).is_absolute()
    audit = [r for r in rt.store.audit_rows(ticket_id=opened.ticket.id) if r["detail"].get("event") == "attachment"]
    assert audit[0]["detail"]["sha256"] == digest
    assert "KTP_Ratna" not in str(audit[0])  # file names often carry identity; the chain is exported
    assert attachments.read(rows[0], tmp_path / "instance") == PDF
    stored.write_bytes(PDF + b"changed")
    with pytest.raises(AttachmentUnreadable, match="does not match its sha256"):
        attachments.read(rows[0], tmp_path / "instance")
    with pytest.raises(AttachmentUnreadable, match="outside"):
        attachments.read({**rows[0], "stored_path": "../public.db"}, tmp_path / "instance")


def test_record_with_max_total_refuses_a_batch_that_would_pass_it_and_writes_no_rows(rt, tmp_path):
    opened = rt.engine.open("pengaduan-ptsp", {"kanal": "langsung", "nama": "A", "alamat": "B",
                                                "kategori": "durasi_waktu", "perihal": "p", "uraian": "u"}, PETUGAS)
    t = opened.ticket
    attachments.record(rt.store, t.id, t.receipt_no, [check("a.pdf", PDF)], tmp_path, max_total=2)
    with pytest.raises(AttachmentRejected, match="paling banyak 2") as refused:
        attachments.record(rt.store, t.id, t.receipt_no, [check("b.pdf", PDF), check("c.png", PNG)], tmp_path,
                           max_total=2)
    assert refused.value.reason == "too_many"
    assert len(attachments.list_for(rt.store, t.id)) == 1
    assert len([r for r in rt.store.audit_rows(ticket_id=t.id) if r["detail"].get("event") == "attachment"]) == 1
