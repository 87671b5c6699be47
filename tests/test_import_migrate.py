"""Historical CSV import (all or nothing) and ticket migration between definition versions.

The rules (every bad line listed, nothing written unless all are good; which tickets may move where)
run on the in-memory store; one import and one migration run through the CLI on SQLite and PostgreSQL.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from workflow.cli import cli
from workflow.core.audit import verify_rows
from workflow.errors import ConcurrentUpdate, ImportFailed, MigrationError
from workflow.runtime import build_runtime
from workflow.services import migrate
from workflow.services.imports import check_file, import_complaints
from workflow.services.publish import publish

from .conftest import ROOT, SOP, memory_runtime

Q1 = ROOT / "tests" / "data" / "evaluasi_2021_q1.csv"
HEADER = "tanggal,pemohon,perihal,sektor,jenis_izin,kategori,analisa,tindak_lanjut\n"
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)


def run(db_engine, *args):
    runtime = build_runtime(db=db_engine)
    result = CliRunner().invoke(cli, list(args), obj={"runtime": runtime}, catch_exceptions=False)
    return result, runtime


def run_on(runtime, *args):
    return CliRunner().invoke(cli, list(args), obj={"runtime": runtime}, catch_exceptions=False)


def count(db_engine, sql: str) -> int:
    with db_engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar()


def stored(runtime, receipt_no: str):
    with runtime.store.unit_of_work() as uow:
        return uow.tickets.load(uow.tickets.id_by_receipt(receipt_no))


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


def test_a_bad_file_imports_nothing_and_lists_every_bad_line(tmp_path):
    runtime = memory_runtime()
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER
                   + "2021-01-18,PT A,Izin lama,Energi dan Sumber Daya Mineral,SIPA,Durasi Waktu,ok,ok\n"
                   + "2021-02-30,PT B,Izin lama,Energi dan SDM,SIPA,Durasi Waktu,ok,ok\n"
                   + "2021-03-01,PT C,Izin lama,Kesehatan,Izin Praktik Dokter Hewan,Lambat,ok,ok\n"
                   + "2021-03-02,PT D,Izin lama,Perhubungan,IUJPT\n", encoding="utf-8")
    result = run_on(runtime, "import", "complaints", str(bad))
    assert result.exit_code == 1
    out = result.output
    assert "line 3, column 'tanggal'" in out
    assert ("line 3, column 'sektor': 'Energi dan SDM' is not in the sektor catalog; "
            "closest: Energi dan Sumber Daya Mineral") in out
    assert "line 4, column 'kategori': 'Lambat'" in out
    assert "line 5" in out and "cells but the header has 8" in out
    assert "nothing imported" in out
    assert list(runtime.store.audit_rows(kind="import")) == []
    with runtime.store.unit_of_work() as uow:
        assert uow.receipts.next(2021) == 1  # no receipt number was used up


def test_import_tolerates_case_spacing_and_semicolons(tmp_path):
    runtime = memory_runtime()
    odd = tmp_path / "odd.csv"
    odd.write_text("Tanggal;Pemohon;Perihal;Sektor;Jenis Izin;Kategori;Analisa;Tindak_Lanjut;Status\n"
                   "18/01/21;PT A;Izin lama;  energi dan sumber daya  MINERAL ;sipa;durasi waktu;ok;ok;dialihkan\n",
                   encoding="utf-8-sig")
    result = run_on(runtime, "import", "complaints", str(odd))
    assert result.exit_code == 0, result.output
    ticket = stored(runtime, "ADU-2021-000001")
    assert (ticket.fields["sektor"], ticket.fields["jenis_izin"], ticket.fields["kategori"], ticket.state,
            ticket.outcome) == ("esdm", "esdm_sipa", "durasi_waktu", "dialihkan", "transferred")
    assert ticket.imported and ticket.closed_at is not None and ticket.identity == {"nama": "PT A"}


def test_the_header_is_checked_before_any_line(tmp_path):
    runtime = memory_runtime()
    path = tmp_path / "header.csv"
    path.write_text("tanggal,pemohon,perihal,sektr,jenis_izin,kategori,analisa,catatan\n2021-01-18,PT A\n",
                    encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        check_file(path, runtime.engine.definition("pengaduan-ptsp"), runtime.catalogs)
    assert [(e.line, e.column, e.message.split(";")[0]) for e in caught.value.errors] == [
        (1, "sektr", "unknown column"), (1, "catatan", "unknown column"),
        (1, "sektor", "required column is missing"), (1, "tindak_lanjut", "required column is missing")]
    hints = [e.message for e in caught.value.errors[:2]]
    assert hints[0].endswith("did you mean 'sektor'?") and "columns: tanggal, pemohon" in hints[1]
    # the short data line is not looked at until the header is right


def test_every_bad_cell_of_a_line_is_named(tmp_path):
    runtime = memory_runtime()
    path = tmp_path / "cells.csv"
    path.write_text(HEADER.strip() + ",status,tanggal_selesai,kanal\n"
                    "2021-03-02,,Izin lama,Perhubungan,SIPA,Durasi Waktu,,ok,dibuang,2021-03-01,surat merpati\n"
                    "2021-03-03,PT B,Izin lama,Energi dan Sumber Daya Mineral,SIPA,Durasi Waktu,ok,ok,dijawab,"
                    "2021-03-09,langsung\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        check_file(path, runtime.engine.definition("pengaduan-ptsp"), runtime.catalogs)
    bad = {(e.line, e.column): e.message for e in caught.value.errors}
    assert bad[(2, "pemohon")] == "is empty" and bad[(2, "analisa")] == "is empty"
    assert bad[(2, "tanggal_selesai")] == "is before tanggal"
    assert "belongs to another sector" in bad[(2, "jenis_izin")]
    assert "is not a closing state" in bad[(2, "status")] and "selesai" in bad[(2, "status")]
    assert "'surat merpati' is not in the kanal catalog" in bad[(2, "kanal")]
    assert [line for line, _ in bad] == [2] * len(bad)  # line 3 is good


def test_a_good_file_imports_closed_audited_tickets_in_one_unit_of_work(tmp_path):
    runtime = memory_runtime()
    result = import_complaints(runtime, Q1, actor_id="import", now=NOW)
    assert result.count == 16 and result.receipts[0] == "ADU-2021-000001" and result.receipts[-1] == "ADU-2021-000016"
    first = stored(runtime, "ADU-2021-000001")
    assert first.imported and first.state == "selesai" and first.fields["analisa"].startswith("Pemohon belum")
    rows = list(runtime.store.audit_rows(kind="import"))
    assert len(rows) == 16 and rows[0]["detail"]["line"] == 2 and rows[0]["inputs"]["nama"] != "PT. Mega Akses Persada"
    assert verify_rows(runtime.store.audit_rows()).ok


def v2_source() -> str:
    """The shipped SOP with ``menunggu_kelengkapan`` renamed ``menunggu_pemohon`` (tickets there cannot
    move without a ``--map``)."""
    return SOP.read_text(encoding="utf-8").replace("  menunggu_kelengkapan:\n", "  menunggu_pemohon:\n") \
        .replace("to: menunggu_kelengkapan", "to: menunggu_pemohon") \
        .replace("from: menunggu_kelengkapan", "from: menunggu_pemohon") \
        .replace("[menunggu_kelengkapan]", "[menunggu_pemohon]") \
        .replace("[diterima, terverifikasi, menunggu_kelengkapan]", "[diterima, terverifikasi, menunggu_pemohon]") \
        .replace("[diterima, terverifikasi, menunggu_kelengkapan, ditangani_tim",
                 "[diterima, terverifikasi, menunggu_pemohon, ditangani_tim")


@pytest.fixture
def three_tickets(actors, record):
    """On the memory store, v1 and v2 published: an open ticket, one waiting on the complainant, a closed one."""
    runtime = memory_runtime()
    engine = runtime.engine
    open_ticket = engine.open("pengaduan-ptsp", record, actors["petugas"]).ticket
    waiting = engine.open("pengaduan-ptsp", record, actors["petugas"]).ticket
    engine.fire(waiting.id, "minta_kelengkapan", actors["petugas"], {"kekurangan": "KTP"})
    closed = engine.open("pengaduan-ptsp", record, actors["petugas"]).ticket
    engine.fire(closed.id, "tolak", actors["petugas"], {"alasan": "dobel"})
    publish(runtime.store, v2_source(), file="pengaduan-ptsp-v2.yaml", actor_id="admin", now=NOW)
    return runtime, engine.load(open_ticket.id), engine.load(waiting.id), closed


def test_a_plan_shows_what_moves_and_why_the_rest_cannot(three_tickets):
    runtime, open_ticket, waiting, _ = three_tickets
    plan = migrate.plan(runtime, "pengaduan-ptsp", 2, {})
    assert [(m.ticket_id, m.from_state, m.to_state) for m in plan.moves] == [(open_ticket.id, "diterima", "diterima")]
    [blocked] = plan.blocked
    assert blocked.ticket_id == waiting.id and "add --map menunggu_kelengkapan=<state>" in blocked.reason
    closing = migrate.plan(runtime, "pengaduan-ptsp", 2, {"menunggu_kelengkapan": "selesai"})
    assert "closing state" in closing.blocked[0].reason
    mapped = migrate.plan(runtime, "pengaduan-ptsp", 2,
                          migrate.parse_mapping(["menunggu_kelengkapan = menunggu_pemohon"]))
    assert [m.to_state for m in mapped.moves] == ["diterima", "menunggu_pemohon"] and mapped.blocked == []
    assert migrate.plan(runtime, "pengaduan-ptsp", 2, {}, from_version=2).moves == []
    assert migrate.plan(runtime, "pengaduan-ptsp", 1, {}).moves == []  # nothing is on v2 yet
    with pytest.raises(MigrationError, match="state 'hilang' does not exist in pengaduan-ptsp v2"):
        migrate.plan(runtime, "pengaduan-ptsp", 2, {"menunggu_kelengkapan": "hilang"})
    with pytest.raises(MigrationError, match="old_state=new_state"):
        migrate.parse_mapping(["menunggu_kelengkapan"])


def test_applying_moves_each_ticket_with_an_audit_row_or_refuses(three_tickets):
    runtime, open_ticket, waiting, closed = three_tickets
    blocked_plan = migrate.plan(runtime, "pengaduan-ptsp", 2, {})
    with pytest.raises(MigrationError, match="1 ticket\\(s\\) cannot move"):
        migrate.apply(runtime, blocked_plan, "kasi1", NOW)
    assert runtime.engine.load(open_ticket.id).definition_version == 1  # a refused plan moves nothing
    plan = migrate.plan(runtime, "pengaduan-ptsp", 2, {"menunggu_kelengkapan": "menunggu_pemohon"})
    ticked: list[int] = []
    assert migrate.apply(runtime, plan, "kasi1", NOW, progress=ticked.append) == 2 and ticked == [1, 1]
    moved = runtime.engine.load(waiting.id)
    assert (moved.definition_version, moved.state, moved.entered["menunggu_pemohon"]) == (2, "menunggu_pemohon", NOW)
    assert moved.version == waiting.version + 1
    assert runtime.engine.load(closed.id).definition_version == 1
    rows = list(runtime.store.audit_rows(kind="migrate"))
    assert [(r["ticket_id"], r["from_state"], r["to_state"], r["detail"]["from_version"]) for r in rows] == [
        (open_ticket.id, "diterima", "diterima", 1), (waiting.id, "menunggu_kelengkapan", "menunggu_pemohon", 1)]
    assert rows[0]["detail"]["map"] == {"menunggu_kelengkapan": "menunggu_pemohon"}


def test_a_ticket_that_changed_since_the_plan_stops_the_migration_there(three_tickets, actors):
    runtime, open_ticket, waiting, _ = three_tickets
    plan = migrate.plan(runtime, "pengaduan-ptsp", 2, {})
    runtime.engine.fire(open_ticket.id, "verifikasi", actors["petugas"], {"tingkat": "ringan", "kewenangan": "dalam"})
    with pytest.raises(ConcurrentUpdate, match="changed since the plan was made"):
        migrate.apply(runtime, plan, "kasi1", NOW, skip_blocked=True)
    assert runtime.engine.load(open_ticket.id).definition_version == 1
    assert runtime.engine.load(waiting.id).definition_version == 1  # blocked: left on its version


def test_migration_shows_a_dry_run_then_moves_open_tickets_with_audit(db_engine, published, engine, actors, record,
                                                                    tmp_path):
    open_ticket = engine.open("pengaduan-ptsp", record, actors["petugas"]).ticket
    waiting = engine.open("pengaduan-ptsp", record, actors["petugas"]).ticket
    engine.fire(waiting.id, "minta_kelengkapan", actors["petugas"], {"kekurangan": "KTP"})
    closed = engine.open("pengaduan-ptsp", record, actors["petugas"]).ticket
    engine.fire(closed.id, "tolak", actors["petugas"], {"alasan": "dobel"})
    path = tmp_path / "pengaduan-ptsp-v2.yaml"
    path.write_text(v2_source(), encoding="utf-8")
    try:
        result, runtime = run(db_engine, "definitions", "publish", str(path))
        assert "published pengaduan-ptsp v2" in result.output, result.output
        dry, _ = run(db_engine, "tickets", "migrate", "--to", "2")
        assert "1 ticket(s) can move to pengaduan-ptsp v2; 1 cannot" in dry.output
        assert "BLOCKED " + waiting.receipt_no in dry.output and "--map menunggu_kelengkapan=" in dry.output
        assert "dry run: nothing changed" in dry.output
        assert count(db_engine, "SELECT count(*) FROM tickets WHERE definition_version = 2") == 0
        refused, _ = run(db_engine, "tickets", "migrate", "--to", "2", "--apply")
        assert refused.exit_code == 1 \
            and count(db_engine, "SELECT count(*) FROM tickets WHERE definition_version = 2") == 0
        applied, runtime = run(db_engine, "tickets", "migrate", "--to", "2",
                               "--map", "menunggu_kelengkapan=menunggu_pemohon", "--apply")
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
    from workflow.store.sql import SqlStore

    from .store.test_sql_audit import _tamper
    _tamper(SqlStore(db_engine), "UPDATE audit_log SET to_state = 'selesai' WHERE seq = 3")
    broken, _ = run(db_engine, "audit", "verify")
    assert broken.exit_code == 1 and "BROKEN at row 3" in broken.output
