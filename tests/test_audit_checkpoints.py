"""Signed checkpoints make a rebuilt chain visible; verification works live, and offline on an export.

The attack these tests play is the one the hash chain alone cannot catch: someone with database rights
drops the append-only guard, edits a row and recomputes every hash after it and the head. The chain is
then self-consistent; only a checkpoint signed before the edit (kept outside the office) contradicts it.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from workflow.cli import cli
from workflow.core.audit import CONTENT_FIELDS, chain_hash, verify_rows, verify_stored
from workflow.core.checkpoints import new_private_key, private_key_pem, public_key_pem, read_checkpoints
from workflow.runtime import Runtime
from workflow.services import audit as audit_service

from .conftest import MONDAY_9_WIB, walk_in_record


@pytest.fixture
def key_file(tmp_path):
    key = new_private_key()
    path = tmp_path / "audit.pem"
    path.write_bytes(private_key_pem(key))
    path.with_suffix(".pub").write_bytes(public_key_pem(key.public_key()))
    return path


@pytest.fixture
def busy(engine, actors):
    """A trail of a few complaints and moves."""
    for _ in range(3):
        ticket = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"]).ticket
        engine.fire(ticket.id, "verifikasi", actors["petugas"], {"tingkat": "ringan", "kewenangan": "dalam"})
    return engine


def rebuild_chain(store, seq: int, **changes) -> None:
    """What a DBA with full rights can do: edit row ``seq`` and recompute every hash after it, and the head."""
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.execute(sa.text("DROP TRIGGER audit_log_append_only_update"))
        else:
            conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        for column, value in changes.items():
            conn.execute(sa.text(f"UPDATE audit_log SET {column} = :v WHERE seq = :s"), {"v": value, "s": seq})
    rows = list(store.audit_rows())
    with store.engine.begin() as conn:
        prev = rows[seq - 2]["hash"] if seq > 1 else "0" * 64
        for row in rows[seq - 1:]:
            digest = chain_hash(prev, {name: row[name] for name in CONTENT_FIELDS})
            conn.execute(sa.text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE seq = :s"),
                         {"p": prev, "h": digest, "s": row["seq"]})
            prev = digest
        conn.execute(sa.text("UPDATE audit_head SET hash = :h"), {"h": prev})
        if store.dialect == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))


def test_a_rebuilt_chain_passes_the_hash_check_but_not_a_checkpoint(busy, store, key_file):
    signed = audit_service.checkpoint(store, key_file, MONDAY_9_WIB)
    assert audit_service.verify(store).ok
    rebuild_chain(store, 3, actor_id="mallory")
    assert verify_rows(store.audit_rows()).ok  # self-consistent again: the chain alone cannot tell
    result = audit_service.verify(store, public_key=str(key_file.with_suffix(".pub")))
    assert not result.ok
    assert any(f"checkpoint {signed.seq}" in p and "rebuilt" in p for p in result.problems)


def test_checkpoints_kept_outside_catch_a_rebuild_that_also_deleted_the_stored_ones(busy, store, key_file, tmp_path):
    outside = tmp_path / "checkpoints.jsonl"
    outside.write_text(audit_service.checkpoint(store, key_file, MONDAY_9_WIB).as_json() + "\n", encoding="utf-8")
    with store.engine.begin() as conn:  # the DBA removes the stored copies too
        if store.dialect == "sqlite":
            conn.execute(sa.text("DROP TRIGGER audit_checkpoints_append_only_delete"))
        else:
            conn.execute(sa.text("ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_append_only"))
        conn.execute(sa.text("DELETE FROM audit_checkpoints"))
    rebuild_chain(store, 2, to_state="ditolak")
    assert audit_service.verify(store).ok  # nothing inside the database contradicts it any more
    result = audit_service.verify(store, checkpoints=read_checkpoints(outside))
    assert not result.ok and "rebuilt" in " ".join(result.problems)


def test_a_checkpoint_signed_by_another_key_is_refused(busy, store, key_file, tmp_path):
    audit_service.checkpoint(store, key_file, MONDAY_9_WIB)
    other = new_private_key()
    result = audit_service.verify(store, public_key=public_key_pem(other.public_key()).decode())
    assert not result.ok and "not by the trusted key" in result.problems[0]


def test_rows_written_while_verifying_are_reported_not_called_damage(busy, store, actors):
    original = store.audit_stored

    def stored_then_more(upto):
        rows = original(upto)
        yield next(rows)
        busy.open("pengaduan-ptsp", walk_in_record(), actors["petugas"])  # an officer files meanwhile
        yield from rows

    store.audit_stored = stored_then_more
    result = audit_service.verify(store)
    assert result.ok and result.written_during == 1


def test_the_sweeper_signs_when_the_chain_grew_and_the_last_checkpoint_is_old(busy, store, key_file, monkeypatch,
                                                                               actors):
    monkeypatch.setenv("ALUR_AUDIT_KEY", str(key_file))
    rt = Runtime(store=store, engine=busy, catalogs=busy.catalogs)
    assert audit_service.checkpoint_if_due(rt, MONDAY_9_WIB) == 1
    assert audit_service.checkpoint_if_due(rt, MONDAY_9_WIB + timedelta(hours=3)) == 0  # head did not move
    busy.open("pengaduan-ptsp", walk_in_record(), actors["petugas"])
    assert audit_service.checkpoint_if_due(rt, MONDAY_9_WIB + timedelta(minutes=20)) == 0  # too soon
    assert audit_service.checkpoint_if_due(rt, MONDAY_9_WIB + timedelta(hours=2)) == 1
    with store.unit_of_work() as uow:
        assert [cp.seq for cp in uow.audit.checkpoints()] == [7, 8]


def test_an_auditor_verifies_an_export_offline_with_the_public_key(busy, store, key_file, tmp_path, runtime_of):
    rt = runtime_of(store, busy)
    runner = CliRunner()
    obj = {"runtime": rt}
    assert runner.invoke(cli, ["audit", "checkpoint", "--key", str(key_file)], obj=obj).exit_code == 0
    export, checkpoints = tmp_path / "trail.jsonl", tmp_path / "cp.jsonl"
    assert runner.invoke(cli, ["audit", "export", "-o", str(export)], obj=obj).exit_code == 0
    assert runner.invoke(cli, ["audit", "checkpoints", "-o", str(checkpoints)], obj=obj).exit_code == 0
    public = str(key_file.with_suffix(".pub"))
    offline = runner.invoke(cli, ["audit", "verify", "--export", str(export), "--checkpoints", str(checkpoints),
                                  "--public-key", public])  # no runtime, no database
    assert offline.exit_code == 0, offline.output
    assert "audit chain intact: 7 rows" in offline.output and "1 signed checkpoint(s) hold" in offline.output
    lines = export.read_text(encoding="utf-8").splitlines()
    forged = [json.loads(line) for line in lines]
    forged[1]["actor_id"] = "mallory"
    prev = forged[0]["hash"]
    for row in forged[1:]:  # a self-consistent forgery of the export
        from datetime import datetime

        content = {name: row[name] for name in CONTENT_FIELDS}
        content["at"] = datetime.fromisoformat(content["at"].replace("Z", "+00:00"))
        row["prev_hash"], row["hash"] = prev, chain_hash(prev, content)
        prev = row["hash"]
    export.write_text("".join(json.dumps(r) + "\n" for r in forged), encoding="utf-8")
    caught = runner.invoke(cli, ["audit", "verify", "--export", str(export), "--checkpoints", str(checkpoints),
                                 "--public-key", public])
    assert caught.exit_code == 1 and "rebuilt" in caught.output


def test_fast_verification_agrees_with_the_reference_on_every_row(busy, store):
    stored = list(store.audit_stored(store.audit_head()[0]))
    assert verify_stored(stored) == verify_rows(store.audit_rows())
    bad = list(stored[2])
    bad[CONTENT_FIELDS.index("trigger")] = "tolak"
    stored[2] = tuple(bad)
    assert verify_stored(stored).first_bad_seq == 3


@pytest.fixture
def runtime_of():
    def make(store, engine):
        return Runtime(store=store, engine=engine, catalogs=engine.catalogs)
    return make
