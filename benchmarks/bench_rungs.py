"""Escalation rungs fired per second: the sweep and the rung job, against raw Core doing one rung's work.

A backlog: ``--tickets`` tickets (default 500) opened on the shipped SOP on a Monday morning and
left alone for 30 days, so each has seven due rungs (``penyelesaian``: 50 %, 80 %, 100 %, +1 and +3
working days; ``tanggapan_awal``: 75 %, 100 %), 3,500 in all. Each side works on a database of its
own (an SQLite file in WAL mode, or a PostgreSQL schema) holding the same backlog, and fires all of it:

* **sweep**: `workflow.services.escalation.sweep_due_rungs`, what ``alur sweep`` (and the in-process sweeper
  of ``alur serve``) runs after an outage: claim batches of due clock runs, fire each rung once.
* **job**: `workflow.jobs.rungs.fire_rung_job`, the rq job body, called once per due rung the way a
  worker calls it (without rq around it): the calendar check, the row locks, one transaction per rung.
* **raw** (the baseline): the statements one rung needs, written by hand in SQLAlchemy Core and run
  with ``Connection.execute`` in one transaction per rung: read the ticket and its clock run (locked
  on PostgreSQL) and the run's fired rungs, insert the ``escalations`` row (``ON CONFLICT DO NOTHING
  RETURNING``), bump the ticket's version with its new flags, point the clock at its next rung, extend
  the audit chain (head, hash-chained row, head), insert the outbox rows, commit. The values (flags,
  next rung, audit detail, outbox rows) come from one real rung ladder fired on a probe ticket before
  timing, so the raw side does the database work and the audit hashing, none of the engine.
* **worker** (``--worker``, needs Redis): what ``alur worker`` does with a backlog handed to it by
  `workflow.jobs.queues.claim_and_enqueue`: `workflow.jobs.worker.run_worker` in burst mode on the
  escalation queue, rq and all. Smaller (``--worker-tickets``), on tickets opened 30 days before the
  real clock, because rq jobs fire "now".

Sides are interleaved in chunks of ``--chunk`` rungs so that load from other processes hits them
alike; each side's rate is its rungs over its summed time. Statements are counted with a
``before_cursor_execute`` listener: SAVEPOINT, RELEASE and SQLite's ``BEGIN IMMEDIATE`` included,
COMMIT and PostgreSQL's implicit BEGIN not (they are no cursor calls).
Afterwards every database is checked: each rung fired exactly once, the same outbox rows and
ticket versions on every side, and an audit chain that verifies.

Usage::

    .venv/bin/python benchmarks/bench_rungs.py                    # SQLite + PostgreSQL
    .venv/bin/python benchmarks/bench_rungs.py --backend sqlite --profile 30
    .venv/bin/python benchmarks/bench_rungs.py --redis --worker   # with rq scheduling and a worker
"""
from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections import deque
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.rungs_raw import RUNG_TEMPLATES, RUNGS_PER_TICKET, Raw, capture_ladder, raw_tickets  # noqa: E402
from benchmarks.sop import KEY, OFFICER, POSTGRES_URL, RECORD, SOP, START  # noqa: E402
from workflow.core.audit import verify_rows  # noqa: E402
from workflow.core.calendar import WorkingCalendar  # noqa: E402
from workflow.jobs import queues  # noqa: E402
from workflow.jobs import worker as jobs_worker  # noqa: E402
from workflow.jobs.rungs import fire_rung_job  # noqa: E402
from workflow.runtime import Runtime  # noqa: E402
from workflow.services.engine import Engine  # noqa: E402
from workflow.services.escalation import sweep_due_rungs  # noqa: E402
from workflow.services.publish import publish  # noqa: E402
from workflow.store import models as m  # noqa: E402
from workflow.store.db import make_engine, upgrade  # noqa: E402
from workflow.store.sql import SqlStore  # noqa: E402
from workflow.store.sql.escalations import due_query  # noqa: E402

REDIS_URL = os.environ.get("ALUR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
LATER = timedelta(days=30)  # every rung of both clocks is due by then


# -- databases -------------------------------------------------------------------------------------
@contextmanager
def database(backend: str, folder: str, name: str, pg_url: str) -> Iterator[Callable[[], sa.Engine]]:
    """A migrated, empty database for one side: an SQLite file (WAL) or a throw-away PostgreSQL schema.

    Yields a function that opens an engine on it (the first one is migrated; another one is what a
    second process would have: its own pool and an empty compiled-statement cache).
    """
    engines: list[sa.Engine] = []
    if backend == "sqlite":
        def opener() -> sa.Engine:
            engines.append(make_engine(f"sqlite:///{folder}/{name}.db"))
            return engines[-1]
        try:
            upgrade(opener())
            with engines[0].connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            yield opener
        finally:
            for db in engines:
                db.dispose()
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))

    def opener() -> sa.Engine:
        engines.append(make_engine(pg_url, schema=schema))
        return engines[-1]
    try:
        upgrade(opener())
        yield opener
    finally:
        for db in engines:
            db.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_runtime(db: sa.Engine, *, redis: bool, prefix: str, opened_at: datetime) -> Runtime:
    store = SqlStore(db)
    publish(store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="bench", now=opened_at)
    engine = Engine(store, calendar=WorkingCalendar(), now=lambda: opened_at)
    runtime = Runtime(store=store, engine=engine, catalogs=engine.catalogs,
                      redis_url=REDIS_URL if redis else None)
    runtime.extras["queue_prefix"] = prefix
    return runtime


def open_backlog(runtime: Runtime, count: int, opened_at: datetime) -> list[int]:
    return [runtime.engine.open(KEY, RECORD, OFFICER, now=opened_at).ticket.id for _ in range(count)]


class Counter:
    """Cursor executions on one engine while ``on`` is set."""

    def __init__(self, db: sa.Engine):
        self.n, self.on = 0, False
        sa.event.listen(db, "before_cursor_execute", self._count)

    def _count(self, *_: Any) -> None:
        if self.on:
            self.n += 1


# -- the sides -------------------------------------------------------------------------------------
@dataclass
class Side:
    name: str
    db: sa.Engine
    fire: Callable[[int], int]  # fire up to n rungs; returns how many fired (0: the backlog is done)
    tickets: list[int]
    expected: int
    counter: Counter
    seconds: float = 0.0
    timed: int = 0  # rungs fired while timed
    rungs: int = 0  # rungs fired in all (warm-up included)
    statements: int = 0
    done: bool = False
    profiler: cProfile.Profile | None = None
    checks: dict[str, Any] = field(default_factory=dict)

    def run(self, n: int) -> None:
        self.counter.on = True
        if self.profiler:
            self.profiler.enable()
        started = time.perf_counter()
        fired = self.fire(n)
        self.seconds += time.perf_counter() - started
        if self.profiler:
            self.profiler.disable()
        self.counter.on = False
        self.timed += fired
        self.rungs += fired
        self.done = fired == 0

    @property
    def rate(self) -> float:
        return self.timed / self.seconds if self.seconds else 0.0


def sweep_side(runtime: Runtime, now: datetime, batch: int) -> Callable[[int], int]:
    return lambda n: sweep_due_rungs(runtime, now=now, limit=n, batch=batch)


def job_side(runtime: Runtime, now: datetime) -> Callable[[int], int]:
    """Call the rq job body once per due rung, as a worker would; listing the due rungs is not timed."""
    queue: deque = deque()

    def due() -> None:
        with runtime.db.connect() as conn:
            queue.extend(conn.execute(due_query(now)).all())
            conn.rollback()

    def fire(n: int) -> int:
        done = 0
        jobs_worker.set_runtime(runtime)
        try:
            while done < n:
                if not queue:
                    due()  # (a worker gets its jobs' arguments from Redis: not the rung's cost)
                    if not queue:
                        break
                row = queue.popleft()
                done += bool(fire_rung_job(row.ticket_id, row.id, row.next_rung, now=now))
        finally:
            jobs_worker.set_runtime(None)
        return done

    return fire


def check(side: Side) -> dict[str, Any]:
    db = side.db
    with db.connect() as conn:
        ids = side.tickets
        q = lambda t: sa.select(sa.func.count()).select_from(t)  # noqa: E731
        escalations = conn.execute(q(m.escalations).where(m.escalations.c.ticket_id.in_(ids))).scalar()
        distinct = conn.execute(sa.select(sa.func.count()).select_from(
            sa.select(m.escalations.c.clock_run_id, m.escalations.c.rung).where(
                m.escalations.c.ticket_id.in_(ids)).distinct().subquery())).scalar()
        outbox = conn.execute(q(m.outbox).where(m.outbox.c.ticket_id.in_(ids),
                                                m.outbox.c.template.in_(RUNG_TEMPLATES))).scalar()
        versions = sorted({v for (v,) in conn.execute(sa.select(m.tickets.c.version).where(
            m.tickets.c.id.in_(ids)))})
        flags = sorted({tuple(f) for (f,) in conn.execute(sa.select(m.tickets.c.flags).where(
            m.tickets.c.id.in_(ids)))})
        left = conn.execute(q(m.clocks).where(m.clocks.c.ticket_id.in_(ids), m.clocks.c.next_rung.is_not(None))
                            ).scalar()
    status = verify_rows(SqlStore(db).audit_rows())
    return {"escalations": escalations, "distinct": distinct, "outbox": outbox, "versions": versions,
            "flags": flags, "rungs_left": left, "chain": status.ok, "audit_rows": status.rows}


# -- one backend -----------------------------------------------------------------------------------
@dataclass
class Result:
    backend: str
    sides: list[Side]
    problems: list[str]


def run_backend(backend: str, args) -> Result:
    now = START + LATER
    label = "SQLite (WAL, file)" if backend == "sqlite" else "PostgreSQL"
    names = ["sweep", "job", "raw"] + (["worker"] if args.worker else [])
    with ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="alur-bench-"))
        openers = {name: stack.enter_context(database(backend, folder, name, args.pg_url)) for name in names}
        dbs = {name: opener() for name, opener in openers.items()}
        print(f"\n== {label}: {args.tickets} tickets x {RUNGS_PER_TICKET} rungs per side ==", flush=True)
        sides: dict[str, Side] = {}
        prefix = f"bench{uuid.uuid4().hex[:8]}"
        for name in ("sweep", "job"):
            rt = make_runtime(dbs[name], redis=args.redis, prefix=prefix, opened_at=START)
            if args.redis:
                queues.install(rt)
            ids = open_backlog(rt, args.tickets, START)
            fire = sweep_side(rt, now, args.batch) if name == "sweep" else job_side(rt, now)
            sides[name] = Side(name, rt.db, fire, ids, len(ids) * RUNGS_PER_TICKET, Counter(rt.db))
        rt = make_runtime(dbs["raw"], redis=False, prefix=prefix, opened_at=START)
        steps = capture_ladder(rt, now)
        ids = open_backlog(rt, args.tickets, START)
        raw = Raw(rt.db, steps, raw_tickets(rt.db, ids), now)
        sides["raw"] = Side("raw", rt.db, raw.fire, ids, len(ids) * RUNGS_PER_TICKET, Counter(rt.db))
        if args.profile:
            for name in ("sweep", "job"):
                sides[name].profiler = cProfile.Profile()
        print(f"backlog ready; firing in chunks of {args.chunk}", flush=True)

        order = [sides[n] for n in ("sweep", "job", "raw")]
        for side in order:  # warm-up, untimed: the first rungs pay for caches and compiled statements
            side.rungs += side.fire(args.warmup)
        while not all(s.done for s in order):
            for side in order:
                if not side.done:
                    side.run(args.chunk)
        for side in order:
            side.statements = side.counter.n
        if args.worker:
            sides["worker"] = worker_side(dbs["worker"], openers["worker"], args, prefix)
        problems = []
        outbox_per_ticket = sum(len(s.outbox) for s in steps)
        for side in sides.values():
            side.checks = check(side)
            c = side.checks
            if c["escalations"] != side.expected or c["distinct"] != side.expected:
                problems.append(f"{side.name}: {c['escalations']} escalation rows ({c['distinct']} distinct), "
                                f"expected {side.expected}")
            if c["outbox"] != len(side.tickets) * outbox_per_ticket:
                problems.append(f"{side.name}: {c['outbox']} outbox rows, expected "
                                f"{len(side.tickets) * outbox_per_ticket}")
            if c["rungs_left"] or not c["chain"]:
                problems.append(f"{side.name}: {c['rungs_left']} runs with a rung left; chain ok: {c['chain']}")
        reference = sides["raw"].checks
        for side in sides.values():
            if side.checks["versions"] != reference["versions"] or side.checks["flags"] != reference["flags"]:
                problems.append(f"{side.name}: ticket versions {side.checks['versions']} / flags "
                                f"{side.checks['flags']} differ from raw's {reference['versions']} / "
                                f"{reference['flags']}")
        if args.profile:
            for name in ("sweep", "job"):
                print(f"\n--- cProfile of the {name} side on {label} (its rate below is slowed by the profiler) ---")
                pstats.Stats(sides[name].profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")) \
                    .print_stats(args.profile)
        if args.redis or args.worker:
            flush_prefix(prefix)
        return Result(label, list(sides.values()), problems)


def worker_side(db: sa.Engine, reopen: Callable[[], sa.Engine], args, prefix: str) -> Side:
    """Hand a backlog to ``alur worker`` (`jobs_worker.run_worker`: burst mode, the escalation queue), rq and all.

    The worker gets a runtime of its own on a new engine, as a freshly started ``alur worker`` has:
    nothing loaded, nothing compiled. rq forks a work horse for each job, so the statements the jobs
    run are not counted (the listener lives in the horse).
    """
    opened = datetime.now(timezone.utc) - LATER
    rt = make_runtime(db, redis=True, prefix=prefix, opened_at=opened)
    ids = open_backlog(rt, args.worker_tickets, opened)
    store = SqlStore(reopen())
    engine = Engine(store, calendar=WorkingCalendar())
    worker = Runtime(store=store, engine=engine, catalogs=engine.catalogs, redis_url=REDIS_URL)
    worker.extras["queue_prefix"] = prefix
    side = Side("worker", db, lambda n: 0, ids, len(ids) * RUNGS_PER_TICKET, Counter(db))
    print(f"worker: {side.expected} rungs through run_worker (burst, forking as alur worker does)", flush=True)
    try:
        for _ in range(RUNGS_PER_TICKET + 2):  # each round fires the next due rung of every run
            if not queues.claim_and_enqueue(rt):
                break
            started = time.perf_counter()
            jobs_worker.run_worker(worker, burst=True, queue_names=(queues.ESCALATION_QUEUE,))
            side.seconds += time.perf_counter() - started
    finally:
        jobs_worker.set_runtime(None)
    with db.connect() as conn:
        side.rungs = side.timed = conn.execute(sa.select(sa.func.count()).select_from(m.escalations)
                                               .where(m.escalations.c.ticket_id.in_(ids))).scalar()
    return side


def flush_prefix(prefix: str) -> None:
    from redis import Redis

    conn = Redis.from_url(REDIS_URL)
    keys = list(conn.scan_iter(match=f"*{prefix}*", count=5000))
    for i in range(0, len(keys), 5000):
        conn.delete(*keys[i:i + 5000])


def postgres_reachable(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect():
            return True
    except Exception as exc:  # noqa: BLE001 - any failure means no server to measure
        print(f"PostgreSQL skipped: {url} is not reachable ({exc.__class__.__name__}); start it or pass --pg-url",
              file=sys.stderr)
        return False
    finally:
        engine.dispose()


def report(results: list[Result], args) -> int:
    print(f"\nbench_rungs: {args.tickets} tickets x {RUNGS_PER_TICKET} due rungs per side, interleaved by "
          f"{args.chunk}, sweep batch {args.batch}, Redis {'on' if args.redis else 'off'}")
    print(f"{'backend':<20} {'side':<7} {'rungs/s':>9} {'stmts/rung':>11} {'vs raw':>7}  checks")
    failed = False
    for r in results:
        raw = next(s for s in r.sides if s.name == "raw")
        for s in r.sides:
            statements = f"{s.statements / s.timed:.1f}" if s.timed and s.name != "worker" else "-"
            ratio = f"{s.rate / raw.rate:.2f}" if s.name != "worker" else "-"  # another backlog, rq included
            ok = not any(p.startswith(s.name + ":") for p in r.problems)
            print(f"{r.backend:<20} {s.name:<7} {s.rate:>9.0f} {statements:>11} {ratio:>7}  "
                  f"{'ok' if ok else 'FAILED'} ({s.rungs} rungs, {s.checks.get('audit_rows')} audit rows)")
        for p in r.problems:
            print(f"  problem: {p}")
        failed |= bool(r.problems)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=500, help="tickets per side, 7 due rungs each (default 500)")
    parser.add_argument("--chunk", type=int, default=100, help="rungs per side between switches (default 100)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed rungs per side first (default 50)")
    parser.add_argument("--batch", type=int, default=100, help="the sweep's batch (default 100, as alur sweep)")
    parser.add_argument("--backend", choices=("all", "sqlite", "postgresql"), default="all")
    parser.add_argument("--pg-url", default=POSTGRES_URL, help="PostgreSQL URL (default ALUR_TEST_POSTGRES_URL)")
    parser.add_argument("--redis", action="store_true",
                        help="give the sweep and job sides Redis: after commit they schedule each next rung "
                             "and hand the outbox rows to rq, as in production with ALUR_REDIS_URL")
    parser.add_argument("--worker", action="store_true", help="also drain a backlog through run_worker (Redis)")
    parser.add_argument("--worker-tickets", type=int, default=30, help="tickets for the worker side (default 30)")
    parser.add_argument("--profile", type=int, default=0, metavar="LINES",
                        help="cProfile the sweep and job sides while timing and print the top LINES of each")
    args = parser.parse_args(argv)
    for name in ("rq.worker", "rq.job", "rq.scheduler"):  # rq prints a line per job: warnings and errors still show
        logging.getLogger(name).addHandler(logging.NullHandler())

    results = []
    if args.backend in ("all", "sqlite"):
        results.append(run_backend("sqlite", args))
    if args.backend in ("all", "postgresql") and postgres_reachable(args.pg_url):
        results.append(run_backend("postgresql", args))
    return report(results, args)


if __name__ == "__main__":
    sys.exit(main())
