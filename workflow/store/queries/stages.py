"""The audit rows that say where complaints waited (`workflow.core.stages`), read straight from the trail.

Only the trail is read: the tickets of a period are those whose ``open`` (or ``import``) row falls in
it, and each one's rows of the kinds that can move it (`workflow.core.stages.STATE_KINDS`) come in
(ticket, sequence) order, streamed, so a quarter of a busy office never sits in memory at once. The
in-memory store answers the same from its rows, so services and tests can use either.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import and_, select

from workflow.core.stages import STATE_KINDS
from workflow.store import models as m
from workflow.store.db import read_only
from workflow.store.sql.rows import utc

COLUMNS = ("ticket_id", "seq", "kind", "at", "trigger", "from_state", "to_state", "inputs", "definition_key",
           "definition_version", "detail", "receipt_no")
_OPENING = ("open", "import")


def _opened(start: datetime, end: datetime, definition_key: str | None):
    a = m.audit_log.c
    conds = [a.kind.in_(_OPENING), a.at >= start, a.at < end]
    if definition_key:
        conds.append(a.definition_key == definition_key)
    return select(a.ticket_id).where(and_(*conds))


def statement(start: datetime, end: datetime, definition_key: str | None = None):
    """The rows of the tickets opened in [start, end), in (ticket, sequence) order."""
    a = m.audit_log.c
    return (select(*(getattr(a, name) for name in COLUMNS))
            .where(a.ticket_id.in_(_opened(start, end, definition_key)), a.kind.in_(STATE_KINDS))
            .order_by(a.ticket_id, a.seq))


def _parsed(row: tuple) -> dict[str, Any]:
    out = dict(zip(COLUMNS, row))
    out["at"] = utc(out["at"])
    kind = out["kind"]
    # a transition's inputs stay text: the reader parses only those that carry a value it follows
    out["inputs"] = json.loads(out["inputs"]) if kind in ("open", "import") else \
        (out["inputs"] if kind == "transition" else {})
    detail = out["detail"]
    out["detail"] = json.loads(detail) if '"clocks"' in detail else {}
    return out


def trail(store, start: datetime, end: datetime, definition_key: str | None = None, *,
          batch: int = 5000) -> Iterator[dict[str, Any]]:
    """The trail of every ticket opened in [start, end) (of one definition, if given), as dicts with
    ``inputs`` and ``detail`` parsed where a reader needs them: inputs of opening rows (a transition's as
    their canonical JSON text, `workflow.core.stages` parses those it follows), details with clock notes."""
    if getattr(store, "dialect", "") == "memory":
        yield from _memory_trail(store, start, end, definition_key)
        return
    with read_only(store.engine) as conn:
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(
            statement(start, end, definition_key))
        for row in result:
            yield _parsed(tuple(row))


def raw_rows(store, start: datetime, end: datetime, definition_key: str | None = None,
             *, batch: int = 5000) -> int:
    """How many rows `trail` reads, read and dropped unparsed: the baseline of benchmarks/bench_stages.py."""
    count = 0
    with read_only(store.engine) as conn:
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(
            statement(start, end, definition_key))
        for _ in result:
            count += 1
    return count


def _memory_trail(store, start: datetime, end: datetime, definition_key: str | None) -> Iterator[dict[str, Any]]:
    rows = [r for r in store.audit_rows() if r["kind"] in STATE_KINDS and r["ticket_id"] is not None]
    opened = {r["ticket_id"] for r in rows if r["kind"] in _OPENING and start <= utc(r["at"]) < end
              and (not definition_key or r["definition_key"] == definition_key)}
    for row in sorted((r for r in rows if r["ticket_id"] in opened), key=lambda r: (r["ticket_id"], r["seq"])):
        out = {name: row.get(name) for name in COLUMNS}
        out["at"] = utc(out["at"])
        yield out


__all__ = ["trail", "raw_rows", "statement", "COLUMNS"]
