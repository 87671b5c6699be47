"""Inbound drafts, messages and files in memory: the twin of `workflow.store.sql.inbound`, kept to the same
contract (``tests/store/test_port_inbound.py``). Records are frozen and replaced, never changed in place,
so discarding the unit of work's copy of the tables is the rollback."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Iterable

from workflow.errors import ConcurrentUpdate
from workflow.store.port_inbound import DISCARDED, DRAFT, DraftRecord, InboundFileRecord, InboundMessageRecord


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class MemoryInbound:
    def __init__(self, tables):
        self.t = tables

    def find(self, source: str, external_id: str) -> InboundMessageRecord | None:
        return next((r for r in self.t.inbound_messages.values()
                     if r.source == source and r.external_id == external_id), None)

    def last_uid(self, source: str, uidvalidity: int) -> int:
        return max((r.uid or 0 for r in self.t.inbound_messages.values()
                    if r.source == source and r.uidvalidity == uidvalidity), default=0)

    def add_message(self, record: InboundMessageRecord) -> int:
        for r in self.t.inbound_messages.values():
            if r.source == record.source and (r.external_id == record.external_id or (
                    record.uid is not None and (r.uidvalidity, r.uid) == (record.uidvalidity, record.uid))):
                raise ConcurrentUpdate(f"message {record.external_id} of {record.source} is recorded already")
        new_id = self.t.next_id("inbound_messages")
        self.t.inbound_messages[new_id] = replace(record, id=new_id, received_at=_utc(record.received_at),
                                                  created_at=_utc(record.created_at), refused=tuple(record.refused),
                                                  notes=tuple(record.notes))
        return new_id

    def add_files(self, records: Iterable[InboundFileRecord]) -> list[int]:
        ids = []
        for r in records:
            new_id = self.t.next_id("inbound_files")
            self.t.inbound_files[new_id] = replace(r, id=new_id, created_at=_utc(r.created_at))
            ids.append(new_id)
        return ids

    def add_draft(self, record: DraftRecord) -> int:
        new_id = self.t.next_id("inbound_drafts")
        self.t.inbound_drafts[new_id] = replace(record, id=new_id, received_at=_utc(record.received_at),
                                                created_at=_utc(record.created_at),
                                                updated_at=_utc(record.updated_at or record.created_at))
        return new_id

    def draft(self, draft_id: int) -> DraftRecord | None:
        return self.t.inbound_drafts.get(draft_id)

    def draft_of_ticket(self, ticket_id: int) -> DraftRecord | None:
        return next((r for _, r in sorted(self.t.inbound_drafts.items()) if r.ticket_id == ticket_id), None)

    def drafts(self, status: str = DRAFT, limit: int = 200) -> list[DraftRecord]:
        found = [r for r in self.t.inbound_drafts.values() if r.status == status]
        return sorted(found, key=lambda r: (r.received_at, r.id))[:limit]

    def messages(self, *, draft_id: int | None = None, ticket_id: int | None = None) -> list[InboundMessageRecord]:
        if draft_id is None and ticket_id is None:
            return []
        found = [r for r in self.t.inbound_messages.values()
                 if (draft_id is not None and r.draft_id == draft_id)
                 or (ticket_id is not None and r.ticket_id == ticket_id)]
        return sorted(found, key=lambda r: (r.received_at, r.id))

    def files(self, message_ids: Iterable[int]) -> list[InboundFileRecord]:
        ids = set(message_ids)
        return [r for _, r in sorted(self.t.inbound_files.items()) if r.message_id in ids]

    def thread_of(self, external_ids: Iterable[str]) -> InboundMessageRecord | None:
        ids = set(external_ids)
        found = [r for r in self.t.inbound_messages.values()
                 if r.external_id in ids and (r.draft_id is not None or r.ticket_id is not None)]
        return max(found, key=lambda r: r.id, default=None)

    def latest_draft(self, channel: str, contact: str) -> DraftRecord | None:
        found = [r for r in self.t.inbound_drafts.values()
                 if r.channel == channel and r.contact == contact and r.status != DISCARDED]
        return max(found, key=lambda r: r.id, default=None)

    def link(self, draft_id: int, ticket_id: int) -> int:
        found = [k for k, r in self.t.inbound_messages.items() if r.draft_id == draft_id]
        for k in found:
            self.t.inbound_messages[k] = replace(self.t.inbound_messages[k], ticket_id=ticket_id)
        return len(found)

    def touch(self, draft_id: int, at: datetime) -> None:
        found = self.t.inbound_drafts.get(draft_id)
        if found is not None:
            self.t.inbound_drafts[draft_id] = replace(found, updated_at=_utc(at))

    def close(self, draft_id: int, status: str, *, by: str, at: datetime, note: str = "",
              ticket_id: int | None = None, receipt_no: str | None = None) -> bool:
        found = self.t.inbound_drafts.get(draft_id)
        if found is None or found.status != DRAFT:
            return False
        self.t.inbound_drafts[draft_id] = replace(found, status=status, closed_by=by, closed_at=_utc(at),
                                                  updated_at=_utc(at), note=note, ticket_id=ticket_id,
                                                  receipt_no=receipt_no)
        return True


__all__ = ["MemoryInbound"]
