"""How long `alur audit verify` takes over a long chain, against reading the same rows raw.

Builds a chain of ``--n`` rows (default 1,000,000) through the store (`uow.audit.append`, the path every
fire takes, in transactions of ``--batch`` rows), then times, on SQLite (WAL file) and PostgreSQL (a
schema of its own):

* **verify** -- `workflow.services.audit.verify`, what ``alur audit verify`` runs: every row's hash from
  its stored canonical text, the links in order, the head, the stored checkpoints.
* **raw read** (baseline) -- the same rows read with the same keyset-paged SQLAlchemy Core query, nothing
  computed: the floor any verification pays.
* **reference** -- `workflow.core.audit.verify_rows` over `store.audit_rows()` (JSON parsed, each row
  serialised again in full): how verification worked before, for comparison.

Prints each time and verify/raw. ``--keep`` reuses (and keeps) a built chain: an SQLite file path or a
PostgreSQL schema name per backend.

    .venv/bin/python benchmarks/bench_audit.py                 # both backends, 1,000,000 rows
    .venv/bin/python benchmarks/bench_audit.py --n 100000 --backend sqlite
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from benchmarks.sop import POSTGRES_URL, START  # noqa: E402
from workflow.core.audit import AuditEvent, verify_rows  # noqa: E402
from workflow.services import audit as audit_service  # noqa: E402
from workflow.store.db import make_engine, upgrade  # noqa: E402
from workflow.store.sql import SqlStore  # noqa: E402
from workflow.store.sql.audit import stored_rows  # noqa: E402


def event(i: int) -> AuditEvent:
    """A row shaped like a real fire's: inputs, clock notes with due times, ids and states."""
    return AuditEvent(
        kind="transition", at=START + timedelta(seconds=i), actor_id=f"petugas{i % 7}", actor_role="petugas",
        ticket_id=1 + i // 8, receipt_no=f"ADU-2026-{1 + i // 8:06d}", trigger="minta_kelengkapan",
        from_state="terverifikasi", to_state="menunggu_kelengkapan",
        inputs={"kekurangan": f"fotokopi KTP dan nomor registrasi ({i})", "tingkat": "sedang"},
        definition_key="pengaduan-ptsp", definition_version=1,
        detail={"clocks": [{"clock": "penyelesaian", "op": "pause", "run": 1},
                           {"clock": "tanggapan_awal", "op": "pause", "run": 1}]})


def build(store: SqlStore, n: int, batch: int) -> None:
    have = store.audit_head()[0]
    started = time.perf_counter()
    while have < n:
        count = min(batch, n - have)
        with store.unit_of_work() as uow:
            uow.audit.append(event(have + k) for k in range(count))
            uow.commit()
        have += count
        if have % 100_000 < batch:
            print(f"  built {have:,}/{n:,} rows ({have / (time.perf_counter() - started):,.0f}/s)", flush=True)


def timed(label: str, run) -> float:
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    print(f"  {label:<12} {seconds:7.2f} s   {result}", flush=True)
    return seconds


def measure(name: str, db, n: int, batch: int, reference: bool) -> None:
    upgrade(db)
    store = SqlStore(db)
    build(store, n, batch)
    head = store.audit_head()[0]
    print(f"{name}: {head:,} rows", flush=True)
    raw = timed("raw read", lambda: sum(1 for _ in stored_rows(db, head)))
    verify = timed("verify", lambda: audit_service.verify(store).ok)
    if reference:
        timed("reference", lambda: verify_rows(store.audit_rows()).ok)
    print(f"  verify/raw {verify / raw:.2f}; verify {'under' if verify < 10 else 'OVER'} the 10 s target", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5_000, help="rows per transaction while building")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--keep", default=None, help="SQLite file or PostgreSQL schema to build in and keep")
    parser.add_argument("--no-reference", action="store_true", help="skip the slow reference verification")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        path = Path(args.keep) if args.keep and args.backend == "sqlite" else \
            Path(tempfile.mkdtemp(prefix="bench_audit_")) / "alur.db"
        db = make_engine(f"sqlite:///{path}")
        try:
            measure("SQLite (WAL, file)", db, args.n, args.batch, not args.no_reference)
        finally:
            db.dispose()
    if args.backend in ("postgresql", "both"):
        schema = args.keep if args.keep and args.backend == "postgresql" else f"bench_{uuid.uuid4().hex[:10]}"
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        db = make_engine(POSTGRES_URL, schema=schema)
        try:
            measure(f"PostgreSQL (schema {schema})", db, args.n, args.batch, not args.no_reference)
        finally:
            db.dispose()
            if not (args.keep and args.backend == "postgresql"):
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
