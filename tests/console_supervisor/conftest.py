"""Fixtures of the supervisor and auditor console tests: an app on a fresh SQLite file, the SOP published
as version 1, one user per role (three supervisor levels), and the clock pinned for the whole app."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from argon2 import PasswordHasher

from admin.app import create_app
from tests.web import (  # noqa: F401 - csrf_from and PASSWORD are re-exported to the tests; the fixture is autouse
    PASSWORD, STAFF, csrf_from, fresh_admin_catalog_cache, post_login)
from tests.conftest import MONDAY_9_WIB, SOP, walk_in_record
from workflow.core.guards import Actor
from workflow.services.publish import publish
from workflow.services.users import create_user
from workflow.runtime import build_runtime
from workflow.store.db import make_engine, upgrade

USERS = {name: account for name, account in STAFF.items() if name != "pupr"}  # one OPD is enough here

# The test users' password, hashed once with cheap argon2 parameters: the production parameters cost
# ~0.6 s per hash and per login on CI machines, which would dominate these tests. Verification reads
# the parameters from the hash, so logins through the real login form stay real.
CHEAP_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)

PETUGAS = Actor("petugas", frozenset({"petugas"}), "Petugas")
TIM = Actor("tim", frozenset({"tim"}), "Tim")


class Clock:
    """The app's `now`, moved by tests (engine and pages read the same clock)."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def db(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'console.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock():
    return Clock(MONDAY_9_WIB)


@pytest.fixture
def rt(db, clock, monkeypatch):
    # every account is made through workflow.services.users, which looks hash_password up at each call
    monkeypatch.setattr("workflow.services.users.hash_password", lambda password: CHEAP_HASH)
    runtime = build_runtime(db=db)
    runtime.engine.now = clock
    publish(runtime.store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=clock())
    for name, (roles, level, opd) in USERS.items():
        create_user(runtime.store, name, PASSWORD, roles, supervisor_level=level, opd=opd, display_name=name.title(),
                    catalogs=runtime.catalogs)
    return runtime


@pytest.fixture
def app(rt, monkeypatch):
    monkeypatch.setenv("ALUR_INSECURE_COOKIES", "1")
    return create_app({"TESTING": True, "SESSION_COOKIE_SECURE": False, "ALUR_LOGIN_LIMIT_IP": "1000 per minute",
                       "ALUR_LOGIN_ADDRESS_FAILURES": "1000 per minute"}, runtime=rt)


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, username: str, password: str = PASSWORD):
    response = post_login(client, username, password)
    assert response.status_code == 302, f"login of {username} failed ({response.status_code})"
    return response


def open_ticket(rt, now: datetime | None = None, **overrides) -> int:
    return rt.engine.open("pengaduan-ptsp", walk_in_record(**overrides), PETUGAS, now=now).ticket.id


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
