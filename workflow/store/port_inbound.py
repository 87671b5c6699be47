"""The store port's part for complaints that arrive by themselves: inbound messages and the drafts they open.

**Why drafts are rows of their own, not tickets in a draft state.** A ticket is opened only from a record
its definition accepts (`workflow.core.decide.check_record`: name, address, category ... are required),
its receipt number is drawn from a gap-free yearly counter, and reports count every ticket. An email
has none of those fields yet and may be spam. So a message opens an *inbound draft* (``inbound_drafts``):
the sender, the subject, the time the office received it, and its messages and files
(``inbound_messages``, ``inbound_attachments``). An officer completes the record beside the original
and files it (`workflow.services.inbound.file_draft`): the ticket is opened then, with its clocks
started at the draft's ``received_at`` (the SOP counts from receipt, not from when someone got to it),
its files become the ticket's evidence, and the draft keeps the ticket's id so later replies thread
to the ticket. A draft that is not a complaint is discarded with a reason (audited).

**Why no message is read twice.** A message row carries ``(source, external_id)`` (the mailbox and the
Message-ID, or the gateway and its message id) and ``(source, uidvalidity, uid)`` for mail, both unique,
and it is written in the same transaction as the draft, the thread or the evidence it made. A poll that
dies between two messages has committed the first and not the second; the next poll asks for the UIDs
above the highest one recorded for the mailbox's UIDVALIDITY, finds the second and records it once.
If the server renumbers the mailbox (a new UIDVALIDITY), the Message-IDs still match.

Both adapters implement this (`workflow.store.sql.inbound`, `workflow.store.memory_inbound`) and pass
``tests/store/test_port_inbound.py``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Protocol

DRAFT, FILED, DISCARDED = "draft", "filed", "discarded"  # a draft's status
OPENED, THREADED, IGNORED = "draft", "thread", "ignored"  # what a message did


@dataclass(frozen=True)
class DraftRecord:
    channel: str  # email | whatsapp
    contact: str  # the sender's address or phone number
    subject: str
    received_at: datetime  # the first message's arrival: the clocks start here when it is filed
    created_at: datetime
    kanal: str | None = None  # the definition's channel code (the catalog entry marked ``inbound``)
    contact_name: str = ""
    status: str = DRAFT
    note: str = ""
    ticket_id: int | None = None
    receipt_no: str | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None
    updated_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class InboundMessageRecord:
    source: str
    external_id: str
    channel: str
    disposition: str  # draft | thread | ignored
    sender: str
    received_at: datetime
    created_at: datetime
    sender_name: str = ""
    subject: str = ""
    body: str = ""
    uidvalidity: int | None = None
    uid: int | None = None
    draft_id: int | None = None
    ticket_id: int | None = None
    reason: str | None = None  # why it was ignored (auto_reply, bounce, ...)
    refused: tuple[dict, ...] = ()  # files refused: {filename, reason, message}
    notes: tuple[str, ...] = ()
    id: int | None = None


@dataclass(frozen=True)
class InboundFileRecord:
    """A file that came with a message and passed the evidence checks (bytes stored by hash)."""

    message_id: int
    sha256: str
    filename: str
    content_type: str
    size: int
    stored_path: str
    created_at: datetime
    id: int | None = None


class InboundRepository(Protocol):
    def find(self, source: str, external_id: str) -> InboundMessageRecord | None:
        """The message recorded under that source and id, if any."""

    def last_uid(self, source: str, uidvalidity: int) -> int:
        """The highest UID recorded for the mailbox under that UIDVALIDITY; 0 when none."""

    def add_message(self, record: InboundMessageRecord) -> int:
        """Record a message; its id. `ConcurrentUpdate` when its (source, external_id) or (source,
        uidvalidity, uid) is recorded already (another poll got there first: nothing of this unit of work
        may be committed)."""

    def add_files(self, records: Iterable[InboundFileRecord]) -> list[int]: ...

    def add_draft(self, record: DraftRecord) -> int: ...

    def draft(self, draft_id: int) -> DraftRecord | None: ...

    def draft_of_ticket(self, ticket_id: int) -> DraftRecord | None:
        """The draft a ticket was filed from, if it was."""

    def drafts(self, status: str = DRAFT, limit: int = 200) -> list[DraftRecord]:
        """Drafts with that status, oldest arrival first."""

    def messages(self, *, draft_id: int | None = None, ticket_id: int | None = None) -> list[InboundMessageRecord]:
        """The messages of a draft or threaded to a ticket, oldest first."""

    def files(self, message_ids: Iterable[int]) -> list[InboundFileRecord]:
        """The files of these messages, by id."""

    def thread_of(self, external_ids: Iterable[str]) -> InboundMessageRecord | None:
        """The newest recorded message among these ids that belongs to a draft or a ticket."""

    def latest_draft(self, channel: str, contact: str) -> DraftRecord | None:
        """The newest draft (of any status but discarded) from this contact on this channel."""

    def link(self, draft_id: int, ticket_id: int) -> int:
        """Mark the draft's messages as about ``ticket_id`` (an officer added the draft to that complaint); how many."""

    def touch(self, draft_id: int, at: datetime) -> None:
        """A message joined the draft at ``at``."""

    def close(self, draft_id: int, status: str, *, by: str, at: datetime, note: str = "",
              ticket_id: int | None = None, receipt_no: str | None = None) -> bool:
        """File or discard a draft that is still a draft; False (nothing written) when it is not any more."""


__all__ = ["DraftRecord", "InboundMessageRecord", "InboundFileRecord", "InboundRepository", "DRAFT", "FILED",
           "DISCARDED", "OPENED", "THREADED", "IGNORED"]
