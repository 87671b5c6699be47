"""Error pages for people: 400, 403, 404, 405, 413, 429 and 500 in Indonesian (English on request), each
saying what happened, what to do next, and with a way back (the console's queue under ``/admin`` and the
sign-in page, the public home page elsewhere). ``/api`` keeps answering problem+json (`admin.api.errors`).

Installed on the app, so they also answer URLs no view matched (a mistyped address) and the console's
Flask-Admin views, which raise plain ``abort(403)``. A rate-limited request (429) is told when it may try
again, from the limit it broke, and that the browser's Back button still holds what was typed.
"""
from __future__ import annotations

import logging
import math
import time
from datetime import datetime, timedelta, timezone

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from admin.public.i18n import t
from workflow.errors import StoreUnavailable

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
CONSOLE_PREFIXES = ("/admin", "/login", "/logout", "/locale")
BACK_KEEPS_INPUT = "Tekan tombol Kembali pada peramban: isian Anda masih ada di sana."
PAGES = {  # status -> (title, what happened and what to do)
    400: ("Permintaan tidak dapat diproses",
          "Permintaan ini tidak lengkap atau tidak sah. Muat ulang halaman sebelumnya lalu coba lagi."),
    403: ("Akses ditolak",
          "Anda tidak memiliki hak untuk membuka halaman ini. Jika seharusnya boleh, minta admin menambahkan "
          "peran Anda."),
    404: ("Halaman tidak ditemukan",
          "Alamat ini tidak ada atau sudah dipindahkan. Periksa alamatnya, atau mulai lagi dari beranda."),
    405: ("Cara membuka halaman ini tidak didukung",
          "Halaman ini tidak dapat dibuka dengan cara tersebut. Kembali ke halaman sebelumnya lalu gunakan "
          "tombol yang tersedia."),
    413: ("Berkas terlalu besar", "Ukuran kiriman melebihi batas. Perkecil berkas lalu kirim ulang."),
    429: ("Terlalu banyak permintaan", "Anda mengirim terlalu banyak permintaan dari alamat ini."),
    500: ("Terjadi kesalahan", "Terjadi kesalahan pada server dan sudah dicatat. Silakan coba lagi nanti."),
    503: ("Layanan sedang dipulihkan",
          "Basis data sedang tidak dapat dihubungi; tidak ada yang tersimpan dari permintaan ini."),
}
EXPIRED_FORM = "Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."


def is_api() -> bool:
    return request.path.startswith(API_PREFIX)


def is_console() -> bool:
    return any(request.path == p or request.path.startswith(p + "/") for p in CONSOLE_PREFIXES)


def retry_seconds(exc: HTTPException | None = None) -> int:
    """Seconds until the broken limit lets a request through: from the limiter, else the exception, else 60."""
    from admin.public.limits import retry_at

    at = retry_at(current_app.extensions.get("alur_limiter"))
    if at is not None:
        return max(1, math.ceil(at - time.time()))
    return int(getattr(exc, "retry_after", None) or 60)


def _retry_text(seconds: int) -> str:
    from admin.public.common import wib

    when = wib(datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=seconds)).split(" ", 1)[1]
    minutes = max(1, math.ceil(seconds / 60))
    if seconds < 60:
        return t("Coba lagi dalam {n} detik (pukul {at}).").format(n=seconds, at=when)
    return t("Coba lagi dalam {n} menit (pukul {at}).").format(n=minutes, at=when)


def page(status: int, *, message: str | None = None, extra: list[str] | None = None):
    """The error page of ``status`` as a response, in the visitor's language, console or public styled."""
    title, default = PAGES.get(status, PAGES[500 if status >= 500 else 400])
    console = is_console()
    lines = [t(message or default), *(extra or [])]
    template = "alur/error.html" if console else "public/error.html"
    response = current_app.make_response((render_template(template, title=t(title), lines=lines, status=status,
                                                          console=console), status))
    response.headers["Cache-Control"] = "no-store"
    return response


def on_http(exc: HTTPException):
    if is_api():
        from admin.api.errors import http_problem

        return http_problem(exc)
    status = exc.code or 500
    if status >= 500:
        return on_error(exc)
    if isinstance(exc, CSRFError):
        return page(400, message=EXPIRED_FORM)
    if status == 429:
        seconds = retry_seconds(exc)
        response = page(429, extra=[_retry_text(seconds), t(BACK_KEEPS_INPUT)])
        response.headers["Retry-After"] = str(seconds)
        return response
    if status == 413:
        return page(413, extra=[t(BACK_KEEPS_INPUT)])
    if status == 405:
        response = page(405)
        if getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response
    if status in PAGES:
        return page(status)
    if status == 401:
        return page(403)
    return page(400)


def on_error(exc: BaseException):
    if is_api():
        from admin.api.errors import on_error as api_error

        return api_error(exc)
    if isinstance(exc, StoreUnavailable):
        logger.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
        response = page(503, extra=[_retry_text(exc.retry_after), t(BACK_KEEPS_INPUT)])
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    logger.exception("page error on %s %s", request.method, request.path)
    return page(500)


def init_app(app: Flask) -> None:
    """Install the pages before the API's routing handlers, which defer to these off ``/api``."""
    for status in (400, 401, 403, 404, 405, 413, 429):
        app.register_error_handler(status, on_http)
    app.register_error_handler(HTTPException, on_http)
    app.register_error_handler(Exception, on_error)


__all__ = ["init_app", "page", "on_http", "on_error", "retry_seconds", "PAGES"]
