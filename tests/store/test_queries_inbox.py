"""The inbox pages' read model (workflow/store/queries/inbox.py) on SQLite and PostgreSQL, and the inbox
service (workflow/services/inbox.py) on the memory store (the port's read marks are held to their contract
in tests/store/test_port_deliveries.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from workflow.core.guards import Actor
from workflow.services import inbox as inbox_service
from workflow.store import models as m
from workflow.store import models_notifications as mn
from workflow.store.queries import inbox
from workflow.store.queries.inbox import DeliveryFilters

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(hours=1)


def messages_of(store, per_user: dict[int, int]) -> dict[int, list[int]]:
    """``per_user[user]`` messages for each user, a minute apart; their ids per user, oldest first."""
    ids: dict[int, list[int]] = {}
    delivery = 0
    with store.unit_of_work() as uow:
        for user, count in per_user.items():
            for n in range(count):
                delivery += 1
                ids.setdefault(user, []).append(uow.inbox.add(user, None, delivery, f"Pesan {n}", "Isi",
                                                              NOW + timedelta(minutes=delivery)))
        uow.commit()
    return ids


# -- the service, on the memory store ------------------------------------------------------------
def test_the_service_marks_one_message_or_all_of_a_users(memory_store):
    ids = messages_of(memory_store, {1: 3})
    assert inbox_service.mark_read(memory_store, 1, ids[1][1], LATER) == 1
    assert inbox_service.mark_read(memory_store, 2, ids[1][0], LATER) == 0  # not theirs
    assert inbox_service.mark_all_read(memory_store, 1, LATER) == 2
    assert inbox_service.mark_all_read(memory_store, 1, LATER) == 0


def test_addresses_shown_to_a_supervisor_are_audited_per_ticket(memory_store):
    kasi = Actor("kasi", frozenset({"supervisor", "kepala_seksi"}), "Kasi", position="kepala_seksi")
    inbox_service.record_address_views(memory_store, kasi, [], NOW)
    inbox_service.record_address_views(memory_store, kasi, [(7, "ADU-2026-000007"), (9, None)], NOW)
    rows = [r for r in memory_store.audit_rows() if r["kind"] == "identity_view"]
    assert [(r["ticket_id"], r["receipt_no"], r["actor_id"], r["actor_role"]) for r in rows] == \
        [(7, "ADU-2026-000007", "kasi", "kepala_seksi"), (9, None, "kasi", "kepala_seksi")]
    assert rows[0]["detail"]["fields"] == ["alamat kontak"]


# -- the read model ------------------------------------------------------------------------------
def test_a_users_messages_newest_first_with_the_unread_count(store):
    ids = messages_of(store, {1: 3, 2: 1})
    inbox_service.mark_read(store, 1, ids[1][0], LATER)
    assert inbox.unread_count(store, 1) == 2 and inbox.unread_count(store, 3) == 0
    rows, total = inbox.messages(store, 1, unread_only=False, page=1, page_size=2)
    assert total == 3 and [r["id"] for r in rows] == [ids[1][2], ids[1][1]]
    rows, total = inbox.messages(store, 1, unread_only=True, page=1, page_size=25)
    assert total == 2 and all(r["read_at"] is None for r in rows)
    read = inbox.message(store, 1, ids[1][0])
    assert read["read_at"] == LATER and read["created_at"].tzinfo is not None and read["body"] == "Isi"
    assert inbox.message(store, 2, ids[1][0]) is None  # someone else's: as if there were none


def test_the_delivery_log_filters_pages_and_counts_per_status(store, engine, actors):
    from tests.conftest import walk_in_record

    ticket = engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=NOW).ticket
    with store.engine.begin() as conn:
        outbox = conn.execute(sa.insert(m.outbox).values(ticket_id=ticket.id, template="tanda_terima",
                                                         recipient="pemohon", detail={}, status="expanded",
                                                         created_at=NOW).returning(m.outbox.c.id)).scalar_one()
        conn.execute(sa.insert(mn.deliveries), [
            {"outbox_id": outbox, "ticket_id": ticket.id, "template": template, "channel": "email",
             "recipient": f"r{n}@example.org", "status": status, "attempts": 1, "created_at": NOW}
            for n, (template, status) in enumerate([("tanda_terima", "failed"), ("tanda_terima", "sent"),
                                                   ("jawaban", "failed")])])
    rows, more, counts = inbox.deliveries(store, DeliveryFilters(), 25)
    assert [r["template"] for r in rows] == ["jawaban", "tanda_terima"] and not more
    assert counts == {"failed": 2, "sent": 1} and rows[0]["receipt_no"] == ticket.receipt_no
    rows, _, counts = inbox.deliveries(store, DeliveryFilters(status="", template="tanda_terima"), 1)
    assert len(rows) == 1 and counts == {"failed": 1, "sent": 1}
    rows, _, _ = inbox.deliveries(store, DeliveryFilters(receipt="ADU-1999-000001"), 25)
    assert rows == []
    assert inbox.failed_count(store) == 2
    assert inbox.ticket_opd(store, ticket.id) is None and inbox.ticket_opd(store, 999_999) is None


def test_the_delivery_filters_open_on_the_failed_deliveries():
    assert DeliveryFilters.from_args({}).status == "failed"
    f = DeliveryFilters.from_args({"status": "nonsense", "receipt": " adu-1 ", "page": "3"})
    assert (f.status, f.receipt, f.page) == ("", "ADU-1", 3)
    assert f.args() == {"status": "", "receipt": "ADU-1", "page": 3}
