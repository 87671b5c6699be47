"""Where a message goes (`workflow.services.inbound.receive`), on the in-memory store: replies to a closed
complaint open a new draft that says so, a ticket's evidence limit is kept with the extra files named, a number
whose draft was discarded starts afresh, the same message twice is recorded once, and the gateway format is read
strictly."""
from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest

from tests.conftest import memory_runtime
from workflow.core import evidence
from workflow.core.guards import Actor
from workflow.core.inbound import EMAIL, WHATSAPP, InboundMessage, RawFile, alur_payload, parse_email
from workflow.errors import InvalidInput
from workflow.services import attachments, inbound

PETUGAS = Actor("petugas", frozenset({"petugas"}), "Petugas")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def rt():
    return memory_runtime()


def mail(n: int, subject: str = "Izin lambat", text: str = "Sudah sebulan.", sender: str = "siti@contoh.id",
         files=()) -> InboundMessage:
    return InboundMessage(channel=EMAIL, source="imap:uji", external_id=f"<{n}@contoh.id>", sender=sender,
                          subject=subject, text=text, received_at=datetime(2026, 11, 30, 1, n, tzinfo=timezone.utc),
                          files=tuple(files))


def file(rt, draft_id: int) -> object:
    view = inbound.draft_view(rt.store, draft_id)
    record = {"kanal": view.draft.kanal, "nama": "Siti", "email": view.draft.contact, "alamat": "Serang",
              "kategori": "durasi_waktu", "perihal": view.draft.subject or "Pesan", "uraian": "Sudah sebulan."}
    return inbound.file_draft(rt, draft_id, record, PETUGAS, definition_key="pengaduan-ptsp")


def test_a_reply_to_a_closed_complaint_opens_a_new_draft_that_says_so(rt, tmp_path):
    opened = file(rt, inbound.receive(rt, mail(1), instance_path=tmp_path).draft_id)
    rt.engine.fire(opened.ticket.id, "tolak", PETUGAS, {"alasan": "Bukan kewenangan"})
    again = inbound.receive(rt, mail(2, subject=f"Re: {opened.ticket.receipt_no}"), instance_path=tmp_path)
    assert again.outcome == "draft"
    assert "sudah selesai" in inbound.draft_view(rt.store, again.draft_id).draft.note


def test_a_tickets_evidence_limit_holds_and_the_extra_files_are_named(rt, tmp_path):
    opened = file(rt, inbound.receive(rt, mail(1), instance_path=tmp_path).draft_id)
    subject = f"Re: {opened.ticket.receipt_no}"
    for n in range(4):  # 4 replies of 5 files: 20 files, the most a ticket keeps
        files = [RawFile(f"foto-{n}-{k}.png", PNG + bytes([n, k]), "image/png") for k in range(evidence.MAX_FILES)]
        assert inbound.receive(rt, mail(10 + n, subject, files=files), instance_path=tmp_path).refused == ()
    last = inbound.receive(rt, mail(20, subject, files=[RawFile("satu-lagi.png", PNG + b"!", "image/png")]),
                           instance_path=tmp_path)
    assert last.outcome == "thread" and [r["reason"] for r in last.refused] == ["too_many"]
    assert attachments.count_for(rt.store, opened.ticket.id) == evidence.MAX_PER_TICKET


def test_a_number_whose_draft_was_discarded_starts_a_new_draft(rt, tmp_path):
    now = datetime(2026, 11, 30, 2, tzinfo=timezone.utc)
    first = inbound.receive(rt, alur_payload({"id": "w1", "from": "0812-3456-7890", "text": "Halo"}, now=now),
                            instance_path=tmp_path)
    inbound.discard_draft(rt, first.draft_id, PETUGAS, "salam saja")
    second = inbound.receive(rt, alur_payload({"id": "w2", "from": "+6281234567890", "text": "Izin saya?"}, now=now),
                             instance_path=tmp_path)
    assert second.outcome == "draft" and second.draft_id != first.draft_id
    assert inbound.receive(rt, alur_payload({"id": "w2", "from": "6281234567890", "text": "Izin saya?"}, now=now),
                           instance_path=tmp_path).outcome == "duplicate"


def test_the_gateway_format_is_read_strictly_and_names_what_is_wrong():
    now = datetime(2026, 11, 30, 2, tzinfo=timezone.utc)
    with pytest.raises(InvalidInput) as refused:
        alur_payload({"id": "", "from": "12", "media": [{"data": "***"}], "timestamp": "kemarin"}, now=now)
    assert set(refused.value.errors) >= {"id", "from", "media[0].data", "timestamp"}
    future = alur_payload({"id": "x", "from": "081234567890", "timestamp": 4102444800,
                           "media": [{"data": base64.b64encode(PNG).decode()}]}, now=now)
    assert future.received_at == now and future.channel == WHATSAPP and future.files[0].data == PNG


def test_a_message_without_a_message_id_is_named_by_its_uid_and_html_only_mail_is_read_as_text():
    raw = (b"From: a@contoh.id\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           b"<p>Loket <b>tutup</b></p><script>alert(1)</script>")
    message = parse_email(raw, source="imap:uji", received_at=datetime.now(timezone.utc), uidvalidity=3, uid=9)
    assert message.external_id == "<uid-3-9@imap:uji>" and message.ignore is None
    assert " ".join(message.text.split()) == "Loket tutup"
