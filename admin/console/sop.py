"""The SOP swimlane diagram for every signed-in console role (``/sop/<key>/v<version>.svg`` and ``.mmd``).

Open to every console role, not only supervisors, because the ticket page embeds the diagram with the
ticket's state highlighted (``?highlight=<state>``). A published version never changes, so the SVG may
be cached; the highlight is in the URL.
"""
from __future__ import annotations

import re

from flask import Blueprint, Flask, Response, abort, request

from workflow.errors import UnknownDefinition
from workflow.spec.diagram import render_mermaid, render_svg

from ..auth import ROLES, roles_required
from . import common

sop = Blueprint("sop", __name__, url_prefix="/sop")


def _definition_or_404(key: str, version: int):
    try:
        return common.runtime().engine.definition(key, version)
    except UnknownDefinition:
        abort(404)


@sop.route("/<key>/v<int:version>.svg")
@roles_required(*ROLES)
def diagram(key: str, version: int):
    """The swimlane SVG; ``?highlight=<state>`` marks a ticket's current state (the ticket page embeds it)."""
    definition = _definition_or_404(key, version)
    highlight = request.args.get("highlight") or None
    svg = render_svg(definition, highlight=highlight, locale=common.lang(),
                     id_prefix=re.sub(r"[^a-z0-9-]", "", (request.args.get("prefix") or "sop").lower())[:20] or "sop")
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=300"  # a version never changes; the highlight is in the URL
    # Opened on its own, an SVG is a document that could run script: forbid everything but its inline styles.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@sop.route("/<key>/v<int:version>.mmd")
@roles_required(*ROLES)
def mermaid(key: str, version: int):
    definition = _definition_or_404(key, version)
    text = render_mermaid(definition, highlight=request.args.get("highlight") or None, locale=common.lang())
    response = Response(text, mimetype="text/plain; charset=utf-8")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def register(admin, app: Flask) -> None:
    app.register_blueprint(sop)


__all__ = ["register", "sop"]
