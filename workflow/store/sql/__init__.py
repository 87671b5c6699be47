"""The SQLAlchemy adapter of the store port (`workflow.store.port`): one unit of work per transaction.

`SqlStore.unit_of_work` opens a connection and a transaction (SQLite: ``BEGIN IMMEDIATE``, so two
writers cannot both read a ticket and then fail to upgrade their locks; PostgreSQL: READ COMMITTED,
with the ticket's version column and the audit head row lock giving each fire its isolation) and hands
out the repositories of `tickets`, `audit`, `records` on that one connection. Nothing outside
``workflow.store`` sees the connection.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy import Engine

from workflow.store.db import current_revision, upgrade

from workflow.store.sql.apikeys import SqlApiKeys, SqlIdempotency
from workflow.store.sql.audit import AuditTail, SqlAuditLog, audit_count, audit_head, audit_rows, stored_rows
from workflow.store.sql.calendar import SqlClockRuns, SqlClosures
from workflow.store.sql.deliveries import SqlDeliveries, SqlInbox, SqlOutbox
from workflow.store.sql.escalations import SqlEscalations
from workflow.store.sql.records import SqlAttachments, SqlDefinitions, SqlLinks, SqlReceipts
from workflow.store.sql.rootcause import SqlRootCauses
from workflow.store.sql.rows import clock_from_row, clock_values, ticket_from_row, utc
from workflow.store.sql.tickets import SqlTickets
from workflow.store.sql.users import SqlUsers


class SqlUnitOfWork:
    """One transaction on one connection; rolled back unless ``commit`` was called."""

    def __init__(self, conn):
        self.conn = conn
        self.dialect = conn.dialect.name
        self.committed = False
        self.audit = SqlAuditLog(conn)
        self.tickets = SqlTickets(conn, self.audit)
        self.definitions = SqlDefinitions(conn)
        self.receipts = SqlReceipts(conn)
        self.escalations = SqlEscalations(conn, self.audit)
        self.attachments = SqlAttachments(conn)
        self.links = SqlLinks(conn)
        self.closures = SqlClosures(conn)
        self.clock_runs = SqlClockRuns(conn)
        self.root_causes = SqlRootCauses(conn)
        self.outbox, self.deliveries, self.inbox = SqlOutbox(conn), SqlDeliveries(conn), SqlInbox(conn)
        self.users = SqlUsers(conn)
        self.api_keys = SqlApiKeys(conn)
        self.idempotency = SqlIdempotency(conn)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: what fails inside is undone, the unit of work goes on."""
        mark = self.audit.mark()
        try:
            with self.conn.begin_nested():
                yield
        except BaseException:
            self.audit.rewind(mark)  # a held audit head goes back to before the savepoint
            raise

    def commit(self) -> None:
        self.audit.flush()
        self.conn.commit()
        self.committed = True

    def rollback(self) -> None:
        self.conn.rollback()


class SqlStore:
    """The store on one SQLAlchemy engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def describe(self) -> str:
        """The database's URL without its password, for logs and the command line."""
        return self.engine.url.render_as_string(hide_password=True)

    def upgrade(self, revision: str = "heads") -> None:
        """Create or upgrade the schema (``alur db upgrade``, Alembic)."""
        upgrade(self.engine, revision)

    def revision(self) -> str | None:
        """The schema's Alembic revision; None before the first upgrade."""
        return current_revision(self.engine)

    def after_fork(self) -> None:
        """Drop connections inherited across a fork (SQLAlchemy's recipe); new ones open on use."""
        self.engine.dispose(close=False)

    @contextmanager
    def unit_of_work(self) -> Iterator[SqlUnitOfWork]:
        with self.engine.connect() as conn:
            conn.begin()
            uow = SqlUnitOfWork(conn)
            try:
                yield uow
            finally:
                if not uow.committed:
                    conn.rollback()

    # -- reading the audit trail (auditors, CLI) ---------------------------------------------------
    def audit_rows(self, *, batch: int = 5000, **filters) -> Iterator[dict[str, Any]]:
        return audit_rows(self.engine, batch=batch, **filters)

    def audit_stored(self, upto: int) -> Iterator[tuple]:
        """Rows 1..``upto`` as stored (`workflow.core.audit.STORED_COLUMNS`), for `verify_stored`."""
        return stored_rows(self.engine, upto)

    def audit_head(self) -> tuple[int, str]:
        return audit_head(self.engine)

    def audit_count(self) -> int:
        return audit_count(self.engine)


__all__ = ["SqlStore", "SqlUnitOfWork", "AuditTail", "ticket_from_row", "clock_from_row", "clock_values", "utc"]
