"""Console search: substring matches on names and subjects, served by trigram indexes on PostgreSQL.

The expressions in workflow/store/queries/search.py and the index definitions of migration 0009 must stay the
same, or PostgreSQL silently goes back to reading every row; the plan test catches that.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from tests.conftest import walk_in_record
from workflow.store import models as m
from workflow.store.queries import search as search_module
from workflow.store.queries.search import SEARCH_CAP, identity_name, lower_json_text, subject, substring_pattern
from workflow.store.queries.worklist import Filters, filtered

NOW = None  # the work queue's filters read the time only for deadline filters, which these searches do not use


def search(db, q: str, *, names: bool = True, secret_names: bool = True) -> list[str]:
    with db.connect() as conn:
        query = filtered(conn, select(m.tickets.c.receipt_no), Filters(q=q), now=NOW, identity_search=names,
                         include_secret_names=secret_names)
        return sorted(conn.execute(query.order_by(m.tickets.c.receipt_no)).scalars())


@pytest.fixture
def three(engine, actors):
    opened = [engine.open("pengaduan-ptsp", walk_in_record(**r), actors["petugas"]).ticket.receipt_no for r in (
        {"nama": "Siti Aminah", "perihal": "Proses izin SIPA memakan waktu terlalu lama"},
        {"nama": "Budi Santoso", "perihal": "Salah cetak nama perusahaan (100% salah)"},
        {"nama": "AMINAH binti Umar", "perihal": "Petugas loket kurang ramah"},
        {"nama": "Aminah Rahasia", "perihal": "Dugaan pungutan di loket", "kerahasiaan": "rahasia"},
    )]
    return opened


@pytest.mark.parametrize("cap", [SEARCH_CAP, 0], ids=["few-matches-by-id", "common-text-on-the-scan"])
def test_names_and_subjects_match_anywhere_whatever_the_case(store, three, cap, monkeypatch):
    """Both ways the search can run (ids from the indexes; the test on the ordered scan) give the same answer."""
    monkeypatch.setattr(search_module, "SEARCH_CAP", cap)
    db = store.engine
    siti, budi, umar, secret = three
    assert search(db, "aminah") == [siti, umar, secret]
    assert search(db, "AMINAH") == [siti, umar, secret]
    assert search(db, "aminah", secret_names=False) == [siti, umar]  # a rahasia name is not searchable ...
    assert search(db, "pungutan", secret_names=False) == [secret]  # ... its subject still is
    assert search(db, "santos") == [budi]
    assert search(db, "loket") == [umar, secret]  # the subject
    assert search(db, "aminah", names=False) == []  # roles without identity access search subjects only
    assert search(db, "REG-2026-0042") == [siti, budi, umar, secret]  # the registration number, exactly
    assert search(db, "100%") == [budi]  # a typed wildcard is text, not "anything"
    assert search(db, "_") == [siti, budi, umar, secret]  # nothing left to match: every open ticket
    assert search(db, "zzqx") == []


def test_the_json_key_is_written_into_the_sql_so_it_must_be_an_identifier():
    with pytest.raises(ValueError, match="must be an identifier"):
        lower_json_text(m.identities.c.data, "nama') OR ('1")
    assert substring_pattern("Siti%_\\") == "%siti%"


@pytest.mark.postgres
def test_postgresql_answers_name_and_subject_searches_from_the_trigram_indexes(pg_engine):
    with pg_engine.connect() as conn:
        indexes = set(conn.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"))
                      .scalars())
        assert {"ix_identities_name_trgm", "ix_tickets_perihal_trgm"} <= indexes
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # tiny tables: make the planner show its options
        for query in (select(m.identities.c.ticket_id).where(identity_name().like("%aminah%")),
                      select(m.tickets.c.id).where(subject().like("%loket%"))):
            compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
            plan = "\n".join(conn.execute(text(f"EXPLAIN {compiled}")).scalars())
            assert "_trgm" in plan, plan
