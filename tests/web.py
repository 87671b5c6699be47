"""The web tests' one app and helpers: test accounts, the app on a copy of a migrated template database,
CSRF tokens, signing in. The root conftest registers this module as a plugin, so every test gets the
fixtures (a package's conftest may override `app_config` or `rt`)."""
from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import flask_admin.babel
import pytest
from argon2 import PasswordHasher

PASSWORD = "rahasia-uji-123"  # every test account's

# One account per console role: username -> (roles, supervisor_level, opd)
STAFF = {
    "admin": (["admin"], None, None),
    "kasi": (["supervisor"], 1, None),
    "kabid": (["supervisor"], 2, None),
    "kadis": (["supervisor"], 3, None),
    "petugas": (["petugas"], None, None),
    "tim": (["tim"], None, None),
    "esdm": (["opd_liaison"], None, "dinas_esdm"),
    "pupr": (["opd_liaison"], None, "dinas_pupr"),
    "auditor": (["auditor"], None, None),
}


#: Audit rows of the template database: the SOP published, then one audited account creation per `STAFF`.
SETUP_ROWS = 1 + len(STAFF)


@pytest.fixture(autouse=True)
def fresh_admin_catalog_cache():
    """Flask-Admin caches translation catalogs process-wide, keyed by locale only (admin/translations/README:
    "Trap"): start and end each test with an empty cache so no other test's app leaks in or out (import this
    into a test module or conftest to use it)."""
    flask_admin.babel.domain.cache.clear()
    yield
    flask_admin.babel.domain.cache.clear()


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in a page (every form carries one)."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def post_login(client, username: str, password: str):
    """Sign in through the real login form (token included); returns the response."""
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


# -- one app for every web test: a migrated template database, copied per test -------------------------
# The test accounts' password, hashed once with cheap argon2 parameters: the production parameters cost
# ~0.6 s per hash and per sign-in on CI machines. Verification reads the parameters from the hash, so
# sign-ins through the real login form stay real.
CHEAP_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


@pytest.fixture(scope="session")
def web_template(tmp_path_factory) -> Path:
    """A migrated SQLite database with the shipped SOP published as version 1 and one account per console
    role (`STAFF`), built once per test session; `db` copies it for each test (migrations and password
    hashing are the slow part of building it)."""
    from tests.conftest import MONDAY_9_WIB, SOP
    from workflow.runtime import build_runtime
    from workflow.services import users
    from workflow.services.publish import publish
    from workflow.store.db import make_engine, upgrade

    path = tmp_path_factory.mktemp("web-template") / "alur.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    runtime = build_runtime(db=engine)
    publish(runtime.store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
    real_hash, users.hash_password = users.hash_password, lambda password: CHEAP_HASH
    try:
        for name, (roles, level, opd) in STAFF.items():
            users.create_user(runtime.store, name, PASSWORD, roles, supervisor_level=level, opd=opd,
                              display_name=name.title(), catalogs=runtime.catalogs, now=MONDAY_9_WIB)
    finally:
        users.hash_password = real_hash
    engine.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture
def web_environment(monkeypatch, tmp_path):
    """Secrets and the instance folder of the test, not the working directory's; plain-http cookies."""
    monkeypatch.setenv("ALUR_SECRET_KEY", "web-tests")
    monkeypatch.setenv("ALUR_IDENTITY_SALT", "web-tests")
    monkeypatch.setenv("ALUR_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("ALUR_INSECURE_COOKIES", "1")


@pytest.fixture
def db(tmp_path, web_template, web_environment):
    path = tmp_path / "alur.db"
    shutil.copy(web_template, path)
    from workflow.store.db import make_engine

    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def rt(db):
    from workflow.runtime import build_runtime

    return build_runtime(db=db)


@pytest.fixture
def app_config() -> dict:
    """Settings a test package adds to the app (override the fixture)."""
    return {}


@pytest.fixture
def app(rt, app_config):
    from admin.app import create_app

    return create_app({"TESTING": True, "SESSION_COOKIE_SECURE": False, **app_config}, runtime=rt)


@pytest.fixture
def client(app):
    return app.test_client()
