"""Every error of /api/v1 is ``application/problem+json`` (RFC 9457) with a title and a detail, never a
stack trace: the `ApiProblem` a view raises, each `workflow.errors` class mapped to one status, and the
HTTP errors Flask and Werkzeug raise (routing, size, rate limits)."""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import HTTPException

from workflow.errors import (
    AlurError,
    ConcurrentUpdate,
    InvalidInput,
    StoreUnavailable,
    TicketNotFound,
    TransitionRejected,
    UnknownDefinition,
)

logger = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
TITLES = {400: "Permintaan tidak sah", 401: "Tidak terautentikasi", 403: "Tidak diizinkan", 404: "Tidak ditemukan",
          405: "Metode tidak diizinkan", 409: "Konflik", 413: "Permintaan terlalu besar",
          415: "Jenis isi tidak didukung", 422: "Data tidak sah", 429: "Terlalu banyak permintaan",
          500: "Kesalahan server"}
DETAILS = {404: "Alamat API ini tidak ada; lihat /api/v1/openapi.json.",
           405: "Metode HTTP ini tidak tersedia untuk alamat ini; lihat /api/v1/openapi.json.",
           413: "Isi permintaan melebihi batas ukuran.",
           429: "Batas jumlah permintaan terlampaui; tunggu sebentar lalu ulangi."}
SERVER_ERROR = "Terjadi kesalahan pada server; sudah dicatat. Ulangi nanti."


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


def http_problem(exc: HTTPException):
    status = exc.code or 500
    if status >= 500:
        return problem(500, TITLES[500], SERVER_ERROR)
    detail = DETAILS.get(status) or exc.description
    response = problem(status, TITLES.get(status, exc.name), detail or exc.name)
    if status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    if status == 429:
        retry = getattr(exc, "retry_after", None)
        response.headers["Retry-After"] = str(retry or 60)
    return response


def on_problem(exc: ApiProblem):
    return problem(exc.code, exc.title, exc.description, **exc.extra)


def on_invalid(exc: InvalidInput):
    return problem(422, "Data tidak sah", "Periksa field yang disebut di 'errors'.", errors=exc.errors)


def on_rejected(exc: TransitionRejected):
    return problem(409, "Aksi ditolak", "; ".join(r.reason for r in exc.reasons) or "Aksi tidak diizinkan.",
                   reasons=[{"kind": r.kind, "reason": r.reason} for r in exc.reasons])


def on_conflict(exc: ConcurrentUpdate):
    return problem(409, "Pengaduan sudah berubah", str(exc))


def on_missing(exc: TicketNotFound):
    return problem(404, "Pengaduan tidak ditemukan", "Pengaduan yang diminta tidak ada.")


def on_unknown_definition(exc: UnknownDefinition):
    return problem(404, "Definisi tidak ditemukan", str(exc))


def on_unavailable(exc: StoreUnavailable):
    logger.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
    response = problem(503, "Layanan sedang dipulihkan",
                       "Basis data sedang tidak dapat dihubungi; tidak ada yang tersimpan. Ulangi permintaan yang "
                       "sama (dengan Idempotency-Key yang sama) setelah Retry-After detik.")
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def on_error(exc: Exception):
    if isinstance(exc, HTTPException):
        return http_problem(exc)
    if isinstance(exc, StoreUnavailable):
        return on_unavailable(exc)
    if isinstance(exc, AlurError):
        return problem(400, "Permintaan ditolak", str(exc))
    logger.exception("API error on %s %s", request.method, request.path)
    return problem(500, TITLES[500], SERVER_ERROR)


def register(bp: Blueprint) -> None:
    """Install the handlers on the API's blueprint, the most specific first."""
    for cls, handler in ((ApiProblem, on_problem), (InvalidInput, on_invalid), (TransitionRejected, on_rejected),
                         (ConcurrentUpdate, on_conflict), (TicketNotFound, on_missing),
                         (UnknownDefinition, on_unknown_definition), (StoreUnavailable, on_unavailable),
                         (HTTPException, http_problem),
                         (Exception, on_error)):
        bp.register_error_handler(cls, handler)


__all__ = ["ApiProblem", "problem", "http_problem", "register", "PROBLEM"]
