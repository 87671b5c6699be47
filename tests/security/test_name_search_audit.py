"""A supervisor's name search that finds a rahasia complaint reads a confidential identity: the audit
trail says who searched, when, and which complaints the name matched (never the name typed)."""
from __future__ import annotations

from tests.conftest import walk_in_record
from tests.web import PASSWORD, post_login
from workflow.core.guards import Actor

PETUGAS = Actor("petugas", frozenset({"petugas"}), "Petugas")


def identity_views(rt) -> list[dict]:
    return [r for r in rt.store.audit_rows() if r["kind"] == "identity_view"]


def test_a_name_search_that_matches_a_rahasia_complainant_is_an_audited_identity_access(app, rt):
    secret = rt.engine.open("pengaduan-ptsp", walk_in_record(nama="Ratna Wulandari", kerahasiaan="rahasia",
                                                             perihal="Dugaan pungutan liar"), PETUGAS).ticket
    rt.engine.open("pengaduan-ptsp", walk_in_record(nama="Ratna Sari", perihal="Izin lambat"), PETUGAS)
    kasi = app.test_client()
    post_login(kasi, "kasi", PASSWORD)
    page = kasi.get("/admin/work/?tab=all&q=ratna").get_data(as_text=True)
    assert secret.receipt_no in page
    [row] = identity_views(rt)
    assert row["actor_id"] == "kasi" and row["ticket_id"] == secret.id and row["receipt_no"] == secret.receipt_no
    assert row["detail"]["fields"] == ["nama"] and "pencarian" in row["detail"]["purpose"]
    assert "ratna" not in str(row).lower()  # the name typed does not enter the audit trail
    # a search that finds the complaint by its subject reads no identity
    assert secret.receipt_no in kasi.get("/admin/work/?tab=all&q=pungutan").get_data(as_text=True)
    assert len(identity_views(rt)) == 1


def test_an_officers_name_search_never_matches_rahasia_names_and_writes_nothing(app, rt):
    secret = rt.engine.open("pengaduan-ptsp", walk_in_record(nama="Ratna Wulandari", kerahasiaan="rahasia"),
                            PETUGAS).ticket
    officer = app.test_client()
    post_login(officer, "petugas", PASSWORD)
    assert secret.receipt_no not in officer.get("/admin/work/?tab=all&q=wulandari").get_data(as_text=True)
    assert identity_views(rt) == []


def test_the_secret_name_matches_query_on_both_databases(store, engine, actors):
    from workflow.store.queries.search import secret_name_matches

    secret = engine.open("pengaduan-ptsp", walk_in_record(nama="Ratna Wulandari", kerahasiaan="rahasia"),
                         actors["petugas"]).ticket
    other = engine.open("pengaduan-ptsp", walk_in_record(nama="Budi", kerahasiaan="rahasia"), actors["petugas"]).ticket
    plain = engine.open("pengaduan-ptsp", walk_in_record(nama="Ratna Sari"), actors["petugas"]).ticket
    assert secret_name_matches(store, "WULAN", [secret.id, other.id, plain.id]) == [(secret.id, secret.receipt_no)]
    assert secret_name_matches(store, "ratna", [plain.id]) == [] and secret_name_matches(store, "x", []) == []
