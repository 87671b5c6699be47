"""The supervisor dashboard's numbers: open work by stage, running clocks, on-time rates, escalations.

Every number is an aggregate in the database, never a loop over tickets, and each reads only a partial
index of the rows it counts (migrations ``0010_console_dashboard`` and ``0012_on_time_budget``): open
tickets, running clock runs, the runs stopped this quarter, open flagged tickets. The cost follows the
open work and one quarter of history, not the size of the database.

The rules are those of every other page: overdue and at risk (`workflow.store.rules.overdue`,
`workflow.store.rules.at_risk`) as the work queue's deadline filter lists them, on time
(`workflow.store.rules.on_time`) as the quarterly report counts it.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any, Iterable

from sqlalchemy import BigInteger, Text, and_, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY as PG_ARRAY

from workflow.core.calendar import OFFICE_TZ
from workflow.store import models as m
from workflow.store.db import read_only
from workflow.store.rules import at_risk, on_time, overdue
from workflow.store.sql.rows import utc

ESCALATION_LIMIT = 50
#: Open flagged tickets looked up per escalation statement; more take several statements (on SQLite each id
#: is a bound parameter, at most 32,766 a statement; on PostgreSQL they travel as one array).
FLAGGED_CHUNK = 5000


def dashboard_numbers(store, now: datetime, roles: Iterable[str]) -> dict[str, Any]:
    """Everything the dashboard shows, from five statements (more only with over `FLAGGED_CHUNK` flagged
    open tickets) in one read-only transaction, each reading a partial index of the rows it counts.

    Computed fresh on every request, not cached: on 1,000,000 tickets (109,000 open) the five take 40-60 ms
    together (``benchmarks/bench_console.py``), and a cached page would show a supervisor a count that
    disagrees with the work queue it links to for as long as the cache lives. The figure holds while
    autovacuum keeps the visibility map current (migration ``0010_console_dashboard`` says why and asks
    it to); a cache would not help when it does not, as the first request after each expiry pays in full.
    """
    month, quarter = period_bounds(now, "month"), period_bounds(now, "quarter")
    with read_only(store.engine) as conn:
        total, escalations = _escalations_waiting(conn, roles, ESCALATION_LIMIT)
        rates = _on_time_periods(conn, {"month": month, "quarter": quarter})
        return {
            "by_state": _open_by_state(conn), "clocks": _clock_risk(conn, now),
            "escalations": escalations, "escalations_total": total,
            "month": rates["month"], "quarter": rates["quarter"],
            "month_bounds": month, "quarter_bounds": quarter,
        }


def period_bounds(now: datetime, period: str) -> tuple[datetime, datetime]:
    """This month or quarter in WIB, as UTC instants [start, end)."""
    local = now.astimezone(OFFICE_TZ)
    months = 3 if period == "quarter" else 1
    first_month = 3 * ((local.month - 1) // 3) + 1 if period == "quarter" else local.month
    year, month = local.year, first_month + months
    if month > 12:
        year, month = year + 1, month - 12
    as_utc = lambda d: datetime.combine(d, time(0), OFFICE_TZ).astimezone(timezone.utc)  # noqa: E731
    return as_utc(date(local.year, first_month, 1)), as_utc(date(year, month, 1))


# -- open work ------------------------------------------------------------------------------------
def _open_by_state(conn) -> list[dict[str, Any]]:
    """Open tickets per definition, version and state: an index-only scan of ``ix_tickets_open_state``
    (closed tickets, most of the table after a year or two, are never read)."""
    t = m.tickets.c
    rows = conn.execute(select(t.definition_key, t.definition_version, t.state, func.count().label("n"))
                        .where(t.closed_at.is_(None)).group_by(t.definition_key, t.definition_version, t.state))
    return [dict(r._mapping) for r in rows.all()]


def open_counts_by_state(store, definition_key: str) -> dict[str, int]:
    """Open tickets per state of one definition (the editor's "who is affected"), same index."""
    t = m.tickets.c
    with read_only(store.engine) as conn:
        rows = conn.execute(select(t.state, func.count()).where(t.definition_key == definition_key,
                                                                t.closed_at.is_(None)).group_by(t.state)).all()
    return {state: int(n) for state, n in rows}


def _clock_risk(conn, now: datetime) -> list[dict[str, Any]]:
    """Per clock: running runs, how many are overdue and how many are at risk, in one pass.

    The runs are read from ``ix_clocks_running_clock`` alone (clock, due_at, at_risk_at and status of
    the running runs), without joining tickets: a running run always belongs to an open ticket, because
    the engine stops every clock of a ticket in the transaction that moves it into a closing state
    (`Engine.fire`; held by the property test in ``tests/test_properties.py``), and imported closed
    tickets have no clocks. Re-checking it with a join of every running run to the open tickets cost
    four times this whole query on 1,000,000 tickets (about 90 ms against 20).
    """
    return [{"clock": r.clock, "running": int(r.running or 0), "overdue": int(r.overdue or 0),
             "at_risk": int(r.at_risk or 0)} for r in conn.execute(clock_risk_statement(now)).all()]


def clock_risk_statement(now: datetime):
    c = m.clocks.c
    return (select(c.clock, func.count().label("running"),
                   func.count().filter(overdue.condition(now)).label("overdue"),
                   func.count().filter(at_risk.condition(now)).label("at_risk"))
            .where(c.status == "running").group_by(c.clock))


# -- on time --------------------------------------------------------------------------------------
def on_time_periods(store, periods: dict[str, tuple[datetime, datetime]]) -> dict[str, list[dict[str, Any]]]:
    """Per period and clock: runs stopped in [start, end) and how many of them were on time."""
    with read_only(store.engine) as conn:
        return _on_time_periods(conn, periods)


def _on_time_periods(conn, periods: dict[str, tuple[datetime, datetime]]) -> dict[str, list[dict[str, Any]]]:
    """One range scan of ``ix_clocks_stopped_at`` over the span of all periods (this month lies inside
    this quarter), each period counted with its own FILTER: one quarter of stopped runs is read once,
    from the index alone (it carries every column the on-time rule reads), instead of the table twice."""
    if not periods:
        return {}
    rows = conn.execute(on_time_statement(periods)).all()
    out: dict[str, list[dict[str, Any]]] = {}
    for i, name in enumerate(periods):
        out[name] = []
        for r in rows:
            stopped, ok = int(r._mapping[f"stopped_{i}"] or 0), int(r._mapping[f"on_time_{i}"] or 0)
            if stopped:
                out[name].append({"clock": r.clock, "stopped": stopped, "on_time": ok, "rate": ok / stopped})
    return out


def on_time_statement(periods: dict[str, tuple[datetime, datetime]]):
    """Per clock, for each period i: ``stopped_i`` runs stopped in it and ``on_time_i`` of them on time."""
    c = m.clocks.c
    columns = []
    for i, (start, end) in enumerate(periods.values()):
        inside = and_(c.stopped_at >= start, c.stopped_at < end)
        columns += [func.count().filter(inside).label(f"stopped_{i}"),
                    func.count().filter(and_(inside, on_time.on_time_condition())).label(f"on_time_{i}")]
    low = min(start for start, _ in periods.values())
    high = max(end for _, end in periods.values())
    return (select(c.clock, *columns).where(c.status == "stopped", c.stopped_at >= low, c.stopped_at < high)
            .group_by(c.clock).order_by(c.clock))


# -- escalations ----------------------------------------------------------------------------------
def escalations_waiting(store, roles: Iterable[str], limit: int = ESCALATION_LIMIT) -> tuple[int, list[dict]]:
    """Escalations to one of ``roles`` whose ticket is still open and still flagged: how many, and the newest."""
    with read_only(store.engine) as conn:
        return _escalations_waiting(conn, roles, limit)


def _one_of(conn, column, values: list[int]):
    """``column IN values``; on PostgreSQL one array parameter (``= ANY(:values)``) rather than one
    parameter per value, which cost ~25 ms more for 3,400 ids in planning and binding."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=PG_ARRAY(BigInteger)))
    return column.in_(values)


def _escalations_waiting(conn, roles: Iterable[str], limit: int) -> tuple[int, list[dict]]:
    """Firing an escalation flags the ticket (``eskalasi`` and the rung's own flag, e.g. ``terlambat``);
    the escalation stops waiting when the ticket closes or its flags are cleared.

    The search starts from the open flagged tickets (``ix_tickets_open_flagged``, a few per cent of the
    open work) and looks up their escalations by ticket (``ix_escalations_ticket_id``), never from the
    escalation history, which gains rows with every late case and is almost all about closed tickets.
    The ticket ids go through Python on purpose: PostgreSQL has no statistics for the flags test
    (``flags`` is JSON) and guessed nearly every open ticket flagged, so a join written in one statement
    was planned as a scan of every escalation to these roles. With the ids as values its estimates are
    exact. Each chunk of `FLAGGED_CHUNK` tickets is one statement giving the count and the newest rows
    (so the two agree); the chunks' lists are merged here.
    """
    roles = sorted(set(roles))
    if not roles:
        return 0, []
    t = m.tickets.c
    # the very test of the partial index ix_tickets_open_flagged (migration 0010): keep its wording
    flagged = and_(t.closed_at.is_(None), t.flags.is_not(None), cast(t.flags, Text) != "[]")
    ids = [r[0] for r in conn.execute(select(t.id).where(flagged)).all()]
    total, found = 0, []
    for start in range(0, len(ids), FLAGGED_CHUNK):
        rows = _newest_escalations(conn, ids[start:start + FLAGGED_CHUNK], roles, limit)
        total += rows[0].waiting if rows else 0
        found.extend(rows)
    out = []
    for r in found:
        row = dict(r._mapping)
        del row["waiting"]
        row.update(fired_at=utc(row["fired_at"]), due_at=utc(row["due_at"]))
        out.append(row)
    out.sort(key=lambda row: (row["fired_at"], row["id"]), reverse=True)
    return int(total), out[:limit]


def _newest_escalations(conn, ticket_ids: list[int], roles: list[str], limit: int) -> list:
    """The count over every waiting row of these tickets (a window) and the newest ones, in one
    statement; only those are joined to their ticket and clock."""
    e, t, c = m.escalations, m.tickets, m.clocks
    newest = (select(e.c.id, e.c.ticket_id, e.c.clock_run_id, e.c.rung, e.c.target_role, e.c.fired_at,
                     func.count().over().label("waiting"))
              .where(_one_of(conn, e.c.ticket_id, ticket_ids), e.c.target_role.in_(roles))
              .order_by(e.c.fired_at.desc(), e.c.id.desc()).limit(limit).subquery("newest"))
    return conn.execute(
        select(newest.c.id, newest.c.ticket_id, newest.c.rung, newest.c.target_role, newest.c.fired_at,
               newest.c.waiting, t.c.receipt_no, t.c.state, t.c.definition_key, t.c.definition_version,
               t.c.perihal, t.c.flags, c.c.clock, c.c.due_at, c.c.status.label("clock_status"))
        .select_from(newest.join(t, t.c.id == newest.c.ticket_id).join(c, c.c.id == newest.c.clock_run_id))
        .order_by(newest.c.fired_at.desc(), newest.c.id.desc())).all()


__all__ = ["dashboard_numbers", "period_bounds", "open_counts_by_state", "on_time_periods", "escalations_waiting",
           "on_time_statement", "clock_risk_statement", "ESCALATION_LIMIT", "FLAGGED_CHUNK"]
