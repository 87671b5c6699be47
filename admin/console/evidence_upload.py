"""Evidence added after filing, on the console (issue 14, item 4): files on the record form (a walk-in
complainant's documents, scanned at the desk) and on the ticket page (what came later: a letter, a photo).

The same checks as the public form and the API (`workflow.core.evidence.check`: sniffed type, size, at most
`MAX_FILES` per submission and `MAX_PER_TICKET` per complaint), the same storage and the same audit rows
(`workflow.services.attachments`: one ``attachment`` row per file, naming who added it). Only case roles
reach the ticket page (`WorkView.roles`); a closed complaint takes no more files. A ``rahasia`` complaint's
files then follow its identity rule like every other file of it: listed to everyone on the page, handed out
only to those who may reveal the identity, with a purpose.
"""
from __future__ import annotations

import logging

from flask import abort, current_app, flash, redirect, request, url_for

from workflow.core import evidence
from workflow.core.evidence import Upload
from workflow.errors import AttachmentRejected
from workflow.services import attachments
from workflow.services.identity import acting_role

from ..auth import current_actor, current_console_user
from . import common
from .common import tr

logger = logging.getLogger(__name__)
FIELD = "bukti"


def checked(errors: dict[str, str], *, already: int = 0) -> list[Upload]:
    """The request's ``bukti`` files that pass `workflow.core.evidence.check`; what is wrong goes to ``errors``."""
    files = [f for f in request.files.getlist(FIELD) if f and f.filename]
    if len(files) > evidence.MAX_FILES:
        errors[FIELD] = tr(f"Paling banyak {evidence.MAX_FILES} berkas sekali kirim.",
                           f"At most {evidence.MAX_FILES} files at a time.")
        return []
    uploads = []
    for item in files:
        try:
            uploads.append(evidence.check(item.filename, item.stream))
        except AttachmentRejected as exc:
            errors[FIELD] = str(exc)
    if uploads and already + len(uploads) > evidence.MAX_PER_TICKET:
        errors[FIELD] = tr(f"Pengaduan ini sudah memiliki {already} berkas; paling banyak {evidence.MAX_PER_TICKET} "
                           "berkas per pengaduan.", f"This complaint already has {already} files; at most "
                           f"{evidence.MAX_PER_TICKET} files per complaint.")
    return uploads


def limits() -> dict:
    """What the file inputs say about the limits (and set as ``accept``)."""
    return {"accept": evidence.ACCEPT, "max_files": evidence.MAX_FILES,
            "max_mb": evidence.max_bytes() // (1024 * 1024)}


def post(view, page, ticket):
    """POST …/ticket/<id>/bukti: add files to an open complaint, audited; back to its page."""
    user = current_console_user()
    if user is None or page.opd_mode:
        abort(403)
    definition = common.runtime().engine.definition_of(ticket)
    if definition.states[ticket.state].terminal:
        return page.render(ticket, status=409, alert=tr("Pengaduan ini sudah selesai; bukti tidak dapat ditambahkan.",
                                                        "This complaint is closed; no evidence can be added."))
    rt = common.runtime()
    errors: dict[str, str] = {}
    uploads = checked(errors, already=attachments.count_for(rt.store, ticket.id))
    if not uploads and not errors:
        errors[FIELD] = tr("Pilih berkas bukti yang akan ditambahkan.", "Choose the evidence files to add.")
    if errors:
        return page.render(ticket, status=422, alert=errors[FIELD])
    actor = current_actor()
    try:
        attachments.record(rt.store, ticket.id, ticket.receipt_no, uploads, current_app.instance_path,
                           actor_id=actor.id, actor_role=acting_role(actor), max_total=evidence.MAX_PER_TICKET)
    except AttachmentRejected as exc:
        return page.render(ticket, status=422, alert=str(exc))
    logger.info("%d evidence file(s) added to ticket %s on the console", len(uploads), ticket.id)
    flash(tr(f"{len(uploads)} berkas bukti ditambahkan.", f"{len(uploads)} evidence file(s) added."), "success")
    return redirect(url_for(f"{view.endpoint}.ticket", ticket_id=ticket.id) + "#evidence")


__all__ = ["checked", "limits", "post", "FIELD"]
