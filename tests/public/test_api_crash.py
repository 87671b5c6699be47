"""A filing whose process dies half-way leaves no stuck Idempotency-Key: the retry files once, or gets the
ticket the dead request made (issue 13, item 1). The filing runs in a child process that is killed with
SIGKILL at a chosen moment, against a real database (SQLite file and PostgreSQL)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid

import pytest
from sqlalchemy import func, select

from tests.conftest import MONDAY_9_WIB, ROOT, SOP, drop_schema, postgres_engine
from workflow.runtime import build_runtime
from workflow.services.apikeys import create_key
from workflow.services.publish import publish
from workflow.store import models as m
from workflow.store import models_intake as mi
from workflow.store.db import make_engine, upgrade

from .conftest import api_record

# The child files one complaint through the real API with Idempotency-Key "crash-1" and SIGKILLs itself
# either right after the ticket row is written (before any commit of it) or right after the commit that
# holds the ticket (before the response): the two moments a web worker can die mid-filing.
CHILD = textwrap.dedent("""
    import json, os, signal, sys
    from admin.app import create_app
    from workflow.runtime import build_runtime
    from workflow.store.db import make_engine
    from workflow.store.sql import SqlUnitOfWork
    from workflow.store.sql.tickets import SqlTickets

    url, schema, moment, key, body = sys.argv[1:6]
    saved = []
    original_save, original_commit = SqlTickets.save, SqlUnitOfWork.commit

    def save(self, change):
        ticket = original_save(self, change)
        saved.append(ticket)
        if moment == "after_insert":
            os.kill(os.getpid(), signal.SIGKILL)
        return ticket

    def commit(self):
        original_commit(self)
        if saved and moment == "after_commit":
            os.kill(os.getpid(), signal.SIGKILL)

    SqlTickets.save, SqlUnitOfWork.commit = save, commit
    rt = build_runtime(db=make_engine(url, schema=schema or None))
    app = create_app({"TESTING": True, "ALUR_RATELIMIT_ENABLED": False}, runtime=rt)
    app.test_client().post("/api/v1/tickets", data=body, headers={
        "Authorization": "Bearer " + key, "Idempotency-Key": "crash-1", "Content-Type": "application/json"})
    sys.exit(3)  # never reached: the process was killed
""")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path, web_environment):
    """(url, schema) of a migrated database with the SOP published, shared by the child and the test."""
    from tests.conftest import POSTGRES_URL

    if request.param == "sqlite":
        url, schema, admin = f"sqlite:///{tmp_path / 'alur.db'}", "", None
    else:
        url, schema = POSTGRES_URL, f"t_{uuid.uuid4().hex[:12]}"
        admin, engine = postgres_engine(schema)
        engine.dispose()
    engine = make_engine(url, schema=schema or None)
    upgrade(engine)
    publish(build_runtime(db=engine).store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin",
            now=MONDAY_9_WIB)
    yield url, schema, engine
    engine.dispose()
    if admin is not None:
        drop_schema(admin, schema)


def kill_mid_filing(database, moment: str, key: str, body: str) -> None:
    url, schema, _ = database
    child = subprocess.run([sys.executable, "-c", CHILD, url, schema, moment, key, body], cwd=ROOT,
                           env={**os.environ}, capture_output=True, text=True, timeout=120)
    assert child.returncode == -9, child.stderr[-3000:]


def tickets_in(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(m.tickets.c.receipt_no)).scalars())


@pytest.mark.parametrize("moment", ["after_insert", "after_commit"])
def test_a_retry_after_a_crash_mid_filing_gets_the_one_ticket(database, moment):
    """Killed after writing the ticket but before committing it: the retry files it (once). Killed after the
    commit: the retry answers with the ticket that was made (replayed), so the client learns its receipt."""
    import json

    from admin.app import create_app

    url, schema, engine = database
    rt = build_runtime(db=engine)
    _, key = create_key(rt.store, "sipeka", ("intake", "read"), "petugas", same_integration=True)
    body = json.dumps(api_record())
    kill_mid_filing(database, moment, key, body)
    before = tickets_in(engine)
    assert len(before) == (1 if moment == "after_commit" else 0)

    client = create_app({"TESTING": True, "ALUR_RATELIMIT_ENABLED": False}, runtime=rt).test_client()
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "crash-1", "Content-Type": "application/json"}
    retry = client.post("/api/v1/tickets", data=body, headers=headers)
    assert retry.status_code == 201, retry.get_data(as_text=True)
    after = tickets_in(engine)
    assert after == [retry.json["receipt_no"]]
    assert retry.json["replayed"] is (moment == "after_commit")
    again = client.post("/api/v1/tickets", data=body, headers=headers)
    assert (again.status_code, again.json["receipt_no"], again.json["replayed"]) == (201, after[0], True)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(mi.idempotency_keys)).scalar_one() == 1
