"""Where complaints wait is equal to a SQL reference (issue 15): the figures `workflow.core.stages` computes
from the trail are computed again from the raw ``audit_log`` rows with one plain SQL query (window functions,
no alur code), on SQLite and PostgreSQL, and compared: per state and per lane, tickets, median and P90 of
gross time, and the share of time spent waiting on the complainant. The trail reader gives the same rows on
every store (memory, SQLite, PostgreSQL)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import SOP
from tests.stage_quarter import MEASURED, walk_quarter
from workflow.core.period import parse_period
from workflow.core.stage_figures import aggregate
from workflow.core.stages import waiting_states
from workflow.reports.stages import DefinitionBook, collect
from workflow.services.engine import Engine
from workflow.services.publish import publish
from workflow.store.queries.stages import trail

# Seconds since the epoch of a stored time, per dialect (SQLite keeps UTC text, PostgreSQL timestamptz).
EPOCH = {"sqlite": "(julianday({}) - 2440587.5) * 86400.0", "postgresql": "EXTRACT(EPOCH FROM {})"}

REFERENCE = """
WITH opened AS (
    SELECT ticket_id FROM audit_log
    WHERE kind = 'open' AND {at} >= :start AND {at} < :end
),
moves AS (
    SELECT a.ticket_id, a.to_state AS state, {at_a} AS entered,
           LEAD({at_a}) OVER (PARTITION BY a.ticket_id ORDER BY a.seq) AS left_at
    FROM audit_log a JOIN opened o ON o.ticket_id = a.ticket_id
    WHERE a.kind = 'open'
       OR (a.kind IN ('transition', 'migrate', 'handoff') AND a.from_state <> a.to_state)
),
stays AS (
    SELECT ticket_id, {group} AS grp, state, COALESCE(left_at, :now) - entered AS secs
    FROM moves WHERE state NOT IN ({terminal})
),
per_ticket AS (
    SELECT grp, ticket_id, SUM(secs) AS secs,
           SUM(CASE WHEN state IN ({waiting}) THEN secs ELSE 0 END) AS waited
    FROM stays GROUP BY grp, ticket_id
),
ranked AS (
    SELECT grp, secs, waited,
           ROW_NUMBER() OVER (PARTITION BY grp ORDER BY secs) - 1 AS pos,
           COUNT(*) OVER (PARTITION BY grp) AS n
    FROM per_ticket
)
SELECT grp, MAX(n) AS tickets,
       SUM(CASE WHEN pos = (n - 1) / 2 THEN secs * (1 - ((n - 1) / 2.0 - (n - 1) / 2))
                WHEN pos = (n - 1) / 2 + 1 THEN secs * ((n - 1) / 2.0 - (n - 1) / 2) ELSE 0 END) AS median,
       SUM(CASE WHEN pos = (9 * (n - 1)) / 10 THEN secs * (1 - (0.9 * (n - 1) - (9 * (n - 1)) / 10))
                WHEN pos = (9 * (n - 1)) / 10 + 1 THEN secs * (0.9 * (n - 1) - (9 * (n - 1)) / 10) ELSE 0 END) AS p90,
       SUM(waited) / NULLIF(SUM(secs), 0) AS waiting_share
FROM ranked GROUP BY grp
"""


def reference(engine, definition, grouping: str, period) -> dict[str, tuple]:
    """The figures per state (or lane) from the raw rows, by SQL alone."""
    dialect = engine.dialect.name
    epoch = EPOCH[dialect]
    lanes = " ".join(f"WHEN '{s.key}' THEN '{s.lane}'" for s in definition.states.values())
    group = "state" if grouping == "state" else f"CASE state {lanes} END"
    terminal = ", ".join(f"'{s.key}'" for s in definition.states.values() if s.terminal)
    waiting = ", ".join(f"'{s}'" for s in sorted(waiting_states(definition)))
    sql = REFERENCE.format(at=epoch.format("at"), at_a=epoch.format("a.at"), group=group, terminal=terminal,
                           waiting=waiting)
    params = {"start": period.start_utc.timestamp(), "end": period.end_utc.timestamp(), "now": MEASURED.timestamp()}
    with engine.connect() as conn:
        rows = conn.execute(sa.text(sql), params).all()
    return {row.grp: (int(row.tickets), float(row.median) / 86400, float(row.p90) / 86400,
                      float(row.waiting_share or 0.0)) for row in rows}


@pytest.mark.parametrize("grouping", ["state", "lane"])
def test_stage_figures_equal_a_plain_sql_query_over_the_raw_audit_rows(store, engine, actors, grouping):
    walk_quarter(engine, actors)
    book = DefinitionBook(store, engine.catalogs)
    definition = book("pengaduan-ptsp", None)
    for key in ("2026-Q4", "2026-Q3"):
        period = parse_period(key)
        tickets = collect(store, period, book=book, calendar=engine.calendar, now=MEASURED)
        ours = {f.key: (f.count, f.gross_median_days, f.gross_p90_days, f.waiting_share or 0.0)
                for f in aggregate(tickets, grouping)}
        sql = reference(store.engine, definition, grouping, period)
        assert set(ours) == set(sql), key
        for name, (count, median, p90, share) in sql.items():
            assert ours[name][0] == count, (key, name)
            assert ours[name][1:] == pytest.approx((median, p90, share), abs=1e-6), (key, name)
    assert {f.key for f in aggregate(tickets, "state")} >= {"diterima", "terverifikasi"}


def test_the_trail_reader_gives_the_same_rows_on_every_store(port_store, actors, calendar):
    publish(port_store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MEASURED)
    walk_quarter(Engine(port_store, calendar=calendar, now=lambda: MEASURED), actors)
    period = parse_period("2026-Q4")
    rows = list(trail(port_store, period.start_utc, period.end_utc))
    assert len({r["ticket_id"] for r in rows}) == 4  # the quarter's four complaints, not Q3's two
    assert [r["kind"] for r in rows if r["ticket_id"] == rows[0]["ticket_id"]][0] == "open"
    assert all(r["kind"] in ("open", "transition", "migrate", "handoff", "import") for r in rows)
    keys = [(r["ticket_id"], r["seq"]) for r in rows]
    assert keys == sorted(keys)
    moves = [(r["from_state"], r["to_state"], r["at"]) for r in rows]
    assert moves[0][1] == "diterima" and all(at.tzinfo is not None for *_, at in moves)
    clocked = [r for r in rows if r["detail"].get("clocks")]
    assert {n["op"] for r in clocked for n in r["detail"]["clocks"]} >= {"start", "pause", "resume", "stop"}
