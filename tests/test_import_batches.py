"""A long import does not block every writer (issue 13, item 3): it writes in short batches, so a fire made
while it runs goes through between two batches; a run the database interrupts is finished by running the
same command again, which skips the lines already imported. On SQLite and PostgreSQL."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from workflow.cli import cli
from workflow.runtime import build_runtime
from workflow.services import imports

from .conftest import walk_in_record
from .test_import_migrate import Q1, count


def test_a_fire_made_while_an_import_runs_is_not_held_until_the_import_ends(db_engine, published, actors,
                                                                            monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 4)
    monkeypatch.setattr(imports, "BATCH_SECONDS", 600)  # batches end by size here, however slow the machine
    runtime = build_runtime(db=db_engine)
    ticket = runtime.engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"]).ticket
    fired: list = []
    batches: list[int] = []

    def fire() -> None:
        fired.append(runtime.engine.fire(ticket.id, "verifikasi", actors["petugas"],
                                         {"tingkat": "sedang", "kewenangan": "dalam"}).state)

    def after_batch(n: int) -> None:
        """Called once a batch is written; the import has more to write. A fire from another thread now
        must finish before the import goes on: it would wait for the whole import if that held the chain."""
        batches.append(n)
        if len(batches) == 1:
            other = threading.Thread(target=fire)
            other.start()
            other.join(60)

    result = imports.import_complaints(runtime, Q1, progress=after_batch)
    assert result.count == 16 and batches == [4, 4, 4, 4]
    assert fired == ["terverifikasi"]
    assert count(db_engine, "SELECT count(*) FROM tickets WHERE imported") == 16


def test_an_import_the_database_interrupts_is_finished_by_running_it_again(db_engine, published, monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 5)
    monkeypatch.setattr(imports, "BATCH_SECONDS", 600)
    original = imports._save_row

    def failing(uow, engine, definition, row, *args):
        if row.line == 9:  # in the second batch: the database goes away
            raise sa.exc.OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))
        return original(uow, engine, definition, row, *args)

    monkeypatch.setattr(imports, "_save_row", failing)
    runtime = build_runtime(db=db_engine)
    first = CliRunner().invoke(cli, ["import", "complaints", str(Q1)], obj={"runtime": runtime})
    assert first.exit_code == 1
    assert "stopped after importing 5 row(s)" in first.output and "Run the same command again" in first.output
    assert count(db_engine, "SELECT count(*) FROM tickets WHERE imported") == 5

    monkeypatch.setattr(imports, "_save_row", original)
    again = CliRunner().invoke(cli, ["import", "complaints", str(Q1)], obj={"runtime": runtime})
    assert again.exit_code == 0, again.output
    assert "5 line(s) were imported before" in again.output and "imported 11 complaint(s)" in again.output
    assert count(db_engine, "SELECT count(*) FROM tickets WHERE imported") == 16
    assert count(db_engine, "SELECT count(DISTINCT receipt_no) FROM tickets WHERE imported") == 16
    third = CliRunner().invoke(cli, ["import", "complaints", str(Q1)], obj={"runtime": runtime})
    assert "imported 0 complaint(s)" in third.output
    assert count(db_engine, "SELECT count(*) FROM tickets WHERE imported") == 16


@pytest.fixture
def actors():
    from workflow.core.guards import Actor

    return {"petugas": Actor("petugas1", frozenset({"petugas"}), "Petugas Satu")}


def test_a_slow_batch_commits_early_so_the_audit_head_is_never_held_long(db_engine, published, monkeypatch):
    """Under load 500 rows took 20 s to write and every fire and filing waited that long for the audit head
    (the load run of loadtest/import_under_load.py): a batch also ends when writing it takes BATCH_SECONDS."""
    monkeypatch.setattr(imports, "BATCH_SECONDS", 0)  # any row is "slow": one row per transaction
    batches: list[int] = []
    result = imports.import_complaints(build_runtime(db=db_engine), Q1, progress=batches.append)
    assert result.count == 16 and batches == [1] * 16
    assert count(db_engine, "SELECT count(*) FROM tickets WHERE imported") == 16
