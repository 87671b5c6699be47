"""Console fixtures: an app on a fresh SQLite database with the SOP published and one user per role."""
from __future__ import annotations

import shutil
import sqlite3

import pytest

from admin.app import create_app
from tests.web import (  # noqa: F401 - csrf_from and PASSWORD are re-exported to the tests; the fixture is autouse
    PASSWORD, STAFF, csrf_from, fresh_admin_catalog_cache, post_login)
from tests.conftest import SOP, walk_in_record
from workflow.core.guards import Actor
from workflow.services.publish import publish
from workflow.services.users import create_user
from workflow.runtime import build_runtime
from workflow.store.db import make_engine, upgrade

USERS = STAFF


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """A migrated database with the SOP published and the users created, built once and copied per test
    (migrations and argon2 hashing are the slow part)."""
    path = tmp_path_factory.mktemp("console-template") / "console.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    runtime = build_runtime(db=engine)
    publish(runtime.store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin",
            now=runtime.engine.now())
    for name, (roles, level, opd) in USERS.items():
        create_user(runtime.store, name, PASSWORD, roles, supervisor_level=level, opd=opd, display_name=name.title(),
                    catalogs=runtime.catalogs)
    engine.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture(autouse=True)
def _secrets(monkeypatch, tmp_path):
    # keep generated secrets out of the working directory's instance folder
    monkeypatch.setenv("ALUR_SECRET_KEY", "console-tests")
    monkeypatch.setenv("ALUR_IDENTITY_SALT", "console-tests")
    monkeypatch.setenv("ALUR_INSTANCE_PATH", str(tmp_path / "instance"))


@pytest.fixture
def db(tmp_path, template_db):
    path = tmp_path / "console.db"
    shutil.copy(template_db, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def rt(db):
    return build_runtime(db=db)


@pytest.fixture
def app(rt, monkeypatch):
    monkeypatch.setenv("ALUR_INSECURE_COOKIES", "1")
    application = create_app({"TESTING": True, "SESSION_COOKIE_SECURE": False}, runtime=rt)
    return application


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, username: str, password: str = PASSWORD):
    return post_login(client, username, password)


def open_ticket(rt, **overrides) -> int:
    petugas = Actor("petugas", frozenset({"petugas"}), "Petugas")
    return rt.engine.open("pengaduan-ptsp", walk_in_record(**overrides), petugas).ticket.id
