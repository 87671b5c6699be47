"""The audit chain in SQL: extending it under the head lock, and reading it back in order.

Every row carries ``sha256(prev_hash || canonical(row))`` (`workflow.core.audit`); the single
``audit_head`` row holds the last sequence number and hash. A writer reads the head ``FOR UPDATE`` on
PostgreSQL (SQLite's ``BEGIN IMMEDIATE`` already serialises writers) and holds it to commit, so the
chain grows by one writer at a time and sequence numbers become visible in order.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any, Iterable, Iterator

from sqlalchemy import Engine, func, insert, select, text, update

from workflow.core.audit import STORED_COLUMNS, AuditEvent, seal
from workflow.core.checkpoints import Checkpoint
from workflow.store import models as m
from workflow.store.db import read_only
from workflow.store.sql.rows import utc

_INSERT_AUDIT = insert(m.audit_log)
_SELECT_HEAD = select(m.audit_head.c.seq, m.audit_head.c.hash).where(m.audit_head.c.id == 1)
_SELECT_HEAD_LOCKED = _SELECT_HEAD.with_for_update()
_UPDATE_HEAD = update(m.audit_head).where(m.audit_head.c.id == 1)


class AuditTail:
    """The audit chain's head within one transaction: read once (locked on PostgreSQL), written back by `flush`.

    `SqlAuditLog.append` uses one per call. A caller that appends row by row in one transaction
    (the escalation sweep: one row per rung, each rung in its own savepoint) calls `SqlAuditLog.hold`
    first, which keeps one to commit, so the head is read and written once rather than per row. The
    head stays locked from the first read to commit either way, so the chain grows by one writer at a
    time. After a failed savepoint, `rewind` puts the head back to a `head` taken before it (None if it
    was first read inside that savepoint, whose lock may be gone: the next append reads it again).
    """

    def __init__(self, conn):
        self.conn = conn
        self._select = _SELECT_HEAD_LOCKED if conn.dialect.name == "postgresql" else _SELECT_HEAD
        self.head: tuple[int, str] | None = None
        self._written: tuple[int, str] | None = None

    def append(self, events: Iterable[AuditEvent]) -> None:
        rows = []
        for event in events:
            if self.head is None:
                self.head = self._written = tuple(self.conn.execute(self._select).one())
            seq, prev = self.head
            content = event.content(seq + 1)
            content["at"] = utc(content["at"])
            digest, inputs, detail = seal(prev, content)
            rows.append(dict(content, inputs=inputs, detail=detail, prev_hash=prev, hash=digest))
            self.head = (seq + 1, digest)
        if rows:
            self.conn.execute(_INSERT_AUDIT, rows)

    def rewind(self, mark: tuple[int, str] | None) -> None:
        self.head = mark
        if mark is None:
            self._written = None

    def flush(self) -> None:
        if self.head is not None and self.head != self._written:
            self.conn.execute(_UPDATE_HEAD, {"seq": self.head[0], "hash": self.head[1]})
            self._written = self.head


class SqlAuditLog:
    """The port's `AuditLog` on one connection."""

    def __init__(self, conn):
        self.conn = conn
        self._held: AuditTail | None = None  # set by `hold`: the head kept to commit

    def append(self, events: Iterable[AuditEvent]) -> None:
        events = list(events)
        if not events:
            return
        if self._held is not None:
            self._held.append(events)
            return
        tail = AuditTail(self.conn)
        tail.append(events)
        tail.flush()

    def head(self) -> tuple[int, str]:
        if self._held is not None and self._held.head is not None:
            return self._held.head
        row = self.conn.execute(_SELECT_HEAD).one()
        return int(row.seq), row.hash

    def hold(self) -> None:
        if self._held is None:
            self._held = AuditTail(self.conn)

    def mark(self) -> tuple[int, str] | None:
        """The held head before a savepoint (`SqlUnitOfWork.savepoint` rewinds to it if the savepoint fails)."""
        return self._held.head if self._held is not None else None

    def rewind(self, mark: tuple[int, str] | None) -> None:
        if self._held is not None:
            self._held.rewind(mark)

    def flush(self) -> None:
        """Write a held head back (`SqlUnitOfWork.commit` calls this); without `hold` appends wrote it already."""
        if self._held is not None:
            self._held.flush()

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        self.conn.execute(insert(m.audit_checkpoints).values(**asdict(checkpoint)))

    def checkpoints(self) -> list[Checkpoint]:
        c = m.audit_checkpoints.c
        rows = self.conn.execute(select(c.seq, c.hash, c.at, c.signature, c.key_fingerprint, c.public_key)
                                 .order_by(c.seq, c.id)).all()
        return [Checkpoint(*row) for row in rows]


def audit_rows(db: Engine, *, batch: int = 5000, **filters) -> Iterator[dict[str, Any]]:
    """All audit rows in sequence order, JSON fields parsed, streamed in batches (auditors, the CLI)."""
    last = 0
    with read_only(db) as conn:
        while True:
            q = select(m.audit_log).where(m.audit_log.c.seq > last)
            for name, value in filters.items():
                if value is not None:
                    q = q.where(getattr(m.audit_log.c, name) == value)
            rows = conn.execute(q.order_by(m.audit_log.c.seq).limit(batch)).mappings().all()
            if not rows:
                return
            for row in rows:
                out = dict(row)
                out["at"] = utc(out["at"])
                out["inputs"] = json.loads(out["inputs"])
                out["detail"] = json.loads(out["detail"])
                yield out
            last = rows[-1]["seq"]


_AT = STORED_COLUMNS.index("at")


def _page_sql(dialect, batch: int) -> str:
    """The keyset page query as the driver's own SQL (identifiers quoted by the dialect, one parameter)."""
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    columns = ", ".join(quote(name) for name in STORED_COLUMNS)
    # No upper bound in the WHERE: "seq > ? ORDER BY seq LIMIT n" is an ordered walk of the primary key
    # whatever the statistics say, while a range PostgreSQL misjudges (a chain just grown, not yet
    # analysed) was planned as a bitmap scan sorting the whole rest of the chain for every page.
    return f"SELECT {columns} FROM audit_log WHERE seq > {mark} ORDER BY seq LIMIT {int(batch)}"


def _canonical_time(value) -> str:
    """``at`` as the audit's canonical text (UTC, microseconds, "Z"): SQLite keeps
    "2026-11-30 02:00:00.000000" (written as UTC), PostgreSQL hands back an aware datetime."""
    if value.__class__ is str:
        if len(value) == 26 and value[10] == " ":
            return value[:10] + "T" + value[11:] + "Z"
        value = datetime.fromisoformat(value)
    return utc(value).isoformat(timespec="microseconds").replace("+00:00", "Z")


def stored_rows(db: Engine, upto: int, *, batch: int = 20_000) -> Iterator[tuple]:
    """Rows 1..``upto`` as stored, in sequence order (`STORED_COLUMNS`; inputs and detail as their canonical
    text, ``at`` as its canonical text), read in keyset batches.

    Read with the driver's own cursor, inside a read-only transaction (SQLite: deferred, no write lock):
    verifying a million rows is mostly reading them, and SQLAlchemy's row objects and type processing
    were half of that (benchmarks/bench_audit.py). Rows up to ``upto`` are committed and append-only, so
    batches need no snapshot between them.
    """
    with read_only(db) as conn:
        sql = _page_sql(conn.dialect, batch)
        conn.execute(text("SELECT 1"))  # begins the transaction the cursor below reads in
        if conn.dialect.name == "postgresql":
            # Walk the primary key in order: with statistics that lag a growing chain the planner chose to
            # sort the rest of the table for every page (seconds per page at 200,000 rows).
            conn.execute(text("SET LOCAL enable_sort = off"))
        cursor = conn.connection.cursor()
        try:
            last = 0
            while last < upto:
                cursor.execute(sql, (last,))
                rows = cursor.fetchall()
                if not rows:
                    return
                for row in rows:
                    if row[0] > upto:
                        return
                    yield (*row[:_AT], _canonical_time(row[_AT]), *row[_AT + 1:])
                last = rows[-1][0]
        finally:
            cursor.close()


def audit_head(db: Engine) -> tuple[int, str]:
    with db.connect() as conn:
        return head_in(conn)


def head_in(conn) -> tuple[int, str]:
    """The chain's head (last sequence number and hash) as ``conn``'s transaction sees it."""
    row = conn.execute(_SELECT_HEAD).one()
    return int(row.seq), row.hash


def audit_count(db: Engine) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(m.audit_log)).scalar_one())


__all__ = ["AuditTail", "SqlAuditLog", "audit_rows", "stored_rows", "audit_head", "head_in", "audit_count"]
