"""The notification part of the store port (`workflow.store.port_deliveries`): outbox, deliveries, inbox.

Each test runs on the three stores (`port_store`): delivery relies on exactly these promises (a repeated
expansion adds nothing, one claimant per lease, the backoff and final statuses) holding on each.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from tests.store.test_port_contract import NOW, new_ticket, opened
from workflow.core.audit import AuditEvent
from workflow.core.ticket import Change, Notice
from workflow.store.port_deliveries import DeliveryRecord, DeliveryStatus

LEASE = timedelta(minutes=5)


def delivery(outbox_id: int, ticket_id: int | None, channel: str = "email", recipient: str = "siti@example.test",
             **values) -> DeliveryRecord:
    base = DeliveryRecord(outbox_id=outbox_id, ticket_id=ticket_id, template="tanda_terima", channel=channel,
                          recipient=recipient, status=DeliveryStatus.QUEUED, subject="Tanda terima",
                          body="Yth. Bapak/Ibu", created_at=NOW, next_attempt_at=NOW)
    return replace(base, **values)


def expanded(store, *records_of) -> tuple[int, int, list[int]]:
    """A ticket with its receipt notice, and the deliveries ``records_of(outbox_id, ticket_id)`` gives."""
    ticket = opened(store)
    with store.unit_of_work() as uow:
        [outbox_id] = uow.outbox.pending(ticket_id=ticket.id)
        for make in records_of:
            uow.deliveries.add([make(outbox_id, ticket.id)])
        ids = uow.deliveries.queued(outbox_id)
        uow.commit()
    return ticket.id, outbox_id, ids


def test_pending_outbox_rows_are_taken_and_marked_expanded(port_store):
    ticket = opened(port_store)
    with port_store.unit_of_work() as uow:
        [outbox_id] = uow.outbox.pending()
        assert uow.outbox.pending(ticket_id=ticket.id) == [outbox_id] and uow.outbox.pending(ticket_id=999) == []
        row = uow.outbox.take(outbox_id)
        assert (row.ticket_id, row.template, row.recipient, row.status, row.detail) == \
            (ticket.id, "tanda_terima", "pemohon", "pending", {"token": "t"})
        assert row.created_at == NOW
        with pytest.raises(LookupError):
            uow.outbox.take(outbox_id + 100)
        uow.outbox.mark_expanded(outbox_id, {})
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert uow.outbox.pending() == []
        assert (uow.outbox.take(outbox_id).status, uow.outbox.take(outbox_id).detail) == ("expanded", {})


def test_a_repeated_expansion_adds_no_delivery(port_store):
    _, outbox_id, [first] = expanded(port_store, delivery)
    with port_store.unit_of_work() as uow:
        uow.deliveries.add([delivery(outbox_id, None, body="another text"),
                            delivery(outbox_id, None, channel="webhook", recipient="+6281234567890")])
        uow.commit()
    with port_store.unit_of_work() as uow:
        queued = uow.deliveries.queued(outbox_id)
        kept = uow.deliveries.get(first)
    assert len(queued) == 2 and queued[0] == first  # the webhook one is new, the email one kept
    assert (kept.body, kept.receipt_no, kept.attempts) == ("Yth. Bapak/Ibu", "ADU-2026-000001", 0)
    assert kept.next_attempt_at == NOW and kept.next_attempt_at.tzinfo is not None


def test_a_delivery_has_one_claimant_per_lease(port_store):
    _, _, [delivery_id] = expanded(port_store, delivery)
    with port_store.unit_of_work() as uow:
        assert uow.deliveries.claim(delivery_id, NOW, NOW + LEASE)
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert not uow.deliveries.claim(delivery_id, NOW + LEASE - timedelta(seconds=1), NOW + 2 * LEASE)
        assert uow.deliveries.due(NOW + LEASE - timedelta(seconds=1), 10) == []  # the lease holds
        assert uow.deliveries.due(NOW + LEASE, 10) == [delivery_id]  # ... until it has run out
        assert uow.deliveries.claim(delivery_id, NOW + LEASE, NOW + 2 * LEASE)
        uow.commit()
    with port_store.unit_of_work() as uow:
        claimed = uow.deliveries.get(delivery_id)
        assert (claimed.attempts, claimed.locked_until) == (2, NOW + 2 * LEASE)
        uow.deliveries.mark_sent(delivery_id, NOW + LEASE, "<alur.1@x.test>", body="sent text")
        uow.commit()
    with port_store.unit_of_work() as uow:
        sent = uow.deliveries.get(delivery_id)
        assert not uow.deliveries.claim(delivery_id, NOW + 3 * LEASE, NOW + 4 * LEASE)  # sent is final
    assert (sent.status, sent.sent_at, sent.locked_until, sent.provider_ref, sent.body) == \
        ("sent", NOW + LEASE, None, "<alur.1@x.test>", "sent text")


def test_failures_queue_the_next_attempt_or_fail_and_a_retry_starts_over(port_store):
    _, _, [retried, failed] = expanded(port_store, delivery, lambda o, t: delivery(o, t, channel="webhook",
                                                                                   recipient="+62812"))
    later = NOW + timedelta(minutes=1)
    with port_store.unit_of_work() as uow:
        for delivery_id in (retried, failed):
            assert uow.deliveries.claim(delivery_id, NOW, NOW + LEASE)
        uow.deliveries.record_failure(retried, "451 busy", later)
        uow.deliveries.record_failure(failed, "550 no such user", None)
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert uow.deliveries.due(NOW, 10) == [] and uow.deliveries.due(later, 10) == [retried]
        assert uow.deliveries.with_status("failed") == [failed]
        again = uow.deliveries.get(retried)
        assert (again.status, again.next_attempt_at, again.locked_until, again.last_error) == \
            ("queued", later, None, "451 busy")
        uow.deliveries.note(failed, "still failing")
        uow.deliveries.requeue(failed, later, subject="New subject", body="New body", locale="en")
        uow.commit()
    with port_store.unit_of_work() as uow:
        fresh = uow.deliveries.get(failed)
        assert uow.deliveries.due(later, 10) == [retried, failed]
    assert (fresh.status, fresh.attempts, fresh.subject, fresh.body, fresh.locale, fresh.last_error) == \
        ("queued", 0, "New subject", "New body", "en", "still failing")


def test_nothing_of_an_expansion_is_kept_without_commit(port_store):
    ticket = opened(port_store)
    with port_store.unit_of_work() as uow:
        [outbox_id] = uow.outbox.pending()
        uow.deliveries.add([delivery(outbox_id, ticket.id)])
        uow.outbox.mark_expanded(outbox_id, {})
        uow.inbox.add(1, ticket.id, 1, "Tugas baru", "Isi", NOW)
    with port_store.unit_of_work() as uow:
        assert uow.outbox.pending() == [outbox_id] and uow.deliveries.queued(outbox_id) == []
        assert uow.deliveries.get(1) is None
        first = uow.inbox.add(1, ticket.id, 1, "Tugas baru", "Isi", NOW)
        assert uow.inbox.add(2, ticket.id, 2, "Tugas baru", "Isi", NOW) == first + 1


def test_rows_of_one_event_know_whom_the_others_reached(port_store):
    """Two notices of one fire (same ticket, template, time and detail) must not tell one person twice."""
    with port_store.unit_of_work() as uow:
        ticket = uow.tickets.save(Change(new_ticket(), None, [AuditEvent(kind="open", at=NOW, actor_id="p")],
                                         [Notice("peringatan_tenggat", "assignee", {"rung": 1}),
                                          Notice("peringatan_tenggat", "role:petugas", {"rung": 1}),
                                          Notice("peringatan_tenggat", "role:petugas", {"rung": 2})]))
        uow.commit()
    with port_store.unit_of_work() as uow:
        first, second, other = (uow.outbox.take(i) for i in uow.outbox.pending())
        uow.deliveries.add([delivery(first.id, ticket.id, channel="inapp", recipient="7"),
                            delivery(first.id, ticket.id, channel="none", recipient="assignee",
                                     status=DeliveryStatus.SKIPPED)])
        assert uow.outbox.reached(second) == {("inapp", "7"): first.id}
        assert uow.outbox.reached(other) == {}  # another rung: another detail
        assert uow.outbox.reached(first) == {}


def test_a_notice_knows_the_transition_that_wrote_it(port_store):
    ticket = opened(port_store)
    with port_store.unit_of_work() as uow:
        [outbox_id] = uow.outbox.pending()
        notice = uow.outbox.take(outbox_id)
        assert uow.outbox.cause(notice) is None  # only the opening so far
        uow.audit.append([
            AuditEvent(kind="transition", at=NOW, actor_id="petugas1", ticket_id=ticket.id, trigger="verifikasi",
                       inputs={"catatan": "Cek lapangan"}),
            AuditEvent(kind="transition", at=NOW + timedelta(hours=1), actor_id="tim1", ticket_id=ticket.id,
                       trigger="jawab"),
        ])
        cause = uow.outbox.cause(notice)
    assert (cause.trigger, cause.actor_id, cause.inputs) == ("verifikasi", "petugas1", {"catatan": "Cek lapangan"})


def test_inbox_messages_are_marked_read_only_for_their_user(port_store):
    with port_store.unit_of_work() as uow:
        mine, other, theirs = (uow.inbox.add(user, None, delivery_id, "Tugas baru", "Isi", NOW)
                               for user, delivery_id in ((1, 1), (1, 2), (2, 3)))
        uow.commit()
    with port_store.unit_of_work() as uow:
        assert uow.inbox.mark_read(1, [theirs], NOW) == 0  # not theirs to read
        assert uow.inbox.mark_read(1, [mine], NOW) == 1
        assert uow.inbox.mark_read(1, [mine], NOW) == 0  # read already
        assert uow.inbox.mark_read(1, None, NOW) == 1  # the rest of theirs: ``other``
        assert uow.inbox.mark_read(2, None, NOW) == 1
        uow.commit()
    assert other == mine + 1
