"""How long ``alur whatif`` takes over a quarter of 100,000 tickets, against reading the same audit rows raw.

Builds, in an SQLite file (WAL), the trail of ``--tickets`` tickets (default 100,000) opened through 2026-Q3,
about eight recorded steps each (~800,000 rows): three real routes of the shipped SOP (a light complaint
answered at the desk; a medium one handed to an agency that acknowledges and answers; one that waits on the
complainant and is then rejected), each recorded once by the engine on the memory store and copied with
shifted times, ticket ids and receipts by one ``executemany`` per batch (the chain hashes are placeholders:
nothing here verifies them). Then it times, interleaved, ``--rounds`` times:

* **raw read** (baseline) -- the read model's statement (`workflow.store.queries.replay.opened_statement`:
  the period's tickets' steps in ticket and sequence order) run through SQLAlchemy Core in a read-only unit of
  work, as the read model runs it, every row fetched, nothing parsed: the floor any replay pays.
* **read + parse** -- `trail_rows` (JSON parsed, times made aware) and `histories` grouping, no replay.
* **what if** -- `workflow.services.whatif.what_if`, what ``alur whatif`` runs: every ticket replayed twice
  (today's SOP, and a draft with a shorter overall budget and a closed extra day), the comparison and the
  report; ``what if xN`` the same in ``--workers`` forked processes. ``--profile N`` profiles one more run
  and prints the top N functions.
* **console, 1st / next draft** (``--drafts``) -- what the console runs (``remember=True``): the first draft
  keeps what the comparison read of today's replays, and a second draft (a 6-day budget) over the same trail
  and today skips them.

Prints each wall and CPU time (on a busy machine the CPU time is the work; wall time also measures the
neighbours), what-if/raw in CPU time, and what-if per ticket. Target (issue 15): what if under 60 s, within 3x of
the raw read.

    .venv/bin/python benchmarks/bench_whatif.py                       # 100,000 tickets
    .venv/bin/python benchmarks/bench_whatif.py --tickets 10000 --rounds 1
"""
from __future__ import annotations

import argparse
import random
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.sop import KEY, OFFICER, RECORD, SOP  # noqa: E402
from workflow.core.guards import Actor  # noqa: E402
from workflow.core.period import parse_period  # noqa: E402
from workflow.core.replay import STEP_KINDS, histories  # noqa: E402
from workflow.runtime import build_runtime  # noqa: E402
from workflow.services import whatif as service  # noqa: E402
from workflow.services.engine import Engine  # noqa: E402
from workflow.services.publish import publish  # noqa: E402
from workflow.store.db import make_engine, upgrade  # noqa: E402
from workflow.store.memory import MemoryStore  # noqa: E402
from workflow.store.queries import replay as reader  # noqa: E402
from workflow.store.rules.on_time import outcome  # noqa: E402

PERIOD = parse_period("2026-Q3")
TEAM = Actor("tim1", frozenset({"tim"}), "Tim")
LIAISON = Actor("esdm1", frozenset({"opd_liaison"}), "ESDM", opd="dinas_esdm")
PEMOHON = Actor("pemohon", frozenset({"pemohon"}), "Pemohon")
# (trigger, actor, inputs, minutes after the step before)
ROUTES = {
    "light": [("verifikasi", OFFICER, {"tingkat": "ringan", "kewenangan": "dalam"}, 45),
              ("jawab_langsung", OFFICER, {"analisa": "Informasi persyaratan.", "jawaban": "Syarat dilengkapi."}, 60),
              ("arsipkan", OFFICER, {}, 300), ("sampaikan", OFFICER, {"media_jawaban": "email"}, 200),
              ("konfirmasi_puas", PEMOHON, {}, 2900)],
    "agency": [("verifikasi", OFFICER, {"tingkat": "sedang", "kewenangan": "dalam"}, 90),
               ("teruskan_tim", OFFICER, {}, 30),
               ("serahkan_opd", TEAM, {"opd": "dinas_esdm", "permintaan": "Mohon jadwal peninjauan."}, 400),
               ("konfirmasi_opd", LIAISON, {}, 900), ("jawab_opd", LIAISON, {"jawaban_opd": "Dijadwalkan."}, 2000),
               ("jawab", TEAM, {"analisa": "OPD menjadwalkan.", "tindak_lanjut": "Pantau.", "jawaban": "Jadwal."}, 300),
               ("arsipkan", OFFICER, {}, 100), ("sampaikan", OFFICER, {"media_jawaban": "email"}, 100),
               ("konfirmasi_puas", PEMOHON, {}, 1500)],
    "waiting": [("minta_kelengkapan", OFFICER, {"kekurangan": "Nomor registrasi."}, 120),
                ("lengkapi", PEMOHON, {"kelengkapan": "REG-2026-0042", "kembali_ke": "petugas"}, 4000),
                ("verifikasi", OFFICER, {"tingkat": "ringan", "kewenangan": "dalam"}, 60),
                ("tolak", OFFICER, {"alasan": "Bukan pengaduan pelayanan."}, 60)],
}
MIX = ["agency"] * 10 + ["light"] * 7 + ["waiting"] * 3  # ~7.9 steps a ticket
DRAFT = SOP.read_text(encoding="utf-8").replace("budget: {amount: 7, unit: calendar_days}",
                                                "budget: {amount: 5, unit: calendar_days}")


def templates() -> dict[str, list[dict]]:
    """Each route recorded once by the engine on the memory store: its audit rows, times relative to opening."""
    store = MemoryStore()
    publish(store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=PERIOD.start_utc)
    engine = Engine(store)
    out = {}
    for name, steps in ROUTES.items():
        now = PERIOD.start_utc + timedelta(hours=2)
        ticket = engine.open(KEY, RECORD, OFFICER, now=now).ticket
        for trigger, actor, inputs, minutes in steps:
            now += timedelta(minutes=minutes)
            missing = {"kembali_ke"} if trigger == "lengkapi" else set()
            engine.fire(ticket.id, trigger, actor, {k: v for k, v in inputs.items() if k not in missing}, now=now)
        rows = [r for r in store._tables.audit if r["ticket_id"] == ticket.id and r["kind"] in STEP_KINDS]
        assert len(rows) == len(steps) + 1, (name, [r["kind"] for r in rows])
        base = rows[0]["at"]
        out[name] = [dict(r, offset=r["at"] - base) for r in rows]
    return out


def build(path: Path, tickets: int, batch: int = 20_000) -> int:
    """The trail of ``tickets`` tickets copied from the templates; returns the number of rows."""
    db = make_engine(f"sqlite:///{path}")
    upgrade(db)
    publish(build_runtime(db=db).store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin",
            now=PERIOD.start_utc - timedelta(days=30))
    db.dispose()
    shapes = templates()
    rng = random.Random(15)
    span = (PERIOD.end_utc - PERIOD.start_utc).total_seconds() - 86400
    conn = sqlite3.connect(path)
    seq = conn.execute("SELECT coalesce(max(seq), 0) FROM audit_log").fetchone()[0]
    sql = ("INSERT INTO audit_log (seq, kind, at, actor_id, actor_role, ticket_id, receipt_no, \"trigger\", "
           "from_state, to_state, inputs, definition_key, definition_version, detail, prev_hash, hash) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    rows, placeholder = [], "0" * 64
    started = time.perf_counter()
    for number in range(1, tickets + 1):
        opened = PERIOD.start_utc + timedelta(seconds=span * (number - 1) / tickets + rng.randint(0, 59))
        receipt = f"ADU-2026-{number:06d}"
        for r in shapes[rng.choice(MIX)]:
            seq += 1
            at = (opened + r["offset"]).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
            rows.append((seq, r["kind"], at, r["actor_id"], r["actor_role"], number, receipt, r["trigger"],
                         r["from_state"], r["to_state"], r["_inputs"], r["definition_key"], r["definition_version"],
                         r["_detail"], placeholder, placeholder))
        if len(rows) >= batch or number == tickets:
            conn.executemany(sql, rows)
            conn.commit()
            rows = []
    conn.execute("ANALYZE")
    conn.commit()
    count = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    conn.close()
    print(f"  built {tickets:,} tickets, {count:,} audit rows in {time.perf_counter() - started:.1f} s", flush=True)
    return count


def raw_read(rt) -> str:
    """The read model's statement through SQLAlchemy Core on a read-only connection, rows fetched, nothing parsed."""
    statement = reader.opened_statement(KEY, PERIOD.start_utc, PERIOD.end_utc)
    count = 0
    with rt.store.unit_of_work(read_only=True) as uow:
        result = uow.conn.execute(statement, execution_options={"stream_results": True, "yield_per": reader.BATCH})
        for _ in result:
            count += 1
    return f"{count:,} rows"


def read_parse(rt) -> str:
    with rt.store.unit_of_work(read_only=True) as uow:
        count = sum(1 for _ in histories(reader.trail_rows(uow, KEY, PERIOD.start_utc, PERIOD.end_utc)))
    return f"{count:,} tickets"


def what_if(rt, proposal, workers: int = 1, remember: bool = False) -> str:
    data = service.what_if(rt, proposal, PERIOD, reader=reader, judge=outcome, workers=workers, remember=remember)
    whole = next(c for c in data["clocks"] if c["clock"] == "penyelesaian")
    return (f"{data['tickets']:,} tickets, {data['stranded']['tickets']} stranded; penyelesaian late "
            f"{whole['today']['late']:,} -> {whole['proposed']['late']:,}, median shift "
            f"{whole['due_shift_hours']['median']} h, {len(data['escalation_changes']):,} rung changes")


def _cpu() -> float:
    """CPU seconds of this process and its (finished) children: on a shared, busy machine wall time measures
    the neighbours, CPU time the work."""
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def timed(label: str, run) -> float:
    """Runs ``run``, prints wall and CPU seconds; returns the CPU seconds."""
    started, cpu = time.perf_counter(), _cpu()
    result = run()
    seconds, used = time.perf_counter() - started, _cpu() - cpu
    print(f"  {label:<15} wall {seconds:7.2f} s   cpu {used:7.2f} s   {result}", flush=True)
    return used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", default=None, help="an SQLite file to build once and reuse")
    parser.add_argument("--profile", type=int, default=0, help="profile one more what-if run; print the top N")
    parser.add_argument("--workers", type=int, default=2, help="also time the replay in this many processes")
    parser.add_argument("--drafts", action="store_true", help="also time the console's first and next draft")
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    path = Path(args.keep) if args.keep else Path(folder.name) / "whatif.db"
    if not path.exists():
        build(path, args.tickets)
    rt = build_runtime(db=make_engine(f"sqlite:///{path}"))
    draft = service.draft_from_text(rt, DRAFT, "draft.yaml")
    closures = service.closures_from_text("2026-08-21 tutup Cuti bersama (usulan)", "bench")
    proposal = service.Proposal(draft, closures, None, "draft.yaml")
    another = service.Proposal(service.draft_from_text(rt, DRAFT.replace("amount: 5, unit: calendar_days",
                                                                         "amount: 6, unit: calendar_days"),
                                                       "draft6.yaml"), closures, None, "draft6.yaml")
    print(f"SQLite (WAL, file) {path}: period {PERIOD.key}", flush=True)
    raw, parsed, replayed, parallel, nexts = [], [], [], [], []
    for _ in range(args.rounds):
        raw.append(timed("raw read", lambda: raw_read(rt)))
        parsed.append(timed("read + parse", lambda: read_parse(rt)))
        replayed.append(timed("what if", lambda: what_if(rt, proposal)))
        if args.workers > 1:
            parallel.append(timed(f"what if x{args.workers}", lambda: what_if(rt, proposal, args.workers)))
        if args.drafts:
            service.forget()
            timed("console, 1st", lambda: what_if(rt, proposal, remember=True))
            nexts.append(timed("console, next", lambda: what_if(rt, another, remember=True)))
            service.forget()
    best_raw, best = min(raw), min(replayed)
    print(f"  best CPU: raw read {best_raw:.2f} s, read + parse {min(parsed):.2f} s, what if {best:.2f} s "
          f"(two replays a ticket): what-if/raw {best / best_raw:.2f}, "
          f"{best / args.tickets * 1e6:.0f} µs a ticket", flush=True)
    if parallel:
        print(f"  what if in {args.workers} processes: {min(parallel):.2f} CPU s in all (wall above)", flush=True)
    if nexts:
        print(f"  console, next draft (today's replays kept): {min(nexts):.2f} CPU s, "
              f"{min(nexts) / best_raw:.2f} x the raw read", flush=True)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(what_if, rt, proposal)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
    rt.store.engine.dispose()
    folder.cleanup()


if __name__ == "__main__":
    main()
