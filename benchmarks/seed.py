"""Bulk-insert realistic tickets for benchmarks (and for anyone who needs a big database fast).

``seed_tickets(db_engine, n)`` writes ``n`` tickets with their identity rows and running clock rows,
bypassing the engine (a million fires would take hours): PostgreSQL through ``COPY`` (psycopg
``cursor.copy``), SQLite through ``executemany`` in large transactions. The rows look like what the
engine writes: the same columns, mirrored fields, JSON shapes, receipt numbers and clock arithmetic
(``penyelesaian``: 7 calendar days, ladder 50 % / 80 % / 100 % / +1 / +3 working days).

What is realistic and what is not:

* channels, categories, severities, sectors, permit types and OPDs are drawn with skewed weights
  (walk-ins and SIPEKA dominate; "Durasi Waktu" and the OSS/SIPEKA categories are frequent; a few
  sectors get most complaints), from the shipped catalogs;
* ``created_at`` is spread over the last two years (receipt numbers follow the local year);
* open tickets (``open_fraction``, default all of them) sit in the SOP's non-terminal states, weighted
  towards the team and the OPDs, each with one running ``penyelesaian`` clock whose current segment
  started in the last few days (a reopened or long-running case restarts its clock), so its next rung
  lies in the future, except for ``overdue_fraction`` of all tickets whose next rung is already due;
  tickets waiting on the complainant have that clock paused and those awaiting confirmation stopped,
  as the SOP's ``pause``/``stop`` rules leave them;
* closed tickets carry an outcome, ``closed_at`` and a stopped clock;
* no audit rows are written: the audit chain stays valid (it is simply shorter than the tickets);
  ``receipt_counters`` is advanced so tickets opened later get fresh numbers.

Run ``python -m benchmarks.seed --url URL --n 100000`` to seed a database from the shell.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from workflow.core.clocks import AT_RISK_PERCENT

ROOT = Path(__file__).resolve().parent.parent
WIB = ZoneInfo("Asia/Jakarta")

#: States an open ticket can be in, with rough weights (most wait on the team or on an OPD).
OPEN_STATES = {
    "diterima": 8, "terverifikasi": 6, "menunggu_kelengkapan": 3, "ditangani_tim": 25, "menunggu_arahan": 3,
    "diserahkan_opd": 10, "diproses_opd": 25, "klarifikasi_opd": 3, "dijawab": 7, "diarsipkan": 5,
    "menunggu_konfirmasi": 5,
}
CLOSED_STATES = {"selesai": 70, "selesai_tanpa_konfirmasi": 15, "dialihkan": 6, "ditolak": 4, "dicabut": 3,
                 "digabung": 2}
OUTCOMES = {"selesai": "answered", "selesai_tanpa_konfirmasi": "closed_unconfirmed", "dialihkan": "transferred",
            "ditolak": "rejected", "dicabut": "withdrawn", "digabung": "merged"}
KANAL = {"langsung": 30, "website_sipeka": 25, "sms_whatsapp": 15, "email": 10, "telepon": 10,
         "kotak_pengaduan": 5}
KATEGORI_WEIGHTS = {"durasi_waktu": 30, "pemahaman_pemohon": 15, "sistem_sipeka": 12, "sistem_oss": 12,
                    "pelayanan_masyarakat": 10, "lain_lain": 6, "salah_cetak": 5, "kebijakan": 4,
                    "sikap_petugas": 4, "pungutan_liar": 2}
TINGKAT = {"ringan": 40, "sedang": 45, "berat": 15}
ASSIGNEE = {"diterima": "petugas", "terverifikasi": "petugas", "menunggu_kelengkapan": "petugas",
            "ditangani_tim": "tim", "menunggu_arahan": "tim", "diserahkan_opd": "tim", "diproses_opd": "tim",
            "klarifikasi_opd": "tim", "dijawab": "petugas", "diarsipkan": "petugas", "menunggu_konfirmasi": "petugas"}
WITH_OPD = {"diserahkan_opd", "diproses_opd", "klarifikasi_opd"}

BUDGET_DAYS = 7.0


def _clock_rules(path: Path = ROOT / "definitions" / "pengaduan-ptsp.yaml") -> tuple[frozenset, frozenset]:
    """The states where the SOP pauses and stops ``penyelesaian``, read from the shipped definition.

    An open ticket waiting on the complainant has a paused clock, and one waiting for the complainant's
    confirmation has a stopped one; seeding them as running would make sweeps and dashboards count
    deadlines the engine never runs.
    """
    import yaml

    clock = yaml.safe_load(path.read_text(encoding="utf-8"))["clocks"]["penyelesaian"]
    return (frozenset(clock.get("pause", {}).get("states", ())),
            frozenset(clock.get("stop", {}).get("states", ())))


PAUSED_IN, STOPPED_IN = _clock_rules()
FIRST_RUNG_PERCENT = 50.0
TICKET_COLUMNS = (
    "id", "receipt_no", "token_hash", "definition_key", "definition_version", "state", "version", "kanal", "tingkat",
    "kategori", "sektor", "jenis_izin", "kerahasiaan", "perihal", "no_registrasi", "opd", "assignee_role",
    "assignee_id", "fields", "entered", "flags", "created_at", "updated_at", "closed_at", "outcome", "imported",
)
IDENTITY_COLUMNS = ("ticket_id", "data")
CLOCK_COLUMNS = (
    "ticket_id", "clock", "run", "unit", "budget", "status", "started_at", "resumed_at", "due_at", "consumed",
    "paused_at", "paused_seconds", "stopped_at", "next_rung", "next_rung_at", "calendar", "at_risk_at",
)
FIRST_NAMES = ("Siti", "Ahmad", "Dewi", "Budi", "Rina", "Agus", "Nur", "Eko", "Sri", "Hendra", "Yuli", "Dedi")
LAST_NAMES = ("Aminah", "Hidayat", "Lestari", "Santoso", "Wijaya", "Kurniawan", "Rahmawati", "Saputra")
CITIES = ("Serang", "Cilegon", "Tangerang", "Tangerang Selatan", "Pandeglang", "Lebak", "Kota Serang")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).isoformat()


def _sqlite_ts(value: datetime | None) -> str | None:
    # The format SQLAlchemy's SQLite DateTime type writes and compares (naive UTC).
    return None if value is None else value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _weighted(rng: random.Random, weights: dict[str, int], k: int) -> list[str]:
    return rng.choices(list(weights), weights=list(weights.values()), k=k)


def _ensure_definition(db: Engine, key: str) -> int:
    from workflow.store import models as m

    with db.connect() as conn:
        version = conn.execute(select(func.max(m.definitions.c.version)).where(m.definitions.c.key == key)).scalar()
    if version is not None:
        return int(version)
    from workflow.services.publish import publish
    from workflow.store.sql import SqlStore

    path = ROOT / "definitions" / f"{key}.yaml"
    result = publish(SqlStore(db), path.read_text(encoding="utf-8"), file=str(path), actor_id="seed",
                     now=datetime.now(timezone.utc))
    return result.version


def _rows(n: int, *, first_id: int, counters: dict[int, int], overdue_fraction: float, open_fraction: float,
          seed: int, definition_key: str, definition_version: int, now: datetime, calendar_fingerprint: str):
    """Yield (ticket, identity, clock) tuples with aware datetimes and Python JSON values."""
    from workflow.spec.catalog import default_catalogs

    catalogs = default_catalogs()
    rng = random.Random(seed)
    sektor_codes = list(catalogs.get("sektor").entries)
    # A few sectors get most complaints (the report: investment, ESDM, PUPR/spatial planning, environment).
    sektor_weights = [rng.paretovariate(1.2) for _ in sektor_codes]
    izin_by_sektor: dict[str, list[str]] = {}
    for entry in catalogs.get("jenis_izin").entries.values():
        izin_by_sektor.setdefault(entry.parent or "", []).append(entry.code)
    opd_codes = list(catalogs.get("opd").entries)
    opd_weights = [rng.paretovariate(1.5) for _ in opd_codes]
    kategori_codes = [k for k in KATEGORI_WEIGHTS if k in catalogs.get("kategori").entries] or \
        list(catalogs.get("kategori").entries)
    kategori_w = [KATEGORI_WEIGHTS.get(k, 1) for k in kategori_codes]

    is_overdue = [rng.random() < overdue_fraction for _ in range(n)]
    is_open = [overdue or rng.random() < open_fraction for overdue in is_overdue]
    two_years = 2 * 365 * 86400
    ages = sorted((rng.random() * two_years for _ in range(n)), reverse=True)  # ids grow with created_at
    open_states = _weighted(rng, OPEN_STATES, n)
    closed_states = _weighted(rng, CLOSED_STATES, n)
    kanal = _weighted(rng, KANAL, n)
    tingkat = _weighted(rng, TINGKAT, n)
    kategori = rng.choices(kategori_codes, weights=kategori_w, k=n)
    sektor = rng.choices(sektor_codes, weights=sektor_weights, k=n)
    opd = rng.choices(opd_codes, weights=opd_weights, k=n)
    step = FIRST_RUNG_PERCENT / 100.0 * BUDGET_DAYS

    for i in range(n):
        tid = first_id + i
        created = now - timedelta(seconds=ages[i])
        year = created.astimezone(WIB).year
        counters[year] = counters.get(year, 0) + 1
        receipt = f"ADU-{year}-{counters[year]:06d}"
        state = open_states[i] if is_open[i] else closed_states[i]
        sek = sektor[i]
        izin = rng.choice(izin_by_sektor.get(sek) or [None])
        reg = f"REG-{year}-{rng.randrange(1, 99999):05d}" if rng.random() < 0.7 else None
        perihal = f"Pengaduan {kategori[i].replace('_', ' ')} layanan {sek.replace('_', ' ')}"
        fields = {"kanal": kanal[i], "sektor": sek, "jenis_izin": izin, "kategori": kategori[i],
                  "perihal": perihal, "uraian": perihal + ": mohon ditindaklanjuti.", "tingkat": tingkat[i],
                  "kerahasiaan": "biasa", "no_registrasi": reg}
        ticket_opd = opd[i] if state in WITH_OPD else None
        # The current clock segment: started recently, so the next rung is near (or, if overdue, passed).
        if is_overdue[i]:
            age = step + rng.random() * (0.8 * BUDGET_DAYS - step) * 0.95
        else:
            age = rng.random() * step * 0.98
        started = now - timedelta(days=age)
        if started < created:
            created = started
        updated = started + timedelta(seconds=rng.random() * max(1.0, (now - started).total_seconds()))
        entered = {"diterima": _iso(created), state: _iso(updated)}
        closed_at = outcome = None
        flags: list[str] = []
        if is_open[i] and state in PAUSED_IN:  # waiting on the complainant since `updated`
            clock = (tid, "penyelesaian", 1, "calendar_days", BUDGET_DAYS, "paused", started, None,
                     started + timedelta(days=BUDGET_DAYS), (updated - started).total_seconds() / 86400.0, updated,
                     0.0, None, 0, None, calendar_fingerprint, None)
        elif is_open[i] and state in STOPPED_IN:  # answered; the office's clock stopped when it got here
            clock = (tid, "penyelesaian", 1, "calendar_days", BUDGET_DAYS, "stopped", started, None,
                     started + timedelta(days=BUDGET_DAYS), (updated - started).total_seconds() / 86400.0, None,
                     0.0, updated, None, None, calendar_fingerprint, None)
        elif is_open[i]:  # at risk from AT_RISK_PERCENT of the budget on (workflow.clocks.at_risk_time)
            clock = (tid, "penyelesaian", 1, "calendar_days", BUDGET_DAYS, "running", started, started,
                     started + timedelta(days=BUDGET_DAYS), 0.0, None, 0.0, None, 0,
                     started + timedelta(days=step), calendar_fingerprint,
                     started + timedelta(days=BUDGET_DAYS * AT_RISK_PERCENT / 100.0))
        else:
            closed_at = min(now, created + timedelta(days=0.2 + rng.random() * 12))
            updated, outcome = closed_at, OUTCOMES[state]
            entered[state] = _iso(closed_at)
            clock = (tid, "penyelesaian", 1, "calendar_days", BUDGET_DAYS, "stopped", created, None,
                     created + timedelta(days=BUDGET_DAYS), (closed_at - created).total_seconds() / 86400.0, None,
                     0.0, closed_at, None, None, calendar_fingerprint, None)
        token_hash = hashlib.sha256(f"seed-{seed}-{tid}".encode()).hexdigest()
        ticket = (tid, receipt, token_hash, definition_key, definition_version, state, 1, kanal[i], tingkat[i],
                  kategori[i], sek, izin, "biasa", perihal, reg, ticket_opd, ASSIGNEE.get(state), None, fields,
                  entered, flags, created, updated, closed_at, outcome, False)
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        identity = (tid, {"nama": name, "alamat": f"Jl. Raya No. {rng.randrange(1, 300)}, {rng.choice(CITIES)}",
                          "telepon": f"08{rng.randrange(10**9, 10**10)}"})
        yield ticket, identity, clock


def seed_tickets(db_engine: Engine, n: int, *, overdue_fraction: float = 0.01, seed: int = 42,
                 definition_key: str = "pengaduan-ptsp", progress: bool = True, open_fraction: float = 1.0,
                 now: datetime | None = None) -> None:
    """Insert ``n`` tickets (identity and clock rows included) into a migrated database.

    Args:
        overdue_fraction: share of tickets whose next ladder rung is already due at ``now``.
        open_fraction: share of the other tickets left open (the rest are closed with an outcome).
        now: the moment the data is built around (default: the wall clock).
    """
    from workflow.core.calendar import WorkingCalendar
    from workflow.store import models as m

    now = now or datetime.now(timezone.utc)
    version = _ensure_definition(db_engine, definition_key)
    with db_engine.connect() as conn:
        first_id = int(conn.execute(select(func.coalesce(func.max(m.tickets.c.id), 0))).scalar_one()) + 1
        counters = {int(r.year): int(r.last) for r in conn.execute(select(m.receipt_counters)).all()}
    rows = _rows(n, first_id=first_id, counters=counters, overdue_fraction=overdue_fraction,
                 open_fraction=open_fraction, seed=seed, definition_key=definition_key,
                 definition_version=version, now=now, calendar_fingerprint=WorkingCalendar().fingerprint())
    started = time.perf_counter()
    report = _Progress(n, progress)
    if db_engine.dialect.name == "postgresql":
        _copy_postgres(db_engine, rows, report)
    else:
        _insert_sqlite(db_engine, rows, report)
    _store_counters(db_engine, counters)
    report.done(time.perf_counter() - started)


class _Progress:
    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled, self.count, self.started = total, enabled, 0, time.perf_counter()
        self.every = max(1, total // 20)

    def tick(self, k: int = 1) -> None:
        before = self.count
        self.count += k
        if self.enabled and self.count // self.every != before // self.every:
            rate = self.count / max(1e-9, time.perf_counter() - self.started)
            print(f"  seeded {self.count:>10,}/{self.total:,} tickets ({rate:,.0f}/s)", file=sys.stderr, flush=True)

    def done(self, seconds: float) -> None:
        if self.enabled:
            print(f"  seeded {self.total:,} tickets in {seconds:.1f} s", file=sys.stderr, flush=True)


def _copy_postgres(db: Engine, rows, report: _Progress) -> None:
    raw = db.raw_connection()
    try:
        pg = raw.driver_connection
        identities: list[tuple] = []
        clocks: list[tuple] = []
        with pg.cursor() as cur:
            with cur.copy(f"COPY tickets ({', '.join(TICKET_COLUMNS)}) FROM STDIN") as copy:
                for ticket, identity, clock in rows:
                    t = list(ticket)
                    t[18], t[19], t[20] = json.dumps(t[18]), json.dumps(t[19]), json.dumps(t[20])
                    copy.write_row(t)
                    identities.append((identity[0], json.dumps(identity[1])))
                    clocks.append(clock)
                    report.tick()
            with cur.copy(f"COPY ticket_identities ({', '.join(IDENTITY_COLUMNS)}) FROM STDIN") as copy:
                for row in identities:
                    copy.write_row(row)
            with cur.copy(f"COPY ticket_clocks ({', '.join(CLOCK_COLUMNS)}) FROM STDIN") as copy:
                for row in clocks:
                    copy.write_row(row)
            for table in ("tickets", "ticket_clocks"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
            cur.execute("ANALYZE tickets")
            cur.execute("ANALYZE ticket_clocks")
        pg.commit()
    finally:
        raw.close()


def _insert_sqlite(db: Engine, rows, report: _Progress, batch: int = 50_000) -> None:
    ticket_sql = (f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * len(TICKET_COLUMNS))})")
    identity_sql = "INSERT INTO ticket_identities (ticket_id, data) VALUES (?, ?)"
    clock_sql = (f"INSERT INTO ticket_clocks ({', '.join(CLOCK_COLUMNS)}) "
                 f"VALUES ({', '.join('?' * len(CLOCK_COLUMNS))})")
    ts_ticket = (21, 22, 23)
    ts_clock = (6, 7, 8, 10, 12, 14)

    def flush(tickets, identities, clocks):
        with db.begin() as conn:
            cursor = conn.connection.driver_connection.cursor()
            cursor.executemany(ticket_sql, tickets)
            cursor.executemany(identity_sql, identities)
            cursor.executemany(clock_sql, clocks)
            cursor.close()
        report.tick(len(tickets))

    tickets: list[tuple] = []
    identities: list[tuple] = []
    clocks: list[tuple] = []
    for ticket, identity, clock in rows:
        t = list(ticket)
        t[18], t[19], t[20] = json.dumps(t[18]), json.dumps(t[19]), json.dumps(t[20])
        for k in ts_ticket:
            t[k] = _sqlite_ts(t[k])
        t[25] = int(t[25])
        c = list(clock)
        for k in ts_clock:
            c[k] = _sqlite_ts(c[k])
        tickets.append(tuple(t))
        identities.append((identity[0], json.dumps(identity[1])))
        clocks.append(tuple(c))
        if len(tickets) >= batch:
            flush(tickets, identities, clocks)
            tickets, identities, clocks = [], [], []
    if tickets:
        flush(tickets, identities, clocks)
    with db.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def _store_counters(db: Engine, counters: dict[int, int]) -> None:
    from workflow.store import models as m

    with db.begin() as conn:
        for year, last in counters.items():
            found = conn.execute(select(m.receipt_counters.c.last).where(m.receipt_counters.c.year == year)).scalar()
            if found is None:
                conn.execute(m.receipt_counters.insert().values(year=year, last=last))
            elif found < last:
                conn.execute(m.receipt_counters.update().where(m.receipt_counters.c.year == year)
                             .values(last=last))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of a database (migrated if needed)")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--overdue-fraction", type=float, default=0.01)
    parser.add_argument("--open-fraction", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    from workflow.store.db import make_engine, upgrade

    db = make_engine(args.url)
    upgrade(db)
    seed_tickets(db, args.n, overdue_fraction=args.overdue_fraction, open_fraction=args.open_fraction,
                 seed=args.seed)


if __name__ == "__main__":
    main()


__all__ = ["seed_tickets"]
