"""Database connections and schema upgrades for SQLite (embedded default) and PostgreSQL.

SQLite runs in WAL mode with ``BEGIN IMMEDIATE`` transactions: a writer takes the write lock when it
starts, so two processes cannot both read a ticket and then fail to upgrade their locks halfway
through a fire (SQLite's "database is locked" mid-transaction). PostgreSQL runs READ COMMITTED; the
ticket's version column and the audit head row lock give each fire its isolation.
"""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from workflow.errors import StoreUnavailable

INSTANCE_DIR = Path(os.environ.get("ALUR_INSTANCE_PATH", Path.cwd() / "instance"))
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def default_url() -> str:
    """``ALUR_DATABASE_URL``, or an SQLite file in the instance folder."""
    url = os.environ.get("ALUR_DATABASE_URL")
    if url:
        return url
    INSTANCE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'alur.db'}"


def make_engine(url: str | None = None, *, schema: str | None = None, echo: bool = False, **kwargs) -> Engine:
    """An engine configured for alur. ``schema`` (PostgreSQL) isolates a test run in its own schema."""
    url = url or default_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _private_file(parsed.database)
        kwargs.setdefault("hide_parameters", True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    connect_args = dict(kwargs.pop("connect_args", {}))
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("hide_parameters", True)
    return create_engine(url, echo=echo, connect_args=connect_args, **kwargs)


SQLITE_BUSY = ("database is locked", "database is busy", "unable to open database")


def unavailable(exc: DBAPIError) -> Exception:
    """A driver error that means "the database cannot answer now" (a PostgreSQL restart, a dropped connection,
    SQLite's lock timeout) as `StoreUnavailable`, which the entry points answer with 503 and Retry-After
    instead of a 500; anything else (a bug, a missing table) is returned as it is and stays a 500."""
    first_line = str(getattr(exc, "orig", exc)).strip().splitlines()[:1]
    message = first_line[0] if first_line else type(exc).__name__
    if "sqlite" in type(getattr(exc, "orig", None)).__module__ and not message.startswith(SQLITE_BUSY):
        return exc
    return StoreUnavailable(message)


def _private_file(database: str | None) -> None:
    """Create an SQLite database file readable by its owner only (0600) before SQLite does, with its umask:
    it holds complainants' identities. SQLite gives its -wal and -shm files the same permissions."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):  # noqa: ANN001 - DBAPI types
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        # Readers that opt in (``execution_options(alur_read_only=True)``) take no write lock, so a long
        # audit export does not hold up officers' fires.
        read_only = conn.get_execution_options().get("alur_read_only")
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def read_only(engine: Engine):
    """A connection for reading only (on SQLite: a deferred transaction, no write lock)."""
    return engine.connect().execution_options(alur_read_only=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


APPEND_ONLY_SQLITE = """
CREATE TRIGGER IF NOT EXISTS {table}_append_only_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS {table}_append_only_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be deleted'); END;
"""

APPEND_ONLY_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION alur_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
END $$ LANGUAGE plpgsql
"""

APPEND_ONLY_PG = """
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION alur_append_only();
CREATE TRIGGER {table}_append_only_truncate BEFORE TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION alur_append_only();
"""


def append_only_statements(dialect: str, tables) -> list[str]:
    """The DDL that makes ``tables`` reject UPDATE and DELETE (and TRUNCATE on PostgreSQL)."""
    out: list[str] = []
    if dialect == "sqlite":
        for table in tables:
            out += [s.strip() + ";" if not s.strip().endswith(";") else s.strip()
                    for s in _split_sqlite(APPEND_ONLY_SQLITE.format(table=table))]
    else:
        out.append(APPEND_ONLY_PG_FUNCTION)
        for table in tables:
            out += [s.strip() for s in APPEND_ONLY_PG.format(table=table).split(";") if s.strip()]
    return out


def _split_sqlite(ddl: str) -> list[str]:
    return [part.strip() + " END" for part in ddl.split("END;") if part.strip()]


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema to ``revision`` (``alur db upgrade``)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # no table yet
            return None


__all__ = ["default_url", "make_engine", "read_only", "upgrade", "is_sqlite", "append_only_statements",
           "current_revision", "INSTANCE_DIR"]
