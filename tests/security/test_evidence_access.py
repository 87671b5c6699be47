"""Evidence is personal data (often an ID card scan): a rahasia ticket's files follow the identity rule,
and every download by anyone is in the audit trail."""
from __future__ import annotations

import re

from tests.conftest import walk_in_record
from tests.web import PASSWORD, csrf_from, post_login
from workflow.core.evidence import check
from workflow.core.guards import Actor
from workflow.services import attachments

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def ticket_with_evidence(app, rt, kerahasiaan: str) -> tuple[int, str]:
    """A ticket filed by an officer with one file named after the complainant; (ticket id, its download path)."""
    officer = Actor("petugas", frozenset({"petugas"}), "Petugas")
    ticket = rt.engine.open("pengaduan-ptsp", walk_in_record(nama="Ratna Rahasia", kerahasiaan=kerahasiaan),
                            officer).ticket
    [row_id] = attachments.record(rt.store, ticket.id, ticket.receipt_no, [check("KTP_Ratna.pdf", PDF)],
                                  app.instance_path)
    return ticket.id, f"/admin/work/ticket/{ticket.id}/attachment/{row_id}"


def signed_in(app, username: str):
    client = app.test_client()
    assert post_login(client, username, PASSWORD).status_code == 302
    return client


def downloads(rt) -> list[dict]:
    return [r for r in rt.store.audit_rows() if r["kind"] == "identity_view" or
            r["detail"].get("event") == "evidence_download"]


def test_officers_and_the_team_cannot_download_rahasia_evidence(app, rt):
    ticket_id, path = ticket_with_evidence(app, rt, "rahasia")
    for username in ("petugas", "tim"):
        client = signed_in(app, username)
        html = client.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
        assert "bukti-1.pdf" in html and "KTP_Ratna" not in html and path not in html
        assert "hanya dapat diunduh oleh pimpinan" in html
        response = client.get(path)
        assert response.status_code == 403 and response.data != PDF
    assert downloads(rt) == []


def test_a_supervisor_downloads_rahasia_evidence_only_with_a_purpose_and_it_is_an_identity_access(app, rt):
    ticket_id, path = ticket_with_evidence(app, rt, "rahasia")
    kasi = signed_in(app, "kasi")
    page = kasi.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
    assert f'action="{path}"' in page and 'name="purpose"' in page
    assert kasi.get(path).data != PDF  # a link alone gives no file: the purpose is asked first
    refused = kasi.post(path, data={"csrf_token": csrf_from(page), "purpose": "  "})
    assert refused.status_code == 422 and refused.data != PDF
    assert downloads(rt) == []
    response = kasi.post(path, data={"csrf_token": csrf_from(page), "purpose": "mencocokkan KTP pelapor"})
    assert response.status_code == 200 and response.data == PDF
    [row] = downloads(rt)
    assert row["kind"] == "identity_view" and row["actor_id"] == "kasi" and row["ticket_id"] == ticket_id
    assert row["detail"]["purpose"] == "mencocokkan KTP pelapor" and row["detail"]["fields"] == ["bukti"]
    auditor = signed_in(app, "auditor")
    views = auditor.get("/admin/audit/identitas").get_data(as_text=True)
    assert "mencocokkan KTP pelapor" in views


def test_every_download_of_ordinary_evidence_is_in_the_audit_trail(app, rt):
    ticket_id, path = ticket_with_evidence(app, rt, "biasa")
    officer = signed_in(app, "petugas")
    html = officer.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
    assert re.search(rf'href="{re.escape(path)}"[^>]*download', html)
    assert officer.get(path).data == PDF
    [row] = downloads(rt)
    assert row["kind"] == "system" and row["actor_id"] == "petugas" and row["actor_role"] == "petugas"
    assert row["detail"]["sha256"] == check("x.pdf", PDF).sha256
    assert "Bukti diunduh" in officer.get(f"/admin/work/ticket/{ticket_id}").get_data(as_text=True)
