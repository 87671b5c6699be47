"""How long "where complaints wait" takes over a busy quarter, against reading the same audit rows raw.

Builds ``--n`` complaints of Q3 2026 (default 20,000) as audit rows shaped like the shipped SOP's heavy path
(open, verify, ask the complainant for a document and get it, forward to the team, hand to an agency, its
acknowledgement and answer, the answer drafted, archived and delivered: 11 rows a complaint, with the
clock notes the engine writes), appended through the store in transactions of ``--batch`` rows, then times
on SQLite (WAL file) and PostgreSQL (a schema of its own):

* **raw read** (baseline) -- `workflow.store.queries.stages.raw_rows`: the very statement the trail reader
  runs (the period's tickets' rows in ticket and sequence order), every row fetched and dropped;
* **stays** -- `workflow.reports.stages.collect`: the same rows read, their JSON parsed where needed, and
  every complaint's stays, pauses and promise run computed with the office's working calendar;
* **section** -- `workflow.reports.stages.build_section`: what the console page, the report and
  ``alur history stages`` run: stays of this quarter and the previous one, every grouping, the bottleneck,
  the promise figure.

Prints each time and stays/raw, section/raw.

    .venv/bin/python benchmarks/bench_stages.py                       # both backends, 20,000 complaints
    .venv/bin/python benchmarks/bench_stages.py --n 5000 --backend sqlite
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from benchmarks.sop import KEY, POSTGRES_URL, SOP  # noqa: E402
from workflow.core.audit import AuditEvent  # noqa: E402
from workflow.core.calendar import WorkingCalendar  # noqa: E402
from workflow.core.period import parse_period  # noqa: E402
from workflow.reports.stages import DefinitionBook, build_section, collect  # noqa: E402
from workflow.services.publish import publish  # noqa: E402
from workflow.spec.catalog import default_catalogs  # noqa: E402
from workflow.store.db import make_engine, upgrade  # noqa: E402
from workflow.store.queries.stages import raw_rows  # noqa: E402
from workflow.store.sql import SqlStore  # noqa: E402

QUARTER = parse_period("2026-Q3")
NOW = datetime(2026, 10, 15, 2, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)
KINDS = ("langsung", "email", "whatsapp", "website")
AGENCIES = ("dinas_esdm", "dinas_pupr", "dinas_lhk", "disperindag")
CLOCKS = ("penyelesaian", "tanggapan_awal")


def walk(i: int) -> list[AuditEvent]:
    """One complaint's rows (ticket id ``i + 1``), opened somewhere in the quarter."""
    tid, receipt = i + 1, f"ADU-2026-{i + 1:06d}"
    t0 = QUARTER.start_utc + timedelta(minutes=(i * 7919) % (88 * 24 * 60))
    base = dict(ticket_id=tid, receipt_no=receipt, definition_key=KEY, definition_version=1, actor_id="petugas1",
                actor_role="petugas")

    def row(kind, at, trigger, source, dest, inputs=None, notes=None):
        return AuditEvent(kind=kind, at=at, trigger=trigger, from_state=source, to_state=dest, inputs=inputs or {},
                          detail={"clocks": notes} if notes else {}, **base)

    def ops(op, *clocks, **extra):
        return [{"clock": c, "op": op, "run": 1, **extra} for c in clocks]

    wait, agency = (i % 5) * 6 * H, AGENCIES[i % len(AGENCIES)]
    return [
        row("open", t0, None, None, "diterima", {"kanal": KINDS[i % len(KINDS)], "kategori": "durasi_waktu",
                                                 "perihal": "Izin lama"}, ops("start", *CLOCKS, due_at=None)),
        row("transition", t0 + H, "minta_kelengkapan", "diterima", "menunggu_kelengkapan", {"kekurangan": "KTP"},
            ops("pause", *CLOCKS)),
        row("transition", t0 + H + wait + H, "lengkapi", "menunggu_kelengkapan", "diterima", {"kelengkapan": "ok"},
            ops("resume", *CLOCKS, due_at=None)),
        row("transition", t0 + 3 * H + wait, "verifikasi", "diterima", "terverifikasi",
            {"tingkat": "berat", "kewenangan": "dalam"}),
        row("transition", t0 + 4 * H + wait, "teruskan_tim", "terverifikasi", "ditangani_tim", {},
            ops("stop", "tanggapan_awal", net=0.1, gross_seconds=1.0)),
        row("transition", t0 + 20 * H + wait, "serahkan_opd", "ditangani_tim", "diserahkan_opd",
            {"opd": agency, "permintaan": "Tinjau"}, [{"clock": "opd_ack", "op": "start", "run": 1}]),
        row("transition", t0 + 24 * H + wait, "konfirmasi_opd", "diserahkan_opd", "diproses_opd", {},
            [{"clock": "opd_ack", "op": "stop", "run": 1}, {"clock": "opd_jawaban", "op": "start", "run": 1}]),
        row("transition", t0 + (50 + i % 40) * H + wait, "jawab_opd", "diproses_opd", "ditangani_tim",
            {"jawaban_opd": "Dijadwalkan"}, [{"clock": "opd_jawaban", "op": "stop", "run": 1}]),
        row("transition", t0 + (100 + i % 60) * H + wait, "jawab", "ditangani_tim", "dijawab",
            {"analisa": "a", "tindak_lanjut": "t", "jawaban": "j"},
            [{"clock": "penyampaian", "op": "start", "run": 1}]),
        row("transition", t0 + (102 + i % 60) * H + wait, "arsipkan", "dijawab", "diarsipkan", {}),
        row("transition", t0 + (110 + i % 60) * H + wait, "sampaikan", "diarsipkan", "menunggu_konfirmasi",
            {"media_jawaban": "email"}, ops("stop", "penyelesaian", "penyampaian", net=1.0, gross_seconds=1.0)),
    ]


def build(store: SqlStore, n: int, batch: int) -> None:
    """Append the complaints' rows (and a tickets row each, for the trail's foreign keys elsewhere)."""
    publish(store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=QUARTER.start_utc)
    started, done, pending = time.perf_counter(), 0, []
    for i in range(n):
        pending.extend(walk(i))
        if len(pending) >= batch or i == n - 1:
            with store.unit_of_work() as uow:
                uow.audit.append(pending)
                uow.commit()
            done, pending = i + 1, []
            if done % 10_000 < batch // 11 + 1:
                print(f"  built {done:,}/{n:,} complaints ({done / (time.perf_counter() - started):,.0f}/s)",
                      flush=True)


def timed(label: str, run) -> float:
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    print(f"  {label:<10} {seconds:7.2f} s   {result}", flush=True)
    return seconds


def measure(name: str, db, n: int, batch: int, rounds: int) -> None:
    upgrade(db)
    store = SqlStore(db)
    build(store, n, batch)
    calendar, catalogs = WorkingCalendar(), default_catalogs()
    book = DefinitionBook(store, catalogs)
    print(f"{name}: {n:,} complaints", flush=True)
    raws, stays, sections = [], [], []
    for _ in range(rounds):  # interleaved, so load from other processes hits each side alike
        raws.append(timed("raw read", lambda: f"{raw_rows(store, QUARTER.start_utc, QUARTER.end_utc):,} rows"))
        stays.append(timed("stays", lambda: f"{len(collect(store, QUARTER, book=book, calendar=calendar, now=NOW)):,} "
                                            "complaints"))
        sections.append(timed("section", lambda: build_section(
            store, QUARTER, catalogs=catalogs, calendar=calendar, now=NOW,
            by=("opd", "kategori", "kanal", "tingkat", "month")).movement_sentence[:60]))
    raw, stay, section = min(raws), min(stays), min(sections)
    print(f"  best of {rounds}: raw {raw:.2f} s, stays {stay:.2f} s, section {section:.2f} s; "
          f"stays/raw {stay / raw:.1f}, section/raw {section / raw:.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="complaints in the quarter")
    parser.add_argument("--batch", type=int, default=5_500, help="rows per transaction while building")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        db = make_engine(f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench_stages_')) / 'alur.db'}")
        try:
            measure("SQLite (WAL, file)", db, args.n, args.batch, args.rounds)
        finally:
            db.dispose()
    if args.backend in ("postgresql", "both"):
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = make_engine(POSTGRES_URL)
        try:
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        except Exception as exc:  # noqa: BLE001 - an unreachable server skips the backend, as the others do
            print(f"PostgreSQL skipped: {exc}")
            return
        db = make_engine(POSTGRES_URL, schema=schema)
        try:
            measure(f"PostgreSQL (schema {schema})", db, args.n, args.batch, args.rounds)
        finally:
            db.dispose()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
