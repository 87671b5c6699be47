"""Reading the audit log: the auditors' filtered pages and exports, and one ticket's timeline.

The log is append-only and hash-chained (`workflow.core.audit`); these functions only read it. Days
are WIB days (a day starts at 00:00 WIB, 17:00 UTC the day before). Exports read in keyset batches on
``seq`` (one short query per batch), so a million rows never sit in memory.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterator, Mapping

from sqlalchemy import and_, func, select

from workflow.core.audit import KINDS
from workflow.core.calendar import OFFICE_TZ
from workflow.store import models as m
from workflow.store.db import read_only
from workflow.store.sql.rows import utc


@dataclass
class AuditFilters:
    """The auditor's filters: receipt number, actor, trigger, kind, WIB days from/to, page."""

    receipt: str = ""
    actor: str = ""
    trigger: str = ""
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "AuditFilters":
        def text(name: str) -> str:
            return (args.get(name) or "").strip()[:100]

        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(text(name)) if text(name) else None
            except ValueError:
                return None

        try:
            page = max(1, min(100_000, int(args.get("page") or 1)))
        except ValueError:
            page = 1
        kind = text("kind")
        return cls(receipt=text("receipt").upper(), actor=text("actor"), trigger=text("trigger"),
                   kind=kind if kind in KINDS else "", date_from=day("from"), date_to=day("to"), page=page)

    @property
    def empty(self) -> bool:
        return not (self.receipt or self.actor or self.trigger or self.kind or self.date_from or self.date_to)

    def args(self, **override: Any) -> dict[str, Any]:
        out = {"receipt": self.receipt, "actor": self.actor, "trigger": self.trigger, "kind": self.kind,
               "from": self.date_from.isoformat() if self.date_from else "",
               "to": self.date_to.isoformat() if self.date_to else "", "page": self.page}
        out.update(override)
        return {k: v for k, v in out.items() if v not in ("", None) and not (k == "page" and v == 1)}


def _wib_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), OFFICE_TZ).astimezone(timezone.utc)


def _conditions(f: AuditFilters) -> list:
    a = m.audit_log.c
    out = []
    for value, column in ((f.receipt, a.receipt_no), (f.actor, a.actor_id), (f.trigger, a.trigger), (f.kind, a.kind)):
        if value:
            out.append(column == value)
    if f.date_from:
        out.append(a.at >= _wib_midnight(f.date_from))
    if f.date_to:
        out.append(a.at < _wib_midnight(f.date_to + timedelta(days=1)))
    return out


def _row(mapping) -> dict[str, Any]:
    out = dict(mapping)
    out["at"] = utc(out["at"])
    out["inputs"] = json.loads(out["inputs"] or "{}")
    out["detail"] = json.loads(out["detail"] or "{}")
    return out


def audit_page(store, f: AuditFilters, page_size: int) -> tuple[list[dict[str, Any]], int]:
    """One page of matching rows, newest first, and how many match."""
    a = m.audit_log
    conds = _conditions(f)
    count_q = select(func.count()).select_from(a)
    q = select(a)
    if conds:
        count_q, q = count_q.where(and_(*conds)), q.where(and_(*conds))
    with read_only(store.engine) as conn:
        total = int(conn.execute(count_q).scalar_one())
        rows = conn.execute(q.order_by(a.c.seq.desc()).limit(page_size).offset((f.page - 1) * page_size)).mappings()
        return [_row(r) for r in rows.all()], total


def iter_audit(store, f: AuditFilters, batch: int) -> Iterator[list[dict[str, Any]]]:
    """Matching rows in sequence order, ``batch`` at a time (keyset on seq, a short transaction each)."""
    a = m.audit_log
    last = 0
    conds = _conditions(f)
    while True:
        with read_only(store.engine) as conn:
            rows = [_row(r) for r in conn.execute(select(a).where(a.c.seq > last, *conds).order_by(a.c.seq)
                                                  .limit(batch)).mappings().all()]
        if not rows:
            return
        yield rows
        last = rows[-1]["seq"]


def timeline(store, ticket_id: int, *, include_identity_views: bool) -> list[dict[str, Any]]:
    """A ticket's audit rows in order, for its page (identity reads only for those who may see them)."""
    a = m.audit_log.c
    q = select(a.seq, a.kind, a.at, a.actor_id, a.actor_role, a.trigger, a.from_state, a.to_state, a.inputs,
               a.detail, a.definition_version).where(a.ticket_id == ticket_id).order_by(a.seq)
    if not include_identity_views:
        q = q.where(a.kind != "identity_view")
    with read_only(store.engine) as conn:
        return [_row(r) for r in conn.execute(q).mappings().all()]


__all__ = ["AuditFilters", "audit_page", "iter_audit", "timeline", "OFFICE_TZ"]
