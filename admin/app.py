"""The web application factory: console (Flask-Admin), public pages and the API in one Flask app.

``create_app(config=None)`` builds everything per call (nothing at import time), so tests can make as
many isolated apps as they need. Each part of the web layer is a module with ``init_app(app)``; `parts`
lists them in the order they are set up.
"""
from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, g, request, session
from flask_babel import Babel
from werkzeug.middleware.proxy_fix import ProxyFix

from admin.extensions import csrf, get_runtime  # noqa: F401 - get_runtime is part of this module's API
from workflow.runtime import Runtime, build_runtime, instance_secret

logger = logging.getLogger(__name__)

TRANSLATIONS = str(Path(__file__).resolve().parent / "translations")
LOCALES = ("id", "en")

def parts() -> tuple:
    """The web layer's parts, each with ``init_app(app)``, in the order they are set up."""
    from admin import api, auth, console, error_pages, office, ops, public, security_headers
    from admin.console import titles

    return (
        office,    # the office profile on every page, and its logo
        auth,      # login, users, roles (Flask-Login)
        console,   # Flask-Admin views for every role
        titles,    # each console page's own title, the footer's zone, labels of built-in codes
        error_pages,  # 400-500 pages for people (before api, whose routing handlers defer to them off /api)
        public,    # public intake and tracking pages
        api,       # /api/v1 with OpenAPI
        ops,       # /healthz and /metrics
        security_headers,  # Content-Security-Policy, no framing, nosniff on every response
    )


def select_locale() -> str:
    """Indonesian by default; English when the user chose it (session) or the browser prefers it."""
    chosen = session.get("locale") if session else None
    if chosen in LOCALES:
        return chosen
    user = getattr(g, "user_locale", None)
    if user in LOCALES:
        return user
    return request.accept_languages.best_match(LOCALES, default="id") if request else "id"


def create_app(config: Mapping[str, Any] | None = None, *, runtime: Runtime | None = None) -> Flask:
    app = Flask(__name__,
                instance_path=str(Path(os.environ.get("ALUR_INSTANCE_PATH", Path.cwd() / "instance")).resolve()))
    app.config.update(
        SECRET_KEY=instance_secret("secret_key", "ALUR_SECRET_KEY"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("ALUR_INSECURE_COOKIES") != "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        MAX_CONTENT_LENGTH=int(os.environ.get("ALUR_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)) + 64 * 1024,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        BABEL_DEFAULT_LOCALE="id",
        BABEL_DEFAULT_TIMEZONE="Asia/Jakarta",
        ALUR_DATABASE_URL=os.environ.get("ALUR_DATABASE_URL"),
        ALUR_REDIS_URL=os.environ.get("ALUR_REDIS_URL"),
        ALUR_IDEMPOTENCY_HOURS=os.environ.get("ALUR_IDEMPOTENCY_HOURS"),  # API Idempotency-Key memory (24)
        ALUR_API_ATTACH_HOURS=os.environ.get("ALUR_API_ATTACH_HOURS"),  # API evidence after filing (24)
        ALUR_PROXY_HOPS=os.environ.get("ALUR_PROXY_HOPS"),  # reverse proxies in front of the app (see trust_proxies)
        ALUR_ADMIN_TRANSLATIONS=TRANSLATIONS,
    )
    if config:
        app.config.update(config)
    trust_proxies(app)
    app.extensions["alur"] = runtime or build_runtime(app.config.get("ALUR_DATABASE_URL"),
                                                      redis_url=app.config.get("ALUR_REDIS_URL"))
    Babel(app, locale_selector=select_locale, default_locale="id", default_timezone="Asia/Jakarta")
    csrf.init_app(app)
    for part in parts():
        part.init_app(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind ``ALUR_PROXY_HOPS`` reverse proxies, take the client's address and scheme from their headers.

    Each proxy appends the address it received the request from to ``X-Forwarded-For``; with N hops,
    Werkzeug's ProxyFix takes the Nth value from the right, the one the outermost trusted proxy wrote,
    and ignores anything the client put before it (likewise ``X-Forwarded-Proto``). Unset or 0: the
    headers are ignored and the connection's peer is the client. Sign-in throttling and the public
    rate limits count per client address, so set this behind nginx or a load balancer (and let clients
    reach the app only through them), or every visitor shares the proxy's address.
    """
    raw = app.config.get("ALUR_PROXY_HOPS")
    try:
        hops = int(raw or 0)
    except (TypeError, ValueError):
        hops = -1
    if hops < 0:
        raise ValueError(f"ALUR_PROXY_HOPS must be the number of reverse proxies in front of alur (0, or 1 behind "
                         f"a single nginx), got {raw!r}")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


__all__ = ["create_app", "get_runtime", "csrf", "select_locale", "trust_proxies", "LOCALES"]
