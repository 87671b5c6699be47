"""How long one sweep takes to claim every due rung and enqueue its job, against the raw indexed query.

With ``--n`` open tickets (default 1,000,000) of which 1 % are past a rung, measured in the same run:

* **raw query**: ``SELECT id, ticket_id, next_rung FROM ticket_clocks WHERE next_rung_at <= :now AND
  status = 'running'`` through the DBAPI cursor (the ``ix_clocks_due_rung`` index), all rows fetched;
* **sweep**: `workflow.jobs.queues.claim_and_enqueue`, the production path a sweep uses to hand due rungs
  to the workers: claim batches of 1,000 (``FOR UPDATE SKIP LOCKED`` on the clock rows and their tickets
  on PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite), walk them by keyset, and enqueue one rq job per rung on
  the real Redis (deterministic ids, retry policy, one pipeline per batch);
* optionally (``--fire``) the firing sweep `sweep_due_rungs` over the same rungs: escalation row,
  flags, outbox rows, audit row and next rung per rung.

Usage::

    python -m benchmarks.bench_sweep --n 1000000 --db postgresql
    python -m benchmarks.bench_sweep --n 100000 --db both --fire

Databases are created fresh (a new PostgreSQL schema, a temporary SQLite file) and dropped at the end.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.seed import seed_tickets  # noqa: E402
from workflow.core.calendar import WorkingCalendar  # noqa: E402
from workflow.jobs import queues  # noqa: E402
from workflow.runtime import Runtime  # noqa: E402
from workflow.services.engine import Engine  # noqa: E402
from workflow.services.escalation import sweep_due_rungs  # noqa: E402
from workflow.store.db import make_engine, upgrade  # noqa: E402
from workflow.store.sql import SqlStore, utc  # noqa: E402

POSTGRES_URL = os.environ.get("ALUR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ALUR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
RAW_SQL = "SELECT id, ticket_id, next_rung FROM ticket_clocks WHERE next_rung_at <= {p} AND status = 'running'"


def raw_query(db, now: datetime) -> tuple[float, int]:
    raw = db.raw_connection()
    try:
        cur = raw.cursor()
        if db.dialect.name == "postgresql":
            sql, param = RAW_SQL.format(p="%s"), utc(now)
        else:
            sql, param = RAW_SQL.format(p="?"), utc(now).strftime("%Y-%m-%d %H:%M:%S.%f")
        started = time.perf_counter()
        cur.execute(sql, (param,))
        rows = cur.fetchall()
        elapsed = time.perf_counter() - started
        cur.close()
        raw.rollback()
    finally:
        raw.close()
    return elapsed, len(rows)


def explain(db, now: datetime) -> str:
    with db.connect() as conn:
        if db.dialect.name == "postgresql":
            rows = conn.exec_driver_sql("EXPLAIN " + RAW_SQL.format(p="%(now)s"), {"now": utc(now)}).all()
        else:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + RAW_SQL.format(p="?"),
                                        (utc(now).strftime("%Y-%m-%d %H:%M:%S.%f"),)).all()
        conn.rollback()
    return " | ".join(str(r[-1]) for r in rows)


def flush_prefix(redis_conn, prefix: str) -> None:
    keys = list(redis_conn.scan_iter(match=f"*{prefix}*", count=5000))
    for i in range(0, len(keys), 5000):
        redis_conn.delete(*keys[i:i + 5000])


def bench(db, label: str, n: int, *, fire: bool, repeat: int, redis_conn) -> dict:
    now = datetime.now(timezone.utc)
    print(f"\n== {label}: seeding {n:,} open tickets (1 % past a rung) ==", flush=True)
    started = time.perf_counter()
    seed_tickets(db, n, overdue_fraction=0.01, now=now, progress=True)
    seeded = time.perf_counter() - started
    print(f"seeded in {seeded:.1f} s; plan: {explain(db, now)}", flush=True)
    store = SqlStore(db)
    engine = Engine(store, calendar=WorkingCalendar())
    runtime = Runtime(store=store, engine=engine, catalogs=engine.catalogs,
                      redis_url=REDIS_URL if redis_conn is not None else None)
    raw_query(db, now)  # warm the cache once, so both measurements read warm pages
    raw_times, sweep_times, claim_times, claimed, found = [], [], [], 0, 0
    for _ in range(repeat):
        elapsed, found = raw_query(db, now)
        raw_times.append(elapsed)
        started = time.perf_counter()
        queues.claim_and_enqueue(runtime, now, batch=1000, enqueue=lambda claims: None)
        claim_times.append(time.perf_counter() - started)
        prefix = f"bench{uuid.uuid4().hex[:8]}"
        runtime.extras["queue_prefix"] = prefix
        enqueue = None if redis_conn is not None else (lambda claims: None)
        started = time.perf_counter()
        claimed = queues.claim_and_enqueue(runtime, now, batch=1000, enqueue=enqueue)
        sweep_times.append(time.perf_counter() - started)
        if redis_conn is not None:
            queued = queues.queue(runtime).count
            assert queued == claimed, (queued, claimed)
            flush_prefix(redis_conn, prefix)
    assert claimed == found, f"the sweep claimed {claimed} rungs, the raw query found {found}"
    result = {"label": label, "n": n, "due": found, "seed_s": seeded, "raw_s": statistics.median(raw_times),
              "sweep_s": statistics.median(sweep_times), "claim_s": statistics.median(claim_times)}
    if fire:
        started = time.perf_counter()
        fired = sweep_due_rungs(runtime, now=now, limit=found + 1, batch=100)
        result["fire_s"] = time.perf_counter() - started
        result["fired"] = fired
    return result


def report(result: dict, redis: bool) -> None:
    raw, sweep = result["raw_s"], result["sweep_s"]
    print(f"\n{result['label']}: {result['n']:,} open tickets, {result['due']:,} due rungs")
    print(f"  raw indexed query          {raw * 1000:10.1f} ms   ({result['due'] / raw:,.0f} rows/s)")
    what = "claim + enqueue on Redis" if redis else "claim only (no Redis)"
    print(f"  sweep: {what:<20}{sweep * 1000:10.1f} ms   ({result['due'] / sweep:,.0f} rungs/s)")
    print(f"  ratio sweep / raw query    {sweep / raw:10.1f} x")
    claim = result["claim_s"]
    print(f"  of which the claim alone   {claim * 1000:10.1f} ms   ({claim / raw:.1f} x the raw query; "
          f"the rest is building and enqueueing {result['due']:,} rq jobs)")
    if "fire_s" in result:
        print(f"  firing sweep (all rungs)   {result['fire_s'] * 1000:10.1f} ms   "
              f"({result['fired'] / result['fire_s']:,.0f} rungs/s; {result['fire_s'] / raw:,.0f} x the raw query)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="open tickets to seed (default 1,000,000)")
    parser.add_argument("--db", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--fire", action="store_true", help="also time the firing sweep over the due rungs")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per side (median reported)")
    args = parser.parse_args(argv)

    redis_conn = None
    try:
        from redis import Redis

        redis_conn = Redis.from_url(REDIS_URL)
        redis_conn.ping()
    except Exception as exc:  # noqa: BLE001
        print(f"Redis not reachable ({exc}): measuring the claim without enqueueing", file=sys.stderr)
        redis_conn = None

    results = []
    if args.db in ("postgresql", "both"):
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        db = make_engine(POSTGRES_URL, schema=schema)
        try:
            upgrade(db)
            results.append(bench(db, "PostgreSQL", args.n, fire=args.fire, repeat=args.repeat, redis_conn=redis_conn))
            report(results[-1], redis_conn is not None)
        finally:
            db.dispose()
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            db = make_engine(f"sqlite:///{tmp}/bench.db")
            try:
                upgrade(db)
                results.append(bench(db, "SQLite", args.n, fire=args.fire, repeat=args.repeat, redis_conn=redis_conn))
                report(results[-1], redis_conn is not None)
            finally:
                db.dispose()
    if len(results) > 1:
        print("\nsummary")
        for result in results:
            report(result, redis_conn is not None)


if __name__ == "__main__":
    main()
