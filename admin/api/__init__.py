"""/api/v1: the integration API (SIPEKA, a SP4N-LAPOR! bridge, WhatsApp gateways).

Every operation is declared once as an `Operation` (scope, parameters, body schema, response schema);
the same declaration wraps the view (key and scope check, parameter parsing, body validation) and is
rendered into ``/api/v1/openapi.json``. Record and input schemas come from the published definition
and the catalogs (see `admin.api.schema`).

Authentication: ``Authorization: Bearer alur_…`` or ``X-API-Key: alur_…``, keys made with
``alur apikeys create``. CSRF does not apply (no cookies are used). Every error is
``application/problem+json`` (RFC 9457) with a title and a detail, never a stack trace.

Evidence (bukti): ``POST /tickets/{receipt_no}/attachments`` takes multipart/form-data with one or more
``files`` parts, checked by `workflow.attachments` exactly as the public form's uploads are (type by
content, size limit, stored by sha256 outside the web root, one audit row per file), all of a request's
files or none. Only the integration that filed the ticket (the key, or a later key with the same name)
may add files, for ``ALUR_API_ATTACH_HOURS`` (24) after filing and while the ticket is open; ``GET`` on
the same path lists metadata, never storage paths. See ``docs/api.md``.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from datetime import date, datetime, time as dtime, timedelta, timezone
from typing import Any, Callable
from urllib.parse import urlencode

from flask import Blueprint, Flask, current_app, g, jsonify, request
from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import BadRequest, HTTPException, NotFound, RequestEntityTooLarge

from admin.public import limits
from admin.public.status import find_by_token, iso, jsonable, public_status
from workflow.core import evidence
from workflow.services import attachments
from workflow.services.intake import file_complaint
from workflow.core.calendar import OFFICE_TZ
from workflow.errors import (AlurError, AttachmentRejected, ConcurrentUpdate, InvalidInput, TicketNotFound, TransitionRejected,
                             UnknownDefinition)
from workflow.store import models as m
from workflow.store import models_intake as mi
from workflow.store.db import read_only
from workflow.store.sql import utc

from . import keys as apikeys
from .schema import RECEIPT_PATTERN, Operation, Param, check, definition_doc, fields_schema, field_doc, openapi

logger = logging.getLogger(__name__)

PREFIX = "/api/v1"
PROBLEM = "application/problem+json"
IDEMPOTENCY_WAIT = 10.0  # seconds a retry waits for the first request with its key to finish
#: How long an Idempotency-Key is remembered (ALUR_IDEMPOTENCY_HOURS). Like Stripe's 24 hours: long
#: enough for any client's retry loop, short enough that the table does not grow for ever and a key
#: can be reused by a client that numbers its requests per day.
IDEMPOTENCY_HOURS = 24.0
#: How long after filing the filing integration may still add evidence (ALUR_API_ATTACH_HOURS). Bukti awal
#: belongs to the complaint as filed: a gateway that files first and uploads after (or retries a failed
#: upload) has a day, the same day its Idempotency-Keys last. Later material goes through the office
#: (the 'lengkapi' step the tracking page offers when the office asks for it).
ATTACH_HOURS = 24.0
MULTIPART = "multipart/form-data"

OPERATIONS: list[Operation] = []


class ApiProblem(HTTPException):
    """An error answered as problem+json; ``extra`` adds members such as ``errors`` or ``reasons``."""

    def __init__(self, status: int, title: str, detail: str, **extra: Any):
        super().__init__(description=detail)
        self.code = status
        self.title = title
        self.extra = extra


def problem(status: int, title: str, detail: str, **extra: Any):
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    return response


def _runtime():
    from admin.app import get_runtime
    return get_runtime()


def _presented_key() -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return request.headers.get("X-API-Key")


# -- declaration + enforcement --------------------------------------------------------------------
def operation(bp: Blueprint, op: Operation, wrap: Callable | None = None) -> Callable:
    """Register ``view`` for ``op``: the wrapper enforces exactly what the document says.

    ``wrap`` decorates the wrapper before it is registered (a route-specific rate limit)."""
    OPERATIONS.append(op) if not any(o.operation_id == op.operation_id for o in OPERATIONS) else None
    flask_path = op.path.replace("{", "<").replace("}", ">")

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(**path_args: Any):
            runtime = _runtime()
            if op.scopes:
                key = apikeys.authenticate(runtime.db, _presented_key())
                if key is None:
                    raise ApiProblem(401, "Kunci API tidak sah",
                                     "Kirim kunci API yang aktif di header 'Authorization: Bearer alur_…' atau "
                                     "'X-API-Key'. Kunci dibuat dengan 'alur apikeys create'.")
                if not key.scopes & set(op.scopes):
                    raise ApiProblem(403, "Cakupan kunci tidak cukup",
                                     f"Operasi ini memerlukan cakupan {' atau '.join(op.scopes)}; kunci "
                                     f"'{key.name}' memiliki: {', '.join(sorted(key.scopes))}.")
                g.api_key = key
            args: dict[str, Any] = {}
            errors: dict[str, str] = {}
            for p in op.params + op.headers:
                raw = path_args.get(p.name) if p.where == "path" else (
                    request.args.get(p.name) if p.where == "query" else request.headers.get(p.name))
                value, error = p.parse(raw)
                if error:
                    errors[p.name] = error
                args[p.name] = value
            if errors:
                if any(p.where == "path" for p in op.params if p.name in errors):
                    raise ApiProblem(404, "Tidak ditemukan", "Alamat ini tidak menunjuk data yang ada.")
                raise ApiProblem(422, "Parameter tidak sah", "Periksa parameter yang disebut di 'errors'.",
                                 errors=errors)
            if op.body is not None and op.body_media == MULTIPART:
                if request.mimetype != MULTIPART:  # the view reads request.files itself
                    raise ApiProblem(415, "Jenis isi tidak didukung",
                                     "Kirim berkas sebagai multipart/form-data, satu bagian 'files' per berkas.",
                                     accepted=[{"content_type": MULTIPART, "extensions": []}])
            elif op.body is not None:
                try:
                    body = request.get_json(force=True, silent=False)
                except BadRequest:
                    raise ApiProblem(400, "Isi permintaan bukan JSON",
                                     "Kirim isi permintaan berupa JSON (Content-Type: application/json).") from None
                body_errors = check(op.body(runtime), body) if op.check_body else (
                    {} if isinstance(body, dict) else {"body": "harus berupa objek JSON"})
                if body_errors:
                    raise ApiProblem(422, "Isi permintaan tidak sah", "Periksa field yang disebut di 'errors'.",
                                     errors=body_errors)
                args["body"] = body
            return view(runtime, **args)

        view_func = wrap(wrapper) if wrap is not None else wrapper
        bp.add_url_rule(flask_path, endpoint=op.operation_id, view_func=view_func, methods=[op.method])
        return view_func

    return decorate


# -- helpers ------------------------------------------------------------------------------------------
def _intake_key() -> str:
    return current_app.config.get("ALUR_INTAKE_DEFINITION") or _runtime().intake_definition()


def _intake_definition(runtime):
    return runtime.engine.definition(_intake_key())


def _record_schema(runtime) -> dict:
    definition = _intake_definition(runtime)
    return fields_schema(definition.record, runtime.catalogs)


def _fire_schema(runtime) -> dict:
    return {"type": "object", "additionalProperties": False, "properties": {
        "inputs": {"type": "object", "additionalProperties": True,
                   "description": "the transition's inputs (see GET …/transitions for their fields)"},
        "expected_version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1,
                             "description": "the ticket version you read; a stale one answers 409"}}}


def _tracking_url(runtime, receipt: str, token: str) -> str:
    return f"{runtime.public_url.rstrip('/')}/lacak?{urlencode({'resi': receipt, 'token': token})}"


def _ticket_id(runtime, receipt_no: str) -> int:
    try:
        with runtime.store.unit_of_work() as uow:
            return uow.tickets.id_by_receipt(receipt_no)
    except TicketNotFound:
        raise ApiProblem(404, "Pengaduan tidak ditemukan", f"Tidak ada pengaduan bernomor {receipt_no}.") from None


def summary(runtime, row: dict[str, Any], identity: dict | None, clocks=None) -> dict[str, Any]:
    definition = runtime.engine.definition(row["definition_key"], row["definition_version"])
    state = definition.states.get(row["state"])
    out = {name: row.get(name) for name in ("receipt_no", "definition_key", "definition_version", "state", "version",
                                            "kanal", "kategori", "sektor", "jenis_izin", "tingkat", "perihal",
                                            "no_registrasi", "opd", "assignee_role", "outcome")}
    out["state_label"] = state.label if state else row["state"]
    out["kerahasiaan"] = row.get("kerahasiaan") or "biasa"
    out["flags"] = list(row.get("flags") or [])
    out["created_at"], out["updated_at"] = iso(row["created_at"]), iso(row["updated_at"])
    out["closed_at"] = iso(row.get("closed_at"))
    # identity only for "biasa": anonim and rahasia complainants never leave the office through the API
    out["identity"] = dict(identity or {}) if out["kerahasiaan"] == "biasa" and identity is not None else None
    if clocks is not None:
        out["clocks"] = clocks
    return out


def _request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


# -- idempotency ----------------------------------------------------------------------------------------
def _hours_setting(name: str, default: float) -> timedelta:
    return timedelta(hours=float(current_app.config.get(name) or default))


def idempotency_window() -> timedelta:
    return _hours_setting("ALUR_IDEMPOTENCY_HOURS", IDEMPOTENCY_HOURS)


def _claim(db, key_id: int, idem: str, req_hash: str, now: datetime, window: timedelta) -> int | None:
    """Insert the key's row; its id when we are first, None when another request already claimed it.

    The client's keys older than the window are forgotten in the same transaction (that client's rows
    only, through the (api_key_id, key) index), so an expired key is claimed afresh and the table holds
    about one window of requests per client.
    """
    keys = mi.idempotency_keys.c
    try:
        with db.begin() as conn:
            conn.execute(delete(mi.idempotency_keys).where(and_(keys.api_key_id == key_id,
                                                                keys.created_at < now - window)))
            return conn.execute(insert(mi.idempotency_keys).values(
                api_key_id=key_id, key=idem, request_hash=req_hash, created_at=now,
            ).returning(keys.id)).scalar_one()
    except IntegrityError:
        return None


def _replay(db, key_id: int, idem: str, req_hash: str):
    deadline = time.monotonic() + IDEMPOTENCY_WAIT
    while True:
        with read_only(db) as conn:
            row = conn.execute(select(mi.idempotency_keys).where(and_(
                mi.idempotency_keys.c.api_key_id == key_id, mi.idempotency_keys.c.key == idem))).first()
        if row is None:  # the first request failed and released the key (or it expired): try again
            return None
        if row.request_hash != req_hash:
            raise ApiProblem(422, "Idempotency-Key sudah dipakai",
                             "Kunci Idempotency-Key ini sudah dipakai untuk permintaan dengan isi lain. "
                             "Gunakan kunci baru untuk setiap permintaan baru.")
        if row.response is not None:
            body = json.loads(row.response)
            body["replayed"] = True
            response = jsonify(body)
            response.status_code = row.status_code or 201
            response.headers["Idempotent-Replayed"] = "true"
            return response
        if time.monotonic() > deadline:
            raise ApiProblem(409, "Permintaan masih diproses",
                             "Permintaan pertama dengan Idempotency-Key ini belum selesai; ulangi sebentar lagi.")
        time.sleep(0.05)


def _claim_or_replay(runtime, key, idem: str | None, req_hash: str):
    """(claim id, None) when this request goes ahead; (None, response) when it answers a retry.

    (None, None) without an Idempotency-Key."""
    if not idem:
        return None, None
    for _ in range(3):
        claim_id = _claim(runtime.db, key.id, idem, req_hash, datetime.now(timezone.utc), idempotency_window())
        if claim_id is not None:
            return claim_id, None
        replayed = _replay(runtime.db, key.id, idem, req_hash)
        if replayed is not None:
            return None, replayed
    raise ApiProblem(409, "Permintaan masih diproses", "Ulangi sebentar lagi.")


def _release(runtime, claim_id: int | None) -> None:
    """Forget a claimed Idempotency-Key after a failure, so a corrected retry is not stuck."""
    if claim_id is not None:
        with runtime.db.begin() as conn:
            conn.execute(delete(mi.idempotency_keys).where(mi.idempotency_keys.c.id == claim_id))


def _remember(runtime, claim_id: int | None, ticket_id: int, status: int, stored: dict) -> None:
    if claim_id is not None:
        with runtime.db.begin() as conn:
            conn.execute(update(mi.idempotency_keys).where(mi.idempotency_keys.c.id == claim_id).values(
                ticket_id=ticket_id, status_code=status, response=json.dumps(stored)))


# -- evidence ---------------------------------------------------------------------------------------------
def attach_window() -> timedelta:
    return _hours_setting("ALUR_API_ATTACH_HOURS", ATTACH_HOURS)


def _accepted() -> list[dict]:
    return [{"content_type": k.content_type, "extensions": list(k.extensions)} for k in evidence.ALLOWED.values()]


def _request_limit() -> int:
    """The most one upload request may carry: MAX_FILES files at the size limit, plus the multipart framing."""
    return evidence.MAX_FILES * evidence.max_bytes() + 64 * 1024


def _attachments_form(runtime) -> dict:
    mb = evidence.max_bytes() // (1024 * 1024)
    return {"type": "object", "required": ["files"], "additionalProperties": False, "properties": {"files": {
        "type": "array", "minItems": 1, "maxItems": evidence.MAX_FILES,
        "items": {"type": "string", "format": "binary"},
        "description": f"one part per file, each named 'files'; 1 to {evidence.MAX_FILES} files of at most "
                       f"{mb} MB, of the kinds {', '.join(k.label for k in evidence.ALLOWED.values())} "
                       "(judged by content; the extension must agree)"}}}


def _ticket_for_key(runtime, receipt_no: str, key, *, to_add: bool) -> dict:
    """The ticket row if ``key`` may see it (``to_add``: may add evidence to it), else a problem.

    A key with the ``read`` scope sees every ticket, as in GET /tickets; any other key sees only the
    tickets its integration filed (the ``open`` audit row's actor, ``api:<key name>``, so a rotated key
    with the same name keeps them). Every ticket such a key may not see answers exactly like an unknown
    receipt number, so receipt numbers cannot be probed with it."""
    t = m.tickets.c
    with read_only(runtime.db) as conn:
        row = conn.execute(select(t.id, t.receipt_no, t.state, t.definition_key, t.definition_version,
                                  t.kerahasiaan, t.created_at).where(t.receipt_no == receipt_no)).mappings().first()
        # asked for unknown numbers too, so both answers take the same two queries
        filer = conn.execute(select(m.audit_log.c.actor_id).where(
            m.audit_log.c.ticket_id == (row["id"] if row is not None else -1), m.audit_log.c.kind == "open")
            .order_by(m.audit_log.c.seq).limit(1)).scalar()
    own = row is not None and filer == key.actor().id
    if row is None or not (own or "read" in key.scopes):
        # the words of `_ticket_id`'s 404: an unknown number and someone else's ticket look the same
        raise ApiProblem(404, "Pengaduan tidak ditemukan", f"Tidak ada pengaduan bernomor {receipt_no}.")
    if to_add and not own:
        raise ApiProblem(403, "Bukan pengaduan integrasi ini",
                         f"Bukti hanya dapat dilampirkan oleh integrasi yang mengajukan pengaduan {receipt_no}. "
                         "Bukti lain disampaikan kepada petugas.")
    return dict(row)


def _attachment_docs(ticket: dict, rows: list[dict], only: set[int] | None = None) -> list[dict]:
    """Metadata of ``rows`` (all the ticket's, oldest first), never the storage path; neutral names when the
    complainant's identity does not leave the office (anonim, rahasia)."""
    hide = (ticket.get("kerahasiaan") or "biasa") != "biasa"
    return [{"id": r["id"], "name": evidence.neutral_name(r["content_type"], n) if hide else r["filename"],
             "content_type": r["content_type"], "size": r["size"], "sha256": r["sha256"],
             "created_at": iso(r["created_at"])}
            for n, r in enumerate(rows, start=1) if only is None or r["id"] in only]


def _read_uploads() -> list[evidence.Upload]:
    """Every file of the request checked by `workflow.attachments.check`, or a problem naming each bad one."""
    request.max_content_length = _request_limit()
    limit = evidence.max_bytes()
    try:
        parts = request.files
    except RequestEntityTooLarge:
        raise ApiProblem(413, "Permintaan terlalu besar",
                         f"Satu permintaan memuat paling banyak {evidence.MAX_FILES} berkas masing-masing "
                         f"{limit // (1024 * 1024)} MB ({_request_limit()} byte seluruhnya). Kirim berkas dalam "
                         "beberapa permintaan.", max_bytes=limit, max_request_bytes=_request_limit()) from None
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
    uploads: list[evidence.Upload] = []
    errors: dict[str, str] = {}
    reasons: set[str] = set()
    for i, item in enumerate(files):
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
                         "ekstensinya sesuai. Tidak ada berkas yang disimpan.", errors=errors, accepted=_accepted())
    raise ApiProblem(422, "Berkas tidak sah", "Periksa berkas yang disebut di 'errors'. Tidak ada berkas yang "
                     "disimpan.", errors=errors)


def _refuse_closed(runtime, ticket: dict) -> None:
    """409 when the ticket no longer takes evidence from the API: closed, or past the window after filing."""
    definition = runtime.engine.definition(ticket["definition_key"], ticket["definition_version"])
    state = definition.states.get(ticket["state"])
    if state is not None and state.terminal:
        reason = (f"Pengaduan sudah selesai ({state.label}); bukti tidak dapat ditambahkan lagi.", "state")
    elif datetime.now(timezone.utc) - utc(ticket["created_at"]) > attach_window():
        hours = attach_window().total_seconds() / 3600
        reason = (f"Bukti melalui API diterima sampai {hours:g} jam setelah pengaduan diajukan. Bukti berikutnya "
                  "disampaikan kepada petugas, atau melalui halaman lacak bila petugas memintanya.", "window")
    else:
        return
    raise ApiProblem(409, "Pengaduan tidak menerima bukti lagi", reason[0],
                     reasons=[{"kind": reason[1], "reason": reason[0]}])


# -- the blueprint ----------------------------------------------------------------------------------------
def make_blueprint(limiter=None) -> Blueprint:
    bp = Blueprint("api", __name__, url_prefix=PREFIX)
    receipt = Param("receipt_no", "path", {"type": "string", "pattern": RECEIPT_PATTERN, "maxLength": 24},
                    "receipt number, e.g. ADU-2026-000001", required=True)

    @bp.get("/openapi.json")
    def openapi_json():
        return jsonify(openapi(OPERATIONS, _runtime(), PREFIX))

    @operation(bp, Operation(
        "POST", "/tickets", "createTicket", "File a complaint", ("intake",), body=_record_schema, check_body=False,
        response="TicketCreated", status=201, tags=("tickets",),
        headers=(Param("Idempotency-Key", "header", {"type": "string", "minLength": 1, "maxLength": 200,
                                                     "pattern": r"^[\x21-\x7e]+$"},
                       "retries with the same key and body return the same ticket; another body answers 422. "
                       "A key is remembered for 24 hours (ALUR_IDEMPOTENCY_HOURS), then it is free again"),),
        description="The body is the intake record of the definition (fields and catalog codes as in "
                    "GET /definitions/{key}). The tracking token is returned once; a replay (same "
                    "Idempotency-Key and body) answers the same ticket with replayed=true and token null."))
    def create_ticket(runtime, body, **headers):
        key = g.api_key
        claim_id, replayed = _claim_or_replay(runtime, key, headers.get("Idempotency-Key"), _request_hash(body))
        if replayed is not None:
            return replayed
        try:
            opened = file_complaint(runtime, body, key.actor(), definition_key=_intake_key())
        except BaseException:
            _release(runtime, claim_id)
            raise
        t = opened.ticket
        stored = {"receipt_no": t.receipt_no, "state": t.state, "created_at": iso(t.created_at),
                  "token": None, "tracking_url": None, "replayed": False}
        _remember(runtime, claim_id, t.id, 201, stored)
        body_out = {**stored, "token": opened.token, "tracking_url": _tracking_url(runtime, t.receipt_no, opened.token)}
        response = jsonify(body_out)
        response.status_code = 201
        response.headers["Cache-Control"] = "no-store"
        return response

    from flask_limiter.util import get_remote_address

    # guessing tokens through the API is limited like the tracking page (per client address)
    track_limited = limiter.limit(limits.track_limit, key_func=get_remote_address) if limiter is not None else None

    @operation(bp, Operation(
        "GET", "/tickets/{receipt_no}/status", "getPublicStatus", "A ticket's public status (receipt + token)",
        ("intake", "read"), params=(receipt,), response="PublicStatus", tags=("tracking",),
        headers=(Param("X-Tracking-Token", "header", {"type": "string", "maxLength": 200},
                       "the tracking token given at intake", required=True),),
        description="What the complainant sees on the tracking page. A wrong token and an unknown receipt "
                    "give the same 404."), wrap=track_limited)
    def public_status_view(runtime, receipt_no, **headers):
        ticket = find_by_token(runtime, receipt_no, headers.get("X-Tracking-Token") or "")
        if ticket is None:
            raise ApiProblem(404, "Pengaduan tidak ditemukan",
                             "Nomor pengaduan atau token pelacakan tidak cocok.")
        return jsonify(jsonable(public_status(runtime, ticket)))

    filters = (
        Param("state", "query", {"type": "string", "maxLength": 64}, "state key"),
        Param("kategori", "query", {"type": "string", "maxLength": 64}),
        Param("sektor", "query", {"type": "string", "maxLength": 64}),
        Param("kanal", "query", {"type": "string", "maxLength": 64}),
        Param("opd", "query", {"type": "string", "maxLength": 64}),
        Param("kerahasiaan", "query", {"type": "string", "enum": ["biasa", "anonim", "rahasia"]}),
        Param("definition_key", "query", {"type": "string", "maxLength": 100}),
        Param("created_from", "query", {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
              "first day (WIB), YYYY-MM-DD"),
        Param("created_to", "query", {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
              "last day (WIB), YYYY-MM-DD"),
        Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}),
        Param("offset", "query", {"type": "integer", "minimum": 0, "maximum": 10**9, "default": 0}),
    )

    @operation(bp, Operation("GET", "/tickets", "listTickets", "List and filter tickets", ("read",),
                             params=filters, response="TicketList", tags=("tickets",),
                             description="Newest first. Identity only for kerahasiaan = biasa."))
    def list_tickets(runtime, **q):
        t = m.tickets.c
        conds = [getattr(t, name) == q[name] for name in ("state", "kategori", "sektor", "kanal", "opd",
                                                          "kerahasiaan", "definition_key") if q.get(name)]
        for name, shift in (("created_from", 0), ("created_to", 1)):
            if q.get(name):
                try:
                    day = date.fromisoformat(q[name]) + timedelta(days=shift)
                except ValueError:
                    raise ApiProblem(422, "Parameter tidak sah", "Tanggal harus YYYY-MM-DD.",
                                     errors={name: "tanggal tidak sah"}) from None
                moment = datetime.combine(day, dtime(0), OFFICE_TZ).astimezone(timezone.utc)
                conds.append(t.created_at >= moment if shift == 0 else t.created_at < moment)
        where = and_(*conds) if conds else None
        with read_only(runtime.db) as conn:
            count_q = select(func.count()).select_from(m.tickets)
            rows_q = select(m.tickets, m.identities.c.data.label("identity")).outerjoin(
                m.identities, m.identities.c.ticket_id == t.id)
            if where is not None:
                count_q, rows_q = count_q.where(where), rows_q.where(where)
            total = conn.execute(count_q).scalar_one()
            rows = conn.execute(rows_q.order_by(t.id.desc()).limit(q["limit"]).offset(q["offset"])).mappings().all()
        items = [summary(runtime, dict(r), r["identity"]) for r in rows]
        return jsonify({"items": items, "total": total, "limit": q["limit"], "offset": q["offset"]})

    @operation(bp, Operation("GET", "/tickets/{receipt_no}", "getTicket", "One ticket", ("read",),
                             params=(receipt,), response="TicketSummary", tags=("tickets",)))
    def get_ticket(runtime, receipt_no):
        ticket = runtime.engine.load(_ticket_id(runtime, receipt_no))
        with read_only(runtime.db) as conn:
            row = conn.execute(select(m.tickets).where(m.tickets.c.id == ticket.id)).mappings().one()
        status = jsonable(public_status(runtime, ticket))
        return jsonify(summary(runtime, dict(row), ticket.identity, status["clocks"]))

    @operation(bp, Operation("GET", "/tickets/{receipt_no}/transitions", "listTransitions",
                             "Transitions leaving the ticket's state, as the key's role sees them", ("read", "act"),
                             params=(receipt,), response="TransitionList", tags=("tickets",)))
    def list_transitions(runtime, receipt_no):
        ticket = runtime.engine.load(_ticket_id(runtime, receipt_no))
        options = runtime.engine.available_transitions(ticket, g.api_key.actor())
        return jsonify({"receipt_no": ticket.receipt_no, "state": ticket.state, "version": ticket.version,
                        "items": [{"trigger": o.trigger, "label": o.label, "label_en": o.label_en, "dest": o.dest,
                                   "allowed": o.allowed, "reasons": list(o.reasons),
                                   "inputs": [field_doc(f) for f in o.inputs]} for o in options]})

    @operation(bp, Operation("POST", "/tickets/{receipt_no}/transitions/{trigger}", "fireTransition",
                             "Fire a transition as the key's role", ("act",),
                             params=(receipt, Param("trigger", "path", {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,63}$"},
                                                    required=True)),
                             body=_fire_schema, response="TicketSummary", tags=("tickets",),
                             description="Refusals (role, guards, state) answer 409 with 'reasons'; bad inputs 422 "
                                         "with 'errors'; a stale expected_version 409."))
    def fire_transition(runtime, receipt_no, trigger, body):
        ticket_id = _ticket_id(runtime, receipt_no)
        saved = runtime.engine.fire(ticket_id, trigger, g.api_key.actor(), body.get("inputs") or {},
                                    expected_version=body.get("expected_version"))
        with read_only(runtime.db) as conn:
            row = conn.execute(select(m.tickets).where(m.tickets.c.id == ticket_id)).mappings().one()
        return jsonify(summary(runtime, dict(row), saved.identity))

    idempotency = Param("Idempotency-Key", "header", {"type": "string", "minLength": 1, "maxLength": 200,
                                                      "pattern": r"^[\x21-\x7e]+$"},
                        "a retry with the same key and the same files returns the first answer (replayed=true) "
                        "and stores nothing twice; other files answer 422. Remembered for 24 hours")
    # per key like the rest of /api/v1 (override_defaults=False keeps that limit too), and tighter: each
    # request may carry MAX_FILES files at the size limit
    upload_limited = limiter.limit(limits.api_upload_limit, key_func=_limit_key, override_defaults=False) \
        if limiter is not None else None

    @operation(bp, Operation(
        "POST", "/tickets/{receipt_no}/attachments", "createAttachments", "Attach evidence (bukti) to a ticket",
        ("intake",), params=(receipt,), headers=(idempotency,), body=_attachments_form, body_media=MULTIPART,
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
                       "file"}), wrap=upload_limited)
    def create_attachments(runtime, receipt_no, **headers):
        key = g.api_key
        ticket = _ticket_for_key(runtime, receipt_no, key, to_add=True)
        uploads = _read_uploads()
        req_hash = _request_hash({"operation": "createAttachments", "receipt_no": ticket["receipt_no"],
                                  "files": [[u.filename, u.sha256] for u in uploads]})
        claim_id, replayed = _claim_or_replay(runtime, key, headers.get("Idempotency-Key"), req_hash)
        if replayed is not None:
            return replayed
        try:
            _refuse_closed(runtime, ticket)
            limit = evidence.MAX_PER_TICKET
            try:
                have = attachments.count_for(runtime.store, ticket["id"])  # record() checks again under lock
                if have + len(uploads) > limit:
                    raise AttachmentRejected(
                        f"Pengaduan {ticket['receipt_no']} sudah memiliki {have} berkas bukti; paling banyak "
                        f"{limit} berkas per pengaduan.", "too_many")
                ids = attachments.record(runtime.store, ticket["id"], ticket["receipt_no"], uploads,
                                         current_app.instance_path, actor_id=key.actor().id, actor_role=key.role,
                                         max_total=limit)
            except AttachmentRejected as exc:  # too_many: the only rule left after _read_uploads
                raise ApiProblem(409, "Batas berkas pengaduan tercapai", f"{exc} Tidak ada berkas yang disimpan.",
                                 max_per_ticket=limit) from None
        except BaseException:
            _release(runtime, claim_id)
            raise
        logger.info("%s attached %d file(s) to %s", key.actor().id, len(ids), ticket["receipt_no"])
        stored = {"receipt_no": ticket["receipt_no"], "replayed": False,
                  "items": _attachment_docs(ticket, attachments.list_for(runtime.store, ticket["id"]), set(ids))}
        _remember(runtime, claim_id, ticket["id"], 201, stored)
        response = jsonify(stored)
        response.status_code = 201
        response.headers["Location"] = f"{PREFIX}/tickets/{ticket['receipt_no']}/attachments"
        return response

    @operation(bp, Operation(
        "GET", "/tickets/{receipt_no}/attachments", "listAttachments", "Evidence attached to a ticket (metadata)",
        ("intake", "read"), params=(receipt,), response="AttachmentList", tags=("attachments",),
        description="Every file attached to the ticket, by the public form or the API, oldest first: name, "
                    "content type, size, sha256 and time; never where it is stored, nor its bytes. A key with "
                    "the read scope sees every ticket's list; an intake-only key sees the tickets its "
                    "integration filed, and gets the 404 of an unknown receipt number for any other.",
        problems={404: "no such ticket, or not one this key may see"}))
    def list_attachments(runtime, receipt_no):
        ticket = _ticket_for_key(runtime, receipt_no, g.api_key, to_add=False)
        rows = attachments.list_for(runtime.store, ticket["id"])
        return jsonify({"receipt_no": ticket["receipt_no"], "items": _attachment_docs(ticket, rows)})

    @operation(bp, Operation("GET", "/definitions", "listDefinitions", "Published definitions (latest versions)",
                             ("intake", "read", "act"), response="DefinitionList", tags=("definitions",)))
    def list_definitions(runtime):
        d = m.definitions.c
        with read_only(runtime.db) as conn:
            latest = select(d.key, func.max(d.version).label("version")).group_by(d.key).subquery()
            rows = conn.execute(select(d.key, d.version, d.title, d.published_at).join(
                latest, and_(latest.c.key == d.key, latest.c.version == d.version)).order_by(d.key)).all()
        items = []
        for r in rows:
            definition = runtime.engine.definition(r.key, r.version)
            items.append({"key": r.key, "version": r.version, "title": r.title, "title_en": definition.title_en,
                          "published_at": iso(r.published_at)})
        return jsonify({"items": items})

    @operation(bp, Operation("GET", "/definitions/{key}", "getDefinition", "A definition: states, transitions, record",
                             ("intake", "read", "act"),
                             params=(Param("key", "path", {"type": "string", "pattern": r"^[a-z][a-z0-9-]{0,99}$"},
                                           required=True),
                                     Param("version", "query", {"type": "integer", "minimum": 1, "maximum": 10**6})),
                             response="DefinitionDetail", tags=("definitions",)))
    def get_definition(runtime, key, version=None):
        try:
            definition = runtime.engine.definition(key, version)
        except UnknownDefinition:
            raise ApiProblem(404, "Definisi tidak ditemukan", f"Tidak ada definisi terbit '{key}'"
                             + (f" versi {version}" if version else "") + ".") from None
        return jsonify(definition_doc(definition, runtime.catalogs))

    # -- errors: every one is problem+json ----------------------------------------------------------------
    @bp.errorhandler(ApiProblem)
    def on_problem(exc: ApiProblem):
        return problem(exc.code, exc.title, exc.description, **exc.extra)

    @bp.errorhandler(InvalidInput)
    def on_invalid(exc: InvalidInput):
        return problem(422, "Data tidak sah", "Periksa field yang disebut di 'errors'.", errors=exc.errors)

    @bp.errorhandler(TransitionRejected)
    def on_rejected(exc: TransitionRejected):
        return problem(409, "Aksi ditolak", "; ".join(r.reason for r in exc.reasons) or "Aksi tidak diizinkan.",
                       reasons=[{"kind": r.kind, "reason": r.reason} for r in exc.reasons])

    @bp.errorhandler(ConcurrentUpdate)
    def on_conflict(exc: ConcurrentUpdate):
        return problem(409, "Pengaduan sudah berubah", str(exc))

    @bp.errorhandler(TicketNotFound)
    def on_missing(exc: TicketNotFound):
        return problem(404, "Pengaduan tidak ditemukan", "Pengaduan yang diminta tidak ada.")

    @bp.errorhandler(UnknownDefinition)
    def on_unknown_definition(exc: UnknownDefinition):
        return problem(404, "Definisi tidak ditemukan", str(exc))

    @bp.errorhandler(HTTPException)
    def on_http(exc: HTTPException):
        return http_problem(exc)

    @bp.errorhandler(Exception)
    def on_error(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_problem(exc)
        if isinstance(exc, AlurError):
            return problem(400, "Permintaan ditolak", str(exc))
        logger.exception("API error on %s %s", request.method, request.path)
        return problem(500, "Kesalahan server", "Terjadi kesalahan pada server; sudah dicatat. Ulangi nanti.")

    return bp


TITLES = {400: "Permintaan tidak sah", 401: "Tidak terautentikasi", 403: "Tidak diizinkan", 404: "Tidak ditemukan",
          405: "Metode tidak diizinkan", 409: "Konflik", 413: "Permintaan terlalu besar",
          415: "Jenis isi tidak didukung", 422: "Data tidak sah", 429: "Terlalu banyak permintaan",
          500: "Kesalahan server"}
DETAILS = {404: "Alamat API ini tidak ada; lihat /api/v1/openapi.json.",
           405: "Metode HTTP ini tidak tersedia untuk alamat ini; lihat /api/v1/openapi.json.",
           413: "Isi permintaan melebihi batas ukuran.",
           429: "Batas jumlah permintaan terlampaui; tunggu sebentar lalu ulangi."}


def http_problem(exc: HTTPException):
    status = exc.code or 500
    if status >= 500:
        return problem(500, TITLES[500], "Terjadi kesalahan pada server; sudah dicatat. Ulangi nanti.")
    detail = DETAILS.get(status) or (exc.description if status < 500 else "")
    response = problem(status, TITLES.get(status, exc.name), detail or exc.name)
    if status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    if status == 429:
        retry = getattr(exc, "retry_after", None)
        response.headers["Retry-After"] = str(retry or 60)
    return response


def _limit_key() -> str:
    presented = _presented_key()
    if not presented:
        return f"api-anon:{request.remote_addr}"
    return "apikey:" + hashlib.sha256(presented.encode("utf-8")).hexdigest()[:32]


def init_app(app: Flask) -> None:
    from admin.app import csrf

    limiter = limits.init(app)
    bp = make_blueprint(limiter)
    # per key; the key is hashed so no secret ends up in the limiter's storage (Redis)
    limiter.limit(limits.api_limit, key_func=_limit_key)(bp)
    csrf.exempt(bp)
    app.register_blueprint(bp)
    # Routing errors (unknown path, wrong method) happen before Flask knows the blueprint, so the
    # app-level handlers answer problem+json under /api/v1 and defer to whoever handled them before.
    for status in (404, 405):
        _install_routing_handler(app, status)


def _install_routing_handler(app: Flask, status: int) -> None:
    from werkzeug.exceptions import MethodNotAllowed

    cls = NotFound if status == 404 else MethodNotAllowed
    previous = app.error_handler_spec.get(None, {}).get(status, {}).get(cls)

    def handler(exc):
        if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
            return http_problem(exc)
        if previous is not None:
            return previous(exc)
        return exc

    app.register_error_handler(status, handler)


__all__ = ["init_app", "make_blueprint", "OPERATIONS", "problem", "ApiProblem", "summary"]
