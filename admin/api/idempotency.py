"""Idempotency-Key on the API's writes: a retry with the same key and body gets the first answer
(``replayed: true``, status and body as stored, header ``Idempotent-Replayed``) and nothing is stored
twice; the same key with another body answers 422.

The key is claimed in the same transaction as the work (`workflow.services.idempotency`): a request
that crashed before its commit left no claim, so its retry simply does the work; one that committed left
its answer, which the retry gets. A retry arriving while the first request is still working waits for it
in the database (PostgreSQL's unique index) and then answers from it.
"""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any, Callable

from flask import jsonify

from workflow.services.idempotency import KeyClaim
from workflow.store.port import IdempotencyRecord

from .errors import ApiProblem
from .operations import hours_setting

#: How long an Idempotency-Key is remembered (ALUR_IDEMPOTENCY_HOURS). Like Stripe's 24 hours: long
#: enough for any client's retry loop, short enough that the table does not grow for ever and a key
#: can be reused by a client that numbers its requests per day.
IDEMPOTENCY_HOURS = 24.0


def window() -> timedelta:
    return hours_setting("ALUR_IDEMPOTENCY_HOURS", IDEMPOTENCY_HOURS)


def request_hash(body: Any) -> str:
    """What identifies a request's content: the sha256 of its canonical JSON."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


def key_claim(api_key, idem: str | None, req_hash: str, answer: Callable[..., dict]) -> KeyClaim | None:
    """The claim a request with ``Idempotency-Key: idem`` makes (None without the header); ``answer`` builds
    the JSON object retries get from what the work made."""
    if idem is None:
        return None
    return KeyClaim(api_key.id, idem, req_hash, window(), answer=lambda *made: json.dumps(answer(*made)))


def replay(stored: IdempotencyRecord, claim: KeyClaim):
    """The first request's answer for a retry; 422 when the key was used for another request."""
    if stored.request_hash != claim.request_hash:
        raise ApiProblem(422, "Idempotency-Key sudah dipakai",
                         "Kunci Idempotency-Key ini sudah dipakai untuk permintaan dengan isi lain. "
                         "Gunakan kunci baru untuk setiap permintaan baru.")
    body = json.loads(stored.response or "{}")
    body["replayed"] = True
    response = jsonify(body)
    response.status_code = stored.status_code or 201
    response.headers["Idempotent-Replayed"] = "true"
    return response


__all__ = ["key_claim", "replay", "request_hash", "window", "IDEMPOTENCY_HOURS"]
