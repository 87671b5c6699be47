"""The office profile on every page: kept current per request, given to every template as ``office``, and
the office's logo served at ``/logo``.

The profile (`workflow.core.office.OfficeProfile`) names the office on the console's header, the sign-in
page, the printed receipt, the public pages and their titles; nothing in a template names an office.
A change made in another process (``alur office set``, another web worker) is seen at the next request
(`workflow.services.office.refresh_office`: one small query when nothing changed).
"""
from __future__ import annotations

from flask import Flask, Response, abort, request

from admin.extensions import get_runtime
from workflow.services.office import current_office, get_logo, refresh_office


def logo() -> Response:
    """The logo's bytes as stored (its type was sniffed on upload), never interpreted as another type."""
    found = get_logo(get_runtime().store)
    if found is None:
        abort(404)
    if request.if_none_match.contains(found.sha256):
        return Response(status=304)
    response = Response(found.data, mimetype=found.content_type)
    response.set_etag(found.sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Content-Disposition"] = "inline; filename=logo"
    return response


def init_app(app: Flask) -> None:
    @app.before_request
    def _current_office():
        refresh_office(get_runtime())

    @app.context_processor
    def _office():
        return {"office": current_office(get_runtime())}

    app.add_url_rule("/logo", "office_logo", logo, methods=["GET"])


__all__ = ["init_app", "logo"]
