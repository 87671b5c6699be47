"""While PostgreSQL cannot be reached (restarting, refusing connections) the site answers 503 with Retry-After
(problem+json on the API, the Indonesian page elsewhere) instead of a 500, writes nothing, and logs no
complainant data; when the database is back, the same request with the same Idempotency-Key files once.

Found by the load run (loadtest/): a PostgreSQL restart cost 20 requests a 500, and the driver's error,
logged whole, carried the ticket's fields (SQLAlchemy prints a statement's parameters unless told not to).
The fault here is real: the test's own database is closed to connections and its sessions are terminated.
"""
from __future__ import annotations

import json
import logging
import threading
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import MONDAY_9_WIB, POSTGRES_URL, SOP, service_missing, walk_in_record
from tests.web import csrf_from
from workflow.core.guards import Actor
from workflow.runtime import build_runtime
from workflow.services.apikeys import create_key
from workflow.services.publish import publish
from workflow.store.db import make_engine, upgrade

from .conftest import api_record, form_record

pytestmark = pytest.mark.postgres
NAME = "Siti Outage Rahmawati"


@pytest.fixture
def own_database(web_environment):
    """A database of its own in the test cluster (so closing it disturbs no one), migrated, SOP published."""
    name = f"alur_outage_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means the service is missing
        admin.dispose()
        service_missing("PostgreSQL", exc)
    engine = make_engine(sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
    upgrade(engine)
    publish(build_runtime(db=engine).store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin",
            now=MONDAY_9_WIB)
    yield admin, name, engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def close_database(admin, name: str, closed: bool) -> None:
    with admin.connect() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if closed else "true"}'))
        if closed:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                         {"n": name})


def ticket_count(admin, name: str) -> int:
    url = admin.url.set(database=name)
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM tickets")).scalar_one()
    finally:
        engine.dispose()


def test_an_unreachable_database_answers_503_and_the_retry_files_once(own_database, caplog):
    from admin.app import create_app

    admin, name, engine = own_database
    rt = build_runtime(db=engine)
    _, key = create_key(rt.store, "sipeka", ("intake", "read"), "petugas", same_integration=True)
    client = create_app({"TESTING": True, "ALUR_RATELIMIT_ENABLED": False}, runtime=rt).test_client()
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "outage-1", "Content-Type": "application/json"}
    body = json.dumps(api_record(nama=NAME))
    form = client.get("/pengaduan/baru")
    typed = {**form_record(nama=NAME), "csrf_token": csrf_from(form.get_data(as_text=True))}

    close_database(admin, name, closed=True)
    caplog.set_level(logging.INFO)
    refused = client.post("/api/v1/tickets", data=body, headers=headers)
    assert refused.status_code == 503, refused.get_data(as_text=True)[:500]
    assert refused.headers["Retry-After"] == "5"
    assert refused.json["title"] == "Layanan sedang dipulihkan" and "Idempotency-Key" in refused.json["detail"]
    page = client.post("/pengaduan/baru", data=typed)  # a citizen submitting during the restart
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "Layanan sedang dipulihkan" in page.get_data(as_text=True)
    assert "Kembali" in page.get_data(as_text=True)  # Back keeps what they typed
    assert NAME not in caplog.text and "REG-2026-0100" not in caplog.text

    close_database(admin, name, closed=False)
    assert ticket_count(admin, name) == 0
    filed = client.post("/api/v1/tickets", data=body, headers=headers)
    assert filed.status_code == 201, filed.get_data(as_text=True)[:500]
    again = client.post("/api/v1/tickets", data=body, headers=headers)
    assert (again.status_code, again.json["receipt_no"]) == (201, filed.json["receipt_no"])
    assert ticket_count(admin, name) == 1


def test_driver_errors_never_carry_the_statement_parameters(own_database):
    """What a failed statement logs names the statement, never the values bound to it (a complainant's name)."""
    _, _, engine = own_database
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as conn:
        conn.execute(sa.text("UPDATE no_such_table SET nama = :nama"), {"nama": NAME})
    assert NAME not in str(caught.value)
    assert "hidden due to hide_parameters" in str(caught.value)


class GoneAfterSending:
    """A channel whose message leaves just as the database goes away for a second and a half (the load run's
    PostgreSQL restart, which came between the send and writing it down)."""

    def __init__(self, admin, name: str):
        from notifications import MemoryChannel

        self.name, self.inner, self.admin, self.database = "email", MemoryChannel("email"), admin, name

    def send(self, message) -> str:
        reference = self.inner.send(message)
        close_database(self.admin, self.database, closed=True)
        threading.Timer(1.5, close_database, (self.admin, self.database, False)).start()
        return reference


def test_a_message_sent_as_the_database_goes_away_is_written_down_once_it_is_back(own_database):
    """Otherwise the delivery stays claimed and, when its lease runs out, the complainant gets it again."""
    from notifications.delivery import install

    admin, name, engine = own_database
    rt = build_runtime(db=engine)
    channel = GoneAfterSending(admin, name)
    install(rt, channels={"email": channel})
    rt.engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test", telepon=None),
                   Actor("petugas", frozenset({"petugas"})))

    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT status, attempts, locked_until FROM deliveries WHERE channel = 'email'"))
        assert [tuple(row) for row in rows] == [("sent", 1, None)]
    assert len(channel.inner.sent) == 1
