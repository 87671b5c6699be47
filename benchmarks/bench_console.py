"""Console pages on a big PostgreSQL database: server-side time against the raw SQL they need.

With ``--n`` tickets (default 1,000,000) seeded by `benchmarks.seed.seed_tickets` into their own
schema, this measures, through Flask's test client (so the time is the server's: routing, session,
queries, templates, no network), p50 and p95 over repeated requests of:

* the work queue (the default "my move" tab, and the team tab: open tickets of the handling team, oldest
  first, page 1 and page 20);
* a filtered list (category + sector + overdue, and a search by receipt number);
* a ticket page (case, timeline, clocks, available transitions);

and, in the same run, the raw SQL each page needs, sent straight through the driver. The target is
p95 under 150 ms per page. Run:

    python -m benchmarks.bench_console --url postgresql+psycopg://postgres@127.0.0.1:5432/test

The seeded schema (``bench_console`` by default) is kept for the next run; ``--drop`` removes it.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-1"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1)))))
    return ordered[k]


def timed(fn, repeat: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000.0)
    return out


def prepare(url: str, schema: str, n: int, open_fraction: float, overdue_fraction: float):
    import sqlalchemy as sa

    from admin.auth import create_user, get_user_by_name
    from benchmarks.seed import seed_tickets
    from workflow.publish import publish
    from workflow.runtime import build_runtime
    from workflow.store import models as m
    from workflow.store.db import make_engine, upgrade

    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    db = make_engine(url, schema=schema, pool_size=5)
    upgrade(db)
    rt = build_runtime(db=db)
    sop = ROOT / "definitions" / "pengaduan-ptsp.yaml"
    publish(rt.store, sop.read_text(encoding="utf-8"), file=str(sop), actor_id="bench", now=datetime.now(timezone.utc))
    for name, roles in (("petugas", ["petugas"]), ("tim", ["tim"])):
        if get_user_by_name(db, name) is None:
            create_user(db, name, PASSWORD, roles, catalogs=rt.catalogs)
    with db.connect() as conn:
        have = conn.execute(sa.select(sa.func.count()).select_from(m.tickets)).scalar_one()
    if have < n:
        print(f"seeding {n - have:,} tickets into schema {schema} (have {have:,}) ...", file=sys.stderr)
        seed_tickets(db, n - have, open_fraction=open_fraction, overdue_fraction=overdue_fraction,
                     seed=42 + have)
        with db.begin() as conn:
            # the seeder keeps every running clock before its due time (only ladder rungs fall due); a real
            # office has late cases, so make one open ticket in thirty overdue for the overdue filter
            # (psycopg takes '%' for a placeholder: the modulo is written '%%')
            conn.exec_driver_sql("UPDATE ticket_clocks SET due_at = due_at - interval '8 days', "
                                 "next_rung_at = due_at - interval '8 days', "
                                 "at_risk_at = at_risk_at - interval '8 days' "
                                 "WHERE status = 'running' AND ticket_id %% 30 = 0")
        with db.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("tickets", "ticket_clocks", "ticket_identities", "audit_log"):
                conn.exec_driver_sql(f"ANALYZE {table}")
    return rt


def login(client, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code


RAW_QUEUE = """
SELECT id, receipt_no, state, kanal, kategori, sektor, tingkat, perihal, created_at, assignee_role, assignee_id,
       kerahasiaan, opd, flags, version
FROM tickets WHERE assignee_role IN ('tim') AND closed_at IS NULL
ORDER BY created_at ASC, id LIMIT 51 OFFSET {offset}
"""
RAW_TURN = """
SELECT id, receipt_no, state, kanal, kategori, sektor, tingkat, perihal, created_at, assignee_role, assignee_id,
       kerahasiaan, opd, flags, version
FROM tickets WHERE state IN ('ditangani_tim', 'klarifikasi_opd') AND closed_at IS NULL
ORDER BY created_at ASC, id LIMIT 51
"""
RAW_FILTERED = """
SELECT id, receipt_no, state, kanal, kategori, sektor, tingkat, perihal, created_at, assignee_role, assignee_id,
       kerahasiaan, opd, flags, version
FROM tickets WHERE closed_at IS NULL AND kategori = 'durasi_waktu' AND sektor = 'esdm'
  AND id IN (SELECT ticket_id FROM ticket_clocks WHERE status = 'running' AND due_at < now())
ORDER BY created_at ASC, id LIMIT 51
"""
RAW_RECEIPT = """
SELECT id, receipt_no, state, kanal, kategori, sektor, tingkat, perihal, created_at, assignee_role, assignee_id,
       kerahasiaan, opd, flags, version
FROM tickets WHERE closed_at IS NULL AND receipt_no = %(receipt)s ORDER BY created_at ASC, id LIMIT 51
"""
RAW_CLOCKS = "SELECT ticket_id, clock, due_at, status FROM ticket_clocks WHERE ticket_id = ANY(%(ids)s) AND status != 'stopped'"
RAW_TICKET = (
    "SELECT * FROM tickets WHERE id = %(id)s",
    "SELECT data FROM ticket_identities WHERE ticket_id = %(id)s",
    "SELECT * FROM ticket_clocks WHERE ticket_id = %(id)s ORDER BY id",
    "SELECT seq, kind, at, actor_id, actor_role, trigger, from_state, to_state, inputs, detail, definition_version "
    "FROM audit_log WHERE ticket_id = %(id)s ORDER BY seq",
    "SELECT source, version FROM definitions WHERE key = 'pengaduan-ptsp' AND version = 1",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("ALUR_TEST_POSTGRES_URL",
                                                        "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--schema", default="bench_console")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--open-fraction", type=float, default=0.1,
                        help="share of tickets still open (the rest closed); default 10%%")
    parser.add_argument("--overdue-fraction", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--drop", action="store_true", help="drop the schema afterwards")
    args = parser.parse_args(argv)

    os.environ.setdefault("ALUR_SECRET_KEY", "bench")
    os.environ.setdefault("ALUR_IDENTITY_SALT", "bench")
    rt = prepare(args.url, args.schema, args.n, args.open_fraction, args.overdue_fraction)

    from admin.app import create_app
    from workflow.store import models as m
    import sqlalchemy as sa

    app = create_app({"TESTING": True, "SESSION_COOKIE_SECURE": False}, runtime=rt)
    with rt.db.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(m.tickets)).scalar_one()
        open_count = conn.execute(sa.select(sa.func.count()).select_from(m.tickets)
                                  .where(m.tickets.c.closed_at.is_(None))).scalar_one()
        sample = [r[0] for r in conn.execute(
            sa.select(m.tickets.c.id).where(m.tickets.c.closed_at.is_(None), m.tickets.c.assignee_role == "tim")
            .order_by(m.tickets.c.id.desc()).limit(500)).all()]
        receipts = [r[0] for r in conn.execute(
            sa.select(m.tickets.c.receipt_no).where(m.tickets.c.closed_at.is_(None)).limit(500)).all()]
    print(f"database: {total:,} tickets, {open_count:,} open (PostgreSQL, schema {args.schema})")
    rng = random.Random(7)

    tim = app.test_client()
    login(tim, "tim")
    petugas = app.test_client()
    login(petugas, "petugas")

    def get(client, url):
        def run():
            response = client.get(url() if callable(url) else url)
            assert response.status_code == 200, response.status_code
        return run

    raw_conn = rt.db.raw_connection()
    cursor = raw_conn.cursor()
    raw_conn.driver_connection.autocommit = True

    def raw(statements, params=None):
        def run():
            for sql in statements:
                cursor.execute(sql(params) if callable(sql) else sql, params() if callable(params) else params)
                cursor.fetchall()
        return run

    ids_of = {}

    def queue_ids(offset):
        cursor.execute(RAW_QUEUE.format(offset=offset))
        return [r[0] for r in cursor.fetchall()]

    ids_of["q1"], ids_of["q20"] = queue_ids(0), queue_ids(950)
    cursor.execute(RAW_TURN)
    ids_of["turn"] = [r[0] for r in cursor.fetchall()]
    cursor.execute(RAW_FILTERED)
    ids_of["filtered"] = [r[0] for r in cursor.fetchall()]

    current = {"id": sample[0], "receipt": receipts[0]}

    def pick_ticket():
        current["id"] = rng.choice(sample)
        return f"/admin/work/ticket/{current['id']}"

    def pick_receipt():
        current["receipt"] = rng.choice(receipts)
        return f"/admin/work/?tab=all&q={current['receipt']}"

    cases = [
        ("work queue, my-move tab (default)", get(tim, "/admin/work/"),
         raw([RAW_TURN, RAW_CLOCKS], {"ids": ids_of["turn"]})),
        ("work queue, team tab, page 1", get(tim, "/admin/work/?tab=team"),
         raw([RAW_QUEUE.format(offset=0), RAW_CLOCKS], {"ids": ids_of["q1"]})),
        ("work queue, team tab, page 20", get(tim, "/admin/work/?tab=team&page=20"),
         raw([RAW_QUEUE.format(offset=950), RAW_CLOCKS], {"ids": ids_of["q20"]})),
        ("filtered: category+sector+overdue", get(petugas, "/admin/work/?tab=all&kategori=durasi_waktu&sektor=esdm"
                                                           "&deadline=overdue"),
         raw([RAW_FILTERED, RAW_CLOCKS], {"ids": ids_of["filtered"]})),
        ("search by receipt number", get(petugas, pick_receipt),
         raw([RAW_RECEIPT], lambda: {"receipt": rng.choice(receipts)})),
        ("ticket page", get(tim, pick_ticket),
         raw(list(RAW_TICKET), lambda: {"id": rng.choice(sample)})),
    ]
    print(f"{'page':<36} {'p50 ms':>8} {'p95 ms':>8}   {'raw p50':>8} {'raw p95':>8}   {'ratio p95':>9}")
    worst = 0.0
    for name, page, sql in cases:
        page_ms = timed(page, args.repeat)
        raw_ms = timed(sql, args.repeat)
        p95 = percentile(page_ms, 95)
        worst = max(worst, p95)
        print(f"{name:<36} {statistics.median(page_ms):>8.1f} {p95:>8.1f}   {statistics.median(raw_ms):>8.2f} "
              f"{percentile(raw_ms, 95):>8.2f}   {p95 / max(1e-6, percentile(raw_ms, 95)):>8.1f}x")
    print(f"target p95 < 150 ms: {'met' if worst < 150 else 'NOT met'} (worst p95 {worst:.1f} ms)")
    raw_conn.close()
    if args.drop:
        admin = rt.db
        admin.dispose()
        from workflow.store.db import make_engine

        outer = make_engine(args.url)
        with outer.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{args.schema}" CASCADE'))
        outer.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
