"""The public face: complaint form, receipt, tracking, and the complainant's replies. No login.

Safe to put on the internet: every form has a CSRF token (global CSRFProtect) and a honeypot field,
the form and tracking pages are rate limited (`admin.public.limits`), uploads are sniffed and capped
(`workflow.attachments`), every value goes through `workflow.inputs.validate_fields` (the engine),
Jinja escapes every output, and a tracking token is checked by hash in constant time, with a wrong
token answered exactly like an unknown receipt number. No identity is ever rendered on these pages.
"""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import (Blueprint, Flask, abort, current_app, redirect, render_template, request, session, url_for)
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from workflow.core import evidence
from workflow.services import attachments
from workflow.services.intake import file_complaint
from workflow.core.calendar import OFFICE_TZ
from workflow.errors import AttachmentRejected, ConcurrentUpdate, InvalidInput, TransitionRejected

from . import limits
from .i18n import locale, t
from .status import PEMOHON, find_by_token, public_status

logger = logging.getLogger(__name__)

TEMPLATES = str(Path(__file__).resolve().parent.parent / "templates")
# Record fields the office fills, not the complainant (channel, severity, box date, signature, ...).
OFFICE_ONLY = {"kanal", "tingkat", "tanggal_ambil_kotak", "dibantu_petugas", "tanda_tangan", "nomor_rujukan",
               "kerahasiaan"}
GROUPS = (("Identitas pengadu", ("nama", "alamat", "telepon", "email")),
          ("Perizinan yang diadukan", ("no_registrasi", "sektor", "jenis_izin")),
          ("Isi pengaduan", None))
HONEYPOT = "situs_web"
WEB_CHANNEL = "website_sipeka"
ACTIONS = {"lengkapi": "kelengkapan", "konfirmasi_puas": "tanggapan_pemohon", "buka_kembali": "alasan_buka_kembali"}


def _runtime():
    from admin.app import get_runtime
    return get_runtime()


def _definition():
    runtime = _runtime()
    return runtime.engine.definition(current_app.config.get("ALUR_INTAKE_DEFINITION") or runtime.intake_definition())


def wib(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(OFFICE_TZ).strftime("%d-%m-%Y %H:%M") + " WIB"


def field_label(f) -> str:
    return (f.label_en or f.label) if locale() == "en" else f.label


def _form_fields(definition) -> list[tuple[str, list]]:
    public = [f for f in definition.record if f.name not in OFFICE_ONLY]
    placed: set[str] = set()
    out = []
    for title, names in GROUPS:
        group = [f for f in public if (names is None and f.name not in placed) or (names and f.name in names)]
        placed.update(f.name for f in group)
        if group:
            out.append((title, group))
    return out


def _choices(f, runtime) -> list[dict[str, Any]]:
    """Options of a choice field: (code, label, parent) from its catalog or its options."""
    if f.options:
        return [{"code": o, "label": o, "parent": None} for o in f.options]
    catalog = runtime.catalogs.get("opd" if f.type == "opd" and not f.catalog else (f.catalog or ""))
    if catalog is None:
        return []
    lang = locale()
    return [{"code": e.code, "label": catalog.label_of(e.code, lang), "parent": e.parent}
            for e in catalog.entries.values()]


def _record_from_form(definition) -> dict[str, Any]:
    names = {f.name: f for f in definition.record if f.name not in OFFICE_ONLY}
    record: dict[str, Any] = {}
    for name, f in names.items():
        value = request.form.get(name, "")
        if f.type == "datetime" and value and len(value) <= 16 and "T" in value:
            value += ":00+07:00"  # <input type=datetime-local> has no zone; the office is in WIB
        record[name] = value
    record["kanal"] = WEB_CHANNEL
    record["kerahasiaan"] = request.form.get("kerahasiaan") or "biasa"
    return record


def _track_url(receipt: str, token: str) -> str:
    return url_for("public.track") + "?" + urlencode({"resi": receipt, "token": token})


def make_blueprint(limiter) -> Blueprint:
    bp = Blueprint("public", __name__, url_prefix="/", template_folder=TEMPLATES)

    @bp.after_request
    def headers(response):
        response.headers.setdefault("Referrer-Policy", "no-referrer")  # tokens travel in tracking URLs
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.endpoint in ("public.receipt", "public.track"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @bp.app_context_processor
    def helpers():
        return {"t": t, "wib": wib, "lang": locale(), "field_label": field_label}

    @bp.get("/")
    def index():
        return render_template("public/index.html")

    @bp.get("/bahasa/<code>")
    def language(code: str):
        if code in ("id", "en"):
            session["locale"] = code
        target = request.args.get("next", "")
        if not target.startswith("/") or target.startswith("//"):
            target = url_for("public.index")
        return redirect(target)

    @bp.route("/pengaduan/baru", methods=["GET", "POST"])
    @limiter.limit(limits.form_limit, methods=["POST"], key_func=get_remote_address)
    def new_complaint():
        runtime = _runtime()
        definition = _definition()
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        if request.method == "POST":
            values = request.form.to_dict()
            if request.form.get(HONEYPOT):
                logger.info("honeypot filled from %s; complaint refused", request.remote_addr)
                return render_template("public/error.html", title=t("Permintaan tidak dapat diproses"),
                                       message=t("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.")), 400
            uploads = []
            files = [f for f in request.files.getlist("bukti") if f and f.filename]
            if len(files) > evidence.MAX_FILES:
                errors["bukti"] = f"paling banyak {evidence.MAX_FILES} berkas"
            for item in files[:evidence.MAX_FILES]:
                try:
                    uploads.append(evidence.check(item.filename, item.stream))
                except AttachmentRejected as exc:
                    errors["bukti"] = str(exc)
            record = _record_from_form(definition)
            if not errors:
                try:
                    opened = file_complaint(runtime, record, PEMOHON, definition_key=definition.key, uploads=uploads,
                                            instance_path=current_app.instance_path)
                except InvalidInput as exc:
                    errors = exc.errors
                else:
                    session["resi"] = {"receipt": opened.ticket.receipt_no, "token": opened.token}
                    return redirect(url_for("public.receipt"))
            else:
                _, field_errors = _validate_only(definition, record, runtime)
                errors = {**field_errors, **errors}
        return render_template("public/form.html", groups=_form_fields(definition), errors=errors, values=values,
                               choices=lambda f: _choices(f, runtime), honeypot=HONEYPOT,
                               accept=evidence.ACCEPT, max_mb=evidence.max_bytes() // (1024 * 1024),
                               max_bytes=evidence.max_bytes(),
                               max_files=evidence.MAX_FILES,
                               kerahasiaan=values.get("kerahasiaan", "biasa")), (422 if errors else 200)

    @bp.get("/pengaduan/resi")
    def receipt():
        shown = session.pop("resi", None)
        if not shown:
            return render_template("public/receipt.html", shown=None)
        runtime = _runtime()
        ticket = find_by_token(runtime, shown["receipt"], shown["token"])
        status = public_status(runtime, ticket, locale()) if ticket else None
        return render_template("public/receipt.html", shown=shown, status=status,
                               track_url=_track_url(shown["receipt"], shown["token"]))

    @bp.get("/lacak")
    @limiter.limit(limits.track_limit, key_func=get_remote_address)
    def track():
        receipt_no = request.args.get("resi", "").strip()
        token = request.args.get("token", "").strip()
        if not receipt_no and not token:
            return render_template("public/track.html", status=None, asked=False, resi="", token="")
        runtime = _runtime()
        ticket = find_by_token(runtime, receipt_no, token)
        if ticket is None:  # the same page, status and words for an unknown receipt and a wrong token
            return render_template("public/track.html", status=None, asked=True, resi="", token=""), 404
        status = public_status(runtime, ticket, locale())
        count = len(attachments.list_for(runtime.store, ticket.id))
        return render_template("public/track.html", status=status, asked=True, resi=ticket.receipt_no, token=token,
                               attachments=count, done=request.args.get("ok"), failed=request.args.get("gagal"),
                               errors={})

    @bp.post("/lacak/<action>")
    @limiter.limit(limits.track_limit, key_func=get_remote_address)
    def reply(action: str):
        if action not in ACTIONS:
            abort(404)
        runtime = _runtime()
        receipt_no = request.form.get("resi", "")
        token = request.form.get("token", "")
        ticket = find_by_token(runtime, receipt_no, token)
        if ticket is None:
            return render_template("public/track.html", status=None, asked=True, resi="", token=""), 404
        field = ACTIONS[action]
        inputs = {field: request.form.get(field, "")} if request.form.get(field, "").strip() or action != "konfirmasi_puas" else {}
        try:
            runtime.engine.fire(ticket.id, action, PEMOHON, inputs, expected_version=ticket.version)
        except InvalidInput as exc:
            status = public_status(runtime, ticket, locale())
            return render_template("public/track.html", status=status, asked=True, resi=ticket.receipt_no, token=token,
                                   attachments=len(attachments.list_for(runtime.store, ticket.id)), errors=exc.errors,
                                   done=None, failed=None), 422
        except (TransitionRejected, ConcurrentUpdate) as exc:
            logger.info("public %s refused on %s: %s", action, ticket.receipt_no, exc)
            return redirect(_track_url(ticket.receipt_no, token) + "&gagal=1")
        return redirect(_track_url(ticket.receipt_no, token) + "&ok=1")

    # -- friendly error pages for the public (the API answers problem+json itself) ------------------------
    @bp.errorhandler(429)
    def too_many(exc):
        response = current_app.make_response((render_template(
            "public/error.html", title=t("Terlalu banyak permintaan"),
            message=t("Anda mengirim terlalu banyak permintaan. Tunggu sebentar lalu coba lagi.")), 429))
        response.headers["Retry-After"] = str(getattr(exc, "retry_after", None) or 60)
        return response

    @bp.errorhandler(RequestEntityTooLarge)
    def too_large(exc):
        return render_template("public/error.html", title=t("Berkas terlalu besar"),
                               message=t("Ukuran kiriman melebihi batas. Perkecil berkas lalu kirim ulang.") + " " +
                               t("Tekan tombol Kembali pada peramban: isian Anda masih ada di sana.")), 413

    @bp.errorhandler(CSRFError)
    def bad_csrf(exc):
        return render_template("public/error.html", title=t("Permintaan tidak dapat diproses"),
                               message=t("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.")), 400

    @bp.errorhandler(Exception)
    def crashed(exc):
        if isinstance(exc, HTTPException):
            code = exc.code or 500
            if code == 404:
                return render_template("public/error.html", title=t("Halaman tidak ditemukan"), message=""), 404
            if code < 500:
                return render_template("public/error.html", title=t("Permintaan tidak dapat diproses"),
                                       message=""), code
        logger.exception("public page error on %s", request.path)
        return render_template("public/error.html", title=t("Terjadi kesalahan"),
                               message=t("Terjadi kesalahan pada server. Silakan coba lagi nanti.")), 500

    return bp


def _validate_only(definition, record, runtime):
    from workflow.core.inputs import validate_fields
    return validate_fields(definition.record, record, runtime.catalogs)


def init_app(app: Flask) -> None:
    limiter = limits.init(app)
    app.register_blueprint(make_blueprint(limiter))


__all__ = ["init_app", "make_blueprint", "OFFICE_ONLY", "HONEYPOT"]
