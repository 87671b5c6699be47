"""The report's SQL: every figure is a GROUP BY in the database (SQLAlchemy Core, SQLite and PostgreSQL).

No function here loops over tickets in Python. The only per-ticket rows fetched are the evaluation
table's (one row per complaint is what that table *is*), and those carry only the printed columns;
the complainant's name is replaced by "Dirahasiakan" / "Anonim" inside the query, so a protected
identity never leaves the database.

Percentiles (median and 90th percentile, linear interpolation as ``percentile_cont``):

* PostgreSQL: ``percentile_cont(p) WITHIN GROUP (ORDER BY x)``.
* SQLite has no ordered-set aggregates. `_percentiles_windowed` numbers each group's durations with
  ``row_number() OVER (PARTITION BY … ORDER BY x)`` and ``count(*) OVER (PARTITION BY …)``, then an
  outer GROUP BY keeps the two rows around position ``p·(n−1)`` and interpolates between them — the
  definition of ``percentile_cont``, still computed in the database. Both backends return the same
  numbers (tests run the same scenario on each).

Time zone: the office counts in WIB (UTC+7, no daylight saving). Timestamps are stored in UTC, so
month buckets shift by 7 hours: ``to_char(created_at AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM')`` on
PostgreSQL, ``strftime('%Y-%m', created_at, '+7 hours')`` on SQLite.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import Float, Integer, and_, case, cast, extract, func, literal, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from workflow.core.calendar import DEFAULT_TIMEZONE
from workflow.store import models as m
from workflow.store import models_reports as r
from workflow.store.db import read_only
from workflow.store.rules import on_time

t = m.tickets
c = m.clocks


@dataclass(frozen=True)
class Scope:
    """Which tickets a report covers: created in [start, end) (UTC), optionally of one definition."""

    start: datetime
    end: datetime
    definition_key: str | None = None

    def conditions(self) -> ColumnElement[bool]:
        conds = [t.c.created_at >= self.start, t.c.created_at < self.end]
        if self.definition_key:
            conds.append(t.c.definition_key == self.definition_key)
        return and_(*conds)


def _dialect(conn: Connection) -> str:
    return conn.dialect.name


# -- counts ------------------------------------------------------------------------------------------
def total(conn: Connection, scope: Scope) -> int:
    return int(conn.execute(select(func.count()).select_from(t).where(scope.conditions())).scalar_one())


def count_by(conn: Connection, scope: Scope, column: str) -> dict[str | None, int]:
    """Complaints per value of one ticket column (kategori, kanal, tingkat, outcome, sektor)."""
    col = t.c[column]
    rows = conn.execute(select(col, func.count()).where(scope.conditions()).group_by(col)).all()
    return {row[0]: int(row[1]) for row in rows}


def outcome_counts(conn: Connection, scope: Scope) -> dict[tuple[str, str | None], int]:
    """Complaints per (definition key, outcome): an outcome code means what its definition says it means
    (its category), so the report maps each pair (`workflow.reports.outcomes`)."""
    rows = conn.execute(select(t.c.definition_key, t.c.outcome, func.count()).where(scope.conditions())
                        .group_by(t.c.definition_key, t.c.outcome)).all()
    return {(row[0], row[1]): int(row[2]) for row in rows}


def rekap_counts(conn: Connection, scope: Scope) -> list[tuple[str | None, str | None, str | None, int]]:
    """(sektor, jenis_izin, kategori, count): the rekapitulasi's cells, one GROUP BY."""
    q = (select(t.c.sektor, t.c.jenis_izin, t.c.kategori, func.count())
         .where(scope.conditions()).group_by(t.c.sektor, t.c.jenis_izin, t.c.kategori))
    return [(a, b, k, int(n)) for a, b, k, n in conn.execute(q).all()]


def month_key(conn: Connection, column) -> ColumnElement[str]:
    """``YYYY-MM`` of a UTC timestamp column, in WIB."""
    if _dialect(conn) == "postgresql":
        return func.to_char(func.timezone(DEFAULT_TIMEZONE, column), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+7 hours")


def wib_date(conn: Connection, column) -> ColumnElement[str]:
    """``dd/mm/yyyy`` of a UTC timestamp column, in WIB (the evaluation table's date column)."""
    if _dialect(conn) == "postgresql":
        return func.to_char(func.timezone(DEFAULT_TIMEZONE, column), "DD/MM/YYYY")
    return func.strftime("%d/%m/%Y", column, "+7 hours")


def month_counts(conn: Connection, scope: Scope) -> dict[str, int]:
    key = month_key(conn, t.c.created_at).label("month")
    rows = conn.execute(select(key, func.count()).where(scope.conditions()).group_by(key)).all()
    return {row[0]: int(row[1]) for row in rows}


def imported_count(conn: Connection, scope: Scope) -> int:
    """Imported historical complaints of the period that have no clock runs (not measurable)."""
    has_clock = select(c.c.id).where(c.c.ticket_id == t.c.id).exists()
    q = select(func.count()).select_from(t).where(scope.conditions(), t.c.imported == true(), ~has_clock)
    return int(conn.execute(q).scalar_one())


def measured_count(conn: Connection, scope: Scope) -> int:
    q = (select(func.count(func.distinct(c.c.ticket_id))).select_from(c.join(t, t.c.id == c.c.ticket_id))
         .where(scope.conditions()))
    return int(conn.execute(q).scalar_one())


# -- evaluation table ----------------------------------------------------------------------------------
def complainant_name() -> ColumnElement[str]:
    """The complainant as the report may print it: protected identities never leave the database."""
    return case(
        (t.c.kerahasiaan == "rahasia", literal("Dirahasiakan")),
        (t.c.kerahasiaan == "anonim", literal("Anonim")),
        else_=m.identities.c.data["nama"].as_string(),
    )


def evaluation_rows(conn: Connection, scope: Scope, limit: int | None = None) -> list[Any]:
    """One row per complaint, oldest first: only the columns the evaluation table prints."""
    fields = t.c.fields
    q = (select(t.c.receipt_no, wib_date(conn, t.c.created_at).label("tanggal"), t.c.perihal, t.c.kerahasiaan,
                t.c.imported,
                complainant_name().label("pemohon"),
                fields["analisa"].as_string().label("analisa"),
                func.coalesce(fields["tindak_lanjut"].as_string(), fields["jawaban"].as_string())
                .label("tindak_lanjut"))
         .select_from(t.outerjoin(m.identities, m.identities.c.ticket_id == t.c.id))
         .where(scope.conditions()).order_by(t.c.created_at, t.c.id))
    if limit is not None:
        q = q.limit(limit)
    return conn.execute(q).all()


# -- SLA ---------------------------------------------------------------------------------------------------
def gross_seconds(conn: Connection, now: datetime) -> ColumnElement[float]:
    """stopped_at (or now) − started_at, in seconds, computed by the database."""
    end = func.coalesce(c.c.stopped_at, now)
    if _dialect(conn) == "postgresql":
        return cast(extract("epoch", end - c.c.started_at), Float)
    return (func.julianday(end) - func.julianday(c.c.started_at)) * 86400.0


def opd_of_ticket() -> ColumnElement[str]:
    """The OPD a clock run counts for: the agency of a handoff's run (``ticket_clocks.party``: each agency of
    a hand-over to several is judged on its own runs), else the ticket's current OPD, else the OPD recorded
    when it was handed over (``fields.opd``, kept after the OPD answers and ``tickets.opd`` is cleared)."""
    return func.coalesce(c.c.party, t.c.opd, t.c.fields["opd"].as_string())


def sla_counts(conn: Connection, scope: Scope, now: datetime, by_opd: bool = False) -> list[dict[str, Any]]:
    """Per clock (and OPD): runs, on time, late, running, late while running — one GROUP BY, counted by
    the on-time rule (`workflow.store.rules.on_time`) the dashboard's rates use too."""
    keys = [c.c.clock] + ([opd_of_ticket().label("opd")] if by_opd else [])
    q = (select(*keys, *on_time.tally_columns(now))
         .select_from(c.join(t, t.c.id == c.c.ticket_id)).where(scope.conditions()))
    if by_opd:
        q = q.where(opd_of_ticket().isnot(None))
    q = q.group_by(*keys)
    return [dict(row._mapping) for row in conn.execute(q).all()]


def sla_percentiles(conn: Connection, scope: Scope, now: datetime, by_opd: bool = False,
                    points: Iterable[float] = (0.5, 0.9)) -> list[dict[str, Any]]:
    """Net (clock unit) and gross (seconds) percentiles over stopped runs, per clock (and OPD).

    Keys of each dict: clock, [opd], net_p50, net_p90, gross_p50, gross_p90 (for the default points).
    """
    keys = [c.c.clock.label("clock")] + ([opd_of_ticket().label("opd")] if by_opd else [])
    where = [scope.conditions(), c.c.stopped_at.isnot(None)]
    if by_opd:
        where.append(opd_of_ticket().isnot(None))
    net = c.c.consumed
    gross = gross_seconds(conn, now)
    points = tuple(points)
    if _dialect(conn) == "postgresql":
        cols = []
        for p in points:
            tag = f"{round(p * 100):d}"
            cols.append(func.percentile_cont(p).within_group(net).label(f"net_p{tag}"))
            cols.append(func.percentile_cont(p).within_group(gross).label(f"gross_p{tag}"))
        q = (select(*keys, *cols).select_from(c.join(t, t.c.id == c.c.ticket_id)).where(*where)
             .group_by(*[k for k in keys]))
        return [dict(row._mapping) for row in conn.execute(q).all()]
    return _percentiles_windowed(conn, keys, where, {"net": net, "gross": gross}, points)


def _percentiles_windowed(conn: Connection, keys, where, values: dict[str, ColumnElement], points) -> list[dict]:
    """``percentile_cont`` for databases without it: window functions number the sorted values, an outer
    GROUP BY interpolates between the two rows around ``p·(n−1)``."""
    partition = list(keys)
    cols = [*keys, func.count().over(partition_by=partition).label("n")]
    for name, value in values.items():
        cols.append(value.label(f"{name}_x"))
        cols.append((func.row_number().over(partition_by=partition, order_by=value) - 1).label(f"{name}_rn"))
    d = select(*cols).select_from(c.join(t, t.c.id == c.c.ticket_id)).where(*where).subquery("durations")
    out_cols = [d.c[k.key] for k in keys]
    for p in points:
        tag = f"{round(p * 100):d}"
        pos = literal(float(p)) * (d.c.n - 1)
        lo = cast(pos, Integer)  # CAST truncates; pos >= 0 so this is floor
        frac = pos - lo
        for name in values:
            x, rn = d.c[f"{name}_x"], d.c[f"{name}_rn"]
            value = (func.sum(case((rn == lo, x * (1 - frac)), else_=0.0))
                     + func.sum(case((rn == lo + 1, x * frac), else_=0.0)))
            out_cols.append(value.label(f"{name}_p{tag}"))
    q = select(*out_cols).group_by(*[d.c[k.key] for k in keys])
    return [dict(row._mapping) for row in conn.execute(q).all()]


def calendar_fingerprints(conn: Connection, scope: Scope) -> list[str]:
    """The calendars (fingerprints) that computed the due times of the period's clock runs."""
    q = (select(c.c.calendar).select_from(c.join(t, t.c.id == c.c.ticket_id)).where(scope.conditions())
         .group_by(c.c.calendar).order_by(c.c.calendar))
    return [row[0] for row in conn.execute(q).all() if row[0]]


# -- root causes and action plans ---------------------------------------------------------------------------
rc, trc, ap = r.root_causes, r.ticket_root_causes, r.action_plans


def root_cause_counts(conn: Connection, scope: Scope) -> list[Any]:
    """Root causes linked to the period's complaints, with how many, most frequent first."""
    n = func.count(t.c.id).label("count")
    q = (select(rc.c.id, rc.c.code, rc.c.title, rc.c.description, n)
         .select_from(rc.join(trc, trc.c.root_cause_id == rc.c.id).join(t, t.c.id == trc.c.ticket_id))
         .where(scope.conditions()).group_by(rc.c.id, rc.c.code, rc.c.title, rc.c.description)
         .order_by(n.desc(), rc.c.code))
    return conn.execute(q).all()


def action_plans(conn: Connection, period_key: str, recurrence_scope: Scope | None = None) -> list[Any]:
    """Action plans written for ``period_key``; with ``recurrence_scope``, each plan also carries
    ``recurred``: how many complaints of that scope are linked to the plan's root cause."""
    cols = [ap.c.id, ap.c.period, ap.c.title, ap.c.owner, ap.c.due_date, ap.c.status,
            rc.c.code.label("root_cause_code"), rc.c.title.label("root_cause_title")]
    if recurrence_scope is not None:
        again = (select(func.count()).select_from(trc.join(t, t.c.id == trc.c.ticket_id))
                 .where(trc.c.root_cause_id == ap.c.root_cause_id, recurrence_scope.conditions())
                 .scalar_subquery())
        cols.append(again.label("recurred"))
    else:
        cols.append(literal(None).label("recurred"))
    q = (select(*cols).select_from(ap.join(rc, rc.c.id == ap.c.root_cause_id)).where(ap.c.period == period_key)
         .order_by(rc.c.code, ap.c.id))
    return conn.execute(q).all()


# -- the whole report ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figures:
    """Every aggregate the report prints, counted on one snapshot of the database."""

    total: int
    rekap: list[tuple[str | None, str | None, str | None, int]]
    counts: dict[str, dict[str | None, int]]  # kategori, kanal, tingkat, outcome
    months: dict[str, int]
    evaluation: list[Any]
    sla: list[dict[str, Any]]
    sla_percentiles: list[dict[str, Any]]
    opd: list[dict[str, Any]]
    opd_percentiles: list[dict[str, Any]]
    fingerprints: list[str]
    imported: int
    measured: int
    root_causes: list[Any]
    action_plans: list[Any]
    previous_action_plans: list[Any]
    outcomes: dict[tuple[str, str | None], int] = field(default_factory=dict)  # (definition, outcome) -> n


def figures(store, scope: Scope, now: datetime, *, period_key: str, previous_key: str,
            evaluation_limit: int | None = None) -> Figures:
    """The report's figures for ``scope``, in one read-only transaction, so every table counts the same
    tickets: on SQLite a deferred transaction (WAL snapshot, no write lock: the report never blocks
    officers' fires), on PostgreSQL REPEATABLE READ (one snapshot for all statements instead of one per
    statement). ``period_key`` names the action plans of the period, ``previous_key`` those followed up."""
    with read_only(store.engine) as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        return Figures(
            total=total(conn, scope), rekap=rekap_counts(conn, scope),
            counts={col: count_by(conn, scope, col) for col in ("kategori", "kanal", "tingkat", "outcome")},
            months=month_counts(conn, scope), evaluation=evaluation_rows(conn, scope, evaluation_limit),
            sla=sla_counts(conn, scope, now), sla_percentiles=sla_percentiles(conn, scope, now),
            opd=sla_counts(conn, scope, now, by_opd=True),
            opd_percentiles=sla_percentiles(conn, scope, now, by_opd=True),
            fingerprints=calendar_fingerprints(conn, scope), imported=imported_count(conn, scope),
            measured=measured_count(conn, scope), root_causes=root_cause_counts(conn, scope),
            action_plans=action_plans(conn, period_key),
            previous_action_plans=action_plans(conn, previous_key, recurrence_scope=scope),
            outcomes=outcome_counts(conn, scope))


def latest_sources(store, key: str | None = None) -> list[tuple[str, int, str]]:
    """(key, version, YAML source) of the latest published version of each definition (or of ``key``)."""
    d = m.definitions.c
    q = select(d.key, d.version, d.source).order_by(d.key, d.version.desc())
    if key:
        q = q.where(d.key == key)
    out: dict[str, tuple[str, int, str]] = {}
    with read_only(store.engine) as conn:
        for row in conn.execute(q):
            out.setdefault(row.key, (row.key, row.version, row.source))
    return list(out.values())


__all__ = ["Scope", "total", "count_by", "outcome_counts", "rekap_counts", "month_counts", "month_key",
           "imported_count", "measured_count", "evaluation_rows", "wib_date", "complainant_name", "sla_counts",
           "sla_percentiles", "calendar_fingerprints", "root_cause_counts", "action_plans", "gross_seconds",
           "opd_of_ticket", "Figures", "figures", "latest_sources"]
