"""The work queue's tab counts (issue 14, item 8) on a big PostgreSQL database, against the page they sit on.

The queue page counts five tabs (my move, assigned to me, my team, unassigned, all open) in one statement,
each count stopped at `workflow.store.queries.worklist.COUNT_CAP` + 1. In the same run this measures, p50
and p95 over repeated calls:

* the page of tickets the tab shows (`worklist.page`, the "all open" tab: the baseline the counts add to);
* the five counts (`worklist.counts`) without filters, and with a category filter;
* the uncapped ``SELECT count(*)`` of open tickets, what a naive count would cost.

Seeds with `benchmarks.bench_console.prepare` (its schema is shared and kept). Run:

    python -m benchmarks.bench_tab_counts --url postgresql+psycopg://postgres@127.0.0.1:5432/test --n 200000
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_console import percentile, prepare, timed  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("ALUR_TEST_POSTGRES_URL",
                                                        "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--schema", default="bench_console")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args(argv)
    os.environ.setdefault("ALUR_SECRET_KEY", "bench")
    os.environ.setdefault("ALUR_IDENTITY_SALT", "bench")
    rt = prepare(args.url, args.schema, args.n, 0.1, 0.01)

    import sqlalchemy as sa

    from workflow.services.roles import published_definitions
    from workflow.store import models as m
    from workflow.store.queries import worklist
    from workflow.store.queries.worklist import Filters, Queue
    from workflow.store.rules import my_turn

    now = datetime.now(timezone.utc)
    definitions = published_definitions(rt.store)
    queues = {"turn": Queue("turn", turns=my_turn.turns(definitions, frozenset({"petugas"}))),
              "mine": Queue("mine", assignee="petugas"), "team": Queue("team", roles=("tim",)),
              "unassigned": Queue("unassigned"), "all": Queue("all")}
    with rt.store.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(m.tickets)).scalar_one()
        open_count = conn.execute(sa.select(sa.func.count()).select_from(m.tickets)
                                  .where(m.tickets.c.closed_at.is_(None))).scalar_one()
    print(f"database: {total:,} tickets, {open_count:,} open (PostgreSQL, schema {args.schema}); "
          f"counts capped at {worklist.COUNT_CAP:,}")
    raw = rt.store.engine.connect()
    cases = [
        ("page of the 'all open' tab (baseline)", lambda: worklist.page(rt.store, Queue("all"), Filters(), now=now)),
        ("five tab counts", lambda: worklist.counts(rt.store, queues, Filters(), now=now)),
        ("five tab counts, category filter",
         lambda: worklist.counts(rt.store, queues, Filters(kategori="sistem_oss"), now=now)),
        ("uncapped count(*) of open tickets (raw SQL)",
         lambda: raw.execute(sa.text("SELECT count(*) FROM tickets WHERE closed_at IS NULL")).scalar_one()),
    ]
    print(f"{'case':48} {'p50 ms':>8} {'p95 ms':>8} {'mean':>8}")
    for name, fn in cases:
        took = timed(fn, args.repeat)
        print(f"{name:48} {percentile(took, 50):8.1f} {percentile(took, 95):8.1f} {statistics.mean(took):8.1f}")
    raw.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
