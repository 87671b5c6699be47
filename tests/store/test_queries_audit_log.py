"""Reading the audit log (workflow/store/queries/audit_log.py) and the calendar's office edits
(workflow/store/queries/calendar.py) on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from tests.conftest import MONDAY_9_WIB, walk_in_record
from workflow.core.audit import AuditEvent
from workflow.store.queries.audit_log import AuditFilters, audit_page, iter_audit, timeline
from workflow.store.queries.calendar import office_edits


def two_tickets(engine, actors):
    petugas = actors["petugas"]
    a = engine.open("pengaduan-ptsp", walk_in_record(), petugas, now=MONDAY_9_WIB).ticket
    b = engine.open("pengaduan-ptsp", walk_in_record(), petugas, now=MONDAY_9_WIB + timedelta(days=1)).ticket
    engine.fire(a.id, "tolak", petugas, {"alasan": "bukan pengaduan"}, now=MONDAY_9_WIB + timedelta(hours=1))
    return a, b


def test_a_tickets_timeline_in_order_without_identity_reads_unless_asked(store, engine, actors):
    a, _ = two_tickets(engine, actors)
    with store.unit_of_work() as uow:
        uow.audit.append([AuditEvent(kind="identity_view", at=MONDAY_9_WIB, actor_id="kasi", ticket_id=a.id,
                                     receipt_no=a.receipt_no, detail={"purpose": "x"})])
        uow.commit()
    events = timeline(store, a.id, include_identity_views=False)
    assert [(e["kind"], e["trigger"]) for e in events] == [("open", None), ("transition", "tolak")]
    assert events[1]["inputs"] == {"alasan": "bukan pengaduan"} and events[0]["at"].tzinfo is not None
    assert [e["kind"] for e in timeline(store, a.id, include_identity_views=True)][-1] == "identity_view"


def test_the_auditors_pages_filter_by_receipt_kind_and_wib_day(store, engine, actors):
    a, b = two_tickets(engine, actors)
    rows, total = audit_page(store, AuditFilters(), page_size=2)  # the publication, two openings, a rejection
    assert total == 4 and [r["seq"] for r in rows] == [4, 3]  # newest first
    assert [r["seq"] for r in audit_page(store, AuditFilters(page=2), page_size=2)[0]] == [2, 1]
    assert audit_page(store, AuditFilters(receipt=a.receipt_no), 50)[1] == 2
    assert audit_page(store, AuditFilters(kind="transition", actor="petugas1"), 50)[1] == 1
    # b was opened on Tuesday 1 December, 09:00 WIB: that WIB day holds it alone
    tuesday = AuditFilters(date_from=date(2026, 12, 1), date_to=date(2026, 12, 1))
    assert [r["receipt_no"] for r in audit_page(store, tuesday, 50)[0]] == [b.receipt_no]
    batches = list(iter_audit(store, AuditFilters(), batch=2))
    assert [[r["seq"] for r in rows] for rows in batches] == [[1, 2], [3, 4]]


def test_audit_filters_are_read_from_the_query_string():
    f = AuditFilters.from_args({"receipt": " adu-2026-000001 ", "kind": "nonsense", "from": "2026-12-01",
                                "to": "bad", "page": "0"})
    assert (f.receipt, f.kind, f.date_from, f.date_to, f.page) == ("ADU-2026-000001", "", date(2026, 12, 1), None, 1)
    assert f.args() == {"receipt": "ADU-2026-000001", "from": "2026-12-01"} and not f.empty
    assert AuditFilters().empty


def test_office_edits_of_a_span_say_who_changed_which_day(store):
    import sqlalchemy as sa

    from workflow.store.models import closures

    at = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
    with store.engine.begin() as conn:
        conn.execute(sa.insert(closures), [
            {"day": date(2026, 12, 31), "kind": "add", "name": "Tutup akhir tahun", "created_by": "kasi",
             "created_at": at},
            {"day": date(2027, 1, 2), "kind": "add", "name": "Tahun depan", "created_by": "kasi", "created_at": at}])
    edits = office_edits(store, date(2026, 1, 1), date(2026, 12, 31))
    assert list(edits) == [date(2026, 12, 31)]
    assert (edits[date(2026, 12, 31)]["kind"], edits[date(2026, 12, 31)]["created_at"]) == ("add", at)
