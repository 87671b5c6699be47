"""The office's own pages for supervisors: its profile (Profil kantor) and its agencies (Instansi).

The profile decides what receipts, public pages, notifications and reports say about the office, and,
through its time zone and office hours, every deadline; so it is the supervisors' (as the SOP and the
calendar are), not the administrator's. Changes go through `workflow.services.office` (checked, audited,
running deadlines recomputed when hours or zone change) and `workflow.services.agencies`; a refused change
keeps what was typed and says what to fix.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import expose

from workflow.core.office import LEVEL_LABELS, ZONES
from workflow.errors import OfficeError
from workflow.services.agencies import KINDS, list_agencies, save_agency
from workflow.services.office import MAX_LOGO, current_office, set_logo, set_profile

from ..auth import SecureBaseView, current_actor
from . import common
from .common import tr

logger = logging.getLogger(__name__)

TEXTS = ("name", "short_name", "service_name", "level", "region", "city", "address", "phones", "email", "website",
         "timezone", "hours")
DATED_ROWS = 3  # empty rows offered for new dated hours (Ramadan) besides the ones stored


def _posted() -> dict[str, Any]:
    """The profile as typed: every text setting, and the dated hours' rows that are not left empty."""
    form = request.form
    values: dict[str, Any] = {name: (form.get(name) or "").strip() for name in TEXTS}
    dated = []
    for label, start, end, hours in zip(form.getlist("dated_label"), form.getlist("dated_from"),
                                        form.getlist("dated_to"), form.getlist("dated_hours")):
        if any(v.strip() for v in (label, start, end, hours)):
            dated.append({"label": label.strip(), "from": start.strip(), "to": end.strip(), "hours": hours.strip()})
    values["dated_hours"] = dated
    values["public_reports"] = form.get("public_reports") == "1"
    return values


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    """The form's values: phones as one line, and empty rows for new dated hours."""
    shown = dict(values)
    if isinstance(shown.get("phones"), list):
        shown["phones"] = ", ".join(shown["phones"])
    shown["dated_hours"] = list(shown.get("dated_hours") or []) + [{}] * DATED_ROWS
    return shown


class OfficeView(SecureBaseView):
    """Profil kantor and Instansi, for supervisors."""

    roles = frozenset({"supervisor"})

    def _page(self, values: dict[str, Any], status: int = 200):
        office = current_office(common.runtime())
        return self.render("office/index.html", values=_shown(values), office=office, levels=LEVEL_LABELS,
                           zones=ZONES, max_logo_kb=MAX_LOGO // 1024), status

    @expose("/", methods=("GET", "POST"))
    def index(self):
        rt = common.runtime()
        if request.method == "GET":
            return self._page(current_office(rt).to_data())
        values = _posted()
        try:
            saved = set_profile(rt, values, actor_id=current_actor().id, now=common.utcnow())
        except OfficeError as exc:
            flash(tr(f"Profil kantor belum disimpan: {exc}", f"The office profile was not saved: {exc}"), "danger")
            return self._page(values, 422)
        logger.info("office profile saved by %s", current_actor().id)
        flash(tr(f"Profil kantor disimpan ({saved.zone_name}, {saved.hours_text()}).",
                 f"Office profile saved ({saved.zone_name}, {saved.hours_text('en')})."), "success")
        return redirect(url_for(".index"))

    @expose("/logo", methods=("POST",))
    def logo(self):
        upload = request.files.get("logo")
        try:
            if request.form.get("remove") == "1":
                set_logo(common.runtime(), None, actor_id=current_actor().id, now=common.utcnow())
            elif upload is None or not upload.filename:
                raise OfficeError(tr("pilih berkas gambar logo", "choose the logo's image file"))
            else:
                set_logo(common.runtime(), upload.read(MAX_LOGO + 1), actor_id=current_actor().id, now=common.utcnow())
        except OfficeError as exc:
            flash(tr(f"Logo tidak diubah: {exc}", f"The logo was not changed: {exc}"), "danger")
            return redirect(url_for(".index"))
        flash(tr("Logo kantor diperbarui.", "Office logo updated."), "success")
        return redirect(url_for(".index"))

    @expose("/instansi", methods=("GET", "POST"))
    def agencies(self):
        rt = common.runtime()
        typed: dict[str, Any] = {}
        status = 200
        if request.method == "POST":
            typed = {k: (request.form.get(k) or "").strip() for k in ("code", "label", "label_en", "kind", "email",
                                                                       "phone", "webhook_url")}
            data: dict[str, Any] = {k: v for k, v in typed.items() if k != "code" and v}  # empty: unchanged
            if "active" in request.form:
                data["active"] = request.form.get("active") == "1"
            try:
                record = save_agency(rt, typed["code"], data, actor_id=current_actor().id, now=common.utcnow())
            except OfficeError as exc:
                flash(tr(f"Instansi belum disimpan: {exc}", f"The agency was not saved: {exc}"), "danger")
                status = 422
            else:
                flash(tr(f"Instansi {record.code} disimpan.", f"Agency {record.code} saved."), "success")
                return redirect(url_for(".agencies"))
        return self.render("office/agencies.html", agencies=list_agencies(rt), kinds=KINDS, typed=typed), status


def register(admin, app) -> None:
    from . import Text

    admin.add_view(OfficeView(name=Text("Profil kantor", "Office profile"), endpoint="office", url="/admin/kantor"))


__all__ = ["OfficeView", "register"]
