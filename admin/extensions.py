"""What the web parts share without importing the app factory: the CSRF guard and the runtime lookup.

Kept apart from `admin.app` (which imports every part) so a part can use them without a circle.
"""
from __future__ import annotations

from flask import Flask, current_app
from flask_wtf.csrf import CSRFProtect

from workflow.runtime import Runtime

csrf = CSRFProtect()


def get_runtime(app: Flask | None = None) -> Runtime:
    """The runtime of ``app`` (default: the current app), made by `admin.app.create_app`."""
    return (app or current_app).extensions["alur"]


__all__ = ["csrf", "get_runtime"]
