"""The port's report documents on every store (memory, SQLite, PostgreSQL): one draft per period and scope,
a compare-and-set on its version, its history in order, and publications numbered and never changed."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from workflow.store.port_report_documents import PublicationRecord, ReportDocumentRecord, ReportVersionRecord

from .test_port_contract import NOW

SECTIONS = {"pendahuluan": "Pengantar.", "analisa": "Analisa.", "kesimpulan": "Simpulan.", "rekomendasi": "Saran."}
DRAFT = ReportDocumentRecord("2026-Q3", "", "draft", 1, SECTIONS, "kasi", NOW, "kasi", NOW)


def _publication(document_id: int, edition: int = 1) -> PublicationRecord:
    return PublicationRecord(document_id, "2026-Q3", "", edition, '{"total": 3}', "c" * 64, 12, "a" * 64, "",
                             "kadis", "kadis", NOW + timedelta(days=1), reason="" if edition == 1 else "koreksi")


def test_one_draft_per_period_and_scope_is_stored_whole(port_store):
    with port_store.unit_of_work() as uow:
        first = uow.report_documents.add(DRAFT)
        assert uow.report_documents.add(replace(DRAFT, created_by="kabid")) is None  # the same scope is taken
        other = uow.report_documents.add(replace(DRAFT, definition_key="pengaduan-ptsp"))
        uow.commit()
    assert first and other and first != other
    with port_store.unit_of_work(read_only=True) as uow:
        found = uow.report_documents.find("2026-Q3", "")
        assert uow.report_documents.find("2026-Q2", "") is None
        listed = uow.report_documents.all()
    assert found.id == first and found.sections == SECTIONS and found.created_at == NOW and found.status == "draft"
    assert [d.definition_key for d in listed] == ["", "pengaduan-ptsp"]


def test_an_update_is_a_compare_and_set_on_the_version(port_store):
    with port_store.unit_of_work() as uow:
        doc_id = uow.report_documents.add(DRAFT)
        uow.commit()
    edited = replace(DRAFT, id=doc_id, version=2, sections={**SECTIONS, "analisa": "Analisa baru."},
                     updated_by="kabid", updated_at=NOW + timedelta(hours=1))
    with port_store.unit_of_work() as uow:
        assert uow.report_documents.update(edited, expected_version=1) is True
        uow.commit()
    with port_store.unit_of_work() as uow:  # a writer that read version 1 loses, and writes nothing
        assert uow.report_documents.update(replace(edited, version=2, sections=SECTIONS), expected_version=1) is False
        uow.commit()
    with port_store.unit_of_work(read_only=True) as uow:
        stored = uow.report_documents.get(doc_id)
    assert stored.version == 2 and stored.sections["analisa"] == "Analisa baru." and stored.updated_by == "kabid"
    assert stored.created_by == "kasi" and stored.updated_at == NOW + timedelta(hours=1)


def test_versions_are_kept_in_order(port_store):
    with port_store.unit_of_work() as uow:
        doc_id = uow.report_documents.add(DRAFT)
        uow.report_documents.add_version(ReportVersionRecord(doc_id, 1, "create", SECTIONS, (), "kasi", NOW))
        uow.report_documents.add_version(ReportVersionRecord(doc_id, 2, "save", {**SECTIONS, "kesimpulan": "Baru"},
                                                             ("kesimpulan",), "kabid", NOW + timedelta(hours=1)))
        uow.commit()
    with port_store.unit_of_work(read_only=True) as uow:
        versions = uow.report_documents.versions(doc_id)
    assert [(v.version, v.action, v.by, v.changed) for v in versions] == [
        (1, "create", "kasi", ()), (2, "save", "kabid", ("kesimpulan",))]
    assert versions[1].sections["kesimpulan"] == "Baru" and versions[1].at == NOW + timedelta(hours=1)


def test_publications_are_numbered_across_the_office_and_listed_newest_first(port_store):
    with port_store.unit_of_work() as uow:
        doc_id = uow.report_documents.add(DRAFT)
        assert uow.report_documents.publish(_publication(doc_id)) == 1
        assert uow.report_documents.publish(_publication(doc_id, edition=2)) == 2
        uow.commit()
    with port_store.unit_of_work(read_only=True) as uow:
        second = uow.report_documents.publication(2)
        assert uow.report_documents.publication(3) is None
        listed = uow.report_documents.publications(doc_id)
        assert uow.report_documents.publications(doc_id + 100) == []
    assert [p.number for p in listed] == [2, 1]
    assert second.edition == 2 and second.reason == "koreksi" and second.audit_seq == 12
    assert second.published_at == NOW + timedelta(days=1) and second.content == '{"total": 3}'


@pytest.mark.parametrize("statement", ["UPDATE report_publications SET content = '{}'",
                                       "DELETE FROM report_publications"])
def test_the_database_refuses_to_change_a_publication(db_engine, statement):
    """Immutable in the database itself, as the audit trail is: a trigger refuses UPDATE and DELETE."""
    from sqlalchemy import text

    from workflow.store.sql import SqlStore

    store = SqlStore(db_engine)
    with store.unit_of_work() as uow:
        uow.report_documents.publish(_publication(uow.report_documents.add(DRAFT)))
        uow.commit()
    with db_engine.connect() as conn:
        with pytest.raises(Exception, match="append-only"):
            conn.execute(text(statement))
            conn.commit()
    with store.unit_of_work(read_only=True) as uow:
        assert uow.report_documents.publication(1).content == '{"total": 3}'


@pytest.mark.postgres
def test_two_writers_of_the_same_version_on_postgresql_one_wins(pg_engine):
    """The second writer waits on the row lock, then finds the version moved on: False, nothing written."""
    import threading
    import time

    from workflow.store.sql import SqlStore

    store = SqlStore(pg_engine)
    with store.unit_of_work() as uow:
        doc_id = uow.report_documents.add(DRAFT)
        uow.commit()
    results: dict[str, bool] = {}
    first_wrote = threading.Event()

    def second() -> None:
        first_wrote.wait(5)
        with store.unit_of_work() as uow:
            results["second"] = uow.report_documents.update(
                replace(DRAFT, id=doc_id, version=2, sections={**SECTIONS, "analisa": "kedua"}), expected_version=1)
            uow.commit()

    thread = threading.Thread(target=second)
    thread.start()
    with store.unit_of_work() as uow:
        results["first"] = uow.report_documents.update(
            replace(DRAFT, id=doc_id, version=2, sections={**SECTIONS, "analisa": "pertama"}), expected_version=1)
        first_wrote.set()
        time.sleep(0.5)  # the second writer is now blocked on the row
        uow.commit()
    thread.join(10)
    assert results == {"first": True, "second": False}
    with store.unit_of_work(read_only=True) as uow:
        assert uow.report_documents.get(doc_id).sections["analisa"] == "pertama"
