"""Rate limits of the public face (Flask-Limiter): the complaint form, tracking, token checks.

Counters live in Redis when ``ALUR_REDIS_URL`` is set (shared by every web process), in memory
otherwise (one process: development and tests). Limits are configuration strings so an office can
tighten them without a release; tests set short windows to see them trip and recover.
"""
from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

DEFAULTS = {
    "ALUR_RATELIMIT_FORM": "10 per hour;3 per minute",      # filing complaints (POST of the form)
    "ALUR_RATELIMIT_TRACK": "30 per minute;300 per hour",   # tracking page and token checks
    "ALUR_RATELIMIT_API": "600 per minute",                 # per API key
    "ALUR_RATELIMIT_API_UPLOAD": "60 per minute;600 per hour",  # per API key, evidence uploads (on top)
}


def init(app: Flask) -> Limiter:
    """The app's limiter, created once and shared (the console's login throttle may have made it already)."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    limiter = app.extensions.get("alur_limiter")
    if limiter is not None:
        return limiter
    storage = app.config.get("ALUR_RATELIMIT_STORAGE") or app.config.get("ALUR_REDIS_URL") or "memory://"
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage, strategy="fixed-window",
                      key_prefix="alur", headers_enabled=True,
                      enabled=app.config.get("ALUR_RATELIMIT_ENABLED", True))
    app.extensions["alur_limiter"] = limiter
    return limiter


def form_limit() -> str:
    return current_app.config["ALUR_RATELIMIT_FORM"]


def track_limit() -> str:
    return current_app.config["ALUR_RATELIMIT_TRACK"]


def api_limit() -> str:
    return current_app.config["ALUR_RATELIMIT_API"]


def api_upload_limit() -> str:
    return current_app.config["ALUR_RATELIMIT_API_UPLOAD"]


__all__ = ["init", "form_limit", "track_limit", "api_limit", "api_upload_limit"]
