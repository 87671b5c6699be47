"""``alur tickets open / fire / show / list``: a SOP tried and scripted from the command line, on SQLite, as
its staff (``--as``), with the same refusals the console gives and ``--json`` for scripts."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.conftest import MONDAY_9_WIB, SOP, migrated_engine, walk_in_record
from tests.web import CHEAP_HASH
from workflow.cli import cli
from workflow.runtime import build_runtime
from workflow.services import users
from workflow.services.publish import publish


@pytest.fixture
def rt(tmp_path, monkeypatch):
    monkeypatch.setenv("ALUR_IDENTITY_SALT", "cli-tests")
    monkeypatch.setattr(users, "hash_password", lambda password: CHEAP_HASH)
    with migrated_engine("sqlite", tmp_path) as engine:
        runtime = build_runtime(db=engine)
        publish(runtime.store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
        for name, roles in (("petugas1", ["petugas"]), ("tim1", ["tim"])):
            users.create_user(runtime.store, name, "kata-sandi-uji-987", roles, catalogs=runtime.catalogs)
        runtime.engine.now = lambda: MONDAY_9_WIB
        yield runtime


def alur(rt, *args, stdin: str | None = None):
    return CliRunner().invoke(cli, list(args), obj={"runtime": rt}, input=stdin, catch_exceptions=False)


def opened(rt, tmp_path) -> str:
    record = tmp_path / "aduan.json"
    record.write_text(json.dumps(walk_in_record()), encoding="utf-8")
    result = alur(rt, "tickets", "open", "pengaduan-ptsp", "--record", str(record), "--as", "petugas1", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["receipt_no"]


def test_open_fire_and_show_walk_a_ticket_as_its_staff(rt, tmp_path):
    receipt = opened(rt, tmp_path)

    fired = alur(rt, "tickets", "fire", receipt, "verifikasi", "--as", "petugas1",
                 "--input", "tingkat=sedang", "--input", "kewenangan=dalam")
    assert fired.exit_code == 0 and f"{receipt}: verifikasi berhasil; tahap sekarang Terverifikasi" in fired.output

    shown = alur(rt, "tickets", "show", receipt, "--as", "petugas1")
    assert shown.exit_code == 0
    text = shown.output
    assert "Terverifikasi [terverifikasi]" in text
    assert "Penyelesaian pengaduan (SOP 3.1.f): 7 hari kalender, berjalan, jatuh tempo 07/12/2026 09.00 WIB" in text
    assert "+ teruskan_tim: Teruskan ke Tim Penanganan -> Ditangani Tim Penanganan" in text
    assert "- jawab_langsung: Jawab langsung" in text and "GAGAL field_in(field=tingkat" in text
    assert "Verifikasi dan tetapkan tingkat (Diterima -> Terverifikasi)  oleh petugas1" in text
    assert "Siti Aminah" not in text  # never the complainant's identity


def test_a_record_from_stdin_and_a_refused_move_exit_1_saying_why(rt):
    result = alur(rt, "tickets", "open", "pengaduan-ptsp", "--record", "-", "--as", "petugas1",
                  stdin=json.dumps(walk_in_record(kategori="Kopi")))
    assert result.exit_code == 1 and "kategori: 'Kopi' tidak ada di katalog" in result.output

    receipt = json.loads(alur(rt, "tickets", "open", "pengaduan-ptsp", "--record", "-", "--as", "petugas1",
                              "--json", stdin=json.dumps(walk_in_record())).output)["receipt_no"]
    refused = alur(rt, "tickets", "fire", receipt, "teruskan_tim", "--as", "tim1")
    assert refused.exit_code == 1 and "tidak dapat dilakukan pada tahap 'Diterima'" in refused.output
    unknown = alur(rt, "tickets", "fire", receipt, "verifikasi", "--as", "nobody")
    assert unknown.exit_code == 1 and "no active account 'nobody'" in unknown.output


def test_list_filters_and_prints_json(rt, tmp_path):
    first = opened(rt, tmp_path)
    second = opened(rt, tmp_path)
    alur(rt, "tickets", "fire", second, "verifikasi", "--as", "petugas1", "--input", "tingkat=ringan",
         "--input", "kewenangan=dalam")

    text = alur(rt, "tickets", "list").output
    assert first in text and second in text and "2 pengaduan" in text
    data = json.loads(alur(rt, "tickets", "list", "--state", "terverifikasi", "--json").output)
    assert [(t["receipt_no"], t["state_label"]) for t in data["tickets"]] == [(second, "Terverifikasi")]
    assert data["tickets"][0]["due_at"].endswith("+00:00") and data["more"] is False
    assert json.loads(alur(rt, "tickets", "list", "--deadline", "overdue", "--json").output)["tickets"] == []
