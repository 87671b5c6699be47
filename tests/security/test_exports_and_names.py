"""What people type cannot turn into a formula in an export, nor break a download with its file name."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

from workflow.core.audit import CONTENT_FIELDS
from workflow.core.evidence import check, safe_name
from workflow.reports.audit_export import write_audit
from workflow.reports.cells import neutral

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_text_a_spreadsheet_would_run_is_made_inert_and_numbers_stay_numbers():
    for attack in ('=HYPERLINK("http://evil.example/","Klik")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert neutral(attack) == "'" + attack
    assert neutral("Siti Aminah") == "Siti Aminah" and neutral(-5) == -5 and neutral(None) is None


def test_the_audit_csv_export_writes_no_live_formula():
    row = {name: None for name in CONTENT_FIELDS}
    row.update(seq=1, kind="transition", at=datetime(2026, 11, 30, 2, tzinfo=timezone.utc),
               actor_id='=HYPERLINK("http://evil.example/","Klik")', inputs={"perihal": "=1+1"}, detail={},
               prev_hash="0" * 64, hash="f" * 64)
    out = io.StringIO()
    write_audit([row], out, "csv")
    [header, values] = list(csv.reader(io.StringIO(out.getvalue())))
    cells = dict(zip(header, values))
    assert cells["actor_id"].startswith("'=HYPERLINK")
    assert not any(v.startswith(("=", "+", "-", "@")) for v in values)


def test_uploaded_names_lose_control_characters_folders_and_leading_dots():
    assert safe_name("surat\r\nSet-Cookie: x.pdf") == "surat Set-Cookie: x.pdf"
    assert safe_name("../../.htaccess") == "htaccess"
    assert safe_name("KTP\u202efdp.exe") == "KTP fdp.exe"  # no right-to-left override disguising the extension
    assert check("bukti\r\n.pdf", PDF).filename == "bukti .pdf"


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path):
    from workflow.store.db import make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'office' / 'alur.db'}")
    upgrade(engine)
    engine.dispose()
    assert (tmp_path / "office" / "alur.db").stat().st_mode & 0o777 == 0o600


def test_an_instance_secret_is_never_readable_by_others_not_even_for_a_moment(tmp_path, monkeypatch):
    """Security review item 13: the secret was written with the process' umask and narrowed afterwards, so a
    crash (or a reader) in between found it open to every account on the machine."""
    import os
    from pathlib import Path

    import workflow.runtime as runtime

    monkeypatch.delenv("ALUR_TEST_ONLY_SECRET", raising=False)
    monkeypatch.setattr(runtime, "INSTANCE_DIR", tmp_path / "instance")

    def crash(self, mode):
        raise OSError("killed between writing and narrowing")

    monkeypatch.setattr(Path, "chmod", crash)
    old = os.umask(0)
    try:
        try:
            value = runtime.instance_secret("secret_key", "ALUR_TEST_ONLY_SECRET")
        except OSError:
            value = None
    finally:
        os.umask(old)
    path = tmp_path / "instance" / "secret_key"
    assert path.exists() and value and path.read_text(encoding="utf-8") == value
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    assert runtime.instance_secret("secret_key", "ALUR_TEST_ONLY_SECRET") == value  # kept, not made again
