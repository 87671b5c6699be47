"""Rate limits of the public face (Flask-Limiter): the complaint form, tracking, token checks, the API.

Counters live in Redis when ``ALUR_REDIS_URL`` is set (shared by every web process), in memory
otherwise (one process: development and tests). Limits are configuration strings, read from the app's
config, else the environment (``ALUR_RATELIMIT_FORM`` and the others in `DEFAULTS`), else the defaults,
and checked when the app starts: a malformed one stops it with a message naming the variable.

**Redis is not needed to serve.** The database is the source of truth; Redis only shares counters and
queues jobs. When Redis does not answer, every limit keeps working on this process' own memory
(Flask-Limiter's in-memory fallback, and `Resilient` for the sign-in throttle), a warning is logged, and
``/healthz`` reports ``rate_limits: "per-process"``; Redis is tried again periodically and the shared
counters come back by themselves. Redis connections time out after `REDIS_TIMEOUT` seconds, so an
unreachable host costs a request at most that, once per retry period, not every request.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

logger = logging.getLogger(__name__)

DEFAULTS = {
    "ALUR_RATELIMIT_FORM": "10 per hour;3 per minute",      # complaints accepted from one address
    "ALUR_RATELIMIT_FORM_ATTEMPTS": "120 per hour;20 per minute",  # every POST of the form (floods), refused too
    "ALUR_RATELIMIT_TRACK": "30 per minute;300 per hour",   # tracking page and token checks
    "ALUR_RATELIMIT_API": "600 per minute",                 # per API key
    "ALUR_RATELIMIT_API_UPLOAD": "60 per minute;600 per hour",  # per API key, evidence uploads (on top)
}
REDIS_TIMEOUT = 0.5  # seconds to connect to or hear from Redis before counting in memory instead
RETRY_SECONDS = 30.0  # how long a process counts in memory before it tries Redis again


def rule(name: str, value: Any) -> str:
    """``value`` as a limit string (``"10 per hour;3 per minute"``); ValueError naming the setting if it is not one."""
    from limits import parse_many

    text = str(value or "").strip()
    try:
        if not text or not parse_many(text):
            raise ValueError(text)
    except ValueError:
        raise ValueError(f"{name} must be rate limits like {DEFAULTS.get(name, '10 per minute')!r} (a count, 'per', "
                         f"a period; several separated by ';'), got {value!r}. Fix or unset it.") from None
    return text


def _flag(name: str, value: Any) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be 1 or 0 (true or false), got {value!r}")


def configure(app: Flask) -> None:
    """Read every ``ALUR_RATELIMIT_*`` setting (config, else environment, else default) and check it."""
    for key, default in DEFAULTS.items():
        app.config[key] = rule(key, app.config.get(key) or os.environ.get(key) or default)
    enabled = app.config.get("ALUR_RATELIMIT_ENABLED")
    if enabled is None:
        enabled = os.environ.get("ALUR_RATELIMIT_ENABLED", "1")
    app.config["ALUR_RATELIMIT_ENABLED"] = enabled if isinstance(enabled, bool) else _flag("ALUR_RATELIMIT_ENABLED",
                                                                                           enabled)
    app.config.setdefault("ALUR_RATELIMIT_STORAGE", os.environ.get("ALUR_RATELIMIT_STORAGE"))


def storage_uri(app: Flask) -> str:
    return app.config.get("ALUR_RATELIMIT_STORAGE") or app.config.get("ALUR_REDIS_URL") or "memory://"


def init(app: Flask) -> Limiter:
    """The app's one limiter (made by the first part that asks: sign-in, public pages or the API)."""
    limiter = app.extensions.get("alur_limiter")
    if limiter is not None:
        return limiter
    configure(app)
    uri = storage_uri(app)
    options = {} if uri.startswith("memory") else {"socket_timeout": REDIS_TIMEOUT,
                                                    "socket_connect_timeout": REDIS_TIMEOUT}
    limiter = Limiter(get_remote_address, app=app, storage_uri=uri, storage_options=options, strategy="fixed-window",
                      key_prefix="alur", default_limits=[], headers_enabled=False,
                      in_memory_fallback_enabled=True, enabled=app.config["ALUR_RATELIMIT_ENABLED"],
                      # a request already checking Redis when another marked it dead fails there; let it through
                      swallow_errors=True)
    app.extensions["alur_limiter"] = limiter
    return limiter


class Resilient:
    """A limits strategy on shared storage that counts in this process' memory while the storage is down.

    For counters kept outside Flask-Limiter's request checks (the sign-in throttle), which its own
    fallback does not cover. After a failure the shared storage is left alone for `RETRY_SECONDS`."""

    def __init__(self, shared, retry_seconds: float = RETRY_SECONDS):
        from limits.storage import MemoryStorage

        self.shared = shared
        self.fallback = type(shared)(MemoryStorage())
        self.retry_seconds = retry_seconds
        self.down_until = 0.0
        self._lock = threading.Lock()

    def _call(self, method: str, *args):
        if time.monotonic() >= self.down_until:
            try:
                return getattr(self.shared, method)(*args)
            except Exception as exc:  # noqa: BLE001 - any storage failure: keep counting here
                with self._lock:
                    self.down_until = time.monotonic() + self.retry_seconds
                logger.warning("rate-limit storage unreachable (%s); counting in this process' memory for %.0f s",
                               exc, self.retry_seconds)
        return getattr(self.fallback, method)(*args)

    def hit(self, item, *keys) -> bool:
        return self._call("hit", item, *keys)

    def test(self, item, *keys) -> bool:
        return self._call("test", item, *keys)

    def get_window_stats(self, item, *keys):
        return self._call("get_window_stats", item, *keys)

    def clear(self, item, *keys) -> None:
        return self._call("clear", item, *keys)


def state(app: Flask) -> str:
    """Where the limits count now: "shared" (Redis), "per-process" (Redis unreachable) or "memory" (no Redis)."""
    limiter = app.extensions.get("alur_limiter")
    if limiter is None or storage_uri(app).startswith("memory"):
        return "memory"
    try:
        healthy = limiter.storage.check()
    except Exception:  # noqa: BLE001 - an unreachable storage is what this reports
        healthy = False
    return "shared" if healthy else "per-process"


def form_limit() -> str:
    return current_app.config["ALUR_RATELIMIT_FORM"]


def form_attempts_limit() -> str:
    return current_app.config["ALUR_RATELIMIT_FORM_ATTEMPTS"]


def accepted(response) -> bool:
    """Whether the form's answer filed a complaint (the redirect to the receipt): only those count toward
    ``ALUR_RATELIMIT_FORM``, so a complainant fixing validation errors is never locked out by them."""
    return response.status_code in (302, 303)


def retry_at(limiter) -> float | None:
    """When the limit this request broke lets the next one through (epoch seconds), if Flask-Limiter knows."""
    try:
        current = limiter.current_limit if limiter is not None else None
        return float(current.reset_at) if current is not None else None
    except Exception:  # noqa: BLE001 - storage unreachable: the caller falls back to the limit's window
        return None


def track_limit() -> str:
    return current_app.config["ALUR_RATELIMIT_TRACK"]


def api_limit() -> str:
    return current_app.config["ALUR_RATELIMIT_API"]


def api_upload_limit() -> str:
    return current_app.config["ALUR_RATELIMIT_API_UPLOAD"]


__all__ = ["init", "configure", "rule", "state", "Resilient", "form_limit", "form_attempts_limit", "accepted",
           "retry_at", "track_limit", "api_limit",
           "api_upload_limit", "DEFAULTS"]
