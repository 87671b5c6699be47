"""The auditor's chain check in the console is the CLI's: it holds the rows against the head and the
signed checkpoints, so deleting the last rows (or rebuilding the chain) cannot pass in the console."""
from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import walk_in_record
from tests.web import PASSWORD, csrf_from, post_login
from workflow.core.audit import verify_rows
from workflow.core.checkpoints import new_private_key, private_key_pem
from workflow.core.guards import Actor
from workflow.services import audit as audit_service

PETUGAS = Actor("petugas", frozenset({"petugas"}), "Petugas")


def delete_last_rows(rt, keep: int) -> None:
    """What someone with database rights can do: drop the guard and delete the newest rows."""
    with rt.store.engine.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER audit_log_append_only_delete"))
        conn.execute(sa.text("DELETE FROM audit_log WHERE seq > :keep"), {"keep": keep})


def verify_in_console(app) -> str:
    auditor = app.test_client()
    post_login(auditor, "auditor", PASSWORD)
    page = auditor.get("/admin/audit/").get_data(as_text=True)
    return auditor.post("/admin/audit/verify", data={"csrf_token": csrf_from(page)},
                        follow_redirects=True).get_data(as_text=True)


def test_rows_deleted_from_the_end_break_the_chain_in_the_console(app, rt):
    for _ in range(3):
        rt.engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS)
    head = rt.store.audit_head()[0]
    delete_last_rows(rt, head - 2)
    assert verify_rows(rt.store.audit_rows()).ok  # what remains is a chain: only the head tells
    page = verify_in_console(app)
    assert "Rantai audit RUSAK" in page and f"{head - 2}" in page and "Rantai audit utuh" not in page
    assert 'id="chain-broken"' in page


def test_the_console_checks_the_signed_checkpoints(app, rt, tmp_path, monkeypatch):
    key = tmp_path / "audit.pem"
    key.write_bytes(private_key_pem(new_private_key()))
    monkeypatch.setenv(audit_service.KEY_ENV, str(key))
    rt.engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS)
    audit_service.checkpoint(rt.store, key, rt.engine.now())
    page = verify_in_console(app)
    assert "Rantai audit utuh" in page and "1 checkpoint bertanda tangan" in page


def test_an_unreadable_audit_key_is_reported_on_the_page_not_a_server_error(app, rt, tmp_path, monkeypatch):
    """ALUR_AUDIT_KEY naming something alur cannot read (a folder here; a file of another account in
    production) used to answer the auditor's check with a 500; now the page says what is wrong with the key,
    and the check is not reported clean (a rebuilt chain would pass unnoticed without the key)."""
    monkeypatch.setenv(audit_service.KEY_ENV, str(tmp_path))
    rt.engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS)
    page = verify_in_console(app)
    assert "Terjadi kesalahan" not in page and "Rantai audit utuh" not in page
    assert f"the audit key {tmp_path} cannot be read" in page
