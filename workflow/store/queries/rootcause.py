"""The report page's lists of root causes (with how many complaints each explains) and action plans.

Changes go through `workflow.services.rootcause`; these only read.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from workflow.store.db import read_only
from workflow.store.models_reports import action_plans, root_causes, ticket_root_causes
from workflow.store.port import ActionPlanRecord, RootCauseRecord
from workflow.store.sql.rows import utc


@dataclass(frozen=True)
class RootCause(RootCauseRecord):
    """A stored root cause and how many complaints are linked to it."""

    complaints: int = 0


@dataclass(frozen=True)
class ActionPlan(ActionPlanRecord):
    """A stored action plan with its root cause's code."""

    root_cause_code: str = ""


def list_root_causes(store) -> list[RootCause]:
    """Every root cause by code, with how many complaints are linked to it (all periods)."""
    n = func.count(ticket_root_causes.c.id)
    q = (select(root_causes, n.label("complaints"))
         .select_from(root_causes.outerjoin(ticket_root_causes, ticket_root_causes.c.root_cause_id == root_causes.c.id))
         .group_by(*root_causes.c).order_by(root_causes.c.code))
    with read_only(store.engine) as conn:
        return [RootCause(r.code, r.title, r.description, r.created_by, utc(r.created_at), r.id,
                          complaints=int(r.complaints)) for r in conn.execute(q).all()]


def list_action_plans(store, period_key: str | None = None) -> list[ActionPlan]:
    """Action plans, newest period first, then by root cause code; only ``period_key``'s (a canonical
    key such as ``2026-Q1``, `workflow.core.period.Period.key`) when given."""
    q = (select(action_plans, root_causes.c.code.label("root_cause_code"))
         .select_from(action_plans.join(root_causes, root_causes.c.id == action_plans.c.root_cause_id))
         .order_by(action_plans.c.period.desc(), root_causes.c.code, action_plans.c.id))
    if period_key:
        q = q.where(action_plans.c.period == period_key)
    with read_only(store.engine) as conn:
        return [ActionPlan(r.root_cause_id, r.period, r.title, r.owner, r.due_date, r.status, r.created_by,
                           utc(r.created_at), r.id, root_cause_code=r.root_cause_code) for r in conn.execute(q).all()]


__all__ = ["RootCause", "ActionPlan", "list_root_causes", "list_action_plans"]
