"""Read models of the integration API, the tracking lookup and /metrics, on SQLite and PostgreSQL
(workflow.store.queries.api, .tracking, .health)."""
from __future__ import annotations

from datetime import timedelta

from workflow.store.queries import api, health, tracking

from .test_port_contract import NOW, opened


def two_tickets(store):
    first = opened(store, "ADU-2026-000001")
    second = opened(store, "ADU-2026-000002", kerahasiaan="rahasia", kategori="pungutan_liar")
    return first, second


def test_the_ticket_page_filters_counts_and_lists_newest_first_with_identities(store):
    first, second = two_tickets(store)
    total, rows = api.ticket_page(store, {})
    assert total == 2 and [r["receipt_no"] for r in rows] == ["ADU-2026-000002", "ADU-2026-000001"]
    assert rows[1]["identity"] == {"nama": "Siti"} and rows[1]["created_at"] == NOW
    assert api.ticket_page(store, {"kerahasiaan": "rahasia", "state": "diterima", "kanal": ""})[0] == 1
    assert api.ticket_page(store, {"kategori": "durasi_waktu"})[1][0]["id"] == first.id
    assert api.ticket_page(store, {}, created_from=NOW, created_before=NOW + timedelta(days=1))[0] == 2
    assert api.ticket_page(store, {}, created_before=NOW) == (0, [])
    total, rows = api.ticket_page(store, {}, limit=1, offset=1)
    assert total == 2 and [r["id"] for r in rows] == [first.id]


def test_one_ticket_row_and_who_filed_it(store):
    first, _ = two_tickets(store)
    row = api.ticket_row(store, first.id)
    assert (row["receipt_no"], row["kerahasiaan"], row["updated_at"]) == ("ADU-2026-000001", "biasa", NOW)
    assert "identity" not in row and api.ticket_row(store, 999) is None
    row, filer = api.ticket_with_filer(store, "ADU-2026-000001")
    assert (row["id"], row["state"], row["created_at"], filer) == (first.id, "diterima", NOW, "petugas1")
    assert api.ticket_with_filer(store, "ADU-1999-000001") == (None, None)


def test_a_receipt_number_finds_only_its_token_hash(store):
    first, _ = two_tickets(store)
    assert tracking.token_hash(store, "ADU-2026-000001") == (first.id, "h" * 64)
    assert tracking.token_hash(store, "ADU-1999-000001") is None


def test_health_counts_and_the_audit_trail_counted_from_a_sequence_on(store):
    two_tickets(store)
    health.ping(store)
    counts = health.counts(store)
    assert counts.open_tickets == [("diterima", 2)] and counts.escalations == []
    assert counts.outbox == [("pending", 2)] and counts.failed_deliveries == 0
    head, rows = health.audit_counts_since(store, 0)
    assert head == 2 and rows == [("open", None, 2)]
    assert health.audit_counts_since(store, head) == (2, [])
    opened(store, "ADU-2026-000003")
    assert health.audit_counts_since(store, head) == (3, [("open", None, 1)])
