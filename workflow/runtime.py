"""Wiring for a running process: configuration from the environment, database, store, calendar, engine.

Every entry point (CLI, web app, rq worker) builds one `Runtime` and shares it; nothing is built at
import time. Configuration (environment variables):

    ALUR_DATABASE_URL   SQLAlchemy URL; default an SQLite file in ./instance (WAL mode)
    ALUR_REDIS_URL      Redis for rq jobs and rate limits; unset means in-process jobs
    ALUR_SECRET_KEY     Flask session signing key; generated into ./instance when unset
    ALUR_IDENTITY_SALT  salt of identity digests in the audit trail; generated into ./instance when unset
    ALUR_PUBLIC_URL     base URL of the public tracking pages, for links in notifications
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine as DbEngine
from sqlalchemy import select

from workflow.core.calendar import Closure, WorkingCalendar
from workflow.spec.catalog import Catalogs, default_catalogs
from workflow.services.engine import Engine
from workflow.store import models as m
from workflow.store.db import INSTANCE_DIR, default_url, make_engine
from workflow.store.sql import SqlStore


def instance_secret(name: str, env: str) -> str:
    """A secret from the environment, else one generated once and kept in the instance folder."""
    value = os.environ.get(env)
    if value:
        return value
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def load_calendar(db: DbEngine) -> WorkingCalendar:
    """The office calendar: holidays and cuti bersama from the package, corrected by the office's rows."""
    with db.connect() as conn:
        return office_calendar(conn)


def office_calendar(conn) -> WorkingCalendar:
    """`load_calendar` on an open connection (a migration's, for instance)."""
    rows = conn.execute(select(m.closures.c.day, m.closures.c.kind, m.closures.c.name)).all()
    added = [Closure(day=r.day if isinstance(r.day, date) else date.fromisoformat(str(r.day)), name=r.name,
                     source="office") for r in rows if r.kind == "add"]
    removed = [r.day if isinstance(r.day, date) else date.fromisoformat(str(r.day)) for r in rows if r.kind == "remove"]
    return WorkingCalendar(added_closures=added, removed_holidays=removed)


@dataclass
class Runtime:
    db: DbEngine
    store: SqlStore
    engine: Engine
    catalogs: Catalogs
    redis_url: str | None = None
    public_url: str = "http://127.0.0.1:5000"
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def calendar(self) -> WorkingCalendar:
        return self.engine.calendar  # type: ignore[return-value]

    def reload_calendar(self) -> WorkingCalendar:
        self.engine.calendar = load_calendar(self.db)
        return self.engine.calendar  # type: ignore[return-value]


SERVICES = (
    "workflow.jobs",            # schedule the next escalation rung of every moved clock (with Redis)
    "notifications.delivery",   # dispatch the outbox rows of every committed fire
)


def install_services(runtime: Runtime) -> Runtime:
    """Hook the after-commit services into the runtime's engine (serving processes and workers).

    Kept out of `build_runtime` so one-shot commands and tests get a bare engine unless they ask.
    A service whose module is not in this build is skipped.
    """
    from workflow.plugins import optional_modules

    for module in optional_modules(SERVICES):
        module.install(runtime)
    return runtime


def build_runtime(database_url: str | None = None, *, db: DbEngine | None = None, catalogs: Catalogs | None = None,
                  redis_url: str | None = None) -> Runtime:
    db = db or make_engine(database_url or default_url())
    store = SqlStore(db)
    catalogs = catalogs if catalogs is not None else default_catalogs()
    try:
        calendar = load_calendar(db)
    except Exception:  # schema not created yet (before `alur db upgrade`): plain package calendar
        calendar = WorkingCalendar()
    engine = Engine(store, catalogs=catalogs, calendar=calendar,
                    identity_salt=instance_secret("identity_salt", "ALUR_IDENTITY_SALT"))
    return Runtime(db=db, store=store, engine=engine, catalogs=catalogs,
                   redis_url=redis_url if redis_url is not None else os.environ.get("ALUR_REDIS_URL") or None,
                   public_url=os.environ.get("ALUR_PUBLIC_URL", "http://127.0.0.1:5000"))


__all__ = ["Runtime", "build_runtime", "install_services", "load_calendar", "office_calendar", "instance_secret",
           "Path"]
