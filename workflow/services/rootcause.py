"""Root causes and action plans, as records a supervisor keeps between reports.

The office's report ends with "root causes" and an "action plan for the next period" written as
prose, so nobody can tell next quarter whether the plan worked. Here a supervisor names a root cause
once (``SIPEKA_MAINTENANCE``: "Gangguan / maintenance server SIPEKA"), links complaints to it, and
writes action plans against it for a period, each with an owner and a due date. The report of the
following period counts that period's complaints linked to the same root cause: if they came back,
the plan did not work.

Every change is written with an audit row (kind ``system``, ``detail.action`` says which) in the same
transaction, so the record of who decided what the cause was is as trustworthy as the tickets' own.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import Enum
from typing import Iterable

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from workflow.core.audit import AuditEvent
from workflow.errors import AlurError, InvalidInput, TicketNotFound
from workflow.reports.period import parse_period
from workflow.store import models as m
from workflow.store.models_reports import action_plans, root_causes, ticket_root_causes
from workflow.store.sql import SqlUnitOfWork, utc

logger = logging.getLogger(__name__)

CODE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


class PlanStatus(str, Enum):
    DIRENCANAKAN = "direncanakan"
    BERJALAN = "berjalan"
    SELESAI = "selesai"
    BATAL = "batal"


@dataclass(frozen=True)
class RootCause:
    id: int
    code: str
    title: str
    description: str
    created_by: str
    created_at: datetime
    complaints: int = 0


@dataclass(frozen=True)
class ActionPlan:
    id: int
    root_cause_id: int
    root_cause_code: str
    period: str
    title: str
    owner: str
    due_date: date | None
    status: str
    created_by: str
    created_at: datetime


class RootCauseNotFound(AlurError):
    """No root cause / action plan with that id or code."""


def _now(now: datetime | None) -> datetime:
    return utc(now) if now is not None else datetime.now(timezone.utc)


def _audit(conn, actor_id: str, now: datetime, action: str, **detail) -> None:
    SqlUnitOfWork(conn).audit.append([AuditEvent(kind="system", at=now, actor_id=actor_id, actor_role="supervisor",
                                                 detail={"action": action, **detail})])


def create_root_cause(db: Engine, *, code: str, title: str, description: str = "", actor_id: str,
                      now: datetime | None = None) -> int:
    """A new root cause; its code is a short stable key (letters, digits, _ and -)."""
    code, title = code.strip(), title.strip()
    errors = {}
    if not CODE.match(code):
        errors["code"] = "gunakan huruf, angka, _ atau - (maks. 64), mis. SIPEKA_MAINTENANCE"
    if not title:
        errors["title"] = "wajib diisi"
    if errors:
        raise InvalidInput(errors)
    now = _now(now)
    with db.connect() as conn:
        conn.begin()
        try:
            new_id = conn.execute(insert(root_causes).values(code=code, title=title, description=description.strip(),
                                                             created_by=actor_id, created_at=now)
                                  .returning(root_causes.c.id)).scalar_one()
        except IntegrityError as exc:
            conn.rollback()
            raise InvalidInput({"code": f"kode {code} sudah dipakai; pilih kode lain"}) from exc
        _audit(conn, actor_id, now, "root_cause.create", root_cause=code, title=title)
        conn.commit()
    return int(new_id)


def list_root_causes(db: Engine) -> list[RootCause]:
    """Every root cause, with how many complaints are linked to it (all periods)."""
    n = func.count(ticket_root_causes.c.id)
    q = (select(root_causes, n.label("complaints"))
         .select_from(root_causes.outerjoin(ticket_root_causes, ticket_root_causes.c.root_cause_id == root_causes.c.id))
         .group_by(*root_causes.c).order_by(root_causes.c.code))
    with db.connect() as conn:
        return [RootCause(r.id, r.code, r.title, r.description, r.created_by, utc(r.created_at), int(r.complaints))
                for r in conn.execute(q).all()]


def get_root_cause(db: Engine, key: int | str) -> RootCause:
    col = root_causes.c.id if isinstance(key, int) else root_causes.c.code
    with db.connect() as conn:
        r = conn.execute(select(root_causes).where(col == key)).first()
    if r is None:
        raise RootCauseNotFound(f"akar masalah {key} tidak ada; lihat daftar akar masalah")
    return RootCause(r.id, r.code, r.title, r.description, r.created_by, utc(r.created_at))


def _ticket_ids(conn, tickets: Iterable[int | str]) -> list[int]:
    ids, receipts = [], []
    for item in tickets:
        if isinstance(item, int) or str(item).isdigit():
            ids.append(int(item))
        elif str(item).strip():
            receipts.append(str(item).strip())
    found = {}
    if receipts:
        found = dict(conn.execute(select(m.tickets.c.receipt_no, m.tickets.c.id)
                                  .where(m.tickets.c.receipt_no.in_(receipts))).all())
        missing = [x for x in receipts if x not in found]
        if missing:
            raise TicketNotFound(f"nomor pengaduan tidak ditemukan: {', '.join(missing)}")
    if ids:
        known = set(conn.execute(select(m.tickets.c.id).where(m.tickets.c.id.in_(ids))).scalars())
        missing_ids = [str(x) for x in ids if x not in known]
        if missing_ids:
            raise TicketNotFound(f"pengaduan dengan id {', '.join(missing_ids)} tidak ada")
    return sorted(set(ids) | set(found.values()))


def link_complaints(db: Engine, root_cause_id: int, tickets: Iterable[int | str], *, actor_id: str,
                    now: datetime | None = None) -> int:
    """Link complaints (ids or receipt numbers) to a root cause; returns how many links are new.

    Linking twice is harmless (the pair is unique); a complaint may have several root causes."""
    now = _now(now)
    with db.connect() as conn:
        conn.begin()
        if conn.execute(select(root_causes.c.id).where(root_causes.c.id == root_cause_id)).first() is None:
            raise RootCauseNotFound(f"akar masalah {root_cause_id} tidak ada")
        ids = _ticket_ids(conn, tickets)
        if not ids:
            return 0
        ins = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(ticket_root_causes)
        stmt = ins.values([{"ticket_id": i, "root_cause_id": root_cause_id, "linked_by": actor_id, "linked_at": now}
                           for i in ids]).on_conflict_do_nothing(index_elements=["ticket_id", "root_cause_id"])
        # RETURNING lists only the rows inserted (rowcount of a multi-row INSERT is not reliable on every driver)
        added = len(conn.execute(stmt.returning(ticket_root_causes.c.id)).all())
        if added:
            _audit(conn, actor_id, now, "root_cause.link", root_cause_id=root_cause_id, tickets=ids)
        conn.commit()
    return int(added)


def unlink_complaint(db: Engine, root_cause_id: int, ticket_id: int, *, actor_id: str,
                     now: datetime | None = None) -> bool:
    now = _now(now)
    with db.connect() as conn:
        conn.begin()
        gone = conn.execute(delete(ticket_root_causes).where(ticket_root_causes.c.root_cause_id == root_cause_id,
                                                             ticket_root_causes.c.ticket_id == ticket_id)).rowcount
        if gone:
            _audit(conn, actor_id, now, "root_cause.unlink", root_cause_id=root_cause_id, ticket_id=ticket_id)
        conn.commit()
    return bool(gone)


def add_action_plan(db: Engine, *, root_cause_id: int, period: str, title: str, owner: str,
                    due_date: date | None, actor_id: str, now: datetime | None = None,
                    status: PlanStatus | str = PlanStatus.DIRENCANAKAN) -> int:
    """An action plan against a root cause for a period (stored under the period's canonical key)."""
    errors = {}
    try:
        key = parse_period(period).key
    except ValueError as exc:
        errors["period"] = str(exc)
        key = ""
    if not title.strip():
        errors["title"] = "wajib diisi"
    if not owner.strip():
        errors["owner"] = "wajib diisi: siapa penanggung jawabnya"
    try:
        status = PlanStatus(status).value
    except ValueError:
        errors["status"] = f"gunakan salah satu: {', '.join(s.value for s in PlanStatus)}"
    if errors:
        raise InvalidInput(errors)
    now = _now(now)
    with db.connect() as conn:
        conn.begin()
        if conn.execute(select(root_causes.c.id).where(root_causes.c.id == root_cause_id)).first() is None:
            raise RootCauseNotFound(f"akar masalah {root_cause_id} tidak ada")
        new_id = conn.execute(insert(action_plans).values(
            root_cause_id=root_cause_id, period=key, title=title.strip(), owner=owner.strip(), due_date=due_date,
            status=status, created_by=actor_id, created_at=now).returning(action_plans.c.id)).scalar_one()
        _audit(conn, actor_id, now, "action_plan.create", action_plan_id=int(new_id), root_cause_id=root_cause_id,
               period=key, owner=owner.strip(), due_date=due_date)
        conn.commit()
    return int(new_id)


def set_plan_status(db: Engine, plan_id: int, status: PlanStatus | str, *, actor_id: str,
                    now: datetime | None = None) -> None:
    try:
        value = PlanStatus(status).value
    except ValueError as exc:
        raise InvalidInput({"status": f"gunakan salah satu: {', '.join(s.value for s in PlanStatus)}"}) from exc
    now = _now(now)
    with db.connect() as conn:
        conn.begin()
        if not conn.execute(update(action_plans).where(action_plans.c.id == plan_id).values(status=value)).rowcount:
            raise RootCauseNotFound(f"rencana tindak lanjut {plan_id} tidak ada")
        _audit(conn, actor_id, now, "action_plan.status", action_plan_id=plan_id, status=value)
        conn.commit()


def list_action_plans(db: Engine, period: str | None = None) -> list[ActionPlan]:
    q = (select(action_plans, root_causes.c.code.label("root_cause_code"))
         .select_from(action_plans.join(root_causes, root_causes.c.id == action_plans.c.root_cause_id))
         .order_by(action_plans.c.period.desc(), root_causes.c.code, action_plans.c.id))
    if period:
        q = q.where(action_plans.c.period == parse_period(period).key)
    with db.connect() as conn:
        return [ActionPlan(r.id, r.root_cause_id, r.root_cause_code, r.period, r.title, r.owner, r.due_date, r.status,
                           r.created_by, utc(r.created_at)) for r in conn.execute(q).all()]


__all__ = ["PlanStatus", "RootCause", "ActionPlan", "RootCauseNotFound", "create_root_cause", "list_root_causes",
           "get_root_cause", "link_complaints", "unlink_complaint", "add_action_plan", "set_plan_status",
           "list_action_plans"]
