"""Shared fixtures: real databases (SQLite file and PostgreSQL schema), a store, an engine, actors.

PostgreSQL and Redis are real servers (ALUR_TEST_POSTGRES_URL, ALUR_TEST_REDIS_URL). When one is
missing, its tests skip on a laptop, but fail in CI (ALUR_TEST_REQUIRE_SERVICES=1, set by .ci/run),
so a broken service can never turn the suite green by skipping.
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest

from workflow.core.calendar import WorkingCalendar
from workflow.core.guards import Actor
from workflow.runtime import Runtime
from workflow.services.engine import Engine
from workflow.services.publish import publish
from workflow.store.db import make_engine, upgrade
from workflow.store.memory import MemoryStore
from workflow.store.sql import SqlStore

ROOT = Path(__file__).resolve().parent.parent
SOP = ROOT / "definitions" / "pengaduan-ptsp.yaml"
POSTGRES_URL = os.environ.get("ALUR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ALUR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("ALUR_TEST_REQUIRE_SERVICES") == "1"

# The shared web app (a migrated template database copied per test, one account per role): every test package
# gets its fixtures from here instead of importing them into its conftest.
pytest_plugins = ("tests.web",)

# Monday 30 November 2026, 09:00 WIB: a working morning, so working-day clocks start at once.
MONDAY_9_WIB = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)


def service_missing(what: str, error: Exception) -> None:
    message = f"{what} is not reachable ({error}); start it or set the URL variable"
    if REQUIRE_SERVICES:
        pytest.fail(message + " — ALUR_TEST_REQUIRE_SERVICES=1 makes this a failure", pytrace=False)
    pytest.skip(message)


def postgres_engine(schema: str):
    """An engine on a fresh schema of the test PostgreSQL database (dropped by the caller)."""
    import sqlalchemy as sa

    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means the service is missing
        admin.dispose()
        service_missing("PostgreSQL", exc)
    return admin, make_engine(POSTGRES_URL, schema=schema)


def drop_schema(admin, schema: str) -> None:
    import sqlalchemy as sa

    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@contextmanager
def migrated_engine(kind: str, folder: Path) -> Iterator:
    """A migrated, empty database: an SQLite file in ``folder``, or a fresh PostgreSQL schema."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{folder / 'alur.db'}")
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin, engine = postgres_engine(schema)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        drop_schema(admin, schema)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_engine(request, tmp_path):
    """Every store test runs on SQLite and on PostgreSQL."""
    with migrated_engine(request.param, tmp_path) as engine:
        yield engine


@pytest.fixture
def sqlite_engine(tmp_path):
    with migrated_engine("sqlite", tmp_path) as engine:
        yield engine


@pytest.fixture
def pg_engine(tmp_path):
    with migrated_engine("postgresql", tmp_path) as engine:
        yield engine


@pytest.fixture
def store(db_engine):
    return SqlStore(db_engine)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def port_store(request, tmp_path):
    """Every adapter of the store port: the port contract suites (tests/store/) run on each."""
    if request.param == "memory":
        yield MemoryStore()
        return
    with migrated_engine(request.param, tmp_path) as engine:
        yield SqlStore(engine)


@pytest.fixture
def memory_store():
    """The in-memory store: engine and service tests run on it (tests/store/ holds it to the port's contract)."""
    return MemoryStore()


def memory_runtime(store: MemoryStore | None = None, *, now=lambda: MONDAY_9_WIB, calendar=None) -> Runtime:
    """A runtime on the in-memory store with the shipped SOP published as version 1."""
    store = store or MemoryStore()
    publish(store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
    engine = Engine(store, calendar=calendar or WorkingCalendar(), now=now)
    return Runtime(store=store, engine=engine, catalogs=engine.catalogs)


@pytest.fixture
def calendar():
    return WorkingCalendar()


@pytest.fixture
def published(store):
    """The shipped SOP, published as version 1."""
    return publish(store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)


@pytest.fixture
def engine(store, published, calendar):
    return Engine(store, calendar=calendar, now=lambda: MONDAY_9_WIB)


@pytest.fixture
def actors():
    return {
        "petugas": Actor("petugas1", frozenset({"petugas"}), "Petugas Satu"),
        "tim": Actor("tim1", frozenset({"tim"}), "Tim Satu"),
        "opd": Actor("esdm1", frozenset({"opd_liaison"}), "Penghubung ESDM", opd="dinas_esdm"),
        "opd_other": Actor("pupr1", frozenset({"opd_liaison"}), "Penghubung PUPR", opd="dinas_pupr"),
        "kasi": Actor("kasi1", frozenset({"kepala_seksi"}), "Kepala Seksi"),
        "pemohon": Actor("pemohon", frozenset({"pemohon"}), "Pemohon"),
        "system": Actor.system(),
    }


def walk_in_record(**overrides):
    record = {
        "kanal": "langsung", "nama": "Siti Aminah", "alamat": "Jl. Ahmad Yani No. 5, Serang, Banten",
        "telepon": "0812-3456-7890", "sektor": "Energi dan Sumber Daya Mineral", "jenis_izin": "SIPA",
        "kategori": "Durasi Waktu", "perihal": "Proses izin SIPA memakan waktu terlalu lama",
        "uraian": "Permohonan SIPA belum ada peninjauan lapangan sejak dua bulan.", "no_registrasi": "REG-2026-0042",
        "tanda_tangan": True,
    }
    record.update(overrides)
    return record


@pytest.fixture
def record():
    return walk_in_record()
