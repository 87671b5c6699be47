"""Fixtures of the supervisor and auditor console tests: the shared web app (tests/web.py: the SOP as
version 1, one user per role, three supervisor levels) with the clock pinned for the whole app."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.conftest import MONDAY_9_WIB, walk_in_record
from tests.web import CHEAP_HASH, PASSWORD, STAFF, csrf_from, post_login  # noqa: F401 - re-exported to the tests
from workflow.core.guards import Actor
from workflow.runtime import build_runtime

USERS = {name: account for name, account in STAFF.items() if name != "pupr"}  # the pages' tables name one OPD

PETUGAS = Actor("petugas", frozenset({"petugas"}), "Petugas")
TIM = Actor("tim", frozenset({"tim"}), "Tim")


class Clock:
    """The app's `now`, moved by tests (engine and pages read the same clock)."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def clock():
    return Clock(MONDAY_9_WIB)


@pytest.fixture
def rt(db, clock, monkeypatch):
    """The shared web runtime with the clock pinned for the engine and every page."""
    monkeypatch.setattr("workflow.services.users.hash_password", lambda password: CHEAP_HASH)  # accounts made here
    runtime = build_runtime(db=db)
    runtime.engine.now = clock
    return runtime


@pytest.fixture
def app_config():
    return {"ALUR_LOGIN_LIMIT_IP": "1000 per minute", "ALUR_LOGIN_ADDRESS_FAILURES": "1000 per minute"}


def login(client, username: str, password: str = PASSWORD):
    response = post_login(client, username, password)
    assert response.status_code == 302, f"login of {username} failed ({response.status_code})"
    return response


def open_ticket(rt, now: datetime | None = None, **overrides) -> int:
    return rt.engine.open("pengaduan-ptsp", walk_in_record(**overrides), PETUGAS, now=now).ticket.id


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
