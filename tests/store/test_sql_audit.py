"""The audit trail in the database itself: append-only triggers, and tampering that `verify_rows` names.

These need SQL (triggers, a DBA editing rows), so they run on SQLite and PostgreSQL.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from workflow.core.audit import verify_rows

from ..conftest import walk_in_record


@pytest.fixture
def ticket(engine, actors):
    return engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"]).ticket


def test_audit_trail_rejects_update_and_delete_in_the_database(engine, actors, ticket, store):
    for statement in ("UPDATE audit_log SET actor_id = 'mallory'", "DELETE FROM audit_log",
                      "UPDATE definitions SET source = 'x'", "DELETE FROM definitions"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with store.engine.begin() as conn:
                conn.execute(sa.text(statement))
    assert verify_rows(store.audit_rows()).ok


def _tamper(store, sql: str) -> None:
    """What a DBA with full rights could do: drop the guard, edit, restore."""
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "sqlite":
            conn.execute(sa.text("DROP TRIGGER audit_log_append_only_update"))
            conn.execute(sa.text(sql))
        else:
            conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
            conn.execute(sa.text(sql))
            conn.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))


def test_verify_names_the_first_tampered_row(engine, actors, ticket, store):
    engine.fire(ticket.id, "verifikasi", actors["petugas"], {"tingkat": "ringan", "kewenangan": "dalam"})
    engine.fire(ticket.id, "jawab_langsung", actors["petugas"], {"analisa": "a", "jawaban": "b"})
    assert verify_rows(store.audit_rows()).ok
    _tamper(store, "UPDATE audit_log SET actor_id = 'mallory' WHERE seq = 3")
    status = verify_rows(store.audit_rows())
    assert not status.ok and status.first_bad_seq == 3
    assert "changed" in status.reason
