"""The audit trail read back for replay (`workflow.core.replay`): a period's tickets and their recorded steps.

Read inside the caller's read-only unit of work (``store.unit_of_work(read_only=True)``: on SQLite a deferred
``BEGIN`` that takes no write lock, on PostgreSQL a transaction that writes nothing), so a replay sees one
consistent trail and can never change it. Rows stream in (ticket, sequence) order, one ticket's steps after
the other, straight from the driver's cursor (PostgreSQL: a server-side cursor), so a quarter of a hundred
thousand tickets is never held in memory at once: `workflow.core.replay.histories` groups them as they come.

The memory store answers the same questions from its tables, so use cases and tests run on it too.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Iterator

from sqlalchemy import String, func, select, type_coerce

from workflow.core.replay import DETAIL_KINDS, STEP_KINDS
from workflow.store import models as m
from workflow.store.sql.audit import head_in

COLUMNS = ("seq", "kind", "at", "actor_id", "actor_role", "ticket_id", "receipt_no", "trigger", "from_state",
           "to_state", "inputs", "definition_key", "definition_version", "detail")
BATCH = 5000


def _utc(value: Any) -> datetime:
    if value.__class__ is str:  # SQLite keeps "2026-11-30 02:00:00.000000", written as UTC
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def opened_statement(key: str, start: datetime, end: datetime, part: tuple[int, int] | None = None):
    """The steps of the tickets of ``key`` opened in [start, end), in (ticket, sequence) order; with ``part``
    = (i, n) only the tickets whose id is i modulo n (one of n processes replaying side by side)."""
    a = m.audit_log
    opened = a.alias("o")
    tickets = select(opened.c.ticket_id).where(opened.c.kind == "open", opened.c.definition_key == key,
                                               opened.c.at >= start, opened.c.at < end)
    if part is not None:
        tickets = tickets.where(opened.c.ticket_id % part[1] == part[0])
    columns = [type_coerce(a.c.at, String).label("at") if name == "at" else a.c[name] for name in COLUMNS]
    return (select(*columns).where(a.c.ticket_id.in_(tickets), a.c.kind.in_(STEP_KINDS))
            .order_by(a.c.ticket_id, a.c.seq))


def trail_rows(uow, key: str, start: datetime, end: datetime,
               part: tuple[int, int] | None = None) -> Iterator[dict[str, Any]]:
    """Audit rows (kinds `STEP_KINDS`) of the tickets of ``key`` opened in [start, end) (``part``: see
    `opened_statement`), ordered by ticket and sequence, JSON parsed and times aware UTC.

    ``detail`` is parsed only on rows of `DETAIL_KINDS`, the only ones a replay reads it on (other rows give
    an empty one): the clock notes on every transition row were a third of parsing the trail."""
    conn = getattr(uow, "conn", None)
    if conn is None:
        yield from _memory_rows(uow, key, start, end, part)
        return
    result = conn.execute(opened_statement(key, start, end, part),
                          execution_options={"stream_results": True, "yield_per": BATCH})
    loads = json.loads
    for row in result:
        out = dict(zip(COLUMNS, row))
        out["at"] = _utc(out["at"])
        inputs = out["inputs"]
        out["inputs"] = loads(inputs) if inputs and inputs != "{}" else {}
        out["detail"] = loads(out["detail"] or "{}") if out["kind"] in DETAIL_KINDS else {}
        yield out


def _memory_rows(uow, key: str, start: datetime, end: datetime,
                 part: tuple[int, int] | None) -> Iterator[dict[str, Any]]:
    audit = uow.tables.audit
    wanted = {r["ticket_id"] for r in audit if r["kind"] == "open" and r["definition_key"] == key
              and start <= _utc(r["at"]) < end and (part is None or r["ticket_id"] % part[1] == part[0])}
    rows = sorted((r for r in audit if r["ticket_id"] in wanted and r["kind"] in STEP_KINDS),
                  key=lambda r: (r["ticket_id"], r["seq"]))
    for r in rows:
        out = {name: r[name] for name in COLUMNS if name not in ("inputs", "detail")}
        out["at"] = _utc(r["at"])
        out["inputs"] = json.loads(r["_inputs"])
        out["detail"] = json.loads(r["_detail"]) if r["kind"] in DETAIL_KINDS else {}
        yield out


def last_recorded(uow) -> datetime | None:
    """When the trail last recorded anything: the moment a replay of it is judged at, by default."""
    conn = getattr(uow, "conn", None)
    if conn is None:
        audit = uow.tables.audit
        return max((_utc(r["at"]) for r in audit), default=None)
    value = conn.execute(select(func.max(type_coerce(m.audit_log.c.at, String)))).scalar()
    return None if value is None else _utc(value)


def trail_head(uow) -> tuple[int, str] | None:
    """The sequence number and chain hash of the trail's last row, as this unit of work sees them: they name
    the whole trail (each row's hash covers the one before), so a what-if can tell that the trail it replayed
    before is still the trail. None for an empty trail."""
    conn = getattr(uow, "conn", None)
    if conn is None:
        audit = uow.tables.audit  # appended in sequence order, as MemoryStore.audit_head reads it
        return (audit[-1]["seq"], audit[-1]["hash"]) if audit else None
    seq, hash_ = head_in(conn)
    return (seq, hash_) if seq else None


def imported_count(uow, key: str, start: datetime, end: datetime) -> int:
    """Tickets of ``key`` received in [start, end) that were imported (no recorded steps to replay)."""
    conn = getattr(uow, "conn", None)
    if conn is None:
        return sum(1 for t in uow.tables.tickets.values()
                   if t.imported and t.definition_key == key and start <= _utc(t.created_at) < end)
    t = m.tickets.c
    return int(conn.execute(select(func.count()).select_from(m.tickets).where(
        t.imported.is_(True), t.definition_key == key, t.created_at >= start, t.created_at < end)).scalar_one())


__all__ = ["trail_rows", "last_recorded", "trail_head", "imported_count", "opened_statement", "COLUMNS"]
