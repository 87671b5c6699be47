"""Every format of the quarterly report carries the audit trail's latest signed checkpoint (sequence,
head hash, signature, key fingerprint), so a printed or published report anchors the trail outside alur."""
from __future__ import annotations

import json

import pytest

from workflow.core.checkpoints import new_private_key, private_key_pem, read_checkpoints
from workflow.reports import build_report, render
from workflow.services import audit as audit_service
from workflow.services.engine import Engine
from workflow.services.publish import publish
from workflow.store.sql import SqlStore

from ..conftest import MONDAY_9_WIB, SOP, walk_in_record
from ..reports.conftest import docx_text, xlsx_sheets


@pytest.fixture
def office(sqlite_engine, calendar, actors):
    store = SqlStore(sqlite_engine)
    publish(store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
    engine = Engine(store, calendar=calendar, now=lambda: MONDAY_9_WIB)
    engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=MONDAY_9_WIB)
    return store, engine


def texts(report) -> dict[str, str]:
    return {"docx": docx_text(render(report, "docx")), "xlsx": json.dumps(xlsx_sheets(render(report, "xlsx"))),
            "html": render(report, "html").decode(), "json": render(report, "json").decode()}


def test_every_format_carries_the_latest_signed_checkpoint(office, tmp_path, actors):
    store, engine = office
    key = tmp_path / "audit.pem"
    key.write_bytes(private_key_pem(new_private_key()))
    audit_service.checkpoint(store, key, MONDAY_9_WIB)
    engine.open("pengaduan-ptsp", walk_in_record(nama="Budi"), actors["petugas"], now=MONDAY_9_WIB)
    latest = audit_service.checkpoint(store, key, MONDAY_9_WIB)
    report = build_report(store, "2026-11", catalogs=engine.catalogs, calendar=engine.calendar, now=MONDAY_9_WIB)
    assert report.audit_checkpoint.seq == latest.seq
    for fmt, text in texts(report).items():
        for value in (str(latest.seq), latest.hash, latest.signature, latest.key_fingerprint):
            assert value in text, f"{fmt} lacks {value}"
    # the line printed in the report is what an auditor hands to alur audit verify --checkpoints
    (tmp_path / "dari-laporan.jsonl").write_text(report.audit_checkpoint.line + "\n", encoding="utf-8")
    assert audit_service.verify(store, checkpoints=read_checkpoints(tmp_path / "dari-laporan.jsonl")).ok
    data = json.loads(render(report, "json"))["audit_checkpoint"]
    assert {k: data[k] for k in ("seq", "hash", "signature", "key_fingerprint")} == {
        "seq": latest.seq, "hash": latest.hash, "signature": latest.signature,
        "key_fingerprint": latest.key_fingerprint}


def test_a_report_without_a_checkpoint_says_how_to_make_one(office):
    store, engine = office
    report = build_report(store, "2026-11", catalogs=engine.catalogs, calendar=engine.calendar, now=MONDAY_9_WIB)
    assert report.audit_checkpoint is None
    for fmt, text in texts(report).items():
        if fmt != "json":
            assert "alur audit checkpoint" in text, fmt

