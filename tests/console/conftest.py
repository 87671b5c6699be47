"""Console fixtures: the shared web app (tests/web.py) and helpers to sign in and open tickets."""
from __future__ import annotations

from tests.conftest import walk_in_record
from tests.web import PASSWORD, STAFF, csrf_from, post_login  # noqa: F401 - re-exported to the tests
from workflow.core.guards import Actor

USERS = STAFF


def login(client, username: str, password: str = PASSWORD):
    return post_login(client, username, password)


def open_ticket(rt, **overrides) -> int:
    petugas = Actor("petugas", frozenset({"petugas"}), "Petugas")
    return rt.engine.open("pengaduan-ptsp", walk_in_record(**overrides), petugas).ticket.id
