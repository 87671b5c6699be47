"""The audit chain in SQL: extending it under the head lock, and reading it back in order.

Every row carries ``sha256(prev_hash || canonical(row))`` (`workflow.core.audit`); the single
``audit_head`` row holds the last sequence number and hash. A writer reads the head ``FOR UPDATE`` on
PostgreSQL (SQLite's ``BEGIN IMMEDIATE`` already serialises writers) and holds it to commit, so the
chain grows by one writer at a time and sequence numbers become visible in order.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Iterator

from sqlalchemy import Engine, func, insert, select, update

from workflow.core.audit import AuditEvent, seal
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
    (the escalation sweep: one row per rung, each rung in its own savepoint) keeps one for the whole
    transaction, so the head is read and written once rather than per row. The head stays locked from
    the first read to commit either way, so the chain grows by one writer at a time. After a failed
    savepoint, `rewind` puts the head back to a `head` taken before it (None if it was first read inside
    that savepoint, whose lock may be gone: the next append reads it again).
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

    def append(self, events: Iterable[AuditEvent]) -> None:
        events = list(events)
        if not events:
            return
        tail = AuditTail(self.conn)
        tail.append(events)
        tail.flush()

    def head(self) -> tuple[int, str]:
        row = self.conn.execute(_SELECT_HEAD).one()
        return int(row.seq), row.hash


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


def audit_head(db: Engine) -> tuple[int, str]:
    with db.connect() as conn:
        row = conn.execute(_SELECT_HEAD).one()
        return int(row.seq), row.hash


def audit_count(db: Engine) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(m.audit_log)).scalar_one())


__all__ = ["AuditTail", "SqlAuditLog", "audit_rows", "audit_head", "audit_count"]
