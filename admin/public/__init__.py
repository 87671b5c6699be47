"""The public face: complaint form, receipt, tracking, and the complainant's replies. No login.

Safe to put on the internet: every form has a CSRF token (global CSRFProtect) and a honeypot field,
the form and tracking pages are rate limited (`admin.public.limits`), uploads are sniffed and capped
(`workflow.core.evidence`), every value goes through `workflow.core.inputs.validate_fields` (the engine),
Jinja escapes every output, and a tracking token is checked by hash in constant time, with a wrong
token answered exactly like an unknown receipt number. No identity is ever rendered on these pages.

One module per job: `form` (the complaint form), `tracking` (receipt, tracking page, replies), `status`
(what the public may see of a ticket), `errors` (friendly error pages), `limits`, `redact` (tokens out of
access logs), `i18n`, `common`.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, current_app, redirect, render_template, request, session, url_for

from . import errors, form, limits, promise_figures, redact, reports, tracking
from .common import field_label, runtime, wib
from .i18n import locale, t

TEMPLATES = str(Path(__file__).resolve().parent.parent / "templates")
NO_STORE = ("public.receipt", "public.track", "public.lookup", "public.reply")  # pages that show a complaint


def _headers(response):
    response.headers.setdefault("Referrer-Policy", "no-referrer")  # tokens travel in tracking URLs
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.endpoint in NO_STORE:
        response.headers["Cache-Control"] = "no-store"
    return response


def _helpers():
    return {"t": t, "wib": wib, "lang": locale(), "field_label": field_label}


UNITS_EN = {"calendar_days": "calendar days", "working_days": "working days", "working_hours": "working hours"}


def promises() -> list[dict]:
    """Each public service with its promised deadline: the definition's overall clock (its first clock that
    starts when a complaint is opened), as the receipt promises it."""
    from workflow.services.offered import offered_definitions

    lang = locale()
    out = []
    for d in offered_definitions(runtime(), current_app.config.get("ALUR_INTAKE_DEFINITION")):
        clock = d.promise_clock()
        if clock is None:
            continue
        span = clock.budget
        amount = int(span.amount) if float(span.amount).is_integer() else span.amount
        out.append({"key": d.key, "title": (d.title_en or d.title) if lang == "en" else d.title,
                    "budget": f"{amount} {UNITS_EN.get(span.unit, span.unit)}" if lang == "en" else span.describe()})
    return out


def index():
    return render_template("public/index.html", promises=promises())


def language(code: str):
    if code in ("id", "en"):
        session["locale"] = code
    target = request.args.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("public.index")
    return redirect(target)


def make_blueprint(limiter) -> Blueprint:
    bp = Blueprint("public", __name__, url_prefix="/", template_folder=TEMPLATES)
    bp.after_request(_headers)
    bp.app_context_processor(_helpers)
    bp.add_url_rule("/", "index", index, methods=["GET"])
    bp.add_url_rule("/bahasa/<code>", "language", language, methods=["GET"])
    form.register(bp, limiter)
    tracking.register(bp, limiter)
    promise_figures.register(bp)  # the promise kept this quarter, on the home page (issue 15)
    reports.register(bp, limiter)  # published evaluation reports, if the office lists them
    errors.register(bp)
    return bp


def init_app(app: Flask) -> None:
    redact.install()  # tracking tokens of old links stay out of the access log
    limiter = limits.init(app)
    app.register_blueprint(make_blueprint(limiter))


__all__ = ["init_app", "make_blueprint"]
