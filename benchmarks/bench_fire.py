"""Persisted transitions per second: ``Engine.fire()`` against raw SQLAlchemy Core, same statements.

What is compared, on one database (SQLite in WAL mode on a file, and PostgreSQL in a throw-away
schema), over a single pooled connection:

* engine: ``Engine.fire()`` on the shipped SOP, a cyclic walk ``minta_kelengkapan`` (officer asks the
  complainant for missing information: both running clocks pause, an outbox row) then ``lengkapi``
  (the complainant answers: both clocks resume and are rescheduled on the working calendar, an
  outbox row), over many tickets, valid forever;
* raw (``--baseline core``, the default, as the issue defines it): the very SQLAlchemy Core statement
  objects one real fire of each step executed, captured once with a ``before_execute`` listener and
  replayed with ``Connection.execute(statement, parameters)`` — SQLAlchemy Core with its compiled
  cache and type processing, none of the engine — in one transaction per fire;
* raw (``--baseline driver``, stricter): the DBAPI strings and parameters, captured with a
  ``before_cursor_execute`` listener and replayed with ``Connection.exec_driver_sql`` in the same
  parameter shape (positional tuples on SQLite, dicts on psycopg), in one transaction per fire,
  exactly as the store's unit of work opens it (pool checkout, ``BEGIN [IMMEDIATE]``, statements,
  ``COMMIT``). Ids, versions, the audit sequence and the hash chain are adjusted so that every replay
  is a valid write: the ticket ``UPDATE … WHERE version`` must hit one row, and the audit chain still
  verifies at the end of the run, over engine and raw rows alike.

The difference between the two is what the engine costs on top of the database work: loading the
ticket into dataclasses, planning (role, inputs, guards), the state machine, clock arithmetic,
building the change, hashing the audit row and SQLAlchemy statement compilation (cached).

Target: engine ≥ 0.8 of raw. Run ``python benchmarks/bench_fire.py --help`` for options.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import event, text

from workflow.core.audit import CONTENT_FIELDS, chain_hash, verify_rows
from workflow.core.calendar import WorkingCalendar
from workflow.core.guards import Actor
from workflow.services.engine import Engine
from workflow.services.publish import publish
from workflow.store.db import make_engine, upgrade
from workflow.store.sql import SqlStore

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from benchmarks.sop import KEY, OFFICER, POSTGRES_URL, RECORD, SOP, START  # noqa: E402

TARGET = 0.8

COMPLAINANT = Actor("pemohon", frozenset({"pemohon"}), "Pemohon")
# The cycle: (trigger, actor, inputs). Both steps touch both running clocks and write an outbox row.
STEPS = (
    ("minta_kelengkapan", OFFICER, {"kekurangan": "fotokopi KTP dan nomor registrasi"}),
    ("lengkapi", COMPLAINANT, {"kelengkapan": "terlampir, dikirim lewat WhatsApp"}),
)


# -- capturing one real fire ----------------------------------------------------------------------

@dataclass
class Statement:
    """One captured DBAPI execution and how to re-target it at another ticket."""

    sql: str
    params: Any  # tuple (qmark) or dict (pyformat), exactly as the cursor received it; a list if many
    names: list[str] | None  # bind names by position (positional paramstyles only)
    role: str  # what the replay must adjust (see ROLES)
    fetch: bool
    many: bool = False  # executed with executemany (e.g. the clock runs of one ticket)
    clause: Any = None  # the Core statement object (core baseline); None for driver strings

    def with_values(self, values: dict[str, Any], params: Any = None) -> Any:
        params = self.params if params is None else params
        if isinstance(params, dict):
            out = dict(params)
            out.update(values)
            return out
        out = list(params)
        for name, value in values.items():
            out[self._pos[name]] = value
        return tuple(out)

    def get(self, params: Any, name: str) -> Any:
        return params[name] if isinstance(params, dict) else params[self._pos[name]]

    def __post_init__(self) -> None:
        self._pos = {name: i for i, name in enumerate(self.names or [])}
        first = self.params[0] if self.many else self.params
        keys = list(first) if isinstance(first, dict) else list(self.names or [])
        self.only = keys[0] if len(keys) == 1 else None


ROLES = (  # (SQL prefix, role); first match wins
    ("BEGIN", "begin"),
    ("SELECT tickets.", "by_ticket"),
    ("SELECT ticket_identities.", "by_ticket"),
    ("SELECT ticket_clocks.", "by_ticket"),
    ("UPDATE tickets ", "ticket_update"),
    ("UPDATE ticket_clocks ", "clock_update"),
    ("INSERT INTO ticket_clocks ", "clock_insert"),
    ("SELECT audit_head.", "head_select"),
    ("INSERT INTO audit_log ", "audit_insert"),
    ("UPDATE audit_head ", "head_update"),
    ("INSERT INTO outbox ", "outbox_insert"),
)


# Bind names of the WHERE clauses in workflow/store/sql.py (the SET binds are the column names).
WHERE_ID, WHERE_VERSION = "b_id", "b_expected"


def role_of(sql: str) -> str:
    for prefix, role in ROLES:
        if sql.startswith(prefix):
            return role
    raise RuntimeError(f"the engine issued a statement the replay does not know how to re-target: {sql[:80]}")


def capture_core(db, fire: Callable[[], Any]) -> list[Statement]:
    """The Core statement objects and parameter dicts one fire executes, in order."""
    seen: list[Statement] = []

    def listener(conn, clauseelement, multiparams, params, execution_options):  # noqa: ANN001
        if not hasattr(clauseelement, "compile"):
            return  # BEGIN IMMEDIATE and other driver strings: the replay's own begin issues them
        sql = str(clauseelement.compile(dialect=conn.dialect))
        many = len(multiparams) > 1
        values = [dict(p) for p in multiparams] if many else dict(multiparams[0] if multiparams else params)
        fetch = sql.startswith("SELECT") or " RETURNING " in sql
        seen.append(Statement(sql, values, None, role_of(sql), fetch, many, clause=clauseelement))

    event.listen(db, "before_execute", listener)
    try:
        fire()
    finally:
        event.remove(db, "before_execute", listener)
    return seen


def capture(db, fire: Callable[[], Any]) -> list[Statement]:
    seen: list[Statement] = []

    def listener(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        compiled = getattr(context, "compiled", None)
        names = list(compiled.positiontup) if compiled is not None and compiled.positiontup else None
        fetch = statement.startswith("SELECT") or " RETURNING " in statement
        seen.append(Statement(statement, list(parameters) if executemany else parameters, names,
                              role_of(statement), fetch, executemany))

    event.listen(db, "before_cursor_execute", listener)
    try:
        fire()
    finally:
        event.remove(db, "before_cursor_execute", listener)
    return seen


@dataclass
class RawTicket:
    id: int
    receipt_no: str
    version: int
    clock_ids: list[int]


@dataclass
class Replay:
    """The captured statements of each step, and the audit content each step's row hashes."""

    steps: list[list[Statement]]
    audit_content: list[dict[str, Any]]
    clock_ids: list[int]  # the capture ticket's clock ids, in id order
    statements_per_fire: list[int] = field(default_factory=list)

    def fire(self, db, step: int, t: RawTicket) -> None:
        """One transaction that performs the captured step on ticket ``t``."""
        clock_slot = {cid: i for i, cid in enumerate(self.clock_ids)}
        with db.connect() as conn:
            conn.begin()  # BEGIN IMMEDIATE on SQLite (the engine's begin listener), implicit on PG
            seq = prev = None
            for s in self.steps[step]:
                role = s.role
                if role == "begin":
                    continue
                if role == "by_ticket":  # the ticket id is the statement's only parameter
                    params = s.with_values({s.only: t.id})
                elif role == "ticket_update":
                    params = s.with_values({WHERE_ID: t.id, WHERE_VERSION: t.version, "version": t.version + 1})
                elif role == "clock_update":  # the same clock runs, by position, of this ticket
                    rows = s.params if s.many else [s.params]
                    params = [s.with_values({WHERE_ID: t.clock_ids[clock_slot[s.get(r, WHERE_ID)]]}, r)
                              for r in rows]
                    params = params if s.many else params[0]
                elif role == "head_select":
                    params = s.params
                elif role == "audit_insert":
                    seq += 1
                    content = dict(self.audit_content[step], seq=seq, ticket_id=t.id, receipt_no=t.receipt_no)
                    digest = chain_hash(prev, content)
                    params = s.with_values({"seq": seq, "ticket_id": t.id, "receipt_no": t.receipt_no,
                                            "prev_hash": prev, "hash": digest})
                    prev = digest
                elif role == "head_update":
                    params = s.with_values({"seq": seq, "hash": prev})
                elif role == "outbox_insert":
                    params = s.with_values({"ticket_id": t.id})
                else:
                    raise RuntimeError(f"no replay rule for {role}")
                result = conn.execute(s.clause, params) if s.clause is not None else conn.exec_driver_sql(s.sql, params)
                if role == "head_select":
                    seq, prev = result.one()
                elif role == "ticket_update":
                    if result.rowcount != 1:
                        raise RuntimeError(f"replay lost its optimistic lock on ticket {t.id} v{t.version}")
                elif s.fetch:
                    result.all()
            conn.commit()
        t.version += 1


# -- one database -----------------------------------------------------------------------------------

@dataclass
class Result:
    backend: str
    engine_rate: float
    raw_rate: float
    statements: list[int]
    audit_rows: int
    chain_ok: bool

    @property
    def ratio(self) -> float:
        return self.engine_rate / self.raw_rate


def open_tickets(engine: Engine, count: int) -> list:
    return [engine.open(KEY, RECORD, OFFICER, now=START).ticket for _ in range(count)]


def run(backend: str, db, args) -> Result:
    upgrade(db)
    store = SqlStore(db)
    publish(store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="bench", now=START)
    engine = Engine(store, calendar=WorkingCalendar(), now=lambda: START)

    # Capture one real fire of each step on a ticket of its own.
    probe = engine.open(KEY, RECORD, OFFICER, now=START).ticket
    captured, contents = [], []
    moment = START + timedelta(minutes=1)
    for trigger, actor, inputs in STEPS:
        grab = capture_core if args.baseline == "core" else capture
        captured.append(grab(db, lambda: engine.fire(probe.id, trigger, actor, inputs, now=moment)))
        row = list(store.audit_rows(ticket_id=probe.id))[-1]
        contents.append({name: row[name] for name in CONTENT_FIELDS})
    replay = Replay(captured, contents, [c.id for c in engine.load(probe.id).clocks])
    replay.statements_per_fire = [len(s) for s in captured]
    if args.statements:
        for (trigger, _, _), statements in zip(STEPS, captured):
            print(f"\n--- {backend}: statements of one '{trigger}' fire (+ COMMIT) ---")
            for st in statements:
                rows = f"  [executemany x{len(st.params)}]" if st.many else ""
                print(f"  {st.role:<14} {' '.join(st.sql.split())[:96]}{rows}")

    fired = [t.id for t in open_tickets(engine, args.tickets)]
    raw = [RawTicket(t.id, t.receipt_no, t.version, [c.id for c in t.clocks])
           for t in open_tickets(engine, args.tickets)]
    clock = {"i": 0}

    def engine_loop(n: int) -> None:
        for _ in range(n):
            i = clock["i"]
            clock["i"] += 1
            trigger, actor, inputs = STEPS[(i // len(fired)) % 2]
            engine.fire(fired[i % len(fired)], trigger, actor, inputs, now=moment + timedelta(seconds=i))

    raw_clock = {"i": 0}

    def raw_loop(n: int) -> None:
        for _ in range(n):
            i = raw_clock["i"]
            raw_clock["i"] += 1
            replay.fire(db, (i // len(raw)) % 2, raw[i % len(raw)])

    # Whole cycles only, so each phase leaves every ticket where the next phase expects it.
    cycle = 2 * args.tickets
    n = max(cycle, args.n // cycle * cycle)
    warm = max(cycle, args.warmup // cycle * cycle)
    engine_loop(warm)
    raw_loop(warm)
    # Interleave in short chunks so that load from other processes on the machine hits both sides
    # alike; each side's rate is its fires over its summed time.
    chunk = max(1, min(args.chunk, n))
    spent = {"engine": 0.0, "raw": 0.0}
    for _ in range(args.rounds):
        done = 0
        while done < n:
            size = min(chunk, n - done)
            spent["engine"] += _timed(engine_loop, size)
            spent["raw"] += _timed(raw_loop, size)
            done += size
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(engine_loop, n)
        print(f"\n--- cProfile of {n} engine fires on {backend} ---")
        pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(args.profile)
    status = verify_rows(store.audit_rows())
    fires = n * args.rounds
    return Result(backend, fires / spent["engine"], fires / spent["raw"], replay.statements_per_fire,
                  status.rows, status.ok)


def _timed(loop: Callable[[int], None], n: int) -> float:
    started = time.perf_counter()
    loop(n)
    return time.perf_counter() - started


def sqlite(args) -> Result:
    with tempfile.TemporaryDirectory(prefix="alur-bench-") as folder:
        db = make_engine(f"sqlite:///{folder}/bench.db", pool_size=1, max_overflow=0)
        try:
            with db.connect() as conn:
                mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            assert mode == "wal", mode
            return run("SQLite (WAL, file)", db, args)
        finally:
            db.dispose()


def postgresql(args) -> Result | None:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(args.pg_url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - any failure here means no server to measure
        print(f"PostgreSQL skipped: {args.pg_url} is not reachable ({exc.__class__.__name__}); "
              "start it or pass --pg-url", file=sys.stderr)
        admin.dispose()
        return None
    db = make_engine(args.pg_url, schema=schema, pool_size=1, max_overflow=0)
    try:
        return run("PostgreSQL", db, args)
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="timed fires per round and side (default 2000)")
    parser.add_argument("--warmup", type=int, default=200, help="untimed fires per side first (default 200)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the N fires per side (default 1)")
    parser.add_argument("--chunk", type=int, default=100, help="fires per side between switches (default 100)")
    parser.add_argument("--tickets", type=int, default=50, help="tickets the walk cycles over, per side")
    parser.add_argument("--backend", choices=("all", "sqlite", "postgresql"), default="all")
    parser.add_argument("--pg-url", default=POSTGRES_URL, help="PostgreSQL URL (default ALUR_TEST_POSTGRES_URL)")
    parser.add_argument("--profile", type=int, default=0, metavar="LINES",
                        help="after timing, cProfile one round of engine fires and print the top LINES")
    parser.add_argument("--statements", action="store_true", help="print the captured statements of each step")
    parser.add_argument("--baseline", choices=("core", "driver"), default="core",
                        help="raw side: SQLAlchemy Core statements (default, as the issue asks) or DBAPI strings")
    args = parser.parse_args(argv)

    results = []
    if args.backend in ("all", "sqlite"):
        results.append(sqlite(args))
    if args.backend in ("all", "postgresql"):
        pg = postgresql(args)
        if pg is not None:
            results.append(pg)

    print(f"\nbench_fire: raw baseline = {args.baseline}; {args.n * args.rounds} timed fires per side, "
          f"interleaved by {args.chunk}, walk "
          f"minta_kelengkapan <-> lengkapi over {args.tickets} tickets, single connection")
    print(f"{'backend':<20} {'engine/s':>10} {'raw/s':>10} {'ratio':>7}  {'stmts/fire':>10}  audit chain")
    failed = False
    for r in results:
        verdict = "ok" if r.ratio >= TARGET else f"UNDER TARGET {TARGET}"
        failed |= not r.chain_ok
        print(f"{r.backend:<20} {r.engine_rate:>10.0f} {r.raw_rate:>10.0f} {r.ratio:>7.2f}  "
              f"{'/'.join(map(str, r.statements)):>10}  {'verifies' if r.chain_ok else 'BROKEN'} "
              f"({r.audit_rows} rows)  {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
