"""The SQLAlchemy adapter of the store port: one unit of work per database transaction.

Writes on the fire path use SQLAlchemy Core (no ORM identity map or flush machinery), so a fire costs
the statements it needs and little more; `benchmarks/bench_fire.py` compares it with raw Core.
Concurrency: the ticket row is updated ``WHERE version = :expected`` (a lost update changes no row and
raises `ConcurrentUpdate`); the audit chain is extended under a lock on the single ``audit_head`` row
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers).
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import fields as dataclass_fields
from datetime import datetime, timezone
from operator import attrgetter, itemgetter
from typing import Any, Iterable, Iterator

from sqlalchemy import Engine, and_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from workflow.core.audit import AuditEvent, seal
from workflow.errors import ConcurrentUpdate, TicketNotFound, UnknownDefinition
from workflow.core.ticket import Change, ClockRun, Ticket
from workflow.store import models as m
from workflow.store.db import read_only

MIRRORED = ("kanal", "tingkat", "kategori", "sektor", "jenis_izin", "kerahasiaan", "perihal", "no_registrasi")
CLOCK_COLUMNS = ("clock", "run", "unit", "budget", "status", "started_at", "resumed_at", "due_at", "consumed",
                 "paused_at", "paused_seconds", "stopped_at", "next_rung", "next_rung_at", "calendar", "at_risk_at")


def utc(value: datetime | None) -> datetime | None:
    """Aware UTC datetimes in and out; SQLite hands back naive ones, which are UTC by our writes."""
    if value is None:
        return None
    zone = value.tzinfo
    if zone is None:
        return value.replace(tzinfo=timezone.utc)
    if zone is timezone.utc:  # already what we want; called ~35 times per fire
        return value
    return value.astimezone(timezone.utc)


def _iso_map(values: dict[str, datetime]) -> dict[str, str]:
    return {k: utc(v).isoformat() for k, v in values.items()}


def _dt_map(values: dict[str, str] | None) -> dict[str, datetime]:
    return {k: utc(datetime.fromisoformat(v)) for k, v in (values or {}).items()}


def _mirror(fields: dict[str, Any]) -> dict[str, Any]:
    out = {name: fields.get(name) for name in MIRRORED}
    out["kerahasiaan"] = out["kerahasiaan"] or "biasa"
    if out["perihal"] is not None:
        out["perihal"] = str(out["perihal"])[:300]
    return out


# The fire path's statements, built once: building a Core statement and its cache key on every call
# cost more than executing it (benchmarks/bench_fire.py). Values travel as execution parameters; an
# UPDATE without .values() sets exactly the columns named in its parameters.
_BY_ID = bindparam("b_id")
_SELECT_TICKET = (select(m.tickets, m.identities.c.data.label("identity_data"))  # one round trip, not two
                  .outerjoin(m.identities, m.identities.c.ticket_id == m.tickets.c.id)
                  .where(m.tickets.c.id == _BY_ID))
_SELECT_CLOCKS = select(m.clocks).where(m.clocks.c.ticket_id == _BY_ID).order_by(m.clocks.c.id)
_SELECT_FIRED = (select(m.clocks.c.clock, m.clocks.c.run, m.escalations.c.rung)
                 .join(m.escalations, m.escalations.c.clock_run_id == m.clocks.c.id)
                 .where(m.clocks.c.ticket_id == _BY_ID))
_UPDATE_TICKET = update(m.tickets).where(and_(m.tickets.c.id == _BY_ID,
                                             m.tickets.c.version == bindparam("b_expected")))
_UPDATE_CLOCK = update(m.clocks).where(m.clocks.c.id == _BY_ID)
_INSERT_AUDIT = insert(m.audit_log)
_INSERT_OUTBOX = insert(m.outbox)
_SELECT_HEAD = select(m.audit_head.c.seq, m.audit_head.c.hash).where(m.audit_head.c.id == 1)
_SELECT_HEAD_LOCKED = _SELECT_HEAD.with_for_update()
_UPDATE_HEAD = update(m.audit_head).where(m.audit_head.c.id == 1)


# Hydration reads rows by position (one C-level itemgetter call) rather than by attribute (~0.25 µs
# each, 36 per fire): it was the largest share of the engine's own time on a fire (bench_fire.py).
# Any row whose leading columns are the whole table, in table order, qualifies: ``select(m.clocks, …)``
# and ``select(m.tickets, …)``.
_CLOCK_POS = {c.name: i for i, c in enumerate(m.clocks.columns)}
_clock_values = itemgetter(*(_CLOCK_POS[n] for n in (*CLOCK_COLUMNS, "id")))  # ClockRun's field order
_CLOCK_DATETIMES = tuple(i for i, n in enumerate(CLOCK_COLUMNS) if n.endswith("_at"))
_TICKET_POS = {c.name: i for i, c in enumerate(m.tickets.columns)}
_TICKET_COLUMNS = ("id", "receipt_no", "definition_key", "definition_version", "state", "version", "created_at",
                   "updated_at", "fields", "opd", "assignee_role", "assignee_id", "entered", "closed_at", "outcome",
                   "imported", "flags", "token_hash")
_ticket_values = itemgetter(*(_TICKET_POS[n] for n in _TICKET_COLUMNS))
# Positional construction below relies on the dataclasses' field order; fail at import, not on a fire.
if [f.name for f in dataclass_fields(ClockRun)][:len(CLOCK_COLUMNS) + 1] != [*CLOCK_COLUMNS, "id"] or \
        [f.name for f in dataclass_fields(Ticket)] != [*_TICKET_COLUMNS[:9], "identity", *_TICKET_COLUMNS[9:-1],
                                                        "clocks", "token_hash"]:
    raise RuntimeError("Ticket/ClockRun fields were reordered: update the row hydration in workflow/store/sql.py")


def clock_from_row(row: Any) -> ClockRun:
    values = list(_clock_values(row))
    for i in _CLOCK_DATETIMES:
        if values[i] is not None:
            values[i] = utc(values[i])
    return ClockRun(*values, dirty=False)


_run_values = attrgetter(*CLOCK_COLUMNS)


def clock_values(run: ClockRun) -> dict[str, Any]:
    values = list(_run_values(run))
    for i in _CLOCK_DATETIMES:
        if values[i] is not None:
            values[i] = utc(values[i])
    return dict(zip(CLOCK_COLUMNS, values))


def ticket_from_row(row: Any, identity: dict | None = None, clock_rows=()) -> Ticket:
    (id_, receipt_no, key, version_of_definition, state, version, created_at, updated_at, fields, opd,
     assignee_role, assignee_id, entered, closed_at, outcome, imported, flags, token_hash) = _ticket_values(row)
    return Ticket(
        id_, receipt_no, key, version_of_definition, state, version, utc(created_at), utc(updated_at),
        dict(fields or {}), dict(identity or {}), opd, assignee_role, assignee_id, _dt_map(entered),
        utc(closed_at), outcome, imported, list(flags or []), [clock_from_row(c) for c in clock_rows], token_hash,
    )


class SqlUnitOfWork:
    """One transaction on one connection; rolled back unless ``commit`` was called."""

    def __init__(self, conn):
        self.conn = conn
        self.dialect = conn.dialect.name
        self.committed = False

    # -- reads -------------------------------------------------------------------------------------
    def load_ticket(self, ticket_id: int) -> Ticket:
        by_id = {"b_id": ticket_id}
        row = self.conn.execute(_SELECT_TICKET, by_id).first()
        if row is None:
            raise TicketNotFound(f"no ticket with id {ticket_id}")
        clocks = self.conn.execute(_SELECT_CLOCKS, by_id).all()
        return ticket_from_row(row, row[-1], clocks)  # identity_data, the last column

    def ticket_id_by_receipt(self, receipt_no: str) -> int:
        found = self.conn.execute(select(m.tickets.c.id).where(m.tickets.c.receipt_no == receipt_no)).scalar()
        if found is None:
            raise TicketNotFound(f"no ticket with receipt number {receipt_no}")
        return found

    def definition_source(self, key: str, version: int | None) -> tuple[str, int]:
        q = select(m.definitions.c.source, m.definitions.c.version).where(m.definitions.c.key == key)
        q = q.where(m.definitions.c.version == version) if version is not None else \
            q.order_by(m.definitions.c.version.desc()).limit(1)
        row = self.conn.execute(q).first()
        if row is None:
            what = f"{key} v{version}" if version is not None else key
            raise UnknownDefinition(f"no published definition {what}; publish it with "
                                    f"'alur definitions publish definitions/{key}.yaml'")
        return row.source, row.version

    def latest_definition(self, key: str):
        return self.conn.execute(select(m.definitions).where(m.definitions.c.key == key)
                                 .order_by(m.definitions.c.version.desc()).limit(1)).first()

    def insert_definition(self, *, key: str, version: int, title: str, source: str, source_hash: str,
                          published_at: datetime, published_by: str, note: str = "") -> None:
        self.conn.execute(insert(m.definitions).values(
            key=key, version=version, title=title, source=source, source_hash=source_hash,
            published_at=utc(published_at), published_by=published_by, note=note))

    def fired_rungs(self, ticket_id: int) -> dict[tuple[str, int], set[int]]:
        rows = self.conn.execute(_SELECT_FIRED, {"b_id": ticket_id}).all()
        out: dict[tuple[str, int], set[int]] = {}
        for row in rows:
            out.setdefault((row.clock, row.run), set()).add(row.rung)
        return out

    # -- writes ------------------------------------------------------------------------------------
    def next_receipt_number(self, year: int) -> int:
        ins = (pg_insert if self.dialect == "postgresql" else sqlite_insert)(m.receipt_counters)
        stmt = ins.values(year=year, last=1).on_conflict_do_update(
            index_elements=[m.receipt_counters.c.year], set_={"last": m.receipt_counters.c.last + 1},
        ).returning(m.receipt_counters.c.last)
        return int(self.conn.execute(stmt).scalar_one())

    def save(self, change: Change) -> Ticket:
        t = change.ticket
        values = {
            "state": t.state, "definition_version": t.definition_version, "opd": t.opd,
            "assignee_role": t.assignee_role, "assignee_id": t.assignee_id, "fields": t.fields,
            "entered": _iso_map(t.entered), "flags": t.flags, "updated_at": utc(t.updated_at),
            "closed_at": utc(t.closed_at), "outcome": t.outcome, **_mirror(t.fields),
        }
        if change.expected_version is None:
            t.id = self.conn.execute(insert(m.tickets).values(
                receipt_no=t.receipt_no, token_hash=t.token_hash, definition_key=t.definition_key,
                version=t.version, created_at=utc(t.created_at), imported=t.imported, **values,
            ).returning(m.tickets.c.id)).scalar_one()
            self.conn.execute(insert(m.identities).values(ticket_id=t.id, data=t.identity))
        else:
            result = self.conn.execute(_UPDATE_TICKET, {
                "b_id": t.id, "b_expected": change.expected_version,
                "version": change.expected_version + 1, **values})
            if result.rowcount != 1:
                raise ConcurrentUpdate(f"Pengaduan {t.receipt_no} sudah diubah orang lain sejak dibuka. "
                                       "Muat ulang lalu ulangi; tidak ada yang tersimpan.")
            t.version = change.expected_version + 1
        changed = []  # updates of existing runs go in one executemany
        for run in t.clocks:
            if not run.dirty:
                continue
            if run.id is None:
                run.id = self.conn.execute(insert(m.clocks).values(ticket_id=t.id, **clock_values(run))
                                           .returning(m.clocks.c.id)).scalar_one()
            else:
                changed.append({"b_id": run.id, **clock_values(run)})
            run.dirty = False
        if changed:
            self.conn.execute(_UPDATE_CLOCK, changed)
        events = [e if e.ticket_id is not None else _with_ticket(e, t.id) for e in change.audit]
        self.append_audit(events)
        if change.notices:
            now = utc(t.updated_at)
            self.conn.execute(_INSERT_OUTBOX, [
                {"ticket_id": t.id, "template": n.template, "recipient": n.recipient, "detail": n.detail,
                 "status": "pending", "created_at": now} for n in change.notices])
        return t

    def append_audit(self, events: list[AuditEvent]) -> None:
        tail = AuditTail(self.conn)
        tail.append(events)
        tail.flush()

    def commit(self) -> None:
        self.conn.commit()
        self.committed = True

    def rollback(self) -> None:
        self.conn.rollback()


class AuditTail:
    """The audit chain's head within one transaction: read once (locked on PostgreSQL), written back by `flush`.

    `SqlUnitOfWork.append_audit` uses one per call. A caller that appends row by row in one transaction
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


def _with_ticket(event: AuditEvent, ticket_id: int | None) -> AuditEvent:
    from dataclasses import replace
    return replace(event, ticket_id=ticket_id)


class SqlStore:
    """The store on one SQLAlchemy engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine):
        self.engine = engine

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

    # -- audit reading (auditors, CLI) -----------------------------------------------------------
    def audit_rows(self, *, batch: int = 5000, **filters) -> Iterator[dict[str, Any]]:
        """All audit rows in sequence order, JSON fields parsed, streamed in batches."""
        last = 0
        with read_only(self.engine) as conn:
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

    def audit_head(self) -> tuple[int, str]:
        with self.engine.connect() as conn:
            row = conn.execute(select(m.audit_head.c.seq, m.audit_head.c.hash)).one()
            return int(row.seq), row.hash

    def audit_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(m.audit_log)).scalar_one())


__all__ = ["SqlStore", "SqlUnitOfWork", "AuditTail", "ticket_from_row", "clock_from_row", "utc"]
