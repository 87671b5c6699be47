"""Root causes and action plans, as records a supervisor keeps between reports.

The office's report ends with "root causes" and an "action plan for the next period" written as
prose, so nobody can tell next quarter whether the plan worked. Here a supervisor names a root cause
once (``SIPEKA_MAINTENANCE``: "Gangguan / maintenance server SIPEKA"), links complaints to it, and
writes action plans against it for a period, each with an owner and a due date. The report of the
following period counts that period's complaints linked to the same root cause: if they came back,
the plan did not work.

Every change is written with an audit row (kind ``system``, ``detail.action`` says which) in the same
unit of work, so the record of who decided what the cause was is as trustworthy as the tickets' own.
The lists the report page shows are read models (`workflow.store.queries.rootcause`).
"""
from __future__ import annotations

import logging
import re
from datetime import date, datetime, timezone
from enum import Enum
from typing import Iterable

from workflow.core.audit import AuditEvent
from workflow.core.period import parse_period
from workflow.errors import InvalidInput, RootCauseNotFound, TicketNotFound
from workflow.store.port import ActionPlanRecord, RootCauseRecord, Store, UnitOfWork

logger = logging.getLogger(__name__)

CODE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


class PlanStatus(str, Enum):
    DIRENCANAKAN = "direncanakan"
    BERJALAN = "berjalan"
    SELESAI = "selesai"
    BATAL = "batal"


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(timezone.utc)  # the store keeps it in UTC


def _audit(uow: UnitOfWork, actor_id: str, now: datetime, action: str, **detail) -> None:
    uow.audit.append([AuditEvent(kind="system", at=now, actor_id=actor_id, actor_role="supervisor",
                                 detail={"action": action, **detail})])


def _statuses() -> str:
    return f"gunakan salah satu: {', '.join(s.value for s in PlanStatus)}"


def _require_root_cause(uow: UnitOfWork, root_cause_id: int) -> None:
    if uow.root_causes.get(root_cause_id) is None:
        raise RootCauseNotFound(f"akar masalah {root_cause_id} tidak ada")


def create_root_cause(store: Store, *, code: str, title: str, description: str = "", actor_id: str,
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
    with store.unit_of_work() as uow:
        new_id = uow.root_causes.add(RootCauseRecord(code, title, description.strip(), actor_id, now))
        if new_id is None:
            raise InvalidInput({"code": f"kode {code} sudah dipakai; pilih kode lain"})
        _audit(uow, actor_id, now, "root_cause.create", root_cause=code, title=title)
        uow.commit()
    return new_id


def get_root_cause(store: Store, key: int | str) -> RootCauseRecord:
    """The root cause with that id (an int) or code (a str); `RootCauseNotFound` if there is none."""
    with store.unit_of_work(read_only=True) as uow:
        found = uow.root_causes.get(key)
    if found is None:
        raise RootCauseNotFound(f"akar masalah {key} tidak ada; lihat daftar akar masalah")
    return found


def _ticket_ids(uow: UnitOfWork, tickets: Iterable[int | str]) -> list[int]:
    """Ids of the named complaints (ids or receipt numbers); `TicketNotFound` naming every missing one."""
    ids, receipts = [], []
    for item in tickets:
        if isinstance(item, int) or str(item).isdigit():
            ids.append(int(item))
        elif str(item).strip():
            receipts.append(str(item).strip())
    found = uow.tickets.refs(ids=ids, receipts=receipts)
    missing = [x for x in receipts if x not in {t.receipt_no for t in found}]
    if missing:
        raise TicketNotFound(f"nomor pengaduan tidak ditemukan: {', '.join(missing)}")
    missing_ids = [str(x) for x in ids if x not in {t.id for t in found}]
    if missing_ids:
        raise TicketNotFound(f"pengaduan dengan id {', '.join(missing_ids)} tidak ada")
    return sorted({t.id for t in found})


def link_complaints(store: Store, root_cause_id: int, tickets: Iterable[int | str], *, actor_id: str,
                    now: datetime | None = None) -> int:
    """Link complaints (ids or receipt numbers) to a root cause; returns how many links are new.

    Linking twice is harmless (the pair is unique); a complaint may have several root causes."""
    now = _now(now)
    with store.unit_of_work() as uow:
        _require_root_cause(uow, root_cause_id)
        ids = _ticket_ids(uow, tickets)
        if not ids:
            return 0
        added = uow.root_causes.link(root_cause_id, ids, actor_id, now)
        if added:
            _audit(uow, actor_id, now, "root_cause.link", root_cause_id=root_cause_id, tickets=ids)
            uow.commit()
    return added


def unlink_complaint(store: Store, root_cause_id: int, ticket_id: int, *, actor_id: str,
                     now: datetime | None = None) -> bool:
    """Take one complaint off a root cause; False if it was not linked."""
    now = _now(now)
    with store.unit_of_work() as uow:
        gone = uow.root_causes.unlink(root_cause_id, ticket_id)
        if gone:
            _audit(uow, actor_id, now, "root_cause.unlink", root_cause_id=root_cause_id, ticket_id=ticket_id)
            uow.commit()
    return gone


def add_action_plan(store: Store, *, root_cause_id: int, period: str, title: str, owner: str,
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
        errors["status"] = _statuses()
    if errors:
        raise InvalidInput(errors)
    now = _now(now)
    with store.unit_of_work() as uow:
        _require_root_cause(uow, root_cause_id)
        new_id = uow.root_causes.add_plan(ActionPlanRecord(root_cause_id, key, title.strip(), owner.strip(), due_date,
                                                           status, actor_id, now))
        _audit(uow, actor_id, now, "action_plan.create", action_plan_id=new_id, root_cause_id=root_cause_id,
               period=key, owner=owner.strip(), due_date=due_date)
        uow.commit()
    return new_id


def set_plan_status(store: Store, plan_id: int, status: PlanStatus | str, *, actor_id: str,
                    now: datetime | None = None) -> None:
    """Move an action plan along (planned, running, done, cancelled)."""
    try:
        value = PlanStatus(status).value
    except ValueError as exc:
        raise InvalidInput({"status": _statuses()}) from exc
    now = _now(now)
    with store.unit_of_work() as uow:
        if not uow.root_causes.set_plan_status(plan_id, value):
            raise RootCauseNotFound(f"rencana tindak lanjut {plan_id} tidak ada")
        _audit(uow, actor_id, now, "action_plan.status", action_plan_id=plan_id, status=value)
        uow.commit()


__all__ = ["PlanStatus", "RootCauseNotFound", "create_root_cause", "get_root_cause", "link_complaints",
           "unlink_complaint", "add_action_plan", "set_plan_status"]
