"""``alur history stages`` (issue 15): the quarter's time per stage, or per agency, category or channel, from the
audit trail, as a table, JSON or CSV; CSV cells that a spreadsheet would run as formulas are made inert."""
from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from tests.conftest import MONDAY_9_WIB, SOP, migrated_engine
from tests.stage_quarter import MEASURED, walk_quarter
from workflow.cli import cli
from workflow.cli.history import _csv
from workflow.core.guards import Actor
from workflow.reports.stage_model import Row
from workflow.runtime import build_runtime
from workflow.services.publish import publish

ACTORS = {"petugas": Actor("petugas", frozenset({"petugas"}), "Petugas"), "tim": Actor("tim", frozenset({"tim"})),
          "opd": Actor("esdm", frozenset({"opd_liaison"}), opd="dinas_esdm"),
          "pemohon": Actor("pemohon", frozenset({"pemohon"}))}


@pytest.fixture
def rt(tmp_path, monkeypatch):
    monkeypatch.setenv("ALUR_IDENTITY_SALT", "cli-tests")
    monkeypatch.setattr("workflow.cli.history.now_utc", lambda: MEASURED)
    with migrated_engine("sqlite", tmp_path) as engine:
        runtime = build_runtime(db=engine)
        publish(runtime.store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
        runtime.walked = walk_quarter(runtime.engine, ACTORS)
        yield runtime


def walked(rt) -> dict[str, int]:
    return rt.walked


def alur(rt, *args):
    return CliRunner().invoke(cli, list(args), obj={"runtime": rt}, catch_exceptions=False)


def test_the_table_names_the_bottleneck_the_promise_and_every_stage(rt):
    result = alur(rt, "history", "stages", "--period", "2026-Q4")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Triwulan IV Tahun 2026: 4 pengaduan diukur dari jejak audit." in out
    assert "Tahapan yang paling lama menahan pengaduan: Diterima (pada Triwulan III Tahun 2026: Terverifikasi)" in out
    assert "1 dari 3 pengaduan triwulan ini dijawab dalam 7 hari kalender yang dijanjikan" in out
    assert "zona Asia/Jakarta" in out
    table = out[out.index("Per tahapan:"):].splitlines()
    assert table[1].split()[:2] == ["Label", "Jumlah"] and any(line.startswith("Diproses OPD") for line in table)


def test_one_complaint_s_stays_and_pauses(rt):
    receipt = rt.engine.load(walked(rt)["waited"]).receipt_no
    out = alur(rt, "history", "stages", "--period", "2026-Q4", "--ticket", receipt.lower()).output
    lines = out[out.index(f"{receipt}: tahapan dari jejak audit"):].splitlines()
    assert [line.split()[0] for line in lines[1:8]] == ["diterima", "menunggu_kelengkapan", "diterima",
                                                        "terverifikasi", "dijawab", "diarsipkan", "menunggu_konfirmasi"]
    assert "menunggu pemohon, jeda 1,96 hari" in lines[2]
    assert lines[8] == ("  jeda tenggat: penyelesaian 30/11/2026 10:00 - 02/12/2026 09:00; "
                        "tanggapan_awal 30/11/2026 10:00 - 02/12/2026 09:00")


def test_by_agency_as_json_and_csv(rt):
    data = json.loads(alur(rt, "history", "stages", "--period", "2026-Q4", "--by", "opd", "--format", "json").output)
    (group,) = data["groups"]
    esdm = next(row for row in group["rows"] if row["key"] == "dinas_esdm")
    assert (esdm["count"], esdm["gross_median_days"], esdm["bottleneck"]) == (1, 3.0, "Diproses OPD")
    rows = list(csv.reader(io.StringIO(alur(rt, "history", "stages", "--period", "2026-Q4", "--by", "kanal",
                                            "--format", "csv").output)))
    assert rows[0][:3] == ["Kode", "Label", "Jumlah pengaduan"]
    assert {r[0]: r[2] for r in rows[1:]} == {"langsung": "3", "email": "1"}


def test_a_wrong_period_says_what_to_write():
    result = CliRunner().invoke(cli, ["history", "stages", "--period", "kuartal-3"], obj={"runtime": None})
    assert result.exit_code == 1 and "2021-Q1" in result.output


def test_csv_cells_cannot_become_formulas():
    row = Row(key="=cmd", label='=HYPERLINK("http://x.example","klik")', count=1, office_median=1.0, office_p90=2.0,
              gross_median_days=1.0, gross_p90_days=2.0, waiting_percent=None, bottleneck="+SUM(A1)")
    cells = next(csv.reader(io.StringIO(_csv([row]).splitlines()[1])))
    assert cells[0] == "'=cmd" and cells[1].startswith("'=HYPERLINK") and cells[8] == "'+SUM(A1)"
    assert cells[2] == "1" and cells[7] == "-"
