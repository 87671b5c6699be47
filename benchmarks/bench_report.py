"""The quarterly report over 1,000,000 tickets in PostgreSQL, against raw GROUP BY queries, same run.

What is compared, on one PostgreSQL schema seeded with ``benchmarks.seed.seed_tickets`` (tickets spread
over the last two years, 90 % closed with a stopped ``penyelesaian`` clock, 10 % open):

* report: ``workflow.reports.build_report`` for the last complete quarter — SQLAlchemy Core queries,
  catalog ordering and labelling, the definition's clocks, the dataclasses, the analysis sentences —
  including the evaluation table (one row per complaint of the quarter, names protected in SQL);
* raw: hand-written SQL text producing the same figures (the same GROUP BYs, ``percentile_cont``,
  the same evaluation rows), executed with ``exec_driver_sql`` and kept as plain tuples.

Both run in the same process against the same data, alternately, ``--repeat`` times; the best time of
each is compared (ratio = report / raw; 1.0 means the report adds nothing over the database's work).
The figures of both are checked to be equal. Rendering times (JSON of the full report; DOCX, XLSX and
HTML with the evaluation table cut to ``--render-rows`` rows, because a 125,000-row Word table is not a
document anyone reads) are printed for information.

    python benchmarks/bench_report.py                # 1,000,000 tickets, fresh schema, dropped after
    python benchmarks/bench_report.py --n 100000 --keep bench_report   # keep the schema to rerun
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.seed import seed_tickets  # noqa: E402
from workflow.core.calendar import WorkingCalendar  # noqa: E402
from workflow.core.period import OFFICE_TZ, parse_period  # noqa: E402
from workflow.reports import build_report, render  # noqa: E402
from workflow.spec.catalog import default_catalogs  # noqa: E402
from workflow.store.db import make_engine, upgrade  # noqa: E402
from workflow.store.sql import SqlStore  # noqa: E402

POSTGRES_URL = os.environ.get("ALUR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# the on-time rule (workflow/store/rules/on_time.py) written by hand
WITHIN = "(c.due_at IS NULL OR c.stopped_at <= c.due_at OR c.consumed <= c.budget + 1e-9)"
ON_TIME = f"c.stopped_at IS NOT NULL AND {WITHIN}"
LATE_RUNNING = ("c.stopped_at IS NULL AND ((c.status = 'running' AND c.due_at < %(now)s) "
                "OR (c.status = 'paused' AND NOT c.consumed <= c.budget + 1e-9))")
LATE = f"(c.stopped_at IS NOT NULL AND NOT {WITHIN}) OR ({LATE_RUNNING})"
IN_PERIOD = "t.created_at >= %(start)s AND t.created_at < %(end)s"
OPD = "coalesce(t.opd, t.fields ->> 'opd')"
GROSS = "extract(epoch FROM coalesce(c.stopped_at, %(now)s) - c.started_at)::float8"


def raw_figures(conn, start: datetime, end: datetime, now: datetime, evaluation: bool = True) -> dict:
    """The report's figures with plain SQL: what the database has to do anyway."""
    p = {"start": start, "end": end, "now": now}
    q = lambda sql: conn.exec_driver_sql(sql, p).all()  # noqa: E731
    out = {"total": q(f"SELECT count(*) FROM tickets t WHERE {IN_PERIOD}")[0][0],
           "rekap": q(f"SELECT sektor, jenis_izin, kategori, count(*) FROM tickets t WHERE {IN_PERIOD} "
                      "GROUP BY 1, 2, 3")}
    for col in ("kategori", "kanal", "tingkat", "outcome"):
        out[col] = q(f"SELECT {col}, count(*) FROM tickets t WHERE {IN_PERIOD} GROUP BY 1")
    out["month"] = q(f"SELECT to_char(t.created_at AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM'), count(*) FROM tickets t "
                     f"WHERE {IN_PERIOD} GROUP BY 1")
    counts = (f"count(*), sum(CASE WHEN {ON_TIME} THEN 1 ELSE 0 END), sum(CASE WHEN {LATE} THEN 1 ELSE 0 END), "
              f"sum(CASE WHEN NOT ({LATE_RUNNING}) AND c.stopped_at IS NULL THEN 1 ELSE 0 END)")
    pct = (f"percentile_cont(0.5) WITHIN GROUP (ORDER BY c.consumed), percentile_cont(0.9) WITHIN GROUP "
           f"(ORDER BY c.consumed), percentile_cont(0.5) WITHIN GROUP (ORDER BY {GROSS}), "
           f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {GROSS})")
    join = "FROM ticket_clocks c JOIN tickets t ON t.id = c.ticket_id"
    out["sla"] = q(f"SELECT c.clock, {counts} {join} WHERE {IN_PERIOD} GROUP BY 1")
    out["sla_pct"] = q(f"SELECT c.clock, {pct} {join} WHERE {IN_PERIOD} AND c.stopped_at IS NOT NULL GROUP BY 1")
    out["opd"] = q(f"SELECT c.clock, {OPD}, {counts} {join} WHERE {IN_PERIOD} AND {OPD} IS NOT NULL GROUP BY 1, 2")
    out["opd_pct"] = q(f"SELECT c.clock, {OPD}, {pct} {join} WHERE {IN_PERIOD} AND c.stopped_at IS NOT NULL "
                       f"AND {OPD} IS NOT NULL GROUP BY 1, 2")
    out["fingerprints"] = q(f"SELECT c.calendar {join} WHERE {IN_PERIOD} GROUP BY 1")
    out["imported"] = q(f"SELECT count(*) FROM tickets t WHERE {IN_PERIOD} AND t.imported AND NOT EXISTS "
                        "(SELECT 1 FROM ticket_clocks c WHERE c.ticket_id = t.id)")[0][0]
    out["measured"] = q(f"SELECT count(DISTINCT c.ticket_id) {join} WHERE {IN_PERIOD}")[0][0]
    if not evaluation:
        out["evaluation"] = []
        return out
    out["evaluation"] = q(
        "SELECT t.receipt_no, to_char(t.created_at AT TIME ZONE 'Asia/Jakarta', 'DD/MM/YYYY'), t.perihal, "
        "t.kerahasiaan, t.imported, CASE WHEN t.kerahasiaan = "
        "'rahasia' THEN 'Dirahasiakan' WHEN t.kerahasiaan = 'anonim' THEN 'Anonim' ELSE i.data ->> 'nama' END, "
        "t.fields ->> 'analisa', coalesce(t.fields ->> 'tindak_lanjut', t.fields ->> 'jawaban') FROM tickets t "
        f"LEFT JOIN ticket_identities i ON i.ticket_id = t.id WHERE {IN_PERIOD} ORDER BY t.created_at, t.id")
    return out


def compare(report, raw: dict) -> list[str]:
    """Differences between the report's figures and the raw ones (empty: they agree)."""
    problems = []

    def check(name, mine, theirs):
        if mine != theirs:
            problems.append(f"{name}: report {mine!r} != raw {theirs!r}")

    check("total", report.total, raw["total"])
    mine = {(s.code, i.jenis_izin, i.kategori): i.count for s in report.rekapitulasi.sectors for i in s.items}
    check("rekapitulasi", mine, {(a, b, c): n for a, b, c, n in raw["rekap"]})
    for col, counts in (("kategori", report.by_kategori), ("kanal", report.by_kanal), ("tingkat", report.by_tingkat),
                        ("outcome", report.by_outcome)):
        check(col, {c.code: c.count for c in counts if c.count}, {k: n for k, n in raw[col] if n})
    check("month", {c.code: c.count for c in report.by_month if c.count}, dict(raw["month"]))
    pct = {row[0]: row[1:] for row in raw["sla_pct"]}
    for s in report.sla.clocks:
        row = next((r for r in raw["sla"] if r[0] == s.clock), (s.clock, 0, 0, 0, 0))
        check(f"sla {s.clock}", (s.runs, s.on_time, s.late, s.running), tuple(int(x or 0) for x in row[1:]))
        if s.clock in pct:
            net50, net90, g50, g90 = pct[s.clock]
            check(f"sla {s.clock} times", (s.net_median, s.net_p90, s.gross_median_days, s.gross_p90_days),
                  (round(net50, 2), round(net90, 2), round(g50 / 86400, 2), round(g90 / 86400, 2)))
    check("per opd", {(s.clock, s.opd): (s.runs, s.on_time, s.late, s.running) for s in report.sla.by_opd},
          {(r[0], r[1]): tuple(int(x or 0) for x in r[2:]) for r in raw["opd"]})
    check("imported", report.sla.unmeasured_imported, raw["imported"])
    check("measured", report.sla.measured, raw["measured"])
    check("evaluation rows", [(e.receipt_no, e.tanggal, e.pemohon) for e in report.evaluation],
          [(r[0], r[1], r[5]) for r in raw["evaluation"]])
    return problems


def last_complete_quarter(now: datetime) -> str:
    local = now.astimezone(OFFICE_TZ)
    q = (local.month - 1) // 3 + 1
    return f"{local.year}-Q{q - 1}" if q > 1 else f"{local.year - 1}-Q4"


def arguments(argv: list[str] | None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=POSTGRES_URL, help="PostgreSQL URL (default: ALUR_TEST_POSTGRES_URL)")
    parser.add_argument("--n", type=int, default=1_000_000, help="tickets to seed (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each side (best is compared)")
    parser.add_argument("--keep", metavar="SCHEMA", default=None,
                        help="use (and keep) this schema; seeded only if it has no tickets yet")
    parser.add_argument("--period", default=None, help="default: the last complete quarter before now")
    parser.add_argument("--render-rows", type=int, default=1000)
    return parser.parse_args(argv)


def seeded(db, schema: str, n: int, now: datetime) -> int:
    """The schema's tickets, seeding ``n`` first when it has none."""
    with db.connect() as conn:
        have = conn.exec_driver_sql("SELECT count(*) FROM tickets").scalar_one()
    if have == 0:
        print(f"seeding {n:,} tickets into schema {schema} …", file=sys.stderr)
        seed_tickets(db, n, open_fraction=0.1, now=now)
        with db.connect() as conn:
            have = conn.exec_driver_sql("SELECT count(*) FROM tickets").scalar_one()
    return have


def alternate(repeat: int, report, raw) -> tuple[list[float], list[float], object, object]:
    """Run ``report()`` and ``raw()`` one after the other ``repeat`` times: their times and last results."""
    report_times, raw_times, built, figures = [], [], None, None
    for _ in range(repeat):
        started = time.perf_counter()
        built = report()
        report_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        figures = raw()
        raw_times.append(time.perf_counter() - started)
    return report_times, raw_times, built, figures


def raw_run(db, period, now: datetime, evaluation: bool = True):
    def run():
        with db.connect() as conn:
            figures = raw_figures(conn, period.start_utc, period.end_utc, now, evaluation=evaluation)
            conn.rollback()
        return figures
    return run


def render_times(report, small, rows: int) -> dict[str, float]:
    renders = {}
    started = time.perf_counter()
    render(report, "json")
    renders["json (full)"] = time.perf_counter() - started
    for fmt in ("docx", "xlsx", "html"):
        started = time.perf_counter()
        render(small, fmt)
        renders[f"{fmt} ({rows} evaluation rows)"] = time.perf_counter() - started
    return renders


def summary(report, problems: list[str], times: dict[str, list[float]], renders: dict[str, float], repeat: int):
    penyelesaian = next(s for s in report.sla.clocks if s.clock == "penyelesaian")
    print(f"figures: {report.total:,} complaints in the period; {len(report.evaluation):,} evaluation rows; "
          f"penyelesaian: {penyelesaian.runs:,} runs, {penyelesaian.on_time:,} on time, {penyelesaian.late:,} late, "
          f"{penyelesaian.running:,} running; net median {penyelesaian.net_median} / p90 {penyelesaian.net_p90} "
          f"days; gross median {penyelesaian.gross_median_days} / p90 {penyelesaian.gross_p90_days} days; "
          f"{len(report.sla.by_opd)} OPD×clock rows")
    print(f"figures equal: {'yes' if not problems else 'NO'}")
    for problem in problems:
        print("  " + problem)
    report_t, raw_t, agg_t, agg_raw_t = times["report"], times["raw"], times["agg"], times["agg_raw"]
    print(f"report (build_report): best {min(report_t):.3f} s, median {median(report_t):.3f} s over {repeat}")
    print(f"raw GROUP BY SQL:      best {min(raw_t):.3f} s, median {median(raw_t):.3f} s over {repeat}")
    print(f"ratio report/raw: {min(report_t) / min(raw_t):.2f} (best), {median(report_t) / median(raw_t):.2f} "
          "(median)")
    print(f"aggregates only (no evaluation table): report best {min(agg_t):.3f} s, raw best {min(agg_raw_t):.3f} s, "
          f"ratio {min(agg_t) / min(agg_raw_t):.2f} (median {median(agg_t) / median(agg_raw_t):.2f})")
    for name, seconds in renders.items():
        print(f"render {name}: {seconds:.3f} s")


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    schema = args.keep or f"bench_report_{os.getpid()}"
    admin = make_engine(args.url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    db = make_engine(args.url, schema=schema)
    now = datetime.now(timezone.utc)
    try:
        upgrade(db)
        have = seeded(db, schema, args.n, now)
        period = parse_period(args.period or last_complete_quarter(now))
        store, catalogs, calendar = SqlStore(db), default_catalogs(), WorkingCalendar()
        build = lambda **kw: build_report(store, period, catalogs=catalogs, calendar=calendar, now=now, **kw)  # noqa: E731
        report_t, raw_t, report, raw = alternate(args.repeat, build, raw_run(db, period, now))
        problems = compare(report, raw)
        # the same without the evaluation table: aggregates only
        agg_t, agg_raw_t, figures, raw_agg = alternate(args.repeat, lambda: build(evaluation_limit=0),
                                                       raw_run(db, period, now, evaluation=False))
        problems += compare(figures, raw_agg)
        renders = render_times(report, build(evaluation_limit=args.render_rows), args.render_rows)
        print(f"database: PostgreSQL, schema {schema}, {have:,} tickets; period {period.key} ({period.label})")
        summary(report, problems, {"report": report_t, "raw": raw_t, "agg": agg_t, "agg_raw": agg_raw_t}, renders,
                args.repeat)
        return 1 if problems else 0
    finally:
        db.dispose()
        if not args.keep:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
