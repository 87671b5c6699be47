"""Complaints that arrive by themselves: record a message (a new draft, a reply threaded to its draft or
ticket, or an auto-reply set aside), file a draft as a ticket, discard one. One transaction each.

Why drafts and not tickets: `workflow.store.port_inbound` (its docstring). What a message is, and whether
it is an auto-reply: `workflow.core.inbound`. Where a message goes (`receive`):

1. recorded already under its source and id (a retried webhook, a poll after a crash): nothing.
2. an auto-reply or bounce: recorded as ``ignored`` with the reason, opens nothing.
3. a reply: by the receipt number in the subject (when the sender is the address the ticket holds, so a
   stranger who guesses a number cannot write into someone's complaint), else by In-Reply-To / References
   to a message recorded before, else (WhatsApp) the newest draft of the same number. It joins that draft,
   or the ticket the draft was filed as while the ticket is open; its files become the ticket's evidence.
4. anything else opens a draft.

Files go through the public form's checks (`workflow.core.evidence.check`: type by content, size limit,
at most `evidence.MAX_FILES` per message and `evidence.MAX_PER_TICKET` per ticket). A refused file is
listed on the message with the reason, and the message itself is kept: nothing the complainant sent is
lost, and the officer sees what to ask for again.

Every recorded message writes one ``system`` audit row (``detail.event = "inbound_message"``: channel,
what it did, counts; never the sender or the text). Filing a draft writes the ticket's ``open`` row at the
moment of filing, with ``detail.received_at`` the draft's arrival, from which its clocks count.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from workflow.core import evidence
from workflow.core.audit import AuditEvent
from workflow.core.decide import acting_role
from workflow.core.duplicates import flag_duplicate
from workflow.core.evidence import Upload
from workflow.core.guards import Actor
from workflow.core.inbound import EMAIL, InboundMessage, one_line, receipt_in, same_address
from workflow.errors import AttachmentRejected, ConcurrentUpdate, InvalidInput, TicketNotFound
from workflow.services import attachments, tracking
from workflow.services.duplicates import original_of
from workflow.services.identity import acting_role as identity_role
from workflow.services.intake import Filed
from workflow.store.port import AttachmentRecord, UnitOfWork
from workflow.store.port_inbound import (
    DISCARDED,
    DRAFT,
    FILED,
    IGNORED,
    OPENED,
    THREADED,
    DraftRecord,
    InboundFileRecord,
    InboundMessageRecord,
)

logger = logging.getLogger(__name__)

SYSTEM = Actor.system()


@dataclass(frozen=True)
class Received:
    """What one message did: ``draft`` (opened one), ``thread`` (joined a draft or ticket), ``ignored``, or
    ``duplicate`` (recorded before: nothing done)."""

    outcome: str
    message_id: int | None = None
    draft_id: int | None = None
    ticket_id: int | None = None
    receipt_no: str | None = None
    refused: tuple[dict, ...] = ()


def inbound_channel(catalogs, channel: str) -> str | None:
    """The ``kanal`` code of drafts from ``channel``: the catalog entry marked ``inbound: <channel>``."""
    catalog = catalogs.get("kanal")
    if catalog is None:
        return None
    return next((code for code, e in catalog.entries.items() if e.extra.get("inbound") == channel), None)


def last_uid(store, source: str, uidvalidity: int) -> int:
    """The highest UID recorded for the mailbox ``source`` under ``uidvalidity`` (0: none yet)."""
    with store.unit_of_work(read_only=True) as uow:
        return uow.inbound.last_uid(source, uidvalidity)


def check_files(message: InboundMessage) -> tuple[list[Upload], list[dict]]:
    """The message's files that pass the evidence checks, and the refused ones with the reason."""
    accepted: list[Upload] = []
    refused: list[dict] = []
    for raw in message.files:
        name = evidence.safe_name(raw.filename)
        if len(accepted) >= evidence.MAX_FILES:
            refused.append({"filename": name, "reason": "too_many", "message":
                            f"Berkas '{name}' tidak disimpan: paling banyak {evidence.MAX_FILES} berkas per pesan."})
            continue
        try:
            accepted.append(evidence.check(raw.filename, raw.data))
        except AttachmentRejected as exc:
            refused.append({"filename": name, "reason": exc.reason, "message": str(exc)})
    return accepted, refused


def _target(uow: UnitOfWork, message: InboundMessage) -> tuple[DraftRecord | None, int | None, str]:
    """(draft, ticket id, note) the message belongs to; (None, None, note) for a new draft."""
    note = ""
    receipt = receipt_in(message.subject) if message.channel == EMAIL else None
    if receipt:
        try:
            ticket_id = uow.tickets.id_by_receipt(receipt)
        except TicketNotFound:
            ticket_id = None
        if ticket_id is not None:
            if same_address(uow.tickets.identity(ticket_id).get("email"), message.sender):
                return uow.inbound.draft_of_ticket(ticket_id), ticket_id, ""
            note = f"Subjek menyebut pengaduan {receipt}, tetapi pengirimnya bukan alamat email pengaduan itu."
    if message.references:
        found = uow.inbound.thread_of(message.references)
        if found is not None:
            draft = uow.inbound.draft(found.draft_id) if found.draft_id is not None else None
            return draft, (draft.ticket_id if draft is not None else None) or found.ticket_id, note
    if message.channel != EMAIL:
        draft = uow.inbound.latest_draft(message.channel, message.sender)
        if draft is not None:
            return draft, draft.ticket_id, note
    return None, None, note


def _ticket_open(uow: UnitOfWork, ticket_id: int | None) -> tuple[bool, str | None]:
    if ticket_id is None:
        return False, None
    ticket = uow.tickets.load(ticket_id)
    return ticket.closed_at is None, ticket.receipt_no


def receive(runtime, message: InboundMessage, *, instance_path: str | Path, now: datetime | None = None) -> Received:
    """Record one message where it belongs (the module docstring says where), in one transaction.

    The bytes of accepted files are written first and removed again if the transaction fails; the message
    row is unique by (source, id) and (source, UIDVALIDITY, UID), so a second delivery of the same message,
    however it comes, finds it recorded and does nothing (``duplicate``)."""
    now = now or datetime.now(timezone.utc)
    with runtime.store.unit_of_work(read_only=True) as uow:
        if uow.inbound.find(message.source, message.external_id) is not None:
            return Received("duplicate")
    uploads, refused = ([], []) if message.ignore else check_files(message)
    records, created = attachments.write_files(uploads, instance_path, now) if uploads else ([], [])
    try:
        with runtime.store.unit_of_work() as uow:
            result = _record(runtime, uow, message, records, refused, now)
            uow.commit()
    except ConcurrentUpdate:  # the files are kept: they are the same bytes the recorded copy's rows point at
        logger.info("inbound message %s of %s recorded by another poll", message.external_id, message.source)
        return Received("duplicate")
    except BaseException:
        attachments.discard(created)
        raise
    logger.info("inbound %s message %s: %s (draft %s, ticket %s, %d file(s) refused)", message.channel,
                result.message_id, result.outcome, result.draft_id, result.receipt_no, len(refused))
    return result


def _record(runtime, uow: UnitOfWork, message: InboundMessage, records: list[AttachmentRecord],
            refused: list[dict], now: datetime) -> Received:
    row = InboundMessageRecord(source=message.source, external_id=message.external_id, channel=message.channel,
                               disposition=IGNORED, reason=message.ignore, sender=message.sender,
                               sender_name=message.sender_name, subject=message.subject, body=message.text,
                               uidvalidity=message.uidvalidity, uid=message.uid, received_at=message.received_at,
                               created_at=now, refused=tuple(refused), notes=message.notes)
    if message.ignore:
        message_id = uow.inbound.add_message(row)
        _audit(uow, message, now, IGNORED, message_id, reason=message.ignore)
        return Received(IGNORED, message_id)
    draft, ticket_id, note = _target(uow, message)
    is_open, receipt = _ticket_open(uow, ticket_id)
    if ticket_id is not None and is_open:
        room = max(0, evidence.MAX_PER_TICKET - uow.attachments.count(ticket_id))
        for extra in records[room:]:
            refused.append({"filename": extra.filename, "reason": "too_many", "message":
                            f"Berkas '{extra.filename}' tidak disimpan: pengaduan {receipt} sudah memiliki "
                            f"{evidence.MAX_PER_TICKET} berkas bukti."})
        records = records[:room]
        message_id = uow.inbound.add_message(replace(row, disposition=THREADED, ticket_id=ticket_id,
                                                     draft_id=draft.id if draft else None, refused=tuple(refused)))
        _add_files(uow, message_id, records)
        if records:
            attachments.add_rows(uow, ticket_id, receipt or "", records, actor_id=SYSTEM.id, actor_role="system",
                                 now=now)
        _audit(uow, message, now, THREADED, message_id, ticket_id=ticket_id, receipt_no=receipt, files=len(records),
               refused=len(refused))
        return Received(THREADED, message_id, draft.id if draft else None, ticket_id, receipt, tuple(refused))
    if draft is not None and draft.status == DRAFT:
        message_id = uow.inbound.add_message(replace(row, disposition=THREADED, draft_id=draft.id))
        _add_files(uow, message_id, records)
        uow.inbound.touch(draft.id, now)
        _audit(uow, message, now, THREADED, message_id, draft=draft.id, files=len(records), refused=len(refused))
        return Received(THREADED, message_id, draft.id, refused=tuple(refused))
    if ticket_id is not None:  # the ticket it answers is closed: a new complaint, said so on the draft
        note = (note + " " if note else "") + f"Balasan untuk pengaduan {receipt} yang sudah selesai."
    draft_id = uow.inbound.add_draft(DraftRecord(
        channel=message.channel, kanal=inbound_channel(runtime.catalogs, message.channel), contact=message.sender,
        contact_name=message.sender_name, subject=message.subject or one_line(message.text, 120),
        received_at=message.received_at,
        created_at=now, updated_at=now, note=note))
    message_id = uow.inbound.add_message(replace(row, disposition=OPENED, draft_id=draft_id))
    _add_files(uow, message_id, records)
    _audit(uow, message, now, OPENED, message_id, draft=draft_id, files=len(records), refused=len(refused))
    return Received(OPENED, message_id, draft_id, refused=tuple(refused))


def _add_files(uow: UnitOfWork, message_id: int, records: list[AttachmentRecord]) -> None:
    uow.inbound.add_files([InboundFileRecord(message_id=message_id, sha256=r.sha256, filename=r.filename,
                                             content_type=r.content_type, size=r.size, stored_path=r.stored_path,
                                             created_at=r.created_at) for r in records])


def _audit(uow: UnitOfWork, message: InboundMessage, now: datetime, outcome: str, message_id: int, *,
           ticket_id: int | None = None, receipt_no: str | None = None, **detail: Any) -> None:
    uow.audit.append([AuditEvent(kind="system", at=now, actor_id=SYSTEM.id, actor_role="system", ticket_id=ticket_id,
                                 receipt_no=receipt_no,
                                 detail={"event": "inbound_message", "channel": message.channel, "outcome": outcome,
                                         "message": message_id, **detail})])


# -- drafts --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DraftView:
    """A draft with its messages and their files, for the page that completes it."""

    draft: DraftRecord | None  # None for replies to a ticket that was not filed from a draft
    messages: list[InboundMessageRecord]
    files: dict[int, list[InboundFileRecord]]  # by message id


def open_drafts(store, limit: int = 200) -> list[DraftRecord]:
    with store.unit_of_work(read_only=True) as uow:
        return uow.inbound.drafts(DRAFT, limit)


def draft_view(store, draft_id: int) -> DraftView | None:
    """The draft, its messages oldest first (and, once filed, the replies threaded to its ticket)."""
    with store.unit_of_work(read_only=True) as uow:
        draft = uow.inbound.draft(draft_id)
        if draft is None:
            return None
        messages = uow.inbound.messages(draft_id=draft.id, ticket_id=draft.ticket_id)
        files: dict[int, list[InboundFileRecord]] = {}
        for f in uow.inbound.files([m.id for m in messages if m.id is not None]):
            files.setdefault(f.message_id, []).append(f)
    return DraftView(draft, messages, files)


def ticket_messages(store, ticket_id: int) -> DraftView | None:
    """Every message that came in about a ticket: the draft it was filed from (if it was) and the replies
    threaded to it, oldest first; None when none did. ``draft`` is the draft, if any."""
    with store.unit_of_work(read_only=True) as uow:
        draft = uow.inbound.draft_of_ticket(ticket_id)
        messages = uow.inbound.messages(draft_id=draft.id if draft else None, ticket_id=ticket_id)
        if not messages:
            return None
        files: dict[int, list[InboundFileRecord]] = {}
        for f in uow.inbound.files([m.id for m in messages if m.id is not None]):
            files.setdefault(f.message_id, []).append(f)
    return DraftView(draft, messages, files)  # type: ignore[arg-type]


def draft_of_ticket(store, ticket_id: int) -> DraftRecord | None:
    with store.unit_of_work(read_only=True) as uow:
        return uow.inbound.draft_of_ticket(ticket_id)


def file_draft(runtime, draft_id: int, record: Mapping[str, Any], actor: Actor, *, definition_key: str,
               now: datetime | None = None) -> Filed:
    """Open the ticket a draft becomes, in one transaction: the record as the officer completed it, the clocks
    started at the draft's arrival, the draft's files as evidence, the draft marked filed.

    `InvalidInput` (nothing saved) when the record is not complete; `ConcurrentUpdate` when someone else
    filed or discarded the draft first."""
    engine = runtime.engine
    now = now or engine.now()
    with runtime.store.unit_of_work() as uow:
        draft = uow.inbound.draft(draft_id)
        if draft is None or draft.status != DRAFT:
            raise ConcurrentUpdate(f"Draf {draft_id} sudah diproses orang lain; muat ulang daftar draf.")
        received = min(draft.received_at, now)
        change, token = engine.decide_open(uow, definition_key, record, actor, now=received)
        change = replace(change, audit=[replace(e, at=now, detail={**e.detail, "received_at": received.isoformat(),
                                                                   "draft": draft_id, "channel": draft.channel})
                                        for e in change.audit])
        repeats = original_of(uow, change.ticket)
        if repeats:
            flag_duplicate(change, repeats[0].receipt_no, now)
        pin = tracking.prepare_pin(change)  # the short tracking code, sent with the receipt as for any intake
        saved = uow.tickets.save(change)
        tracking.issue_pin(uow, saved.id, saved.receipt_no, pin, engine.identity_salt, now)
        messages = uow.inbound.messages(draft_id=draft_id)
        seen: set[str] = set()
        files = []
        for f in uow.inbound.files([m.id for m in messages if m.id is not None]):
            if f.sha256 not in seen and len(files) < evidence.MAX_PER_TICKET:
                seen.add(f.sha256)
                files.append(AttachmentRecord(sha256=f.sha256, filename=f.filename, content_type=f.content_type,
                                              size=f.size, stored_path=f.stored_path, created_at=now))
        if files:
            definition = engine.definitions.get(uow, saved.definition_key, saved.definition_version)
            attachments.add_rows(uow, saved.id, saved.receipt_no, files, actor_id=actor.id,
                                 actor_role=acting_role(actor, list(definition.roles)), now=now)
        if not uow.inbound.close(draft_id, FILED, by=actor.id, at=now, ticket_id=saved.id,
                                 receipt_no=saved.receipt_no, note=draft.note):
            raise ConcurrentUpdate(f"Draf {draft_id} sudah diproses orang lain; muat ulang daftar draf.")
        uow.commit()
    logger.info("draft %s filed as %s", draft_id, saved.receipt_no)
    engine.run_after_commit(saved)
    return Filed(saved, token, pin)


def add_to_ticket(runtime, draft_id: int, receipt_no: str, actor: Actor, *, now: datetime | None = None) -> str:
    """Add a draft to an open complaint it is about (a reply the threading could not place: another address, no
    reference): its messages join the ticket's, its files become evidence (up to the ticket's limit), the draft
    is closed as filed under that receipt number; one audit row. The receipt number, as found.

    `InvalidInput` (``resi``) for an unknown or closed complaint; `ConcurrentUpdate` when the draft was handled."""
    now = now or runtime.engine.now()
    receipt_no = " ".join((receipt_no or "").split()).upper()[:24]
    with runtime.store.unit_of_work() as uow:
        try:
            ticket_id = uow.tickets.id_by_receipt(receipt_no)
        except TicketNotFound:
            raise InvalidInput({"resi": f"Tidak ada pengaduan {receipt_no or '(kosong)'}; periksa nomornya."}) from None
        is_open, receipt = _ticket_open(uow, ticket_id)
        if not is_open:
            raise InvalidInput({"resi": f"Pengaduan {receipt} sudah selesai; simpan draf ini sebagai pengaduan baru."})
        draft = uow.inbound.draft(draft_id)
        if draft is None or not uow.inbound.close(draft_id, FILED, by=actor.id, at=now, ticket_id=ticket_id,
                                                  receipt_no=receipt, note=draft.note):
            raise ConcurrentUpdate(f"Draf {draft_id} sudah diproses orang lain; muat ulang daftar draf.")
        uow.inbound.link(draft_id, ticket_id)
        room = max(0, evidence.MAX_PER_TICKET - uow.attachments.count(ticket_id))
        have = {a.sha256 for a in uow.attachments.of(ticket_id)}
        files = [AttachmentRecord(sha256=f.sha256, filename=f.filename, content_type=f.content_type, size=f.size,
                                  stored_path=f.stored_path, created_at=now)
                 for f in uow.inbound.files([m.id for m in uow.inbound.messages(draft_id=draft_id) if m.id])
                 if f.sha256 not in have][:room]
        if files:
            attachments.add_rows(uow, ticket_id, receipt or "", files, actor_id=actor.id,
                                 actor_role=identity_role(actor), now=now)
        uow.audit.append([AuditEvent(kind="system", at=now, actor_id=actor.id, actor_role=identity_role(actor),
                                     ticket_id=ticket_id, receipt_no=receipt,
                                     detail={"event": "inbound_message", "channel": draft.channel,
                                             "outcome": "added", "draft": draft_id, "files": len(files)})])
        uow.commit()
    return receipt or receipt_no


def discard_draft(runtime, draft_id: int, actor: Actor, reason: str, *, now: datetime | None = None) -> None:
    """Set a draft aside as not a complaint (spam, a thank-you note), with the reason; audited."""
    reason = " ".join((reason or "").split())[:500]
    if not reason:
        raise InvalidInput({"alasan": "Tuliskan alasan draf ini bukan pengaduan."})
    now = now or runtime.engine.now()
    with runtime.store.unit_of_work() as uow:
        if not uow.inbound.close(draft_id, DISCARDED, by=actor.id, at=now, note=reason):
            raise ConcurrentUpdate(f"Draf {draft_id} sudah diproses orang lain; muat ulang daftar draf.")
        uow.audit.append([AuditEvent(kind="system", at=now, actor_id=actor.id, actor_role=identity_role(actor),
                                     detail={"event": "inbound_discarded", "draft": draft_id, "reason": reason})])
        uow.commit()


def file_bytes(store, draft_id: int, file_id: int, instance_path: str | Path, *, actor: Actor,
               now: datetime | None = None) -> tuple[InboundFileRecord, bytes] | None:
    """One file of a draft's messages, handed out once the access is in the audit trail (evidence is
    personal data); None when the draft has no such file."""
    view = draft_view(store, draft_id)
    found = next((f for fs in (view.files.values() if view else ()) for f in fs if f.id == file_id), None)
    if found is None:
        return None
    data = attachments.read({"id": found.id, "stored_path": found.stored_path, "sha256": found.sha256}, instance_path)
    with store.unit_of_work() as uow:
        uow.audit.append([AuditEvent(kind="system", at=now or datetime.now(timezone.utc), actor_id=actor.id,
                                     actor_role=identity_role(actor), ticket_id=view.draft.ticket_id,
                                     receipt_no=view.draft.receipt_no,
                                     detail={"event": "evidence_download", "sha256": found.sha256,
                                             "inbound_file": found.id, "draft": draft_id})])
        uow.commit()
    return found, data


__all__ = ["Received", "receive", "last_uid", "check_files", "inbound_channel", "DraftView", "open_drafts",
           "draft_view", "ticket_messages", "draft_of_ticket", "file_draft", "add_to_ticket", "discard_draft",
           "file_bytes", "SYSTEM"]
