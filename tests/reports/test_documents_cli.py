"""``alur report drafts|approve|publish|reopen|published`` as typed: the same checks and audit as the console."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from .test_documents_publish import NOW


def invoke(runtime, *args, input=None):
    from workflow.cli import cli

    return CliRunner().invoke(cli, list(args), obj={"runtime": runtime}, catch_exceptions=False, input=input)


@pytest.fixture
def staffed(q1_2021, monkeypatch):
    from tests.web import CHEAP_HASH
    from workflow.services import users

    monkeypatch.setattr(users, "hash_password", lambda password: CHEAP_HASH)
    for name, roles in (("kasi", ["kepala_seksi"]), ("kadis", ["kepala_dinas"])):
        users.create_user(q1_2021.store, name, "kata-sandi-uji-123", roles, catalogs=q1_2021.catalogs, now=NOW)
    return q1_2021


def test_draft_edit_approve_publish_and_take_the_file(staffed, tmp_path):
    rt = staffed
    opened = invoke(rt, "report", "drafts", "open", "--period", "2021-Q1", "--by", "kasi")
    assert opened.exit_code == 0 and "report document 1: 2021-Q1" in opened.output
    text = tmp_path / "kesimpulan.txt"
    text.write_text("Keterlambatan ada pada tinjauan lapangan OPD.\n", encoding="utf-8")
    saved = invoke(rt, "report", "drafts", "save", "1", "--by", "kasi", "--section", f"kesimpulan={text}",
                   "--version", "1")
    assert saved.exit_code == 0 and "version 2" in saved.output
    shown = invoke(rt, "report", "drafts", "show", "1", "--section", "kesimpulan")
    assert shown.output.strip() == "Keterlambatan ada pada tinjauan lapangan OPD."
    refused = invoke(rt, "report", "approve", "1", "--by", "kasi")
    assert refused.exit_code == 1 and "kepala dinas" in refused.output
    assert invoke(rt, "report", "approve", "1", "--by", "kadis").exit_code == 0
    stale = invoke(rt, "report", "publish", "1", "--by", "kadis", "--version", "2")
    assert stale.exit_code == 1 and "diubah orang lain" in stale.output
    done = invoke(rt, "report", "publish", "1", "--by", "kadis")
    assert done.exit_code == 0 and "published as number 1 (edition 1)" in done.output
    listed = invoke(rt, "report", "drafts", "list")
    assert "published" in listed.output and "No.   1" in listed.output
    first, second = tmp_path / "a.docx", tmp_path / "b.docx"
    assert invoke(rt, "report", "published", "1", "--format", "docx", "-o", str(first), "--by", "kasi").exit_code == 0
    assert invoke(rt, "report", "published", "1", "--format", "docx", "-o", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    assert invoke(rt, "report", "published", "9").exit_code == 1
    assert invoke(rt, "report", "reopen", "1", "--by", "kasi").exit_code == 2  # --reason is required
    reopened = invoke(rt, "report", "reopen", "1", "--by", "kasi", "--reason", "Koreksi angka OPD")
    assert reopened.exit_code == 0 and "open for reissue" in reopened.output


def test_the_plain_report_command_still_writes_a_period(staffed, tmp_path):
    target = tmp_path / "q1.json"
    result = invoke(staffed, "report", "--period", "2021-Q1", "--format", "json", "-o", str(target))
    assert result.exit_code == 0 and "16 pengaduan" in result.output
    missing = invoke(staffed, "report")
    assert missing.exit_code == 1 and "--period" in missing.output
