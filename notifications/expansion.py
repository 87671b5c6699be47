"""Expand an outbox row into deliveries: one per address and channel, each rendered once.

The engine writes an ``outbox`` row in the same transaction as the fire that caused it (status
``pending``), naming a template and a recipient spec. Expanding it, in one unit of work, reads the
ticket's facts (`notifications.context`), turns the spec into targets (`notifications.recipients`),
renders each target's text (`notifications.templates`), stores the deliveries, marks the row
``expanded`` and appends one ``notification`` audit row saying who was told what. The unique
(outbox, channel, recipient) key and the status check make a repeated expansion a no-op.

Every delivery is rendered here, once, so each attempt to send it carries exactly the same text.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from notifications.clock import Clock, utcnow
from notifications.context import Facts, read_facts, template_context
from notifications.errors import TemplateError
from notifications.parties import agency_contacts
from notifications.recipients import SKIPPED, StaffUser, Target, expand_recipients
from notifications.sending import Attempt, claim_in
from notifications.templates import render_for
from workflow.core.audit import AuditEvent
from workflow.services.roles import role_directory
from workflow.store.port import UnitOfWork
from workflow.store.port_deliveries import PENDING, DeliveryRecord, DeliveryStatus, OutboxRecord

logger = logging.getLogger(__name__)

__all__ = ["expand_outbox", "expand_and_claim", "delivery_records"]


def expand_outbox(runtime: Any, outbox_id: int, *, clock: Clock = utcnow) -> list[int]:
    """Write the deliveries of one outbox row and mark it expanded; returns the ids still queued.

    Idempotent: a row already expanded is not expanded again (its queued deliveries are returned), and
    the unique key (outbox_id, channel, recipient) keeps a racing expansion from adding duplicates.
    A template that cannot be rendered gives a ``failed`` delivery naming the problem, so it shows in
    ``alur outbox list --status failed`` instead of blocking the outbox. `LookupError` if there is no
    such row.
    """
    with runtime.store.unit_of_work() as uow:
        _expand_in(runtime, uow, outbox_id, clock())
        queued = uow.deliveries.queued(outbox_id)
        uow.commit()
    return queued


def expand_and_claim(runtime: Any, outbox_id: int, *, clock: Clock = utcnow) -> list[DeliveryRecord | Attempt]:
    """`expand_outbox`, claiming each queued delivery in the same transaction (`sending.claim_in`): what a
    notification job sends next (`sending.send_claimed`), or what became of each message it need not send.

    One transaction for the row and its claims, where expanding and then sending each message took one
    more per message: under load the worker's time went to round trips (issue 13)."""
    with runtime.store.unit_of_work() as uow:
        _expand_in(runtime, uow, outbox_id, clock())
        claims = [claim_in(runtime, uow, delivery_id, clock()) for delivery_id in uow.deliveries.queued(outbox_id)]
        uow.commit()
    return claims


def _expand_in(runtime: Any, uow: UnitOfWork, outbox_id: int, now: datetime) -> None:
    outbox = uow.outbox.take(outbox_id)
    if outbox.status != PENDING:
        return
    records, facts = delivery_records(runtime, uow, outbox, now)
    uow.deliveries.add(records)
    detail = dict(outbox.detail)
    detail.pop("token", None)  # a tracking token must not outlive the expansion (context.tracking_url)
    detail.pop("pin", None)  # nor the tracking PIN (workflow.services.tracking)
    uow.outbox.mark_expanded(outbox_id, detail)
    if facts is not None:
        uow.audit.append([_audit_event(outbox, facts, records, now)])


def delivery_records(runtime: Any, uow: UnitOfWork, outbox: OutboxRecord,
                     now: datetime) -> tuple[list[DeliveryRecord], Facts | None]:
    """The deliveries an outbox row expands to (not stored), and the facts they were rendered from
    (None for a row without a ticket, which expands to one skipped delivery)."""
    base = DeliveryRecord(outbox_id=outbox.id, ticket_id=outbox.ticket_id, template=outbox.template,
                          channel=SKIPPED, recipient=outbox.recipient[:254], status=DeliveryStatus.SKIPPED,
                          created_at=now)
    if outbox.ticket_id is None:
        return [replace(base, last_error="baris outbox tanpa tiket; tidak ada yang dapat dikirimi")], None
    facts = read_facts(runtime, uow, outbox, now)
    directory = role_directory(runtime)  # a supervisor of level N also holds the definitions' level-N roles
    users = [StaffUser.from_record(u, directory) for u in uow.users.all() if u.active]
    targets = expand_recipients(outbox.recipient, facts.ticket, users, detail=outbox.detail,
                                fallback_roles=facts.state_roles, contacts=agency_contacts(runtime))
    already = uow.outbox.reached(outbox)
    records = [_record_for(runtime, base, outbox, facts, target, already, now) for target in targets]
    return records, facts


def _record_for(runtime: Any, base: DeliveryRecord, outbox: OutboxRecord, facts: Facts, target: Target,
                already: dict[tuple[str, str], int], now: datetime) -> DeliveryRecord:
    """One target's delivery: skipped (with the reason), failed (its template did not render) or queued."""
    record = replace(base, channel=target.channel, recipient=target.recipient[:254], locale=target.locale,
                      user_id=target.user.id if target.user else None)
    if target.skipped:
        return replace(record, last_error=target.skip_reason)
    if (target.channel, record.recipient) in already:
        # One event, one message per person: "notify: [assignee, role:petugas]" may name someone twice.
        return replace(record, last_error=f"sudah dikirim untuk outbox #{already[(record.channel, record.recipient)]}")
    try:
        subject, body = render_for(facts.definition, outbox.template, target.locale,
                                   template_context(runtime, facts, target, outbox.detail, now))
    except (TemplateError, KeyError, ValueError, TypeError) as exc:
        # The reason goes to the delivery's log, not here: a value the template choked on may be personal.
        logger.error("outbox %s: cannot render %s for %s (%s); see 'alur outbox list --status failed'",
                     outbox.id, outbox.template, target.channel, type(exc).__name__)
        return replace(record, status=DeliveryStatus.FAILED, last_error=f"template {outbox.template}: {exc}")
    return replace(record, subject=subject[:300], body=body, status=DeliveryStatus.QUEUED, next_attempt_at=now)


def _audit_event(outbox: OutboxRecord, facts: Facts, records: list[DeliveryRecord], now: datetime) -> AuditEvent:
    """Who was told what, for auditors: channels and user ids, never a complainant's address."""
    targets = []
    for record in records:
        entry: dict[str, Any] = {"channel": record.channel, "status": record.status}
        if record.user_id is not None:
            entry["user_id"] = record.user_id
        if record.status != DeliveryStatus.QUEUED and record.last_error:
            entry["reason"] = record.last_error
        targets.append(entry)
    t = facts.ticket
    detail: dict[str, Any] = {"outbox_id": outbox.id, "template": outbox.template, "to": outbox.recipient,
                              "targets": targets}
    if outbox.recipient.startswith("agency:"):  # a hand-over to another agency: which one, and where to
        detail["agency"] = t.fields.get(outbox.recipient[len("agency:"):])
        for entry, record in zip(targets, records, strict=True):
            if record.channel != "none":
                entry["address"] = record.recipient  # the agency's own address, not a person's
    return AuditEvent(kind="notification", at=now, actor_id="system", actor_role="system", ticket_id=t.id,
                      receipt_no=t.receipt_no, definition_key=t.definition_key,
                      definition_version=t.definition_version, detail=detail)
