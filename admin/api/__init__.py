"""/api/v1: the integration API (SIPEKA, a SP4N-LAPOR! bridge, WhatsApp gateways).

Every operation is declared once as an `Operation` (scope, parameters, body schema, response schema);
the same declaration wraps the view (key and scope check, parameter parsing, body validation) and is
rendered into ``/api/v1/openapi.json``. Record and input schemas come from the published definition
and the catalogs (see `admin.api.schema`).

Authentication: ``Authorization: Bearer alur_…`` or ``X-API-Key: alur_…``, keys made with
``alur apikeys create``. CSRF does not apply (no cookies are used). Every error is
``application/problem+json`` (RFC 9457) with a title and a detail, never a stack trace.

Evidence (bukti): ``POST /tickets/{receipt_no}/attachments`` (`admin.api.attachments`); only the
integration that filed a ticket may add files to it, for a day after filing. See ``docs/api.md``.

One module per job: `operations` (declare and enforce), `keys` (the request's key), `idempotency`
(Idempotency-Key), `errors` (problem+json), `schema` (schemas and the document), and the operations
themselves in `tickets`, `attachments`, `definitions`, and the WhatsApp gateway's signed inbound webhook in
`inbound` (HMAC, not a key).
"""
from __future__ import annotations

from flask import Blueprint, Flask, jsonify, request
from werkzeug.exceptions import MethodNotAllowed, NotFound

from admin.public import limits

from . import attachments, definitions, errors, inbound, tickets
from .errors import http_problem
from .keys import limit_key
from .operations import OPERATIONS, PREFIX, runtime
from .schema import openapi


def openapi_json():
    return jsonify(openapi(OPERATIONS, runtime(), PREFIX))


def make_blueprint(limiter=None) -> Blueprint:
    """The /api/v1 blueprint: the document, the operations in document order, problem+json for errors."""
    bp = Blueprint("api", __name__, url_prefix=PREFIX)
    bp.add_url_rule("/openapi.json", "openapi_json", openapi_json, methods=["GET"])
    tickets.register(bp, limiter)
    attachments.register(bp, limiter)
    definitions.register(bp)
    inbound.register(bp, limiter)
    errors.register(bp)
    return bp


def init_app(app: Flask) -> None:
    from admin.extensions import csrf

    limiter = limits.init(app)
    bp = make_blueprint(limiter)
    # per key; the key is hashed so no secret ends up in the limiter's storage (Redis)
    limiter.limit(limits.api_limit, key_func=limit_key)(bp)
    csrf.exempt(bp)
    app.register_blueprint(bp)
    # Routing errors (unknown path, wrong method) happen before Flask knows the blueprint, so the
    # app-level handlers answer problem+json under /api/v1 and defer to whoever handled them before.
    for status in (404, 405):
        _install_routing_handler(app, status)


def _install_routing_handler(app: Flask, status: int) -> None:
    cls = NotFound if status == 404 else MethodNotAllowed
    previous = app.error_handler_spec.get(None, {}).get(status, {}).get(cls)

    def handler(exc):
        if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
            return http_problem(exc)
        if previous is not None:
            return previous(exc)
        return exc

    app.register_error_handler(status, handler)


__all__ = ["init_app", "make_blueprint", "OPERATIONS", "PREFIX"]
