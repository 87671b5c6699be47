"""The console's work queues: one page of tickets for a tab and the filters, each with its deadline.

Every tab (my turn, assigned to me, my team, unassigned, all open, an OPD's handed-over tickets) is a
`Queue`; the filters of the page (state, category, sector, channel, level, deadline, search text) are
`Filters`. `page` answers with two statements: the page of tickets (an ordered scan of one of the
partial indexes of open tickets, migration 0004) and the running clocks of the tickets on it. The
deadline filter and the row colours are the overdue and at-risk rules (`workflow.store.rules`), the
same the dashboard counts with.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import and_, case, false, func, select

from workflow.store import models as m
from workflow.store.db import read_only
from workflow.store.queries.search import search_condition
from workflow.store.rules import at_risk, my_turn, overdue
from workflow.store.sql.rows import utc

PAGE_SIZE = 50
COUNT_CAP = 999  # a tab counts up to here and says "999+" beyond: each count stays a short index scan
COLUMNS = ("id", "receipt_no", "state", "kanal", "kategori", "sektor", "tingkat", "perihal", "created_at",
           "assignee_role", "assignee_id", "kerahasiaan", "opd", "flags", "version", "definition_key",
           "definition_version")
DEADLINES = {"overdue": overdue.condition, "at_risk": at_risk.condition}


@dataclass
class Filters:
    """What a queue page is narrowed to, as typed into its filter bar (``from_args``)."""

    state: str = ""
    kategori: str = ""
    sektor: str = ""
    kanal: str = ""
    tingkat: str = ""
    deadline: str = ""  # "" | overdue | at_risk
    q: str = ""
    page: int = 1
    definisi: str = ""  # one definition key; "" spans every definition

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "Filters":
        def text(name: str) -> str:
            return (args.get(name) or "").strip()[:100]

        try:
            page = max(1, min(10000, int(args.get("page") or 1)))
        except ValueError:
            page = 1
        deadline = text("deadline")
        return cls(state=text("state"), kategori=text("kategori"), sektor=text("sektor"), kanal=text("kanal"),
                   tingkat=text("tingkat"), deadline=deadline if deadline in DEADLINES else "", q=text("q"),
                   page=page, definisi=text("definisi"))

    def args(self, **override: Any) -> dict[str, Any]:
        """The filters as URL arguments (empty ones left out), with ``override`` applied."""
        values = {k: v for k, v in self.__dict__.items() if k != "page" and v}
        if self.page != 1:
            values["page"] = self.page
        values.update(override)
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass(frozen=True)
class Queue:
    """Which tickets a tab lists. ``kind``: turn (``turns``, `workflow.store.rules.my_turn`), mine
    (``assignee``), team (``roles``), unassigned, opd (``opd``), or all."""

    kind: str = "all"
    turns: my_turn.Turns = field(default_factory=dict)
    assignee: str | None = None
    roles: tuple[str, ...] = ()
    opd: str | None = None

    def condition(self):
        t = m.tickets.c
        if self.kind == "turn":
            return my_turn.condition(self.turns)
        if self.kind == "mine":
            return t.assignee_id == self.assignee
        if self.kind == "team":
            return t.assignee_role.in_(sorted(self.roles)) if self.roles else false()
        if self.kind == "unassigned":
            return and_(t.assignee_role.is_(None), t.assignee_id.is_(None), t.opd.is_(None))
        if self.kind == "opd":
            return t.opd == (self.opd or "")
        return None  # all open tickets


def looks_like_receipt(text: str) -> bool:
    return text.upper().startswith("ADU-")


def deadline_condition(kind: str, now: datetime):
    """Tickets with at least one clock run that is ``kind`` (overdue, at_risk) at ``now``."""
    # driven from the (few) running clocks in range: an index range scan, not a probe per open ticket
    return m.tickets.c.id.in_(select(m.clocks.c.ticket_id).where(DEADLINES[kind](now)))


def filtered(conn, query, f: Filters, *, now: datetime, identity_search: bool, include_secret_names: bool):
    """``query`` (on ``tickets``) narrowed by the filters: open tickets unless a state is chosen."""
    t = m.tickets.c
    query = query.where(t.state == f.state) if f.state else query.where(t.closed_at.is_(None))
    if f.definisi:
        query = query.where(t.definition_key == f.definisi)
    for name in ("kategori", "sektor", "kanal", "tingkat"):
        value = getattr(f, name)
        if value:
            query = query.where(getattr(t, name) == value)
    if f.deadline:
        query = query.where(deadline_condition(f.deadline, now))
    if f.q:
        if looks_like_receipt(f.q):
            query = query.where(t.receipt_no == f.q.upper())
        else:
            query = query.where(search_condition(conn, f.q, names=identity_search, secret_names=include_secret_names))
    return query


def page(store, queue: Queue, f: Filters, *, now: datetime, identity_search: bool = False,
         include_secret_names: bool = False, order: str = "oldest") -> tuple[list[dict[str, Any]], bool]:
    """One page of the queue's tickets (dicts of `COLUMNS`, plus ``due_at``, the earliest due time of a
    running clock, and ``overdue`` / ``at_risk``), and whether a next page exists. At risk is left out
    where a clock is overdue: a late clock outweighs a warning."""
    t = m.tickets
    q = select(*[t.c[c] for c in COLUMNS])
    if queue.condition() is not None:
        q = q.where(queue.condition())
    with read_only(store.engine) as conn:
        q = filtered(conn, q, f, now=now, identity_search=identity_search, include_secret_names=include_secret_names)
        q = q.order_by(t.c.created_at.asc() if order == "oldest" else t.c.created_at.desc(), t.c.id)
        rows = [dict(r._mapping) for r in conn.execute(q.limit(PAGE_SIZE + 1).offset((f.page - 1) * PAGE_SIZE))]
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        deadlines = _deadlines(conn, [r["id"] for r in rows], now)
    for r in rows:
        due, late, risk = deadlines.get(r["id"], (None, False, False))
        r.update(created_at=utc(r["created_at"]), due_at=due, overdue=late, at_risk=risk and not late)
    return rows, more


def counts(store, queues: Mapping[str, Queue], f: Filters, *, now: datetime, identity_search: bool = False,
           include_secret_names: bool = False) -> dict[str, int]:
    """How many tickets each tab (``queues``: key -> queue) lists under the filters, in one statement; a count
    above `COUNT_CAP` is given as ``COUNT_CAP + 1`` (the page shows "999+")."""
    if not queues:
        return {}
    t = m.tickets
    with read_only(store.engine) as conn:
        parts = []
        for n, queue in enumerate(queues.values()):
            q = select(t.c.id)
            if queue.condition() is not None:
                q = q.where(queue.condition())
            q = filtered(conn, q, f, now=now, identity_search=identity_search,
                         include_secret_names=include_secret_names).limit(COUNT_CAP + 1).subquery()
            parts.append(select(func.count()).select_from(q).scalar_subquery().label(f"c{n}"))
        row = conn.execute(select(*parts)).one()
    return {key: int(row[n]) for n, key in enumerate(queues)}


def _deadlines(conn, ids: list[int], now: datetime) -> dict[int, tuple[datetime | None, bool, bool]]:
    """Per ticket: the earliest due time of its running clocks, and whether one is overdue / at risk."""
    if not ids:
        return {}
    c = m.clocks.c
    flag = lambda rule: case((rule(now), 1), else_=0)  # noqa: E731 - the filter's own test, per row
    out: dict[int, tuple[datetime | None, bool, bool]] = {}
    for row in conn.execute(select(c.ticket_id, c.due_at, flag(overdue.condition).label("overdue"),
                                   flag(at_risk.condition).label("at_risk"))
                            .where(c.ticket_id.in_(ids), c.status == "running")):
        due, late, risk = out.get(row.ticket_id, (None, False, False))
        row_due = utc(row.due_at)
        if row_due is not None and (due is None or row_due < due):
            due = row_due
        out[row.ticket_id] = (due, late or bool(row.overdue), risk or bool(row.at_risk))
    return out


__all__ = ["Filters", "Queue", "page", "counts", "COUNT_CAP", "filtered", "deadline_condition", "looks_like_receipt",
           "PAGE_SIZE", "COLUMNS"]
