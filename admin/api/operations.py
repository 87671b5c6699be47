"""Declaring an operation of /api/v1 once, and enforcing exactly what it declares.

`operation` registers a view for an `Operation` (scope, parameters, body schema, response schema):
its wrapper checks the key and its scope, parses the parameters and validates the body before the
view runs, and the same declaration is rendered into ``/api/v1/openapi.json`` (`OPERATIONS`, in the
order they were declared).
"""
from __future__ import annotations

import functools
import json
from datetime import timedelta
from typing import Any, Callable

from flask import Blueprint, current_app, request

from workflow.core.inputs import MAX_JSON_DEPTH, json_problems

from .errors import ApiProblem
from .keys import require_key
from .schema import RECEIPT_PATTERN, Operation, Param, check

PREFIX = "/api/v1"
MULTIPART = "multipart/form-data"
OPERATIONS: list[Operation] = []

RECEIPT = Param("receipt_no", "path", {"type": "string", "pattern": RECEIPT_PATTERN, "maxLength": 24},
                "receipt number, e.g. ADU-2026-000001", required=True)
IDEMPOTENCY_KEY = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"^[\x21-\x7e]+$"}


def runtime():
    from admin.extensions import get_runtime
    return get_runtime()


def hours_setting(name: str, default: float) -> timedelta:
    """A span the office may configure in hours (``ALUR_IDEMPOTENCY_HOURS``, ``ALUR_API_ATTACH_HOURS``)."""
    return timedelta(hours=float(current_app.config.get(name) or default))


def _parameters(op: Operation, path_args: dict[str, Any]) -> dict[str, Any]:
    """The operation's path, query and header parameters, parsed; a bad path value answers 404."""
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
        raise ApiProblem(422, "Parameter tidak sah", "Periksa parameter yang disebut di 'errors'.", errors=errors)
    return args


def _body(rt, op: Operation) -> dict[str, Any]:
    """``{"body": …}`` for a JSON body that passed its schema; {} for none or a multipart one (its view
    reads ``request.files`` itself)."""
    if op.body is None:
        return {}
    if op.body_media == MULTIPART:
        if request.mimetype != MULTIPART:
            raise ApiProblem(415, "Jenis isi tidak didukung",
                             "Kirim berkas sebagai multipart/form-data, satu bagian 'files' per berkas.",
                             accepted=[{"content_type": MULTIPART, "extensions": []}])
        return {}
    body = _json_body()
    errors = check(op.body(rt), body) if op.check_body else (
        {} if isinstance(body, dict) else {"body": "harus berupa objek JSON"})
    if errors:
        raise ApiProblem(422, "Isi permintaan tidak sah", "Periksa field yang disebut di 'errors'.", errors=errors)
    return {"body": body}


def _json_body() -> Any:
    """The request's JSON, parsed here rather than by Flask so that what a JSON parser takes but alur cannot
    store answers 4xx naming the field (`workflow.core.inputs.json_problems`: NaN, Infinity, half a
    surrogate pair, nesting so deep that it would exhaust the stack) instead of a 500 further in."""
    not_json = ApiProblem(400, "Isi permintaan bukan JSON",
                          "Kirim isi permintaan berupa JSON (Content-Type: application/json).")
    try:
        body = json.loads(request.get_data(cache=True))
    except RecursionError:
        raise ApiProblem(422, "Isi permintaan tidak sah", "Periksa field yang disebut di 'errors'.",
                         errors={"body": f"bersarang terlalu dalam (paling banyak {MAX_JSON_DEPTH} tingkat)"}) \
            from None
    except ValueError:  # JSONDecodeError, and bytes that are not UTF-8
        raise not_json from None
    problems = json_problems(body)
    if problems:
        raise ApiProblem(422, "Isi permintaan tidak sah", "Periksa field yang disebut di 'errors'.", errors=problems)
    return body


def operation(bp: Blueprint, op: Operation, wrap: Callable | None = None) -> Callable:
    """Register ``view`` for ``op``: the wrapper enforces exactly what the document says.

    ``wrap`` decorates the wrapper before it is registered (a route-specific rate limit)."""
    if not any(o.operation_id == op.operation_id for o in OPERATIONS):
        OPERATIONS.append(op)
    flask_path = op.path.replace("{", "<").replace("}", ">")

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(**path_args: Any):
            rt = runtime()
            if op.scopes:
                require_key(rt, op.scopes)
            args = _parameters(op, path_args)
            args.update(_body(rt, op))
            return view(rt, **args)

        view_func = wrap(wrapper) if wrap is not None else wrapper
        bp.add_url_rule(flask_path, endpoint=op.operation_id, view_func=view_func, methods=[op.method])
        return view_func

    return decorate


__all__ = ["operation", "OPERATIONS", "PREFIX", "MULTIPART", "RECEIPT", "IDEMPOTENCY_KEY", "runtime",
           "hours_setting"]
