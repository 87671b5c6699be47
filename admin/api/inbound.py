"""``POST /api/v1/inbound/whatsapp``: messages a WhatsApp gateway receives for the office.

The gateway signs each request as alur signs its own outbound webhook (`notifications.channels.webhook`):
``X-Alur-Timestamp`` (unix seconds) and ``X-Alur-Signature: sha256=hex(HMAC-SHA256(secret, "{timestamp}.{raw
body}"))`` with ``ALUR_WHATSAPP_INBOUND_SECRET`` (else ``ALUR_WEBHOOK_SECRET``, the outbound one). A request
outside the time window (`TOLERANCE`) or with a bad signature answers 401 before the body is read; a
request replayed inside the window carries a message id already recorded and changes nothing (200,
``outcome: duplicate``), so a gateway retrying after a timeout is safe too.

The first message of a number opens a draft complaint; later messages and media of that number join the
draft, or the ticket it was filed as while that is open (`workflow.services.inbound.receive`). When the
officer files the draft, the receipt with its tracking link goes back to the number through the outbound
webhook (the definition's ``tanda_terima`` notice to the complainant's telephone).

The body's format is alur's own (docs/api.md); ``ALUR_WHATSAPP_ADAPTER`` names another one registered in
`workflow.core.inbound.ADAPTERS` for a gateway that posts its own JSON.
"""
from __future__ import annotations

import functools
import logging
import os
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from notifications.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from notifications.errors import SignatureError
from workflow.core import evidence
from workflow.core.inbound import ADAPTERS, MAX_MEDIA
from workflow.services import inbound

from .errors import ApiProblem
from .operations import operation
from .schema import Operation, Param

logger = logging.getLogger(__name__)

TOLERANCE = 300  # seconds between the gateway's timestamp and ours, either way

MEDIA = {"type": "object", "required": ["data"], "properties": {
    "filename": {"type": "string", "maxLength": 255},
    "content_type": {"type": "string", "maxLength": 100},
    "data": {"type": "string", "description": "the file, base64"}}}


def message_schema(rt) -> dict[str, Any]:
    return {"type": "object", "required": ["id", "from"], "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 200,
               "description": "the gateway's message id; a message with an id recorded before is not recorded again"},
        "from": {"type": "string", "maxLength": 32, "description": "the sender's number (62…, +62… or 0…)"},
        "name": {"type": "string", "maxLength": 200, "description": "the sender's profile name, if the gateway has it"},
        "timestamp": {"type": "integer", "description": "when the gateway received it (unix seconds; default now)"},
        "text": {"type": "string", "description": "the message text (a message without text must carry media)"},
        "media": {"type": "array", "maxItems": MAX_MEDIA, "items": MEDIA,
                  "description": f"photos and documents, at most {MAX_MEDIA}; checked as the public form's evidence "
                                 f"({', '.join(k.label for k in evidence.ALLOWED.values())})"}}}


WHATSAPP = Operation(
    "POST", "/inbound/whatsapp", "inboundWhatsapp", "A message received by the office's WhatsApp gateway", (),
    body=message_schema, check_body=False, response="InboundResult", tags=("inbound",),
    headers=(Param(TIMESTAMP_HEADER, "header", {"type": "string", "maxLength": 20},
                   "unix seconds the gateway signed at", required=True),
             Param(SIGNATURE_HEADER, "header", {"type": "string", "maxLength": 80},
                   'sha256=hex(HMAC-SHA256(secret, "{timestamp}.{raw body}"))', required=True)),
    description="Signed with HMAC-SHA256 as alur's outbound webhook is; a request older than 300 s, or a message id "
                "already recorded, changes nothing. The first message of a number opens a draft complaint; later "
                "messages and media join it, or the ticket it became while that is open.",
    problems={401: "signature missing, wrong or outside the time window", 413: "request too large",
              422: "the message cannot be read (fields named in 'errors')",
              404: "the office has not turned the webhook on (no ALUR_WHATSAPP_INBOUND_SECRET)"})


def secret() -> str | None:
    return (current_app.config.get("ALUR_WHATSAPP_INBOUND_SECRET") or os.environ.get("ALUR_WHATSAPP_INBOUND_SECRET")
            or os.environ.get("ALUR_WEBHOOK_SECRET") or None)


def request_limit() -> int:
    """Text plus `MAX_MEDIA` files at the size limit, base64 (4/3) and JSON framing."""
    return MAX_MEDIA * evidence.max_bytes() * 4 // 3 + 256 * 1024


def signed(view):
    """Refuse before anything else a request whose signature or timestamp does not verify."""
    @functools.wraps(view)
    def wrapper(**kwargs):
        key = secret()
        if not key:
            raise ApiProblem(404, "Kanal WhatsApp belum diatur",  # not there until the office turns it on
                             "Setel ALUR_WHATSAPP_INBOUND_SECRET (rahasia bersama dengan gateway) lalu ulangi.")
        request.max_content_length = request_limit()
        raw = request.get_data(cache=True)
        try:
            verify_signature(key, request.headers.get(TIMESTAMP_HEADER), raw, request.headers.get(SIGNATURE_HEADER),
                             tolerance=TOLERANCE)
        except SignatureError as exc:
            logger.warning("inbound WhatsApp request refused from %s: %s", request.remote_addr, exc.reason)
            raise ApiProblem(401, "Tanda tangan tidak sah", str(exc), reason=exc.reason) from None
        return view(**kwargs)

    return wrapper


def receive_whatsapp(rt, body: dict[str, Any], **_headers):
    name = (current_app.config.get("ALUR_WHATSAPP_ADAPTER") or os.environ.get("ALUR_WHATSAPP_ADAPTER") or "alur")
    adapter = ADAPTERS.get(name)
    if adapter is None:
        raise ApiProblem(404, "Format gateway tidak dikenal",
                         f"ALUR_WHATSAPP_ADAPTER={name!r} bukan salah satu dari: {', '.join(sorted(ADAPTERS))}.")
    message = adapter(body, now=datetime.now(timezone.utc))  # InvalidInput -> 422 naming the fields
    result = inbound.receive(rt, message, instance_path=current_app.instance_path)
    return jsonify({"outcome": result.outcome, "draft_id": result.draft_id, "receipt_no": result.receipt_no,
                    "refused": [dict(r) for r in result.refused]})


def register(bp: Blueprint, limiter=None) -> None:
    operation(bp, WHATSAPP, wrap=signed)(receive_whatsapp)


__all__ = ["WHATSAPP", "register", "receive_whatsapp", "signed", "secret", "TOLERANCE", "message_schema"]
