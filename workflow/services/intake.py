"""Filing a complaint, whoever records it: the public form, the console's walk-in form, the API.

One transaction does it all or nothing: the receipt number is drawn, the ticket opened, a likely
duplicate flagged (`workflow.store.rules.duplicates`: same registration number and category as an
open ticket), the tracking PIN stored (`workflow.services.tracking`), the evidence rows and their audit
rows written. If anything fails, nothing is saved:
no ticket, no gap in the receipt numbers (the counter rolls back with the rest) and no orphan file (the
evidence bytes this intake wrote are removed). Uploads are checked by the caller first
(`workflow.core.evidence.check`), so a refused file refuses the complaint before anything is written.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Mapping

from workflow.core.decide import acting_role
from workflow.core.duplicates import flag_duplicate
from workflow.core.evidence import Upload
from workflow.core.guards import Actor
from workflow.services import attachments, idempotency, tracking
from workflow.services.duplicates import original_of
from workflow.services.engine import Opened
from workflow.services.idempotency import KeyClaim
from workflow.store.port import IdempotencyRecord

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Filed(Opened):
    """An opened complaint with its short tracking PIN (`workflow.services.tracking`), shown once like the token."""

    pin: str | None = None


def file_complaint(runtime, record: Mapping[str, Any], actor: Actor, *, definition_key: str,
                   uploads: Iterable[Upload] = (), instance_path: str | Path | None = None,
                   now: datetime | None = None, key: KeyClaim | None = None) -> Filed | IdempotencyRecord:
    """Open a ticket from ``record`` with its evidence and duplicate flag, in one transaction.

    With ``key`` (an API Idempotency-Key) the key is claimed and its answer stored in that same
    transaction, so a crash before the commit leaves no claim behind and a retry after it gets the
    ticket that was made: the earlier request's `IdempotencyRecord` is returned instead of filing again.

    Raises `InvalidInput` (nothing saved) when the record does not satisfy the definition."""
    engine = runtime.engine
    now = now or engine.now()
    uploads = list(uploads)
    if uploads and instance_path is None:
        raise ValueError("instance_path is needed to store attachments")
    created: list[Path] = []
    try:
        with runtime.store.unit_of_work() as uow:
            claim_id, earlier = idempotency.claim_in(uow, key, now) if key is not None else (None, None)
            if earlier is not None:
                return earlier
            change, token = engine.decide_open(uow, definition_key, record, actor, now=now)
            repeats = original_of(uow, change.ticket)
            if repeats:
                flag_duplicate(change, repeats[0].receipt_no, now)
            pin = tracking.prepare_pin(change)
            saved = uow.tickets.save(change)
            tracking.issue_pin(uow, saved.id, saved.receipt_no, pin, engine.identity_salt, now)
            if uploads:
                records, created = attachments.write_files(uploads, instance_path, now)
                definition = engine.definitions.get(uow, saved.definition_key, saved.definition_version)
                attachments.add_rows(uow, saved.id, saved.receipt_no, records, actor_id=actor.id,
                                     actor_role=acting_role(actor, list(definition.roles)), now=now)
            if key is not None:
                idempotency.answer_in(uow, claim_id, saved.id, key.status_code, key.answer(saved))
            uow.commit()
    except BaseException:
        attachments.discard(created)
        raise
    if repeats:
        logger.info("ticket %s flagged as a possible duplicate of %s", saved.receipt_no, repeats[0].receipt_no)
    engine.run_after_commit(saved)
    return Filed(saved, token, pin)


__all__ = ["file_complaint", "Filed"]
