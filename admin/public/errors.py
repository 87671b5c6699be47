"""The public pages' errors are the app's error pages (`admin.error_pages`): too many requests (with when to
try again), too large an upload, an expired form, a missing page, and a crash, never a stack trace. The
public blueprint installs them itself too, so they win over any other handler for its routes."""
from __future__ import annotations

from flask import Blueprint
from werkzeug.exceptions import HTTPException

from admin import error_pages


def register(bp: Blueprint) -> None:
    bp.register_error_handler(HTTPException, error_pages.on_http)
    bp.register_error_handler(Exception, error_pages.on_error)


__all__ = ["register"]
