"""The port's inbound repository on every store: drafts, their messages and files, the unique keys that keep a
message from being recorded twice, threading look-ups, and closing a draft once."""
from __future__ import annotations

from datetime import timedelta

import pytest

from workflow.errors import ConcurrentUpdate
from workflow.store.port_inbound import DraftRecord, InboundFileRecord, InboundMessageRecord

from .test_port_contract import NOW, opened

SOURCE = "imap:pengaduan@kantor.test:993/INBOX"


def message(external_id: str, uid: int | None, **changes) -> InboundMessageRecord:
    values = {"source": SOURCE, "external_id": external_id, "channel": "email", "disposition": "draft",
              "sender": "siti@contoh.id", "received_at": NOW, "created_at": NOW, "uidvalidity": 7, "uid": uid,
              "subject": "Izin", "body": "Isi café", "refused": ({"filename": "a.exe", "reason": "type",
                                                                  "message": "bukan"},)}
    values.update(changes)
    return InboundMessageRecord(**values)


def test_a_draft_its_messages_and_files_round_trip(port_store):
    with port_store.unit_of_work() as uow:
        draft_id = uow.inbound.add_draft(DraftRecord(channel="email", contact="siti@contoh.id", subject="Izin",
                                                     received_at=NOW, created_at=NOW, kanal="email",
                                                     contact_name="Siti"))
        first = uow.inbound.add_message(message("<1@x>", 3, draft_id=draft_id))
        second = uow.inbound.add_message(message("<2@x>", 5, draft_id=draft_id, disposition="thread",
                                                 received_at=NOW + timedelta(minutes=5)))
        uow.inbound.add_files([InboundFileRecord(first, "a" * 64, "bukti.pdf", "application/pdf", 10, "x/y", NOW)])
        uow.commit()
    with port_store.unit_of_work(read_only=True) as uow:
        draft = uow.inbound.draft(draft_id)
        assert (draft.status, draft.contact_name, draft.received_at, draft.kanal) == ("draft", "Siti", NOW, "email")
        messages = uow.inbound.messages(draft_id=draft_id)
        assert [m.id for m in messages] == [first, second]
        assert messages[0].body == "Isi café" and messages[0].refused[0]["reason"] == "type"
        assert [f.filename for f in uow.inbound.files([first, second])] == ["bukti.pdf"]
        assert uow.inbound.last_uid(SOURCE, 7) == 5 and uow.inbound.last_uid(SOURCE, 8) == 0
        assert uow.inbound.find(SOURCE, "<2@x>").id == second
        assert uow.inbound.thread_of(["<nope@x>", "<1@x>"]).id == first
        assert uow.inbound.latest_draft("email", "siti@contoh.id").id == draft_id
        assert [d.id for d in uow.inbound.drafts()] == [draft_id]
    ticket = opened(port_store)
    with port_store.unit_of_work() as uow:
        assert uow.inbound.link(draft_id, ticket.id) == 2
        uow.commit()
    with port_store.unit_of_work(read_only=True) as uow:
        assert [m.id for m in uow.inbound.messages(ticket_id=ticket.id)] == [first, second]


def test_a_message_is_recorded_once_by_its_id_and_by_its_uid(port_store):
    with port_store.unit_of_work() as uow:
        uow.inbound.add_message(message("<1@x>", 3))
        uow.commit()
    for duplicate in (message("<1@x>", 4), message("<other@x>", 3)):
        with port_store.unit_of_work() as uow:
            with pytest.raises(ConcurrentUpdate, match="recorded already"):
                uow.inbound.add_message(duplicate)
    with port_store.unit_of_work() as uow:  # the same UID under a new UIDVALIDITY is another message
        uow.inbound.add_message(message("<new@x>", 3, uidvalidity=8))
        uow.commit()


def test_a_draft_is_closed_once(port_store):
    with port_store.unit_of_work() as uow:
        draft_id = uow.inbound.add_draft(DraftRecord(channel="whatsapp", contact="+6281234567890", subject="",
                                                     received_at=NOW, created_at=NOW))
        assert uow.inbound.close(draft_id, "discarded", by="petugas", at=NOW, note="spam")
        assert not uow.inbound.close(draft_id, "filed", by="petugas", at=NOW)
        uow.commit()
    with port_store.unit_of_work(read_only=True) as uow:
        draft = uow.inbound.draft(draft_id)
        assert (draft.status, draft.note, draft.closed_by) == ("discarded", "spam", "petugas")
        assert uow.inbound.drafts() == [] and uow.inbound.latest_draft("whatsapp", "+6281234567890") is None
