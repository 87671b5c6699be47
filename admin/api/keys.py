"""How a request to /api/v1 presents its key, and who it is then: the HTTP side of
`workflow.services.apikeys`.

``Authorization: Bearer alur_…`` or ``X-API-Key: alur_…``, keys made with ``alur apikeys create``.
Rate limits count per key, by a hash of it, so no secret ends up in the limiter's storage (Redis).
"""
from __future__ import annotations

import hashlib

from flask import g, request

from workflow.services.apikeys import ApiKey, authenticate

from .errors import ApiProblem


def presented_key() -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return request.headers.get("X-API-Key")


def limit_key() -> str:
    """The rate-limit bucket of the request: its key's hash, or the address of a request without a key."""
    presented = presented_key()
    if not presented:
        return f"api-anon:{request.remote_addr}"
    return "apikey:" + hashlib.sha256(presented.encode("utf-8")).hexdigest()[:32]


def require_key(runtime, scopes: tuple[str, ...]) -> ApiKey:
    """The request's active key holding one of ``scopes`` (kept in ``g.api_key``), else 401 or 403."""
    key = authenticate(runtime.store, presented_key())
    if key is None:
        raise ApiProblem(401, "Kunci API tidak sah",
                         "Kirim kunci API yang aktif di header 'Authorization: Bearer alur_…' atau "
                         "'X-API-Key'. Kunci dibuat dengan 'alur apikeys create'.")
    if not key.scopes & set(scopes):
        raise ApiProblem(403, "Cakupan kunci tidak cukup",
                         f"Operasi ini memerlukan cakupan {' atau '.join(scopes)}; kunci "
                         f"'{key.name}' memiliki: {', '.join(sorted(key.scopes))}.")
    g.api_key = key
    return key


__all__ = ["presented_key", "limit_key", "require_key"]
