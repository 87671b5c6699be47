"""Published evaluation reports on the public pages, when the office chooses so (office profile setting
``public_reports``, Profil kantor). Off by default: nothing is listed and every address answers 404.

Only the current edition of each published report is listed; an older edition stays readable by its number
with a note that a newer one replaced it. The public copy names no complainant (the evaluation table's
names become "Dirahasiakan", `workflow.reports.documents.published_report`). Files are rendered from the
stored content, so they are the same bytes every time; the last few pages and files are kept in memory
(charts make a page cost about 3 s of CPU and a DOCX 3-4 s on the Q1 2021 data), and pages and downloads
are rate limited per address.
"""
from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from flask import Blueprint, Response, abort, render_template
from flask_limiter.util import get_remote_address
from markupsafe import Markup

from workflow.reports import MEDIA_TYPES, render
from workflow.reports.documents import publication_filename, published_report
from workflow.reports.render_html import render_html_fragment
from workflow.services import report_documents as docs
from workflow.services.office import current_office

from .common import runtime
from .i18n import locale

PUBLIC_FORMATS = ("docx", "xlsx", "html")
DOWNLOAD_LIMIT = "20 per minute"
PAGE_LIMIT = "60 per minute"
EN = {
    "Laporan evaluasi pengaduan": "Complaint evaluation reports",
    "Laporan triwulan yang sudah disetujui kepala dinas dan diterbitkan. Nama pemohon tidak ditampilkan.":
        "Quarterly reports approved by the head of office and published. Complainants are not named.",
    "Belum ada laporan yang diterbitkan.": "No report has been published yet.",
    "Nomor": "Number", "Periode": "Period", "Edisi": "Edition", "Terbit": "Published", "Unduh": "Download",
    "Edisi ini sudah diganti edisi yang lebih baru:": "This edition was replaced by a newer one:",
    "Alasan penerbitan ulang": "Reason for reissue",
    "Daftar laporan": "All reports",
}
_CACHE: OrderedDict[tuple[int, str, str], bytes] = OrderedDict()
_CACHE_SIZE = 16
_LOCK = Lock()


def tt(text: str) -> str:
    return EN.get(text, text) if locale() == "en" else text


def scope_label(definition_key: str) -> str:
    """The service a report covers, by its title; every service of the office when none is named."""
    if not definition_key:
        return "All services" if locale() == "en" else "Semua layanan"
    try:
        d = runtime().engine.definition(definition_key)
    except Exception:  # noqa: BLE001 - a definition no longer published: its key
        return definition_key
    return (d.title_en or d.title) if locale() == "en" else d.title


def enabled() -> bool:
    """Whether the office lists its published reports on the public pages."""
    try:
        return bool(current_office(runtime()).public_reports)
    except Exception:  # noqa: BLE001 - no schema yet: nothing public
        return False


def _require():
    if not enabled():
        abort(404)


def _publication(number: int):
    _require()
    pub = docs.publication(runtime().store, number)
    if pub is None:
        abort(404)
    return pub


def index():
    _require()
    return render_template("public/reports.html", publications=docs.current_publications(runtime().store), tt=tt,
                           scope_label=scope_label)


def _cached(pub, kind: str, build) -> bytes:
    """A published report's page or file: immutable, so made once per process (charts cost seconds)."""
    key = (pub.number, pub.content_sha256, kind)  # the hash: another database may have its own No. 1
    with _LOCK:
        data = _CACHE.get(key)
    if data is None:
        data = build()
        with _LOCK:
            _CACHE[key] = data
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return data


def show(number: int):
    pub = _publication(number)
    current = {p.document_id: p for p in docs.current_publications(runtime().store)}
    newer = current.get(pub.document_id)
    body = _cached(pub, "page", lambda: render_html_fragment(published_report(pub, public=True)).encode("utf-8"))
    return render_template("public/report.html", pub=pub, tt=tt, formats=PUBLIC_FORMATS,
                           newer=newer if newer is not None and newer.number != pub.number else None,
                           body=Markup(body.decode("utf-8")))


def download(number: int, fmt: str):
    if fmt not in PUBLIC_FORMATS:
        abort(404)
    pub = _publication(number)
    data = _cached(pub, fmt, lambda: render(published_report(pub, public=True), fmt))
    return Response(data, mimetype=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{publication_filename(pub, fmt)}"'})


def register(bp: Blueprint, limiter) -> None:
    bp.add_url_rule("/laporan", "reports", index, methods=["GET"])
    limited = limiter.limit(DOWNLOAD_LIMIT, key_func=get_remote_address)
    bp.add_url_rule("/laporan/<int:number>", "report", limiter.limit(PAGE_LIMIT, key_func=get_remote_address)(show),
                    methods=["GET"])
    bp.add_url_rule("/laporan/<int:number>/unduh/<fmt>", "report_download", limited(download), methods=["GET"])
    bp.app_context_processor(lambda: {"public_reports_enabled": enabled})


__all__ = ["register", "enabled", "PUBLIC_FORMATS"]
