"""Historical CSV import (all or nothing) and ticket migration between definition versions, via the CLI."""
from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from workflow.core.audit import verify_rows
from workflow.cli import cli
from workflow.runtime import build_runtime

from .conftest import ROOT, SOP

Q1 = ROOT / "tests" / "data" / "evaluasi_2021_q1.csv"
HEADER = "tanggal,pemohon,perihal,sektor,jenis_izin,kategori,analisa,tindak_lanjut\n"


def run(db_engine, *args):
    runtime = build_runtime(db=db_engine)
    result = CliRunner().invoke(cli, list(args), obj={"runtime": runtime}, catch_exceptions=False)
    return result, runtime


def count(db_engine, sql: str) -> int:
    with db_engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar()


def test_report_table_imports_as_closed_audited_tickets(db_engine, published):
    result, runtime = run(db_engine, "import", "complaints", str(Q1))
    assert result.exit_code == 0, result.output
    assert "imported 16 complaint(s) (ADU-2021-000001 … ADU-2021-000016)" in result.output
    assert count(db_engine, "SELECT count(*) FROM tickets WHERE imported AND closed_at IS NOT NULL") == 16
    with db_engine.connect() as conn:
        by_sector = dict(conn.execute(sa.text("SELECT sektor, count(*) FROM tickets GROUP BY sektor")).all())
        first = conn.execute(sa.text("SELECT t.fields, i.data FROM tickets t JOIN ticket_identities i "
                                     "ON i.ticket_id = t.id WHERE receipt_no = 'ADU-2021-000001'")).one()
    assert by_sector["esdm"] == 5 and by_sector["pupr"] == 3 and "kesehatan" not in by_sector
    fields = first.fields if isinstance(first.fields, dict) else __import__("json").loads(first.fields)
    assert fields["jenis_izin"] and fields["analisa"].startswith("Pemohon belum dilakukan")
    rows = list(runtime.store.audit_rows())
    assert sum(r["kind"] == "import" for r in rows) == 16
    assert verify_rows(rows).ok


def test_a_bad_file_imports_nothing_and_lists_every_bad_line(db_engine, published, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER
                   + "2021-01-18,PT A,Izin lama,Energi dan Sumber Daya Mineral,SIPA,Durasi Waktu,ok,ok\n"
                   + "2021-02-30,PT B,Izin lama,Energi dan SDM,SIPA,Durasi Waktu,ok,ok\n"
                   + "2021-03-01,PT C,Izin lama,Kesehatan,Izin Praktik Dokter Hewan,Lambat,ok,ok\n"
                   + "2021-03-02,PT D,Izin lama,Perhubungan,IUJPT\n", encoding="utf-8")
    result, _ = run(db_engine, "import", "complaints", str(bad))
    assert result.exit_code == 1
    out = result.output
    assert "line 3, column 'tanggal'" in out
    assert "line 3, column 'sektor': 'Energi dan SDM' is not in the sektor catalog; closest: Energi dan Sumber Daya Mineral" in out
    assert "line 4, column 'kategori': 'Lambat'" in out
    assert "line 5" in out and "cells but the header has 8" in out
    assert "nothing imported" in out
    assert count(db_engine, "SELECT count(*) FROM tickets") == 0
    assert count(db_engine, "SELECT count(*) FROM audit_log WHERE kind = 'import'") == 0


def test_import_tolerates_case_spacing_and_semicolons(db_engine, published, tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text("Tanggal;Pemohon;Perihal;Sektor;Jenis Izin;Kategori;Analisa;Tindak_Lanjut;Status\n"
                   "18/01/21;PT A;Izin lama;  energi dan sumber daya  MINERAL ;sipa;durasi waktu;ok;ok;dialihkan\n",
                   encoding="utf-8-sig")
    result, _ = run(db_engine, "import", "complaints", str(odd))
    assert result.exit_code == 0, result.output
    with db_engine.connect() as conn:
        row = conn.execute(sa.text("SELECT sektor, jenis_izin, kategori, state, outcome FROM tickets")).one()
    assert tuple(row) == ("esdm", "esdm_sipa", "durasi_waktu", "dialihkan", "transferred")


def test_migration_shows_a_dry_run_then_moves_open_tickets_with_audit(db_engine, published, engine, actors, record,
                                                                    tmp_path):
    open_ticket = engine.open("pengaduan-ptsp", record, actors["petugas"]).ticket
    waiting = engine.open("pengaduan-ptsp", record, actors["petugas"]).ticket
    engine.fire(waiting.id, "minta_kelengkapan", actors["petugas"], {"kekurangan": "KTP"})
    closed = engine.open("pengaduan-ptsp", record, actors["petugas"]).ticket
    engine.fire(closed.id, "tolak", actors["petugas"], {"alasan": "dobel"})
    v2 = SOP.read_text(encoding="utf-8").replace("  menunggu_kelengkapan:\n", "  menunggu_pemohon:\n") \
        .replace("to: menunggu_kelengkapan", "to: menunggu_pemohon").replace("from: menunggu_kelengkapan", "from: menunggu_pemohon") \
        .replace("[menunggu_kelengkapan]", "[menunggu_pemohon]") \
        .replace("[diterima, terverifikasi, menunggu_kelengkapan]", "[diterima, terverifikasi, menunggu_pemohon]") \
        .replace("[diterima, terverifikasi, menunggu_kelengkapan, ditangani_tim", "[diterima, terverifikasi, menunggu_pemohon, ditangani_tim")
    path = tmp_path / "pengaduan-ptsp-v2.yaml"
    path.write_text(v2, encoding="utf-8")
    try:
        result, runtime = run(db_engine, "definitions", "publish", str(path))
        assert "published pengaduan-ptsp v2" in result.output, result.output
        dry, _ = run(db_engine, "tickets", "migrate", "--to", "2")
        assert "1 ticket(s) can move to pengaduan-ptsp v2; 1 cannot" in dry.output
        assert "BLOCKED " + waiting.receipt_no in dry.output and "--map menunggu_kelengkapan=" in dry.output
        assert "dry run: nothing changed" in dry.output
        assert count(db_engine, "SELECT count(*) FROM tickets WHERE definition_version = 2") == 0
        refused, _ = run(db_engine, "tickets", "migrate", "--to", "2", "--apply")
        assert refused.exit_code == 1 and count(db_engine, "SELECT count(*) FROM tickets WHERE definition_version = 2") == 0
        applied, runtime = run(db_engine, "tickets", "migrate", "--to", "2", "--map", "menunggu_kelengkapan=menunggu_pemohon",
                               "--apply")
        assert applied.exit_code == 0, applied.output
        assert "migrated 2 ticket(s)" in applied.output
    finally:
        path.unlink()
    moved = runtime.engine.load(waiting.id)
    assert (moved.definition_version, moved.state) == (2, "menunggu_pemohon")
    assert runtime.engine.load(open_ticket.id).definition_version == 2
    assert runtime.engine.load(closed.id).definition_version == 1  # closed tickets stay on their version
    resumed = runtime.engine.fire(waiting.id, "lengkapi", actors["pemohon"], {"kelengkapan": "terlampir"})
    assert resumed.state == "diterima"
    migrations = [r for r in runtime.store.audit_rows() if r["kind"] == "migrate"]
    assert len(migrations) == 2 and migrations[0]["detail"]["from_version"] == 1
    assert verify_rows(runtime.store.audit_rows()).ok


def test_audit_cli_verifies_exports_and_detects_tampering(db_engine, published, engine, actors, record, tmp_path):
    ticket = engine.open("pengaduan-ptsp", record, actors["petugas"]).ticket
    engine.fire(ticket.id, "verifikasi", actors["petugas"], {"tingkat": "ringan", "kewenangan": "dalam"})
    ok, _ = run(db_engine, "audit", "verify")
    assert ok.exit_code == 0 and "audit chain intact: 3 rows" in ok.output
    out = tmp_path / "audit.jsonl"
    exported, _ = run(db_engine, "audit", "export", "-o", str(out))
    assert exported.exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and '"kind":"publish"' in lines[0]
    csv_out = tmp_path / "audit.csv"
    run(db_engine, "audit", "export", "--format", "csv", "-o", str(csv_out))
    assert csv_out.read_text(encoding="utf-8").splitlines()[0].startswith("seq,kind,at,actor_id")
    from .test_engine import _tamper
    from workflow.store.sql import SqlStore
    _tamper(SqlStore(db_engine), "UPDATE audit_log SET to_state = 'selesai' WHERE seq = 3")
    broken, _ = run(db_engine, "audit", "verify")
    assert broken.exit_code == 1 and "BROKEN at row 3" in broken.output
