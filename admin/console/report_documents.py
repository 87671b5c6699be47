"""Naskah laporan: the quarterly report as a document the office finishes, edits, approves and publishes.

Who: console role ``supervisor`` for every page (kasi and kabid write, the kepala dinas too); approving and
publishing are checked again by the service (`workflow.services.report_documents`), which allows them only
to the top supervisor level the published definitions declare, so the buttons are shown to the head of
office but a forged post from anyone else is refused with the reason. Every form carries the CSRF token.

A save is version-checked: when someone saved first, the page is shown again (409) with the editor's text
still in the boxes, the text now stored beside it, and a message saying what happened; nothing is lost.
Narrative text is plain text; the preview and the published report escape it (`workflow.reports`).
Downloads of a published report (which names complainants) write an ``identity_view`` audit row.
"""
from __future__ import annotations

import logging

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose

from workflow.core.period import PeriodError, parse_period
from workflow.core.report_document import SECTION_KEYS, STATUS_LABELS, Status, section_title
from workflow.errors import InvalidInput, ReportDocumentRefused, ReportEditConflict
from workflow.reports import FORMATS, MEDIA_TYPES, render
from workflow.reports.documents import (
    draft_report,
    generated_for,
    open_draft,
    publication_filename,
    publish_report,
    published_report,
)
from workflow.reports.render_html import render_html_fragment
from workflow.services import report_documents as docs
from workflow.services.identity import record_report_view

from ..auth import SecureBaseView, current_actor, current_console_user
from . import common
from .common import tr

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 50  # evaluation rows in the page's preview; the published files carry all of them


def _refused(exc: ReportDocumentRefused) -> str:
    return exc.reason_en if common.lang() == "en" else exc.reason


def _version() -> int:
    try:
        return int(request.form.get("expected_version", ""))
    except ValueError:
        return -1


ACTIONS = {"create": ("Dibuat dari angka", "Started from the figures"), "save": ("Disimpan", "Saved"),
           "approve": ("Disetujui", "Approved"), "publish": ("Diterbitkan", "Published"),
           "reopen": ("Dibuka untuk terbit ulang", "Reopened for reissue")}


def _action_label(action: str) -> str:
    pair = ACTIONS.get(action)
    return (pair[1] if common.lang() == "en" else pair[0]) if pair else action


def _scope_label(definition_key: str) -> str:
    """The service a document covers, by its title (every service of the office when none is named)."""
    if not definition_key:
        return tr("Semua layanan kantor", "All of the office's services")
    for d in common.live_definitions():
        if d.key == definition_key:
            return (d.title_en or d.title) if common.lang() == "en" else d.title
    return definition_key


def _status_label(status: str) -> str:
    try:
        pair = STATUS_LABELS[Status(status)]
    except ValueError:
        return status
    return pair[1] if common.lang() == "en" else pair[0]


class ReportDocumentsView(SecureBaseView):
    """Naskah laporan: drafts per period and scope, their versions, approval and publication."""

    roles = frozenset({"supervisor"})

    def _load(self, document_id: int):
        try:
            return docs.get_document(common.runtime().store, document_id)
        except ReportDocumentRefused:
            abort(404)

    @expose("/")
    def index(self):
        store = common.runtime().store
        return self.render("reports/documents.html", documents=docs.list_documents(store),
                           publications=docs.publications(store), definitions=common.live_definitions(),
                           status_label=_status_label, formats=FORMATS, scope_label=_scope_label,
                           current={p.number for p in docs.current_publications(store)})

    @expose("/buka", methods=("POST",))
    def open(self):
        text = (request.form.get("period") or "").strip()
        definition = (request.form.get("definition") or "").strip() or None
        try:
            period = parse_period(text)
        except PeriodError as exc:
            flash(str(exc), "danger")
            return redirect(url_for(".index"))
        try:
            doc = open_draft(common.runtime(), period, definition, actor_id=current_actor().id, now=common.utcnow())
        except ReportDocumentRefused as exc:
            flash(_refused(exc), "danger")
            return redirect(url_for(".index"))
        except ReportEditConflict as exc:  # started by a colleague a moment ago: theirs is the draft
            doc = exc.current
        return redirect(url_for(".edit", document_id=doc.id))

    def _page(self, doc, *, typed=None, conflict=None, status: int = 200, errors=None, preview: bool = False):
        rt = common.runtime()
        user = current_console_user()
        body = None
        if preview:  # the figures and charts cost seconds on a busy quarter: shown when asked
            body = render_html_fragment(draft_report(rt, doc, typed, now=common.utcnow(),
                                                     evaluation_limit=PREVIEW_ROWS))
        history = docs.history(rt.store, doc.id)
        return self.render(
            "reports/document.html", doc=doc, sections=[(k, section_title(k, common.lang())) for k in SECTION_KEYS],
            text=typed if typed is not None else doc.sections, conflict=conflict, errors=errors or {},
            history=history, status_label=_status_label, action_label=_action_label, scope_label=_scope_label,
            head=bool(user and user.top_supervisor),
            publications=docs.publications(rt.store, doc.id), formats=FORMATS,
            preview=body), status

    @expose("/<int:document_id>")
    def edit(self, document_id: int):
        doc = self._load(document_id)
        if request.args.get("mulai_ulang") == "1" and doc.status != Status.PUBLISHED:
            # the text today's figures give, in the boxes; nothing is saved until the editor saves
            return self._page(doc, typed=generated_for(common.runtime(), doc, common.utcnow()))
        return self._page(doc, preview=request.args.get("pratinjau") == "1")

    @expose("/<int:document_id>/simpan", methods=("POST",))
    def save(self, document_id: int):
        doc = self._load(document_id)
        typed = {key: request.form.get(key, "") for key in SECTION_KEYS}
        try:
            saved = docs.save_draft(common.runtime().store, doc.id, typed, expected_version=_version(),
                                    actor_id=current_actor().id, now=common.utcnow())
        except ReportEditConflict as exc:
            flash(tr(f"Laporan ini sudah disimpan oleh {exc.current.updated_by} (versi {exc.current.version}) "
                     "setelah Anda membukanya. Teks Anda TIDAK hilang: masih ada di kotak di bawah, dan teks yang "
                     "tersimpan sekarang ditampilkan di sampingnya. Salin yang perlu, lalu simpan lagi.",
                     f"{exc.current.updated_by} saved this report (version {exc.current.version}) after you opened "
                     "it. Your text is NOT lost: it is still in the boxes below, with the stored text beside it. "
                     "Copy what you need and save again."), "warning")
            return self._page(exc.current, typed=typed, conflict=exc.current, status=409)
        except InvalidInput as exc:
            flash(tr("Laporan belum disimpan; perbaiki bagian yang ditandai.",
                     "The report was not saved; fix the marked sections."), "danger")
            return self._page(doc, typed=typed, errors=exc.errors, status=422)
        except ReportDocumentRefused as exc:
            flash(_refused(exc), "danger")
            return self._page(doc, typed=typed, status=409)
        if saved.version == doc.version:
            flash(tr("Tidak ada perubahan.", "Nothing changed."), "info")
        else:
            flash(tr(f"Disimpan sebagai versi {saved.version}.", f"Saved as version {saved.version}."), "success")
        return redirect(url_for(".edit", document_id=doc.id))

    def _step(self, document_id: int, step):
        doc = self._load(document_id)
        try:
            message = step(doc)
            flash(message, "success")
        except ReportEditConflict as exc:
            flash(tr(f"Laporan sudah berubah (sekarang versi {exc.current.version}); periksa lalu ulangi.",
                     f"The report changed (now version {exc.current.version}); check it and try again."), "warning")
        except ReportDocumentRefused as exc:
            flash(_refused(exc), "danger")
        except InvalidInput as exc:
            flash("; ".join(exc.errors.values()), "danger")
        return redirect(url_for(".edit", document_id=doc.id))

    @expose("/<int:document_id>/setujui", methods=("POST",))
    def approve(self, document_id: int):
        def step(doc):
            saved = docs.approve(common.runtime().store, doc.id, expected_version=_version(),
                                 actor_id=current_actor().id, now=common.utcnow())
            return tr(f"Versi {saved.approved_version} disetujui.", f"Version {saved.approved_version} approved.")
        return self._step(document_id, step)

    @expose("/<int:document_id>/terbitkan", methods=("POST",))
    def publish(self, document_id: int):
        def step(doc):
            pub = publish_report(common.runtime(), doc.id, expected_version=_version(), actor_id=current_actor().id,
                                 now=common.utcnow())
            return tr(f"Laporan terbit dengan nomor {pub.number} (edisi {pub.edition}).",
                      f"Report published as number {pub.number} (edition {pub.edition}).")
        return self._step(document_id, step)

    @expose("/<int:document_id>/terbitkan-ulang", methods=("POST",))
    def reopen(self, document_id: int):
        def step(doc):
            docs.reopen(common.runtime().store, doc.id, request.form.get("reason", ""), expected_version=_version(),
                        actor_id=current_actor().id, now=common.utcnow())
            return tr("Laporan dibuka untuk diterbitkan ulang; edisi berikutnya memuat alasannya.",
                      "The report is open for a reissue; its next edition states the reason.")
        return self._step(document_id, step)

    @expose("/<int:document_id>/beda")
    def compare(self, document_id: int):
        doc = self._load(document_id)
        try:
            old, new = int(request.args.get("dari", "")), int(request.args.get("ke", ""))
            changes = docs.compare(common.runtime().store, doc.id, old, new)
        except ValueError:
            flash(tr("Pilih dua versi untuk dibandingkan.", "Choose two versions to compare."), "danger")
            return redirect(url_for(".edit", document_id=doc.id))
        except ReportDocumentRefused as exc:
            flash(_refused(exc), "danger")
            return redirect(url_for(".edit", document_id=doc.id))
        versions = {v.version: v for v in docs.history(common.runtime().store, doc.id)}
        return self.render("reports/document_diff.html", doc=doc, changes=changes, old=versions[old],
                           new=versions[new], title=lambda key: section_title(key, common.lang()))

    def _publication(self, number: int):
        pub = docs.publication(common.runtime().store, number)
        if pub is None:
            abort(404)
        return pub

    @expose("/terbit/<int:number>")
    def published(self, number: int):
        pub = self._publication(number)
        return self.render("reports/published.html", pub=pub, formats=FORMATS,
                           body=render_html_fragment(published_report(pub)))

    @expose("/terbit/<int:number>/unduh")
    def download(self, number: int):
        pub = self._publication(number)
        fmt = request.args.get("format", "docx")
        if fmt not in FORMATS:
            flash(tr(f"Format {fmt} tidak dikenal; pilih {', '.join(FORMATS)}.",
                     f"Unknown format {fmt}; choose {', '.join(FORMATS)}."), "danger")
            return redirect(url_for(".published", number=number))
        report = published_report(pub)
        data = render(report, fmt)
        record_report_view(common.runtime(), current_actor().id, report, fmt, common.utcnow())
        return Response(data, mimetype=MEDIA_TYPES[fmt],
                        headers={"Content-Disposition": f'attachment; filename="{publication_filename(pub, fmt)}"'})


def register(admin, app) -> None:
    from . import Text

    admin.add_view(ReportDocumentsView(name=Text("Naskah laporan", "Report documents"), endpoint="report_documents",
                                       url="/admin/laporan/naskah"))


__all__ = ["ReportDocumentsView", "register"]
