"""The smaller repositories of the SQL store: definitions, receipt counters, evidence rows and ticket
links (the office's calendar edits are in `workflow.store.sql.calendar`)."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import and_, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from workflow.errors import ConcurrentUpdate, UnknownDefinition
from workflow.store import models as m
from workflow.store import models_intake as mi
from workflow.store.port import AttachmentRecord, DefinitionRecord
from workflow.store.sql.rows import utc


def upsert(conn):
    """The dialect's INSERT with ON CONFLICT support."""
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


class SqlDefinitions:
    def __init__(self, conn):
        self.conn = conn

    def source(self, key: str, version: int | None = None) -> tuple[str, int]:
        d = m.definitions.c
        q = select(d.source, d.version).where(d.key == key)
        q = q.where(d.version == version) if version is not None else q.order_by(d.version.desc()).limit(1)
        row = self.conn.execute(q).first()
        if row is None:
            what = f"{key} v{version}" if version is not None else key
            raise UnknownDefinition(f"no published definition {what}; publish it with "
                                    f"'alur definitions publish definitions/{key}.yaml'")
        return row.source, row.version

    def latest(self, key: str) -> DefinitionRecord | None:
        d = m.definitions.c
        row = self.conn.execute(select(d.key, d.version, d.title, d.source, d.source_hash, d.published_at,
                                       d.published_by, d.note).where(d.key == key)
                                .order_by(d.version.desc()).limit(1)).first()
        if row is None:
            return None
        return DefinitionRecord(row.key, row.version, row.title, row.source, row.source_hash, utc(row.published_at),
                                row.published_by, row.note or "")

    def add(self, record: DefinitionRecord) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(m.definitions).values(
                    key=record.key, version=record.version, title=record.title, source=record.source,
                    source_hash=record.source_hash, published_at=utc(record.published_at),
                    published_by=record.published_by, note=record.note))
        except IntegrityError as exc:  # the unique (key, version): someone published at the same time
            raise ConcurrentUpdate(f"definition {record.key} v{record.version} was published by someone else "
                                   "just now; review it and publish again") from exc

    def published(self) -> list[tuple[str, int]]:
        d = m.definitions.c
        return [(k, v) for k, v in self.conn.execute(select(d.key, d.version).order_by(d.key, d.version)).all()]


# Built once per dialect: building a statement costs more than running it (benchmarks/bench_fire.py).
_NEXT_RECEIPT = {
    name: insert_(m.receipt_counters).values(year=bindparam("b_year"), last=1)
    .on_conflict_do_update(index_elements=[m.receipt_counters.c.year], set_={"last": m.receipt_counters.c.last + 1})
    .returning(m.receipt_counters.c.last)
    for name, insert_ in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


class SqlReceipts:
    def __init__(self, conn):
        self.conn = conn

    def next(self, year: int) -> int:
        stmt = _NEXT_RECEIPT[self.conn.dialect.name]
        return int(self.conn.execute(stmt, {"b_year": year}).scalar_one())


class SqlAttachments:
    def __init__(self, conn):
        self.conn = conn

    def add(self, ticket_id: int, records: Iterable[AttachmentRecord]) -> list[int]:
        ids = []
        for r in records:
            ids.append(self.conn.execute(insert(mi.attachments).values(
                ticket_id=ticket_id, sha256=r.sha256, filename=r.filename, content_type=r.content_type,
                size=r.size, stored_path=r.stored_path, created_at=utc(r.created_at),
            ).returning(mi.attachments.c.id)).scalar_one())
        return ids

    def count(self, ticket_id: int) -> int:
        return int(self.conn.execute(select(func.count()).select_from(mi.attachments)
                                     .where(mi.attachments.c.ticket_id == ticket_id)).scalar_one())

    def of(self, ticket_id: int) -> list[AttachmentRecord]:
        a = mi.attachments.c
        rows = self.conn.execute(select(a.sha256, a.filename, a.content_type, a.size, a.stored_path, a.created_at,
                                        a.id, a.ticket_id).where(a.ticket_id == ticket_id).order_by(a.id)).all()
        return [AttachmentRecord(r.sha256, r.filename, r.content_type, r.size, r.stored_path, utc(r.created_at),
                                 r.id, r.ticket_id) for r in rows]


class SqlLinks:
    def __init__(self, conn):
        self.conn = conn

    def add(self, ticket_id: int, other_id: int, kind: str, created_by: str, created_at: datetime) -> bool:
        links = mi.ticket_links.c
        exists = self.conn.execute(select(links.id).where(and_(
            links.ticket_id == ticket_id, links.other_id == other_id, links.kind == kind))).first()
        if exists is not None:
            return False
        self.conn.execute(insert(mi.ticket_links).values(ticket_id=ticket_id, other_id=other_id, kind=kind,
                                                         created_by=created_by, created_at=utc(created_at)))
        return True

    def of(self, ticket_id: int) -> list[tuple[str, str]]:
        links = mi.ticket_links
        rows = self.conn.execute(select(links.c.kind, m.tickets.c.receipt_no)
                                 .join(m.tickets, m.tickets.c.id == links.c.other_id)
                                 .where(links.c.ticket_id == ticket_id).order_by(links.c.id)).all()
        return [(r.kind, r.receipt_no) for r in rows]


__all__ = ["SqlDefinitions", "SqlReceipts", "SqlAttachments", "SqlLinks", "upsert"]
