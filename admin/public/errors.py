"""Friendly error pages for the public (the API answers problem+json itself): too many requests, too large
an upload, an expired form, a missing page, and a crash, never a stack trace."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .i18n import t

logger = logging.getLogger(__name__)


def _page(title: str, message: str, status: int):
    return render_template("public/error.html", title=t(title), message=t(message) if message else ""), status


def too_many(exc):
    response = current_app.make_response(_page(
        "Terlalu banyak permintaan", "Anda mengirim terlalu banyak permintaan. Tunggu sebentar lalu coba lagi.", 429))
    response.headers["Retry-After"] = str(getattr(exc, "retry_after", None) or 60)
    return response


def too_large(exc):
    return render_template("public/error.html", title=t("Berkas terlalu besar"),
                           message=t("Ukuran kiriman melebihi batas. Perkecil berkas lalu kirim ulang.") + " " +
                           t("Tekan tombol Kembali pada peramban: isian Anda masih ada di sana.")), 413


def bad_csrf(exc):
    return _page("Permintaan tidak dapat diproses",
                 "Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.", 400)


def crashed(exc):
    if isinstance(exc, HTTPException):
        code = exc.code or 500
        if code == 404:
            return _page("Halaman tidak ditemukan", "", 404)
        if code < 500:
            return _page("Permintaan tidak dapat diproses", "", code)
    logger.exception("public page error on %s", request.path)
    return _page("Terjadi kesalahan", "Terjadi kesalahan pada server. Silakan coba lagi nanti.", 500)


def register(bp: Blueprint) -> None:
    bp.register_error_handler(429, too_many)
    bp.register_error_handler(RequestEntityTooLarge, too_large)
    bp.register_error_handler(CSRFError, bad_csrf)
    bp.register_error_handler(Exception, crashed)


__all__ = ["register"]
