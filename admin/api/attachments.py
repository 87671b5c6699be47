"""/api/v1/tickets/{receipt_no}/attachments: the complainant's evidence (bukti), added by the integration
that filed the complaint, listed by metadata.

``POST`` takes multipart/form-data with one or more ``files`` parts, checked by `workflow.core.evidence`
exactly as the public form's uploads are (type by content, size limit, stored by sha256 outside the web
root, one audit row per file), all of a request's files or none. Only the integration that filed the
ticket (the key, or a later key with the same name) may add files, for ``ALUR_API_ATTACH_HOURS`` (24)
after filing and while the ticket is open. ``GET`` lists metadata, never storage paths.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from admin.public import limits
from admin.public.status import iso
from workflow.core import evidence
from workflow.errors import AttachmentRejected
from workflow.services import attachments
from workflow.store.queries.api import ticket_with_filer

from . import idempotency
from .errors import ApiProblem
from .keys import limit_key
from .operations import IDEMPOTENCY_KEY, MULTIPART, PREFIX, RECEIPT, hours_setting, operation
from .schema import Operation, Param

logger = logging.getLogger(__name__)

#: How long after filing the filing integration may still add evidence (ALUR_API_ATTACH_HOURS). Bukti awal
#: belongs to the complaint as filed: a gateway that files first and uploads after (or retries a failed
#: upload) has a day, the same day its Idempotency-Keys last. Later material goes through the office
#: (the 'lengkapi' step the tracking page offers when the office asks for it).
ATTACH_HOURS = 24.0


def attach_window() -> timedelta:
    return hours_setting("ALUR_API_ATTACH_HOURS", ATTACH_HOURS)


def accepted() -> list[dict]:
    return [{"content_type": k.content_type, "extensions": list(k.extensions)} for k in evidence.ALLOWED.values()]


def request_limit() -> int:
    """The most one upload request may carry: MAX_FILES files at the size limit, plus the multipart framing."""
    return evidence.MAX_FILES * evidence.max_bytes() + 64 * 1024


def attachments_form(rt) -> dict:
    mb = evidence.max_bytes() // (1024 * 1024)
    return {"type": "object", "required": ["files"], "additionalProperties": False, "properties": {"files": {
        "type": "array", "minItems": 1, "maxItems": evidence.MAX_FILES,
        "items": {"type": "string", "format": "binary"},
        "description": f"one part per file, each named 'files'; 1 to {evidence.MAX_FILES} files of at most "
                       f"{mb} MB, of the kinds {', '.join(k.label for k in evidence.ALLOWED.values())} "
                       "(judged by content; the extension must agree)"}}}


def ticket_for_key(rt, receipt_no: str, key, *, to_add: bool) -> dict:
    """The ticket row if ``key`` may see it (``to_add``: may add evidence to it), else a problem.

    A key with the ``read`` scope sees every ticket, as in GET /tickets; any other key sees only the
    tickets its integration filed (the ``open`` audit row's actor, ``api:<key name>``, so a rotated key
    with the same name keeps them). Every ticket such a key may not see answers exactly like an unknown
    receipt number, so receipt numbers cannot be probed with it."""
    row, filer = ticket_with_filer(rt.store, receipt_no)
    own = row is not None and filer == key.actor().id
    if row is None or not (own or "read" in key.scopes):
        # the words of `tickets.ticket_id`'s 404: an unknown number and someone else's ticket look the same
        raise ApiProblem(404, "Pengaduan tidak ditemukan", f"Tidak ada pengaduan bernomor {receipt_no}.")
    if to_add and not own:
        raise ApiProblem(403, "Bukan pengaduan integrasi ini",
                         f"Bukti hanya dapat dilampirkan oleh integrasi yang mengajukan pengaduan {receipt_no}. "
                         "Bukti lain disampaikan kepada petugas.")
    return row


def attachment_docs(ticket: dict, rows: list[dict], only: set[int] | None = None) -> list[dict]:
    """Metadata of ``rows`` (all the ticket's, oldest first), never the storage path; neutral names when the
    complainant's identity does not leave the office (anonim, rahasia)."""
    hide = (ticket.get("kerahasiaan") or "biasa") != "biasa"
    return [{"id": r["id"], "name": evidence.neutral_name(r["content_type"], n) if hide else r["filename"],
             "content_type": r["content_type"], "size": r["size"], "sha256": r["sha256"],
             "created_at": iso(r["created_at"])}
            for n, r in enumerate(rows, start=1) if only is None or r["id"] in only]


def _request_files() -> list:
    """The request's ``files`` parts, or a problem for a request too large, a misnamed part, none or too many."""
    request.max_content_length = request_limit()
    limit = evidence.max_bytes()
    try:
        parts = request.files
    except RequestEntityTooLarge:
        raise ApiProblem(413, "Permintaan terlalu besar",
                         f"Satu permintaan memuat paling banyak {evidence.MAX_FILES} berkas masing-masing "
                         f"{limit // (1024 * 1024)} MB ({request_limit()} byte seluruhnya). Kirim berkas dalam "
                         "beberapa permintaan.", max_bytes=limit, max_request_bytes=request_limit()) from None
    unknown = sorted((set(parts) | set(request.form)) - {"files"})
    if unknown:  # a misnamed part would otherwise be dropped without a word
        raise ApiProblem(422, "Isi permintaan tidak sah", "Kirim setiap berkas sebagai bagian bernama 'files'; "
                         "bagian lain tidak diterima.",
                         errors={name: "bagian tidak dikenal; gunakan nama 'files'" for name in unknown})
    files = parts.getlist("files")
    if not files:
        raise ApiProblem(422, "Isi permintaan tidak sah", "Lampirkan minimal satu berkas di bagian 'files'.",
                         errors={"files": "wajib diisi"})
    if len(files) > evidence.MAX_FILES:
        raise ApiProblem(422, "Terlalu banyak berkas",
                         f"Satu permintaan memuat paling banyak {evidence.MAX_FILES} berkas; terkirim "
                         f"{len(files)}. Kirim sisanya dalam permintaan berikutnya.",
                         errors={"files": f"paling banyak {evidence.MAX_FILES} berkas"},
                         max_files=evidence.MAX_FILES)
    return files


def read_uploads() -> list[evidence.Upload]:
    """Every file of the request checked by `workflow.core.evidence.check`, or a problem naming each bad one."""
    limit = evidence.max_bytes()
    uploads: list[evidence.Upload] = []
    errors: dict[str, str] = {}
    reasons: set[str] = set()
    for i, item in enumerate(_request_files()):
        try:
            uploads.append(evidence.check(item.filename or "", item.stream, limit))
        except AttachmentRejected as exc:
            errors[f"files[{i}]"] = str(exc)
            reasons.add(exc.reason)
    if not errors:
        return uploads
    # one status for the request: the rule a client must fix first (size, then kind, then the rest)
    if "too_large" in reasons:
        raise ApiProblem(413, "Berkas terlalu besar", f"Setiap berkas paling besar {limit // (1024 * 1024)} MB "
                         f"({limit} byte). Tidak ada berkas yang disimpan.", errors=errors, max_bytes=limit)
    if reasons & {"type", "extension"}:
        labels = ", ".join(f"{k.label} ({'/'.join(k.extensions)})" for k in evidence.ALLOWED.values())
        raise ApiProblem(415, "Jenis berkas tidak diterima", f"Berkas diterima bila isinya {labels} dan "
                         "ekstensinya sesuai. Tidak ada berkas yang disimpan.", errors=errors, accepted=accepted())
    raise ApiProblem(422, "Berkas tidak sah", "Periksa berkas yang disebut di 'errors'. Tidak ada berkas yang "
                     "disimpan.", errors=errors)


def refuse_closed(rt, ticket: dict) -> None:
    """409 when the ticket no longer takes evidence from the API: closed, or past the window after filing."""
    definition = rt.engine.definition(ticket["definition_key"], ticket["definition_version"])
    state = definition.states.get(ticket["state"])
    if state is not None and state.terminal:
        reason = (f"Pengaduan sudah selesai ({state.label}); bukti tidak dapat ditambahkan lagi.", "state")
    elif datetime.now(timezone.utc) - ticket["created_at"] > attach_window():
        hours = attach_window().total_seconds() / 3600
        reason = (f"Bukti melalui API diterima sampai {hours:g} jam setelah pengaduan diajukan. Bukti berikutnya "
                  "disampaikan kepada petugas, atau melalui halaman lacak bila petugas memintanya.", "window")
    else:
        return
    raise ApiProblem(409, "Pengaduan tidak menerima bukti lagi", reason[0],
                     reasons=[{"kind": reason[1], "reason": reason[0]}])


def _store(rt, ticket: dict, uploads: list[evidence.Upload], key, claim=None):
    """Store the files (all or none) within the ticket's limit; a 409 when they would exceed it. The new
    rows' ids, or the earlier request's record when ``claim``'s Idempotency-Key was used before."""
    refuse_closed(rt, ticket)
    limit = evidence.MAX_PER_TICKET
    try:
        # record() checks again under lock; with a claim it answers a retry first, even on a full ticket
        have = attachments.count_for(rt.store, ticket["id"]) if claim is None else 0
        if have + len(uploads) > limit:
            raise AttachmentRejected(f"Pengaduan {ticket['receipt_no']} sudah memiliki {have} berkas bukti; paling "
                                     f"banyak {limit} berkas per pengaduan.", "too_many")
        return attachments.record(rt.store, ticket["id"], ticket["receipt_no"], uploads, current_app.instance_path,
                                  actor_id=key.actor().id, actor_role=key.role, max_total=limit, key=claim)
    except AttachmentRejected as exc:  # too_many: the only rule left after read_uploads
        raise ApiProblem(409, "Batas berkas pengaduan tercapai", f"{exc} Tidak ada berkas yang disimpan.",
                         max_per_ticket=limit) from None


def create_attachments(rt, receipt_no, **headers):
    key = g.api_key
    ticket = ticket_for_key(rt, receipt_no, key, to_add=True)
    uploads = read_uploads()
    req_hash = idempotency.request_hash({"operation": "createAttachments", "receipt_no": ticket["receipt_no"],
                                         "files": [[u.filename, u.sha256] for u in uploads]})

    def answer(ids: list[int], rows: list[dict]) -> dict:
        return {"receipt_no": ticket["receipt_no"], "replayed": False,
                "items": attachment_docs(ticket, rows, set(ids))}

    claim = idempotency.key_claim(key, headers.get("Idempotency-Key"), req_hash, answer)
    ids = _store(rt, ticket, uploads, key, claim)
    if not isinstance(ids, list):
        return idempotency.replay(ids, claim)
    logger.info("%s attached %d file(s) to %s", key.actor().id, len(ids), ticket["receipt_no"])
    stored = answer(ids, attachments.list_for(rt.store, ticket["id"]))
    response = jsonify(stored)
    response.status_code = 201
    response.headers["Location"] = f"{PREFIX}/tickets/{ticket['receipt_no']}/attachments"
    return response


def list_attachments(rt, receipt_no):
    ticket = ticket_for_key(rt, receipt_no, g.api_key, to_add=False)
    rows = attachments.list_for(rt.store, ticket["id"])
    return jsonify({"receipt_no": ticket["receipt_no"], "items": attachment_docs(ticket, rows)})


CREATE = Operation(
    "POST", "/tickets/{receipt_no}/attachments", "createAttachments", "Attach evidence (bukti) to a ticket",
    ("intake",), params=(RECEIPT,),
    headers=(Param("Idempotency-Key", "header", IDEMPOTENCY_KEY,
                   "a retry with the same key and the same files returns the first answer (replayed=true) "
                   "and stores nothing twice; other files answer 422. Remembered for 24 hours"),),
    body=attachments_form, body_media=MULTIPART,
    body_encoding={"files": {"contentType": ", ".join(k.content_type for k in evidence.ALLOWED.values())}},
    response="AttachmentsCreated", status=201, tags=("attachments",),
    description="multipart/form-data with one part named 'files' per file. Files are judged by their "
                "content, as on the public form: "
                f"{', '.join(f'{k.label} ({k.extensions[0]})' for k in evidence.ALLOWED.values())}, the "
                "extension agreeing with the content. All the request's files are stored, or none. Only "
                "the integration that filed the ticket may attach (its key, or a later key with the same "
                "name); any other key without the read scope gets the 404 of an unknown receipt number. "
                f"Accepted for {ATTACH_HOURS:g} hours after filing (ALUR_API_ATTACH_HOURS) while the ticket "
                f"is not closed, up to {evidence.MAX_PER_TICKET} files per ticket. Each file gets an audit "
                "row with its sha256; the response lists names, types, sizes and hashes, never storage paths.",
    problems={404: "no such ticket, or not one this key may see",
              409: "the ticket is closed, past the upload window, or would exceed its file limit "
                   "(max_per_ticket)",
              413: "a file or the request is too large (max_bytes, max_request_bytes)",
              415: "not multipart/form-data, or a file of a kind not accepted (accepted)",
              422: "no files, too many files in one request (max_files), an unknown part, or an empty "
                   "file"})
LIST = Operation(
    "GET", "/tickets/{receipt_no}/attachments", "listAttachments", "Evidence attached to a ticket (metadata)",
    ("intake", "read"), params=(RECEIPT,), response="AttachmentList", tags=("attachments",),
    description="Every file attached to the ticket, by the public form or the API, oldest first: name, "
                "content type, size, sha256 and time; never where it is stored, nor its bytes. A key with "
                "the read scope sees every ticket's list; an intake-only key sees the tickets its "
                "integration filed, and gets the 404 of an unknown receipt number for any other.",
    problems={404: "no such ticket, or not one this key may see"})


def register(bp: Blueprint, limiter) -> None:
    # per key like the rest of /api/v1 (override_defaults=False keeps that limit too), and tighter: each
    # request may carry MAX_FILES files at the size limit
    upload_limited = limiter.limit(limits.api_upload_limit, key_func=limit_key, override_defaults=False) \
        if limiter is not None else None
    operation(bp, CREATE, wrap=upload_limited)(create_attachments)
    operation(bp, LIST)(list_attachments)


__all__ = ["register", "ATTACH_HOURS", "attach_window"]
