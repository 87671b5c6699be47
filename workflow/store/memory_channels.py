"""Complaint box sessions and disposition updates in memory: the twins of `workflow.store.sql.channels`,
kept to the same contract (``tests/store/test_port_channels.py``). They work on the unit of work's copy of
the tables (`workflow.store.memory`); records are replaced, never changed in place."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from workflow.store.port_channels import BoxSessionRecord, DispositionUpdate


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class MemoryBoxSessions:
    def __init__(self, tables):
        self.t = tables

    def add(self, record: BoxSessionRecord) -> int | None:
        if any((s.definition_key, s.channel, s.opened_on) == (record.definition_key, record.channel, record.opened_on)
               for s in self.t.box_sessions.values()):
            return None
        new_id = self.t.next_id("box_sessions")
        self.t.box_sessions[new_id] = replace(record, id=new_id, opened_at=_utc(record.opened_at))
        return new_id

    def get(self, session_id: int) -> BoxSessionRecord | None:
        return self.t.box_sessions.get(session_id)

    def recent(self, limit: int = 50) -> list[BoxSessionRecord]:
        return sorted(self.t.box_sessions.values(), key=lambda s: (s.opened_on, s.id), reverse=True)[:limit]

    def close(self, session_id: int, forms_found: int, note: str, closed_by: str, closed_at: datetime) -> bool:
        found = self.t.box_sessions.get(session_id)
        if found is None or found.closed_at is not None:
            return False
        self.t.box_sessions[session_id] = replace(found, forms_found=forms_found, note=note, closed_by=closed_by,
                                                  closed_at=_utc(closed_at))
        return True

    def recorded(self, session: BoxSessionRecord, field: str) -> list[tuple[int, str]]:
        day = session.opened_on.isoformat()
        return sorted((t.id, t.receipt_no) for t in self.t.tickets.values()
                      if t.definition_key == session.definition_key and t.fields.get("kanal") == session.channel
                      and str(t.fields.get(field) or "") == day)


class MemoryDispositions:
    def __init__(self, tables):
        self.t = tables

    def updates(self, ticket_id: int) -> list[DispositionUpdate]:
        return [u for u in self.t.disposition_updates if u.ticket_id == ticket_id]

    def updates_for(self, ticket_ids: list[int]) -> dict[int, list[DispositionUpdate]]:
        wanted, found = set(ticket_ids), {}
        for u in self.t.disposition_updates:
            if u.ticket_id in wanted:
                found.setdefault(u.ticket_id, []).append(u)
        return found

    def add(self, item: DispositionUpdate) -> bool:
        if any((u.ticket_id, u.obligation) == (item.ticket_id, item.obligation) for u in self.t.disposition_updates):
            return False
        self.t.disposition_updates.append(replace(item, done_at=_utc(item.done_at)))
        return True


__all__ = ["MemoryBoxSessions", "MemoryDispositions"]
