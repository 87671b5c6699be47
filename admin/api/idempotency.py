"""Idempotency-Key on the API's writes: a retry with the same key and body gets the first answer
(``replayed: true``, status and body as stored, header ``Idempotent-Replayed``) and nothing is stored
twice; the same key with another body answers 422; a retry that arrives while the first request is
still working waits for it (up to `IDEMPOTENCY_WAIT`). The claims themselves are
`workflow.services.idempotency`.
"""
from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import jsonify

from workflow.services import idempotency

from .errors import ApiProblem
from .operations import hours_setting

IDEMPOTENCY_WAIT = 10.0  # seconds a retry waits for the first request with its key to finish
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


def _replayed(stored):
    body = json.loads(stored.response)
    body["replayed"] = True
    response = jsonify(body)
    response.status_code = stored.status_code or 201
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _replay(rt, key_id: int, idem: str, req_hash: str):
    """The first request's answer for a retry; None when that request failed and let its key go."""
    deadline = time.monotonic() + IDEMPOTENCY_WAIT
    while True:
        stored = idempotency.find(rt.store, key_id, idem)
        if stored is None:  # the first request failed and released the key (or it expired): try again
            return None
        if stored.request_hash != req_hash:
            raise ApiProblem(422, "Idempotency-Key sudah dipakai",
                             "Kunci Idempotency-Key ini sudah dipakai untuk permintaan dengan isi lain. "
                             "Gunakan kunci baru untuk setiap permintaan baru.")
        if stored.response is not None:
            return _replayed(stored)
        if time.monotonic() > deadline:
            raise ApiProblem(409, "Permintaan masih diproses",
                             "Permintaan pertama dengan Idempotency-Key ini belum selesai; ulangi sebentar lagi.")
        time.sleep(0.05)


def claim_or_replay(rt, key, idem: str | None, req_hash: str):
    """(claim id, None) when this request goes ahead; (None, response) when it answers a retry.

    (None, None) without an Idempotency-Key."""
    if not idem:
        return None, None
    for _ in range(3):
        claim_id = idempotency.claim(rt.store, key.id, idem, req_hash, datetime.now(timezone.utc), window())
        if claim_id is not None:
            return claim_id, None
        replayed = _replay(rt, key.id, idem, req_hash)
        if replayed is not None:
            return None, replayed
    raise ApiProblem(409, "Permintaan masih diproses", "Ulangi sebentar lagi.")


def release(rt, claim_id: int | None) -> None:
    """Forget a claimed Idempotency-Key after a failure, so a corrected retry is not stuck."""
    idempotency.release(rt.store, claim_id)


def remember(rt, claim_id: int | None, ticket_id: int, status: int, stored: dict) -> None:
    idempotency.remember(rt.store, claim_id, ticket_id, status, json.dumps(stored))


__all__ = ["claim_or_replay", "release", "remember", "request_hash", "window", "IDEMPOTENCY_HOURS"]
