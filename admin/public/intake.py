"""Filing a complaint from outside (web form or API): open the ticket, keep its evidence, check duplicates.

The same steps for both channels, so a complaint filed through SIPEKA's API is treated exactly like
one typed into the form. Uploads are checked *before* the ticket is opened (a refused file refuses the
complaint, nothing half-filed); storing them happens after, in their own transaction with their audit
rows.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Iterable, Mapping

from workflow.services import evidence as attachments, duplicates
from workflow.services.engine import Opened
from workflow.core.guards import Actor

logger = logging.getLogger(__name__)

DEFAULT_DEFINITION = "pengaduan-ptsp"


def file_complaint(runtime, record: Mapping[str, Any], actor: Actor, *, definition_key: str = DEFAULT_DEFINITION,
                   uploads: Iterable[attachments.Upload] = (), instance_path: str | None = None,
                   now: datetime | None = None) -> Opened:
    """Open the ticket (raises `InvalidInput`), then record attachments and flag a likely duplicate."""
    uploads = list(uploads)
    opened = runtime.engine.open(definition_key, record, actor, now=now)
    ticket = opened.ticket
    if uploads:
        if instance_path is None:
            raise ValueError("instance_path is needed to store attachments")
        role = "pemohon" if "pemohon" in actor.roles else (sorted(actor.roles)[0] if actor.roles else "")
        attachments.record(runtime.store, ticket.id, ticket.receipt_no, uploads, instance_path,
                           actor_id=actor.id, actor_role=role, now=now)
    try:
        duplicates.flag_if_duplicate(runtime, ticket.id, now=now)
    except Exception:  # noqa: BLE001 - a failed duplicate check must not lose a filed complaint
        logger.exception("duplicate check failed for %s", ticket.receipt_no)
    return opened


__all__ = ["file_complaint", "DEFAULT_DEFINITION"]
