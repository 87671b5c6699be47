"""``alur import complaints`` then ``alur report``: the office's whole check, from the command line."""
from __future__ import annotations

import json

from click.testing import CliRunner

from .conftest import Q1_CSV, docx_tables, rekap_from_rows, xlsx_sheets


def invoke(runtime, *args):
    from workflow.cli import cli

    return CliRunner().invoke(cli, list(args), obj={"runtime": runtime}, catch_exceptions=False)


def test_import_then_report_in_every_format(runtime, tmp_path):
    result = invoke(runtime, "import", "complaints", str(Q1_CSV))
    assert result.exit_code == 0, result.output
    outputs = {}
    for fmt in ("docx", "xlsx", "html", "json"):
        target = tmp_path / f"q1.{fmt}"
        result = invoke(runtime, "report", "--period", "2021-Q1", "--format", fmt, "-o", str(target),
                        "--definition", "pengaduan-ptsp", "--by", "kasi1")
        assert result.exit_code == 0, result.output
        assert "Triwulan I Tahun 2021: 16 pengaduan" in result.output
        outputs[fmt] = target.read_bytes()
    rekap = rekap_from_rows(docx_tables(outputs["docx"])["Tabel 3.1 Rekapitulasi pengaduan"])
    assert rekap["TOTAL"][0] == "16" and rekap["Energi dan Sumber Daya Mineral"][0] == "5"
    assert xlsx_sheets(outputs["xlsx"])["3.1 Rekapitulasi pengaduan"][-1][:3] == ["TOTAL", None, 16]
    assert json.loads(outputs["json"])["definition_key"] == "pengaduan-ptsp"
    assert b"data:image/png;base64," in outputs["html"]
    # the names in the evaluation table left the system: the audit trail says who took them, and when
    views = list(runtime.store.audit_rows(kind="identity_view"))
    assert len(views) == 4 and views[0]["actor_id"] == "kasi1" and views[0]["detail"]["names"] == 16


def test_a_period_the_report_does_not_understand_is_explained(runtime, tmp_path):
    result = invoke(runtime, "report", "--period", "Q1-2021", "-o", str(tmp_path / "x.docx"))
    assert result.exit_code == 1
    assert "2021-Q1" in result.output and not (tmp_path / "x.docx").exists()
