"""What every public page shares: the runtime, dates in the office's zone (WIB, WITA or WIT, from its
profile), field labels in the visitor's language, the tracking link."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import request, url_for

from workflow.core import evidence
from workflow.core.evidence import Upload
from workflow.errors import AttachmentRejected
from workflow.services.office import current_office

from .i18n import locale


def runtime():
    from admin.extensions import get_runtime
    return get_runtime()


def wib(value: datetime | None) -> str:
    if value is None:
        return "-"
    office = current_office(runtime())
    return value.astimezone(office.zone).strftime("%d-%m-%Y %H:%M") + f" {office.zone_name}"


def field_label(f) -> str:
    return (f.label_en or f.label) if locale() == "en" else f.label


def track_url(receipt: str, token: str) -> str:
    """The tracking page of a complaint (the token travels in the URL: pages set no-referrer)."""
    return url_for("public.track") + "?" + urlencode({"resi": receipt, "token": token})


def posted_files(field: str = "bukti") -> list:
    """The files the request posted under ``field``, without the file inputs left empty."""
    return [f for f in request.files.getlist(field) if f and f.filename]


def checked_files(files, errors: dict[str, str], field: str = "bukti") -> list[Upload]:
    """The ``files`` that pass `workflow.core.evidence.check`; why any other is refused goes to ``errors[field]``."""
    uploads = []
    for item in files:
        try:
            uploads.append(evidence.check(item.filename, item.stream))
        except AttachmentRejected as exc:
            errors[field] = str(exc)
    return uploads


__all__ = ["runtime", "wib", "field_label", "track_url", "posted_files", "checked_files"]
