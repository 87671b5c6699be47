"""Console pages on a big PostgreSQL database: server-side time against the raw SQL they need.

With ``--n`` tickets (default 1,000,000) seeded by `benchmarks.seed.seed_tickets` into their own
schema, this measures, through Flask's test client (so the time is the server's: routing, session,
queries, templates, no network), p50 and p95 over repeated requests of:

* the work queue (the default "my move" tab, and the team tab: open tickets of the handling team, oldest
  first, page 1 and page 20);
* a filtered list (category + sector + overdue, and a search by receipt number);
* a ticket page (case, timeline, clocks, available transitions);
* the supervisor dashboard of a kepala seksi (open tickets by stage, running / overdue / at-risk clocks,
  on-time rates of the month and the quarter, escalations waiting on them);

and, in the same run, the raw SQL each page needs, sent straight through the driver. The target is
p95 under 150 ms per page. Run:

    python -m benchmarks.bench_console --url postgresql+psycopg://postgres@127.0.0.1:5432/test

The seeded schema (``bench_console`` by default) is kept for the next run; ``--drop`` removes it.
A kept schema is upgraded to the current migrations on the next run, so new indexes are measured too.

The seeder writes no escalations; the first run on a schema adds the rows the sweep would have fired
for the seeded resolution clocks (``seed_escalations``), so the dashboard's "escalations waiting"
query meets a table of realistic size (about two rows per ticket) rather than an empty one.
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

    from benchmarks.seed import seed_tickets
    from workflow.runtime import build_runtime
    from workflow.services.publish import publish
    from workflow.services.users import create_user, get_user_by_name
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
    for name, roles, level in (("petugas", ["petugas"], None), ("tim", ["tim"], None), ("kasi", ["supervisor"], 1)):
        if get_user_by_name(rt.store, name) is None:
            create_user(rt.store, name, PASSWORD, roles, supervisor_level=level, catalogs=rt.catalogs)
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
        fired = conn.execute(sa.select(sa.func.count()).select_from(m.escalations)).scalar_one()
    if have < n or not fired:
        seed_escalations(db)
        with db.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            # VACUUM as well as ANALYZE: autovacuum would have set the visibility map on a server that has
            # been running, and index-only scans read the heap for every page it does not mark all-visible
            for table in ("tickets", "ticket_clocks", "ticket_identities", "audit_log", "escalations"):
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
    return rt


# The resolution clock's ladder in definitions/pengaduan-ptsp.yaml: 50 % and 80 % notify only; 100 % goes to the
# kepala seksi and flags the ticket; +1 and +3 working days (about 1.4 and 4.2 calendar days) go higher.
ESCALATION_LADDER = (
    "(VALUES (0, NULL, 0.5, NULL), (1, NULL, 0.8, NULL), (2, 'kepala_seksi', NULL, 0.0), "
    "(3, 'kepala_bidang', NULL, 1.4), (4, 'kepala_dinas', NULL, 4.2)) AS r(rung, role, share, after_days)"
)


def seed_escalations(db) -> None:
    """Write the escalation rows the sweep would have fired for the seeded resolution clocks, and flag
    their tickets (``terlambat``, ``eskalasi``) as a rung with a target does; closed tickets keep their flags.

    A rung fired if its moment came before the clock stopped or paused (or before now, while it runs).
    Approximate on purpose (working days as 1.4 calendar days; ``next_rung`` pointers are left alone, so
    this data is for reading pages, not for sweeping).
    """
    print("writing the escalations the sweep would have fired ...", file=sys.stderr)
    started = time.perf_counter()
    with db.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO escalations (ticket_id, clock_run_id, rung, target_role, fired_at) "
            "SELECT c.ticket_id, c.id, r.rung, r.role, f.at FROM ticket_clocks c CROSS JOIN " + ESCALATION_LADDER +
            " CROSS JOIN LATERAL (SELECT CASE WHEN r.share IS NOT NULL "
            "  THEN c.due_at - make_interval(secs => c.budget * 86400 * (1 - r.share)) "
            "  ELSE c.due_at + make_interval(secs => r.after_days * 86400) END AS at) f "
            "WHERE c.clock = 'penyelesaian' AND c.due_at IS NOT NULL "
            "AND f.at < coalesce(c.stopped_at, c.paused_at, now()) ON CONFLICT (clock_run_id, rung) DO NOTHING")
        conn.exec_driver_sql(
            "UPDATE tickets SET flags = '[\"terlambat\", \"eskalasi\"]' "
            "WHERE id IN (SELECT ticket_id FROM escalations WHERE target_role IS NOT NULL)")
        count = conn.exec_driver_sql("SELECT count(*) FROM escalations").scalar_one()
    print(f"  {count:,} escalation rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)


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
FROM tickets WHERE definition_key = 'pengaduan-ptsp' AND definition_version IN (1)
  AND state IN ('ditangani_tim', 'klarifikasi_opd') AND closed_at IS NULL
ORDER BY created_at ASC, id LIMIT 51
"""
# the "my turn" tab asks which definition versions are published (workflow/store/rules/my_turn.py spans them all)
RAW_VERSIONS = ("SELECT key, version, title, published_at, published_by, note, source_hash FROM definitions "
                "ORDER BY key, version DESC")
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
RAW_CLOCKS = ("SELECT ticket_id, clock, due_at, status FROM ticket_clocks WHERE ticket_id = ANY(%(ids)s) "
              "AND status != 'stopped'")
RAW_TICKET = (
    "SELECT * FROM tickets WHERE id = %(id)s",
    "SELECT data FROM ticket_identities WHERE ticket_id = %(id)s",
    "SELECT * FROM ticket_clocks WHERE ticket_id = %(id)s ORDER BY id",
    "SELECT seq, kind, at, actor_id, actor_role, trigger, from_state, to_state, inputs, detail, definition_version "
    "FROM audit_log WHERE ticket_id = %(id)s ORDER BY seq",
    "SELECT source, version FROM definitions WHERE key = 'pengaduan-ptsp' AND version = 1",
)
# The supervisor dashboard's numbers for a kepala seksi, as workflow/store/queries/dashboard.py `dashboard_numbers`
# asks (on time: workflow/store/rules/on_time.py)
RAW_DASHBOARD = {
    "by_state": "SELECT definition_key, definition_version, state, count(*) FROM tickets WHERE closed_at IS NULL "
                "GROUP BY definition_key, definition_version, state",
    "flagged": "SELECT id FROM tickets WHERE closed_at IS NULL AND flags IS NOT NULL AND CAST(flags AS TEXT) != '[]'",
    "escalations": "SELECT w.*, t.receipt_no, t.state, t.definition_key, t.definition_version, t.perihal, t.flags, "
                   "c.clock, c.due_at, c.status FROM (SELECT e.id, e.ticket_id, e.clock_run_id, e.rung, e.target_role, "
                   "e.fired_at, count(*) OVER () FROM escalations e WHERE e.ticket_id = ANY(%(ids)s) "
                   "AND e.target_role IN ('kepala_seksi') ORDER BY e.fired_at DESC, e.id DESC LIMIT 50) w "
                   "JOIN tickets t ON t.id = w.ticket_id JOIN ticket_clocks c ON c.id = w.clock_run_id "
                   "ORDER BY w.fired_at DESC, w.id DESC",
    "on_time": "SELECT clock, count(*) FILTER (WHERE stopped_at >= %(month_start)s AND stopped_at < %(month_end)s), "
               "count(*) FILTER (WHERE stopped_at >= %(month_start)s AND stopped_at < %(month_end)s "
               "AND (due_at IS NULL OR stopped_at <= due_at OR consumed <= budget + 1e-9)), count(*), "
               "count(*) FILTER (WHERE due_at IS NULL OR stopped_at <= due_at OR consumed <= budget + 1e-9) "
               "FROM ticket_clocks "
               "WHERE status = 'stopped' AND stopped_at >= %(quarter_start)s AND stopped_at < %(quarter_end)s "
               "GROUP BY clock",
    "clocks": "SELECT clock, count(*), count(*) FILTER (WHERE due_at < %(now)s), "
              "count(*) FILTER (WHERE at_risk_at <= %(now)s AND due_at >= %(now)s) FROM ticket_clocks "
              "WHERE status = 'running' GROUP BY clock",
}


def dashboard_params() -> dict:
    from workflow.store.queries.dashboard import period_bounds

    now = datetime.now(timezone.utc)
    (month_start, month_end), (quarter_start, quarter_end) = period_bounds(now, "month"), period_bounds(now, "quarter")
    return {"now": now, "month_start": month_start, "month_end": month_end, "quarter_start": quarter_start,
            "quarter_end": quarter_end}


def arguments(argv: list[str] | None):
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
    parser.add_argument("--only", metavar="TEXT", help="measure only the pages whose name contains TEXT")
    return parser.parse_args(argv)


def samples(engine) -> tuple[int, int, list[int], list[str]]:
    """Tickets in all, open ones, and open team tickets and receipt numbers to pick pages from."""
    import sqlalchemy as sa

    from workflow.store import models as m

    t = m.tickets.c
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(m.tickets)).scalar_one()
        open_count = conn.execute(sa.select(sa.func.count()).where(t.closed_at.is_(None))).scalar_one()
        sample = list(conn.execute(sa.select(t.id).where(t.closed_at.is_(None), t.assignee_role == "tim")
                                   .order_by(t.id.desc()).limit(500)).scalars())
        receipts = list(conn.execute(sa.select(t.receipt_no).where(t.closed_at.is_(None)).limit(500)).scalars())
    return total, open_count, sample, receipts


class Raw:
    """The raw SQL of each page, sent straight through the driver on one autocommit connection."""

    def __init__(self, engine):
        self.conn = engine.raw_connection()
        self.conn.driver_connection.autocommit = True
        self.cursor = self.conn.cursor()

    def ids(self, sql: str) -> list[int]:
        self.cursor.execute(sql)
        return [r[0] for r in self.cursor.fetchall()]

    def statements(self, statements, params=None):
        def run():
            for sql in statements:
                self.cursor.execute(sql, params() if callable(params) else params)
                self.cursor.fetchall()
        return run

    def dashboard(self) -> None:
        params = dashboard_params()
        params["ids"] = self.ids(RAW_DASHBOARD["flagged"])
        for name in ("escalations", "on_time", "by_state", "clocks"):
            self.cursor.execute(RAW_DASHBOARD[name], params)
            self.cursor.fetchall()


def page_cases(app, raw: Raw, sample: list[int], receipts: list[str]) -> list[tuple]:
    """(name, the page through the app, the raw SQL it needs) for every page measured."""
    rng = random.Random(7)
    clients = {}
    for name in ("tim", "petugas", "kasi"):
        clients[name] = app.test_client()
        login(clients[name], name)

    def get(who, url):
        def run():
            response = clients[who].get(url() if callable(url) else url)
            assert response.status_code == 200, response.status_code
        return run

    ids = {"q1": raw.ids(RAW_QUEUE.format(offset=0)), "q20": raw.ids(RAW_QUEUE.format(offset=950)),
           "turn": raw.ids(RAW_TURN), "filtered": raw.ids(RAW_FILTERED)}
    return [
        ("work queue, my-move tab (default)", get("tim", "/admin/work/"),
         raw.statements([RAW_VERSIONS, RAW_TURN, RAW_CLOCKS], {"ids": ids["turn"]})),
        ("work queue, team tab, page 1", get("tim", "/admin/work/?tab=team"),
         raw.statements([RAW_QUEUE.format(offset=0), RAW_CLOCKS], {"ids": ids["q1"]})),
        ("work queue, team tab, page 20", get("tim", "/admin/work/?tab=team&page=20"),
         raw.statements([RAW_QUEUE.format(offset=950), RAW_CLOCKS], {"ids": ids["q20"]})),
        ("filtered: category+sector+overdue",
         get("petugas", "/admin/work/?tab=all&kategori=durasi_waktu&sektor=esdm&deadline=overdue"),
         raw.statements([RAW_FILTERED, RAW_CLOCKS], {"ids": ids["filtered"]})),
        ("search by receipt number", get("petugas", lambda: f"/admin/work/?tab=all&q={rng.choice(receipts)}"),
         raw.statements([RAW_RECEIPT], lambda: {"receipt": rng.choice(receipts)})),
        ("ticket page", get("tim", lambda: f"/admin/work/ticket/{rng.choice(sample)}"),
         raw.statements(list(RAW_TICKET), lambda: {"id": rng.choice(sample)})),
        ("supervisor dashboard", get("kasi", "/admin/pimpinan/"), raw.dashboard),
    ]


def measure(cases: list[tuple], repeat: int) -> None:
    print(f"{'page':<36} {'p50 ms':>8} {'p95 ms':>8}   {'raw p50':>8} {'raw p95':>8}   {'ratio p95':>9}")
    worst = 0.0
    for name, page, sql in cases:
        page_ms = timed(page, repeat)
        raw_ms = timed(sql, repeat)
        p95 = percentile(page_ms, 95)
        worst = max(worst, p95)
        print(f"{name:<36} {statistics.median(page_ms):>8.1f} {p95:>8.1f}   {statistics.median(raw_ms):>8.2f} "
              f"{percentile(raw_ms, 95):>8.2f}   {p95 / max(1e-6, percentile(raw_ms, 95)):>8.1f}x")
    print(f"target p95 < 150 ms: {'met' if worst < 150 else 'NOT met'} (worst p95 {worst:.1f} ms)")


def drop(url: str, schema: str) -> None:
    import sqlalchemy as sa

    from workflow.store.db import make_engine

    outer = make_engine(url)
    with outer.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    outer.dispose()


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    os.environ.setdefault("ALUR_SECRET_KEY", "bench")
    os.environ.setdefault("ALUR_IDENTITY_SALT", "bench")
    rt = prepare(args.url, args.schema, args.n, args.open_fraction, args.overdue_fraction)

    from admin.app import create_app

    app = create_app({"TESTING": True, "SESSION_COOKIE_SECURE": False}, runtime=rt)
    total, open_count, sample, receipts = samples(rt.store.engine)
    print(f"database: {total:,} tickets, {open_count:,} open (PostgreSQL, schema {args.schema})")
    raw = Raw(rt.store.engine)
    cases = page_cases(app, raw, sample, receipts)
    if args.only:
        cases = [case for case in cases if args.only.lower() in case[0].lower()]
    measure(cases, args.repeat)
    raw.conn.close()
    if args.drop:
        rt.store.engine.dispose()
        drop(args.url, args.schema)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
