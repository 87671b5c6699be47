"""Wiring for a running process: configuration from the environment, database, store, calendar, engine.

Every entry point (CLI, web app, rq worker) builds one `Runtime` and shares it; nothing is built at
import time. Configuration (environment variables):

    ALUR_DATABASE_URL        SQLAlchemy URL; default an SQLite file in ./instance (WAL mode)
    ALUR_REDIS_URL           Redis for rq jobs and rate limits; unset means in-process jobs
    ALUR_SECRET_KEY          Flask session signing key; generated into ./instance when unset
    ALUR_IDENTITY_SALT       salt of identity digests in the audit trail; generated into ./instance when unset
    ALUR_PUBLIC_URL          base URL of the public tracking pages, for links in notifications
    ALUR_INTAKE_DEFINITION   the definition new complaints are filed on (default: the first published key A-Z)

What runs after a commit and on the periodic sweep is registered by the parts that need it, each by
an explicit call: `workflow.jobs.install` (rung scheduling on Redis; the escalation and autoclose
sweeps) and `notifications.delivery.install` (outbox dispatch; the outbox sweep). The process' entry
point (``admin.cli``, ``admin.wsgi``) makes those calls; this module imports neither.
"""
from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from workflow.core.calendar import WorkingCalendar, office_calendar
from workflow.core.ticket import ClockRun
from workflow.errors import UnknownDefinition
from workflow.services.engine import Engine
from workflow.services.office import refresh_office
from workflow.spec.catalog import Catalogs, default_catalogs
from workflow.store.db import INSTANCE_DIR, default_url, make_engine
from workflow.store.port import Store
from workflow.store.sql import SqlStore

if TYPE_CHECKING:  # the engine type only, named by the store (the only code that uses SQLAlchemy)
    from workflow.store.db import Engine as DbEngine

logger = logging.getLogger(__name__)

#: A periodic task: ``(runtime, now=None) -> count``.
PeriodicTask = Callable[..., int]


def instance_secret(name: str, env: str) -> str:
    """A secret from the environment, else one generated once and kept in the instance folder.

    The file is created readable by its owner only (0600, in a 0700 folder) from its first byte, never
    written with the umask and narrowed afterwards; it is written aside and linked into place, so a
    process starting at the same moment reads a whole secret, and the first one written is kept."""
    value = os.environ.get(env)
    if value:
        return value
    INSTANCE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = INSTANCE_DIR / name
    if not path.exists():
        aside = INSTANCE_DIR / f".{name}.{os.getpid()}.tmp"
        aside.unlink(missing_ok=True)  # a leftover of a crash: a new file, so the mode below is the one it gets
        with os.fdopen(os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as out:
            out.write(secrets.token_urlsafe(32))
        try:
            os.link(aside, path)  # atomic; refuses to replace a secret another process linked first
        except FileExistsError:
            pass
        finally:
            os.unlink(aside)
    return path.read_text(encoding="utf-8").strip()


def load_calendar(store: Store) -> WorkingCalendar:
    """The office calendar: its closure edits, and the zone and hours of its profile (`workflow.core.office`)."""
    from workflow.services.office import profile_of

    with store.unit_of_work(read_only=True) as uow:
        edits, stored = uow.closures.all(), uow.office.get()
    return office_calendar(edits, **profile_of(stored).calendar_settings())


@dataclass
class Runtime:
    store: SqlStore
    engine: Engine
    catalogs: Catalogs
    redis_url: str | None = None
    public_url: str = "http://127.0.0.1:5000"
    intake_key: str | None = None
    #: Periodic tasks by name, in the order the sweep runs them (`workflow.jobs.periodic`).
    periodic: dict[str, PeriodicTask] = field(default_factory=dict)
    #: Called with the ids of outbox rows written outside a fire (escalation rungs), after commit.
    on_outbox: list[Callable[["Runtime", list[int]], None]] = field(default_factory=list)
    #: Called with ``[(clock run, ticket id), ...]`` whose next rung moved outside a fire (an escalation
    #: sweep or job, a calendar edit), after commit; `workflow.jobs.queues.install` registers rq's.
    rung_schedulers: list[Callable[["Runtime", list[tuple[ClockRun, int]]], Any]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def db(self) -> DbEngine:
        """The SQLAlchemy engine, for the store's own modules (read models, migrations)."""
        return self.store.engine

    @property
    def calendar(self) -> WorkingCalendar:
        return self.engine.calendar  # type: ignore[return-value]

    def schedule_rungs(self, runs: list[tuple[ClockRun, int]]) -> None:
        """Hand ``(run, ticket id)`` pairs to every rung scheduler; never raises (the change is committed,
        and the periodic sweep fires a rung whose job was lost)."""
        for schedule in list(self.rung_schedulers) if runs else ():
            try:
                schedule(self, runs)
            except Exception:  # noqa: BLE001 - the sweep fires the rungs anyway
                logger.warning("could not schedule next rungs; the periodic sweep will catch them", exc_info=True)

    def reload_calendar(self) -> WorkingCalendar:
        self.engine.calendar = load_calendar(self.store)
        return self.engine.calendar  # type: ignore[return-value]

    def intake_definition(self) -> str:
        """The definition complaints are filed on: ``ALUR_INTAKE_DEFINITION``, else the first published key (A-Z)."""
        if self.intake_key:
            return self.intake_key
        with self.store.unit_of_work(read_only=True) as uow:
            published = uow.definitions.published()
        if not published:
            raise UnknownDefinition("no definition is published yet; publish one with "
                                    "'alur definitions publish FILE.yaml'")
        return published[0][0]


def build_runtime(database_url: str | None = None, *, db: DbEngine | None = None, catalogs: Catalogs | None = None,
                  redis_url: str | None = None) -> Runtime:
    db = db or make_engine(database_url or default_url())
    store = SqlStore(db)
    catalogs = catalogs if catalogs is not None else default_catalogs()
    try:
        calendar = load_calendar(store)
    except Exception:  # schema not created yet (before `alur db upgrade`): plain package calendar
        calendar = WorkingCalendar()
    engine = Engine(store, catalogs=catalogs, calendar=calendar,
                    identity_salt=instance_secret("identity_salt", "ALUR_IDENTITY_SALT"))
    runtime = Runtime(store=store, engine=engine, catalogs=catalogs,
                      redis_url=redis_url if redis_url is not None else os.environ.get("ALUR_REDIS_URL") or None,
                      public_url=os.environ.get("ALUR_PUBLIC_URL", "http://127.0.0.1:5000"),
                      intake_key=os.environ.get("ALUR_INTAKE_DEFINITION") or None)
    refresh_office(runtime)  # the office's own agencies join the catalog (workflow.services.agencies)
    return runtime


__all__ = ["Runtime", "build_runtime", "load_calendar", "instance_secret", "PeriodicTask"]
