"""The store port in memory: the fake shipped beside the real adapter (as httpx ships a mock transport).

Engine and service tests run on it in milliseconds, drafts can be tried without a database, and it
passes the same contract suite as the SQL store (``tests/store/test_port_contract.py``), so what holds
here holds there. It keeps the SQL store's promises: nothing is written unless ``commit`` is called,
writers take turns (one lock, as SQLite's ``BEGIN IMMEDIATE``), a stale version raises
`ConcurrentUpdate`, and the audit rows are hash-chained exactly as the database's are.

A unit of work works on its own shallow copy of every table; stored records are never changed in
place (tickets are copied on the way in and out), so discarding the copy is the rollback.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

from workflow.core.audit import GENESIS, STORED_COLUMNS, AuditEvent, seal
from workflow.core.checkpoints import Checkpoint
from workflow.core.ticket import Change, Ticket
from workflow.errors import ConcurrentUpdate, TicketNotFound, UnknownDefinition
from workflow.store.memory_accounts import MemoryApiKeys, MemoryIdempotency, MemoryUsers
from workflow.store.memory_channels import MemoryBoxSessions, MemoryDispositions
from workflow.store.memory_deliveries import MemoryDeliveries, MemoryInbox, MemoryOutbox
from workflow.store.memory_escalations import MemoryEscalations
from workflow.store.memory_inbound import MemoryInbound
from workflow.store.memory_office import MemoryAgencies, MemoryOffice
from workflow.store.memory_report_documents import MemoryReportDocuments
from workflow.store.port import (
    ActionPlanRecord,
    AttachmentRecord,
    ClosureRecord,
    DefinitionRecord,
    RootCauseRecord,
    RunningClock,
    TicketRef,
)
from workflow.store.port_deliveries import DeliveryRecord
from workflow.store.rules import duplicates


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


@dataclass
class _Tables:
    """Everything the store holds; a unit of work gets a shallow copy of each container."""

    tickets: dict[int, Ticket] = field(default_factory=dict)
    receipts: dict[int, int] = field(default_factory=dict)
    definitions: dict[tuple[str, int], DefinitionRecord] = field(default_factory=dict)
    audit: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    deliveries: dict[int, DeliveryRecord] = field(default_factory=dict)
    inbox: list[dict[str, Any]] = field(default_factory=list)
    escalations: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[AttachmentRecord] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    closures: dict[Any, ClosureRecord] = field(default_factory=dict)
    checkpoints: list[Checkpoint] = field(default_factory=list)
    root_causes: dict[int, RootCauseRecord] = field(default_factory=dict)
    root_cause_links: list[tuple[int, int]] = field(default_factory=list)  # (root cause id, ticket id)
    action_plans: dict[int, ActionPlanRecord] = field(default_factory=dict)
    users: dict[int, tuple] = field(default_factory=dict)  # id -> (UserRecord, password hash)
    api_keys: dict[int, Any] = field(default_factory=dict)  # id -> ApiKeyRecord
    idempotency: dict[int, Any] = field(default_factory=dict)  # id -> IdempotencyRecord
    office: dict[str, Any] = field(default_factory=dict)  # "profile" -> OfficeRecord, "logo" -> Logo
    agencies: dict[str, Any] = field(default_factory=dict)  # code -> AgencyRecord
    inbound_drafts: dict[int, Any] = field(default_factory=dict)  # id -> DraftRecord (workflow.store.port_inbound)
    inbound_messages: dict[int, Any] = field(default_factory=dict)  # id -> InboundMessageRecord
    inbound_files: dict[int, Any] = field(default_factory=dict)  # id -> InboundFileRecord
    report_documents: dict[int, Any] = field(default_factory=dict)  # id -> ReportDocumentRecord
    box_sessions: dict[int, Any] = field(default_factory=dict)  # id -> BoxSessionRecord (port_channels)
    disposition_updates: list[Any] = field(default_factory=list)  # DispositionUpdate
    report_versions: list[Any] = field(default_factory=list)  # ReportVersionRecord
    report_publications: dict[int, Any] = field(default_factory=dict)  # number -> PublicationRecord
    ids: dict[str, int] = field(default_factory=dict)

    def copy(self) -> "_Tables":
        return _Tables(**{name: (dict(value) if isinstance(value, dict) else list(value))
                          for name, value in self.__dict__.items()})

    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]


class MemoryTickets:
    def __init__(self, tables: _Tables, audit: "MemoryAuditLog"):
        self.t, self.audit = tables, audit

    def load(self, ticket_id: int) -> Ticket:
        found = self.t.tickets.get(ticket_id)
        if found is None:
            raise TicketNotFound(f"no ticket with id {ticket_id}")
        return found.copy()

    def id_by_receipt(self, receipt_no: str) -> int:
        for ticket in self.t.tickets.values():
            if ticket.receipt_no == receipt_no:
                return ticket.id
        raise TicketNotFound(f"no ticket with receipt number {receipt_no}")

    def save(self, change: Change) -> Ticket:
        t = change.ticket
        if change.expected_version is None:
            if any(other.receipt_no == t.receipt_no for other in self.t.tickets.values()):
                raise ConcurrentUpdate(f"receipt number {t.receipt_no} exists already")
            t.id = self.t.next_id("tickets")
        else:
            stored = self.t.tickets.get(t.id)
            if stored is None or stored.version != change.expected_version:
                raise ConcurrentUpdate(f"Pengaduan {t.receipt_no} sudah diubah orang lain sejak dibuka. "
                                       "Muat ulang lalu ulangi; tidak ada yang tersimpan.")
            t.version = change.expected_version + 1
        for run in t.clocks:
            if run.id is None:
                run.id = self.t.next_id("clocks")
            run.dirty = False
        self.t.tickets[t.id] = t.copy()
        self.audit.append([e if e.ticket_id is not None else replace(e, ticket_id=t.id) for e in change.audit])
        t.notices_written = []
        for notice in change.notices:
            t.notices_written.append(self.t.next_id("outbox"))
            self.t.outbox.append({"id": t.notices_written[-1], "ticket_id": t.id, "template": notice.template,
                                  "recipient": notice.recipient, "detail": dict(notice.detail), "status": "pending",
                                  "created_at": _utc(t.updated_at)})
        return t

    def lock(self, ticket_id: int) -> None:
        if ticket_id not in self.t.tickets:
            raise TicketNotFound(f"no ticket with id {ticket_id}")

    def set_flags(self, ticket_id: int, flags: list[str], expected_version: int) -> int:
        stored = self.t.tickets.get(ticket_id)
        if stored is None:
            raise TicketNotFound(f"no ticket with id {ticket_id}")
        if stored.version != expected_version:
            raise ConcurrentUpdate(f"Pengaduan {stored.receipt_no} sudah diubah orang lain; muat ulang lalu ulangi.")
        new = stored.copy()
        new.flags, new.version = list(flags), expected_version + 1
        self.t.tickets[ticket_id] = new
        return new.version

    def open_duplicates(self, no_registrasi: str | None, kategori: str | None, *,
                        exclude: int | None = None) -> list[TicketRef]:
        return [TicketRef(t.id, t.receipt_no, t.state, t.definition_key, t.definition_version, t.version)
                for t in sorted(self.t.tickets.values(), key=lambda t: t.id)
                if t.id != exclude and duplicates.repeats(no_registrasi, kategori, t.fields, t.closed_at)]

    def identity(self, ticket_id: int) -> dict[str, Any]:
        return dict(self.load(ticket_id).identity)

    def refs(self, *, ids: Iterable[int] = (), receipts: Iterable[str] = ()) -> list[TicketRef]:
        ids, receipts = set(ids), set(receipts)
        return self._refs(lambda t: t.id in ids or t.receipt_no in receipts)

    def open_on(self, key: str, *, not_version: int, version: int | None = None) -> list[TicketRef]:
        return self._refs(lambda t: t.definition_key == key and t.definition_version != not_version
                          and t.closed_at is None and version in (None, t.definition_version))

    def open_versions(self) -> list[tuple[str, int]]:
        return sorted({(t.definition_key, t.definition_version) for t in self.t.tickets.values()
                       if t.closed_at is None})

    def waiting_in(self, key: str, version: int, states: Iterable[str]) -> list[TicketRef]:
        states = set(states)
        return self._refs(lambda t: (t.definition_key, t.definition_version) == (key, version) and t.state in states)

    def _refs(self, keep) -> list[TicketRef]:
        return [TicketRef(t.id, t.receipt_no, t.state, t.definition_key, t.definition_version, t.version)
                for t in sorted(self.t.tickets.values(), key=lambda t: t.id) if keep(t)]


class MemoryDefinitions:
    def __init__(self, tables: _Tables):
        self.t = tables

    def source(self, key: str, version: int | None = None) -> tuple[str, int]:
        record = self.t.definitions.get((key, version)) if version is not None else self.latest(key)
        if record is None:
            what = f"{key} v{version}" if version is not None else key
            raise UnknownDefinition(f"no published definition {what}; publish it with "
                                    f"'alur definitions publish definitions/{key}.yaml'")
        return record.source, record.version

    def latest(self, key: str) -> DefinitionRecord | None:
        versions = [r for (k, _), r in self.t.definitions.items() if k == key]
        return max(versions, key=lambda r: r.version) if versions else None

    def add(self, record: DefinitionRecord) -> None:
        if (record.key, record.version) in self.t.definitions:
            raise ConcurrentUpdate(f"definition {record.key} v{record.version} was published by someone else "
                                   "just now; review it and publish again")
        self.t.definitions[(record.key, record.version)] = replace(record, published_at=_utc(record.published_at))

    def published(self) -> list[tuple[str, int]]:
        return sorted(self.t.definitions)


class MemoryReceipts:
    def __init__(self, tables: _Tables):
        self.t = tables

    def next(self, year: int) -> int:
        self.t.receipts[year] = self.t.receipts.get(year, 0) + 1
        return self.t.receipts[year]


class MemoryAuditLog:
    def __init__(self, tables: _Tables):
        self.t = tables

    def append(self, events: Iterable[AuditEvent]) -> None:
        for event in events:
            seq, prev = self.head()
            content = event.content(seq + 1)
            content["at"] = _utc(content["at"])
            digest, inputs, detail = seal(prev, content)
            self.t.audit.append(dict(content, prev_hash=prev, hash=digest, _inputs=inputs, _detail=detail))

    def head(self) -> tuple[int, str]:
        return (self.t.audit[-1]["seq"], self.t.audit[-1]["hash"]) if self.t.audit else (0, GENESIS)

    def hold(self) -> None:
        """Nothing to hold: the head is the last row, read for free."""

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        self.t.checkpoints.append(checkpoint)

    def checkpoints(self) -> list[Checkpoint]:
        return sorted(self.t.checkpoints, key=lambda cp: cp.seq)


class MemoryAttachments:
    def __init__(self, tables: _Tables):
        self.t = tables

    def add(self, ticket_id: int, records: Iterable[AttachmentRecord]) -> list[int]:
        ids = []
        for record in records:
            new = replace(record, id=self.t.next_id("attachments"), ticket_id=ticket_id,
                          created_at=_utc(record.created_at))
            self.t.attachments.append(new)
            ids.append(new.id)
        return ids

    def count(self, ticket_id: int) -> int:
        return sum(1 for a in self.t.attachments if a.ticket_id == ticket_id)

    def of(self, ticket_id: int) -> list[AttachmentRecord]:
        return [a for a in self.t.attachments if a.ticket_id == ticket_id]


class MemoryLinks:
    def __init__(self, tables: _Tables):
        self.t = tables

    def add(self, ticket_id: int, other_id: int, kind: str, created_by: str, created_at: datetime) -> bool:
        key = (ticket_id, other_id, kind)
        if any((r["ticket_id"], r["other_id"], r["kind"]) == key for r in self.t.links):
            return False
        self.t.links.append({"ticket_id": ticket_id, "other_id": other_id, "kind": kind, "created_by": created_by,
                             "created_at": _utc(created_at)})
        return True

    def of(self, ticket_id: int) -> list[tuple[str, str]]:
        return [(r["kind"], self.t.tickets[r["other_id"]].receipt_no) for r in self.t.links
                if r["ticket_id"] == ticket_id]


class MemoryClosures:
    def __init__(self, tables: _Tables):
        self.t = tables

    def all(self) -> list[ClosureRecord]:
        return [self.t.closures[day] for day in sorted(self.t.closures)]

    def stamp(self) -> tuple:
        return (len(self.t.closures), self.t.ids.get("closures", 0))

    def get(self, day) -> ClosureRecord | None:
        return self.t.closures.get(day)

    def put(self, record: ClosureRecord) -> None:
        self.t.next_id("closures")  # a replacement changes the stamp, as a new row id does in SQL
        self.t.closures[record.day] = replace(record, created_at=_utc(record.created_at))

    def delete(self, day) -> bool:
        return self.t.closures.pop(day, None) is not None


class MemoryClockRuns:
    def __init__(self, tables: _Tables):
        self.t = tables

    def running(self, *, after_id: int = 0, limit: int = 1000,
                window: tuple[datetime, datetime] | None = None) -> list[RunningClock]:
        def affected(run) -> bool:
            lo, hi = _utc(window[0]), _utc(window[1])
            return run.resumed_at < hi and any(at is not None and at >= lo for at in (run.due_at, run.next_rung_at))

        found = sorted(((run, t) for t in self.t.tickets.values() for run in t.clocks
                        if run.status == "running" and run.resumed_at is not None and run.id > after_id
                        and (window is None or affected(run))), key=lambda pair: pair[0].id)[:limit]
        return [RunningClock(run.copy(), t.id, t.receipt_no, t.definition_key, t.definition_version,
                             frozenset(r["rung"] for r in self.t.escalations if r["clock_run_id"] == run.id))
                for run, t in found]

    def reschedule(self, run, read) -> bool:
        for ticket in self.t.tickets.values():
            stored = next((c for c in ticket.clocks if c.id == read.id), None)
            if stored is None:
                continue
            if (stored.status, stored.resumed_at, stored.consumed, stored.next_rung) != \
                    ("running", read.resumed_at, read.consumed, read.next_rung):
                return False
            new = ticket.copy()
            moved = next(c for c in new.clocks if c.id == read.id)
            moved.due_at, moved.next_rung, moved.next_rung_at = run.due_at, run.next_rung, run.next_rung_at
            moved.at_risk_at, moved.calendar = run.at_risk_at, run.calendar
            self.t.tickets[ticket.id] = new
            return True
        return False


class MemoryRootCauses:
    def __init__(self, tables: _Tables):
        self.t = tables

    def add(self, record: RootCauseRecord) -> int | None:
        if any(r.code == record.code for r in self.t.root_causes.values()):
            return None
        new_id = self.t.next_id("root_causes")
        self.t.root_causes[new_id] = replace(record, id=new_id, created_at=_utc(record.created_at))
        return new_id

    def get(self, key: int | str) -> RootCauseRecord | None:
        if isinstance(key, int):
            return self.t.root_causes.get(key)
        return next((r for r in self.t.root_causes.values() if r.code == key), None)

    def link(self, root_cause_id: int, ticket_ids: Iterable[int], linked_by: str, linked_at: datetime) -> int:
        new = [(root_cause_id, i) for i in dict.fromkeys(ticket_ids)
               if (root_cause_id, i) not in self.t.root_cause_links]
        self.t.root_cause_links.extend(new)
        return len(new)

    def unlink(self, root_cause_id: int, ticket_id: int) -> bool:
        if (root_cause_id, ticket_id) not in self.t.root_cause_links:
            return False
        self.t.root_cause_links.remove((root_cause_id, ticket_id))
        return True

    def add_plan(self, record: ActionPlanRecord) -> int:
        new_id = self.t.next_id("action_plans")
        self.t.action_plans[new_id] = replace(record, id=new_id, created_at=_utc(record.created_at))
        return new_id

    def set_plan_status(self, plan_id: int, status: str) -> bool:
        if plan_id not in self.t.action_plans:
            return False
        self.t.action_plans[plan_id] = replace(self.t.action_plans[plan_id], status=status)
        return True


class MemoryUnitOfWork:
    """One transaction on a private copy of the tables; `commit` makes the copy the store's state."""

    def __init__(self, store: "MemoryStore"):
        self._store = store
        self._generation = store._generation
        self.tables = tables = store._tables.copy()
        self.audit = MemoryAuditLog(tables)
        self.tickets = MemoryTickets(tables, self.audit)
        self.definitions = MemoryDefinitions(tables)
        self.receipts = MemoryReceipts(tables)
        self.escalations = MemoryEscalations(tables, self.audit)
        self.attachments = MemoryAttachments(tables)
        self.links = MemoryLinks(tables)
        self.closures = MemoryClosures(tables)
        self.clock_runs = MemoryClockRuns(tables)
        self.root_causes = MemoryRootCauses(tables)
        self.users = MemoryUsers(tables)
        self.api_keys = MemoryApiKeys(tables)
        self.idempotency = MemoryIdempotency(tables)
        self.office, self.agencies = MemoryOffice(tables), MemoryAgencies(tables)
        self.inbound = MemoryInbound(tables)
        self.report_documents = MemoryReportDocuments(tables)
        self.box_sessions, self.dispositions = MemoryBoxSessions(tables), MemoryDispositions(tables)
        self.outbox, self.deliveries, self.inbox = MemoryOutbox(tables), MemoryDeliveries(tables), MemoryInbox(tables)
        self.committed = False

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        saved = self.tables.copy()
        try:
            yield
        except BaseException:
            self.tables.__dict__.update(saved.__dict__)
            raise

    read_only = False

    def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit; open it with unit_of_work()")
        if self._store._generation != self._generation:  # a unit of work nested in this one committed
            raise ConcurrentUpdate("the store changed during this unit of work; nothing was saved, try again")
        self._store._tables = self.tables.copy()
        self._store._generation += 1
        self._generation = self._store._generation
        self.committed = True

    def rollback(self) -> None:
        self.tables.__dict__.update(self._store._tables.copy().__dict__)


class MemoryStore:
    """The store in memory. Thread-safe: units of work take turns."""

    dialect = "memory"

    def __init__(self):
        self._tables = _Tables()
        self._generation = 0
        self._lock = threading.RLock()

    @contextmanager
    def unit_of_work(self, *, read_only: bool = False) -> Iterator[MemoryUnitOfWork]:
        with self._lock:
            uow = MemoryUnitOfWork(self)
            uow.read_only = read_only
            yield uow

    # -- what the SQL store also offers for reading the trail -------------------------------------
    def audit_rows(self, *, batch: int = 5000, **filters) -> Iterator[dict[str, Any]]:
        import json

        for row in list(self._tables.audit):
            if all(value is None or row.get(name) == value for name, value in filters.items()):
                out = {k: v for k, v in row.items() if not k.startswith("_")}
                out["inputs"], out["detail"] = json.loads(row["_inputs"]), json.loads(row["_detail"])
                yield out

    def audit_stored(self, upto: int) -> Iterator[tuple]:
        for row in list(self._tables.audit):
            if row["seq"] <= upto:
                yield tuple(row["_" + name] if name in ("inputs", "detail") else row[name] for name in STORED_COLUMNS)

    def audit_head(self) -> tuple[int, str]:
        audit = self._tables.audit
        return (audit[-1]["seq"], audit[-1]["hash"]) if audit else (0, GENESIS)

    def audit_count(self) -> int:
        return len(self._tables.audit)

    def outbox(self) -> list[dict[str, Any]]:
        """The notices written so far (what delivery would pick up), oldest first."""
        return [dict(row) for row in self._tables.outbox]

    def escalations(self) -> list[dict[str, Any]]:
        """The rungs recorded so far, oldest first (as rows of the SQL ``escalations`` table)."""
        return [dict(row) for row in self._tables.escalations]


__all__ = ["MemoryStore", "MemoryUnitOfWork"]
