"""The SQLAlchemy adapter of the store port (`workflow.store.port`): one unit of work per transaction.

`SqlStore.unit_of_work` opens a connection and a transaction (SQLite: ``BEGIN IMMEDIATE``, so two
writers cannot both read a ticket and then fail to upgrade their locks; PostgreSQL: READ COMMITTED,
with the ticket's version column and the audit head row lock giving each fire its isolation) and hands
out the repositories of `tickets`, `audit`, `records` on that one connection. Nothing outside
``workflow.store`` sees the connection.
"""
from __future__ import annotations

from contextlib import contextmanager
from functools import cached_property
from typing import Any, Iterator

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from workflow.store.db import current_revision, unavailable, upgrade
from workflow.store.sql.apikeys import SqlApiKeys, SqlIdempotency
from workflow.store.sql.audit import AuditTail, SqlAuditLog, audit_count, audit_head, audit_rows, stored_rows
from workflow.store.sql.calendar import SqlClockRuns, SqlClosures
from workflow.store.sql.channels import SqlBoxSessions, SqlDispositions
from workflow.store.sql.deliveries import SqlDeliveries, SqlInbox, SqlOutbox
from workflow.store.sql.escalations import SqlEscalations
from workflow.store.sql.inbound import SqlInbound
from workflow.store.sql.office import SqlAgencies, SqlOffice
from workflow.store.sql.records import SqlAttachments, SqlDefinitions, SqlLinks, SqlReceipts
from workflow.store.sql.report_documents import SqlReportDocuments
from workflow.store.sql.rootcause import SqlRootCauses
from workflow.store.sql.rows import clock_from_row, clock_values, ticket_from_row, utc
from workflow.store.sql.tickets import SqlTickets
from workflow.store.sql.users import SqlUsers


class SqlUnitOfWork:
    """One transaction on one connection; rolled back unless ``commit`` was called.

    Repositories are made on first use (a fire touches four of the sixteen)."""

    def __init__(self, conn, *, read_only: bool = False):
        self.conn = conn
        self.dialect = conn.dialect.name
        self.read_only = read_only
        self.committed = False

    audit = cached_property(lambda self: SqlAuditLog(self.conn))
    tickets = cached_property(lambda self: SqlTickets(self.conn, self.audit))
    definitions = cached_property(lambda self: SqlDefinitions(self.conn))
    receipts = cached_property(lambda self: SqlReceipts(self.conn))
    escalations = cached_property(lambda self: SqlEscalations(self.conn, self.audit))
    attachments = cached_property(lambda self: SqlAttachments(self.conn))
    links = cached_property(lambda self: SqlLinks(self.conn))
    closures = cached_property(lambda self: SqlClosures(self.conn))
    clock_runs = cached_property(lambda self: SqlClockRuns(self.conn))
    root_causes = cached_property(lambda self: SqlRootCauses(self.conn))
    outbox = cached_property(lambda self: SqlOutbox(self.conn))
    deliveries = cached_property(lambda self: SqlDeliveries(self.conn))
    inbox = cached_property(lambda self: SqlInbox(self.conn))
    users = cached_property(lambda self: SqlUsers(self.conn))
    api_keys = cached_property(lambda self: SqlApiKeys(self.conn))
    idempotency = cached_property(lambda self: SqlIdempotency(self.conn))
    office = cached_property(lambda self: SqlOffice(self.conn))
    agencies = cached_property(lambda self: SqlAgencies(self.conn))
    inbound = cached_property(lambda self: SqlInbound(self.conn))
    report_documents = cached_property(lambda self: SqlReportDocuments(self.conn))
    box_sessions = cached_property(lambda self: SqlBoxSessions(self.conn))
    dispositions = cached_property(lambda self: SqlDispositions(self.conn))

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
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit; open it with unit_of_work()")
        if "audit" in self.__dict__:
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
    def unit_of_work(self, *, read_only: bool = False) -> Iterator[SqlUnitOfWork]:
        """One transaction. ``read_only`` for use cases that only read: on SQLite it takes no write lock
        (a deferred ``BEGIN`` instead of ``BEGIN IMMEDIATE``), so page views never queue behind writers."""
        try:
            with self.engine.connect() as conn:
                if read_only:
                    conn = conn.execution_options(alur_read_only=True)
                conn.begin()
                uow = SqlUnitOfWork(conn, read_only=read_only)
                try:
                    yield uow
                finally:
                    if not uow.committed:
                        conn.rollback()
        except (OperationalError, InterfaceError) as exc:
            raise unavailable(exc) from exc

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
