"""Filing a complaint is all or nothing: ticket, receipt number, duplicate flag and evidence together.

Runs on the in-memory store and on SQLite and PostgreSQL (the rollback of the receipt counter and the
rows is the database's own).
"""
from __future__ import annotations

import pytest

from workflow.core.evidence import check
from workflow.errors import InvalidInput, TicketNotFound
from workflow.runtime import Runtime
from workflow.services import intake
from workflow.services.engine import Engine
from workflow.services.publish import publish
from workflow.store.memory import MemoryStore
from workflow.store.sql import SqlStore

from .conftest import MONDAY_9_WIB, SOP, migrated_engine, walk_in_record

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def rt(request, tmp_path, calendar):
    def build(store):
        publish(store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
        engine = Engine(store, calendar=calendar, now=lambda: MONDAY_9_WIB)
        return Runtime(store=store, engine=engine, catalogs=engine.catalogs)

    if request.param == "memory":
        yield build(MemoryStore())
        return
    with migrated_engine(request.param, tmp_path) as db:
        yield build(SqlStore(db))


def stored_files(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_a_complaint_opens_with_its_evidence_in_one_go(rt, actors, tmp_path):
    opened = intake.file_complaint(rt, walk_in_record(), actors["pemohon"], definition_key="pengaduan-ptsp",
                                   uploads=[check("bukti.pdf", PDF)], instance_path=tmp_path)
    with rt.store.unit_of_work() as uow:
        [evidence] = uow.attachments.of(opened.ticket.id)
    assert evidence.filename == "bukti.pdf" and (tmp_path / evidence.stored_path).read_bytes() == PDF
    kinds = [(r["kind"], r["detail"].get("event")) for r in rt.store.audit_rows(ticket_id=opened.ticket.id)]
    assert kinds == [("open", None), ("system", "attachment")]


def test_failing_to_store_the_evidence_leaves_no_ticket_no_gap_and_no_file(rt, actors, tmp_path, monkeypatch):
    from workflow.services import attachments

    def broken(uow, *args, **kwargs):
        raise OSError("disk full while writing the rows")

    monkeypatch.setattr(attachments, "add_rows", broken)
    with pytest.raises(OSError):
        intake.file_complaint(rt, walk_in_record(), actors["pemohon"], definition_key="pengaduan-ptsp",
                              uploads=[check("bukti.pdf", PDF), check("foto.png", PNG)], instance_path=tmp_path)
    assert stored_files(tmp_path / "attachments") == []  # the bytes written for it are gone
    with rt.store.unit_of_work() as uow:
        with pytest.raises(TicketNotFound):
            uow.tickets.id_by_receipt("ADU-2026-000001")
    assert [r["kind"] for r in rt.store.audit_rows()] == ["publish"]
    monkeypatch.undo()
    again = intake.file_complaint(rt, walk_in_record(), actors["pemohon"], definition_key="pengaduan-ptsp",
                                  uploads=[check("bukti.pdf", PDF)], instance_path=tmp_path)
    assert again.ticket.receipt_no == "ADU-2026-000001"  # the failed filing drew no number


def test_evidence_filed_earlier_is_kept_when_a_later_filing_with_the_same_file_fails(rt, actors, tmp_path,
                                                                                    monkeypatch):
    from workflow.services import attachments

    intake.file_complaint(rt, walk_in_record(), actors["pemohon"], definition_key="pengaduan-ptsp",
                          uploads=[check("bukti.pdf", PDF)], instance_path=tmp_path)
    monkeypatch.setattr(attachments, "add_rows", lambda *a, **k: (_ for _ in ()).throw(OSError("rows")))
    with pytest.raises(OSError):
        intake.file_complaint(rt, walk_in_record(), actors["pemohon"], definition_key="pengaduan-ptsp",
                              uploads=[check("sama.pdf", PDF)], instance_path=tmp_path)
    assert len(stored_files(tmp_path / "attachments")) == 1  # shared by hash with the first complaint: kept


def test_an_invalid_record_draws_no_receipt_number(rt, actors, tmp_path):
    with pytest.raises(InvalidInput):
        intake.file_complaint(rt, walk_in_record(nama=""), actors["petugas"], definition_key="pengaduan-ptsp",
                              uploads=[check("bukti.pdf", PDF)], instance_path=tmp_path)
    assert stored_files(tmp_path / "attachments") == []
    ok = intake.file_complaint(rt, walk_in_record(), actors["petugas"], definition_key="pengaduan-ptsp")
    assert ok.ticket.receipt_no == "ADU-2026-000001"


def test_a_repeat_of_an_open_complaint_is_flagged_in_the_same_transaction(rt, actors):
    first = intake.file_complaint(rt, walk_in_record(), actors["petugas"], definition_key="pengaduan-ptsp").ticket
    second = intake.file_complaint(rt, walk_in_record(), actors["petugas"], definition_key="pengaduan-ptsp").ticket
    other = intake.file_complaint(rt, walk_in_record(no_registrasi="REG-LAIN"), actors["petugas"],
                                  definition_key="pengaduan-ptsp").ticket
    assert (first.flags, second.flags, other.flags) == ([], [f"duplikat:{first.receipt_no}"], [])
    assert rt.engine.load(second.id).version == 1  # flagged as it was opened, not in a second write
    flag = [r for r in rt.store.audit_rows(ticket_id=second.id) if r["kind"] == "system"]
    assert [r["detail"] for r in flag] == [{"event": "duplicate_flag", "of": first.receipt_no}]
