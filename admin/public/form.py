"""The public complaint form: fields grouped for the complainant, evidence checked before anything is
stored, and one intake (`workflow.services.intake.file_complaint`) that saves all of it or nothing.

The services on offer are the published definitions marked ``public: true`` (`workflow.services.offered`),
each with its own record fields: with several, ``/pengaduan/baru`` first asks which, and each service's form
is ``/pengaduan/baru/<key>`` (a path, so no record field can be mistaken for the choice)."""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address

from workflow.core import evidence
from workflow.core.evidence import Upload
from workflow.core.inputs import validate_fields
from workflow.errors import InvalidInput, UnknownDefinition
from workflow.services.intake import file_complaint
from workflow.services.offered import offered, offered_definitions, online_channel
from workflow.services.office import current_office

from . import limits
from .common import checked_files, posted_files, runtime
from .i18n import locale, t
from .status import PEMOHON
from .tracking import remember_receipt

logger = logging.getLogger(__name__)

# The two record fields this form sets itself: the channel (the catalog's online_form channel) and the identity
# protection (its own radio buttons). Which other fields the office fills (a severity, a box date, a
# signature) and how the rest are grouped, the definition says: ``office_only: true`` and ``group:``.
SET_BY_FORM = {"kanal", "kerahasiaan"}
IDENTITY_GROUP, DEFAULT_GROUP = "Identitas pengadu", "Isi pengaduan"
HONEYPOT = "situs_web"


def intake_definition(key: str | None = None):
    """The service asked for (``key``, a public definition), else the default one; 404 for another key."""
    try:
        return offered(runtime(), key, current_app.config.get("ALUR_INTAKE_DEFINITION"))
    except UnknownDefinition:
        abort(404)


def public_fields(definition) -> list:
    """The record fields the complainant fills: not the ones the form sets, not the office's own."""
    return [f for f in definition.record if f.name not in SET_BY_FORM and not f.office_only]


def form_fields(definition) -> list[tuple[str, list]]:
    """The fields the complainant fills, in the form's groups: the identity first, then each ``group`` the
    definition names (in the order it names them), then the complaint itself."""
    english = locale() == "en"
    groups: dict[str, list] = {IDENTITY_GROUP: []}
    for f in public_fields(definition):
        title = IDENTITY_GROUP if f.identity else ((f.group_en or f.group) if english else f.group) or DEFAULT_GROUP
        groups.setdefault(title, []).append(f)
    rest = groups.pop(DEFAULT_GROUP, [])
    return [(title, fields) for title, fields in [*groups.items(), (DEFAULT_GROUP, rest)] if fields]


def choices(f, rt) -> list[dict[str, Any]]:
    """Options of a choice field: (code, label, parent) from its catalog or its options."""
    if f.options:
        return [{"code": o, "label": o, "parent": None} for o in f.options]
    catalog = rt.catalogs.get("opd" if f.type == "opd" and not f.catalog else (f.catalog or ""))
    if catalog is None:
        return []
    lang = locale()
    return [{"code": e.code, "label": catalog.label_of(e.code, lang), "parent": e.parent}
            for e in catalog.entries.values()]


def record_from_form(definition) -> dict[str, Any]:
    names = {f.name: f for f in public_fields(definition)}
    record: dict[str, Any] = {}
    offset = current_office(runtime()).utc_offset()
    for name, f in names.items():
        value = request.form.get(name, "")
        if f.type == "boolean":  # a checkbox: sent when ticked, absent otherwise
            record[name] = bool(value)
            continue
        if f.type == "datetime" and value and len(value) <= 16 and "T" in value:
            value += ":00" + offset  # <input type=datetime-local> has no zone: the office's
        record[name] = value
    channel = online_channel(definition, runtime().catalogs)
    if channel is not None:
        record["kanal"] = channel
    if definition.record_field("kerahasiaan") is not None:
        record["kerahasiaan"] = request.form.get("kerahasiaan") or "biasa"
    return record


def checked_uploads(errors: dict[str, str]) -> list[Upload]:
    """The form's evidence files that pass `workflow.core.evidence.check`; what is wrong goes to ``errors``."""
    files = posted_files()
    if len(files) > evidence.MAX_FILES:
        errors["bukti"] = f"paling banyak {evidence.MAX_FILES} berkas"
    return checked_files(files[:evidence.MAX_FILES], errors)


def _refused():
    return render_template("public/error.html", title=t("Permintaan tidak dapat diproses"),
                           message=t("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.")), 400


def _submit(definition, errors: dict[str, str]):
    """File the posted complaint; the redirect to the receipt, or None with ``errors`` filled."""
    rt = runtime()
    uploads = checked_uploads(errors)
    record = record_from_form(definition)
    if errors:  # say everything that is wrong at once: the fields too, not only the files
        _, field_errors = validate_fields(definition.record, record, rt.catalogs)
        errors.update({**field_errors, **dict(errors)})
        return None
    try:
        opened = file_complaint(rt, record, PEMOHON, definition_key=definition.key, uploads=uploads,
                                instance_path=current_app.instance_path)
    except InvalidInput as exc:
        errors.update(exc.errors)
        return None
    remember_receipt(opened.ticket.receipt_no, opened.token, opened.pin)
    return redirect(url_for("public.receipt"))


def new_complaint(layanan: str | None = None):
    key = layanan
    if not key and request.method == "GET":
        services = offered_definitions(runtime(), current_app.config.get("ALUR_INTAKE_DEFINITION"))
        if len(services) > 1:  # several services on offer: the complainant chooses first
            return render_template("public/services.html", services=services)
    definition = intake_definition(key)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = request.form.to_dict()
        if request.form.get(HONEYPOT):
            logger.info("honeypot filled from %s; complaint refused", request.remote_addr)
            return _refused()
        done = _submit(definition, errors)
        if done is not None:
            return done
    rt = runtime()
    return render_template("public/form.html", groups=form_fields(definition), errors=errors, values=values,
                           service=definition, several=len(offered_definitions(
                               rt, current_app.config.get("ALUR_INTAKE_DEFINITION"))) > 1,
                           choices=lambda f: choices(f, rt), honeypot=HONEYPOT, accept=evidence.ACCEPT,
                           max_mb=evidence.max_bytes() // (1024 * 1024), max_bytes=evidence.max_bytes(),
                           max_files=evidence.MAX_FILES,
                           kerahasiaan=values.get("kerahasiaan", "biasa")), (422 if errors else 200)


def register(bp: Blueprint, limiter) -> None:
    # accepted complaints count toward the limit; every attempt (refused ones too) toward a higher flood ceiling
    view = limiter.limit(limits.form_limit, methods=["POST"], key_func=get_remote_address,
                         deduct_when=limits.accepted)(new_complaint)
    view = limiter.limit(limits.form_attempts_limit, methods=["POST"], key_func=get_remote_address,
                         scope="public-form-attempts")(view)
    bp.add_url_rule("/pengaduan/baru", "new_complaint", view, methods=["GET", "POST"])
    bp.add_url_rule("/pengaduan/baru/<layanan>", "new_complaint", view, methods=["GET", "POST"])


__all__ = ["register", "SET_BY_FORM", "HONEYPOT", "form_fields", "public_fields", "record_from_form",
           "intake_definition"]
