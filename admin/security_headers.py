"""Headers every response carries so a browser limits what a page can do: which scripts may run
(Content-Security-Policy), that no other site may frame it (clickjacking), no MIME sniffing.

The policy lets scripts come from this site's own files only: no inline ``<script>``, no ``on…=``
handlers, no ``javascript:`` URLs (the console's and the public pages' scripts live in
``admin/static/alur/``, their data in ``data-`` attributes). So even if markup some day slipped past
the escaping writers, a script it carried would not run. Styles may be inline (``style=""`` in the
templates, the report's HTML, the SOP diagram, Bootstrap's JavaScript): CSS cannot run code, and every
page's markup is written through escaping writers. Images may be ``data:`` URLs (the report's charts).

A response that set its own policy keeps it (the SOP diagram's ``default-src 'none'``, an evidence
download's ``sandbox``); ``frame-ancestors 'none'`` is added to it.
"""
from __future__ import annotations

from flask import Flask, Response

POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
NO_FRAMING = "frame-ancestors 'none'"


def protect(response: Response) -> Response:
    """The policy on ``response`` (or ``frame-ancestors 'none'`` added to its own), and the other headers."""
    own = response.headers.get("Content-Security-Policy")
    if not own:
        response.headers["Content-Security-Policy"] = POLICY
    elif "frame-ancestors" not in own:
        response.headers["Content-Security-Policy"] = f"{own.rstrip('; ')}; {NO_FRAMING}"
    response.headers.setdefault("X-Frame-Options", "DENY")  # browsers that do not read frame-ancestors
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    app.after_request(protect)


__all__ = ["POLICY", "protect", "init_app"]
