"""Root causes, their links to complaints and the action plans against them, in SQL (the write side;
the lists the report page shows are read models in `workflow.store.queries.rootcause`)."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from workflow.store.models_reports import action_plans, root_causes, ticket_root_causes
from workflow.store.port import ActionPlanRecord, RootCauseRecord
from workflow.store.sql.records import upsert
from workflow.store.sql.rows import utc


class SqlRootCauses:
    """The port's `RootCauseRepository` on one connection."""

    def __init__(self, conn):
        self.conn = conn

    def add(self, record: RootCauseRecord) -> int | None:
        try:
            # a savepoint: a taken code must not abort the whole transaction (PostgreSQL)
            with self.conn.begin_nested():
                return int(self.conn.execute(insert(root_causes).values(
                    code=record.code, title=record.title, description=record.description,
                    created_by=record.created_by, created_at=utc(record.created_at),
                ).returning(root_causes.c.id)).scalar_one())
        except IntegrityError:  # the unique code
            return None

    def get(self, key: int | str) -> RootCauseRecord | None:
        rc = root_causes.c
        row = self.conn.execute(select(root_causes).where((rc.id if isinstance(key, int) else rc.code) == key)).first()
        if row is None:
            return None
        return RootCauseRecord(row.code, row.title, row.description, row.created_by, utc(row.created_at), row.id)

    def link(self, root_cause_id: int, ticket_ids: Iterable[int], linked_by: str, linked_at: datetime) -> int:
        values = [{"ticket_id": i, "root_cause_id": root_cause_id, "linked_by": linked_by, "linked_at": utc(linked_at)}
                  for i in ticket_ids]
        if not values:
            return 0
        stmt = upsert(self.conn)(ticket_root_causes).values(values) \
            .on_conflict_do_nothing(index_elements=["ticket_id", "root_cause_id"])
        # RETURNING lists only the rows inserted (rowcount of a multi-row INSERT is not reliable on every driver)
        return len(self.conn.execute(stmt.returning(ticket_root_causes.c.id)).all())

    def unlink(self, root_cause_id: int, ticket_id: int) -> bool:
        t = ticket_root_causes.c
        return self.conn.execute(delete(ticket_root_causes).where(t.root_cause_id == root_cause_id,
                                                                   t.ticket_id == ticket_id)).rowcount > 0

    def add_plan(self, record: ActionPlanRecord) -> int:
        return int(self.conn.execute(insert(action_plans).values(
            root_cause_id=record.root_cause_id, period=record.period, title=record.title, owner=record.owner,
            due_date=record.due_date, status=record.status, created_by=record.created_by,
            created_at=utc(record.created_at),
        ).returning(action_plans.c.id)).scalar_one())

    def set_plan_status(self, plan_id: int, status: str) -> bool:
        return self.conn.execute(update(action_plans).where(action_plans.c.id == plan_id)
                                 .values(status=status)).rowcount > 0


__all__ = ["SqlRootCauses"]
