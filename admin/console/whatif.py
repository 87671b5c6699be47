"""The definitions editor's "Dampak pada riwayat": what an unpublished draft would have done to a period.

The editor posts the draft it holds (with its CSRF token) to `DefinitionsView.whatif`; this module checks the
draft as publishing would, replays the period's complaints against it and against today's version
(`workflow.services.whatif`, one process: a web request never forks) and renders the report: per deadline
the on-time and late counts under each, how due times move, escalations gained and lost, and the tickets the
draft cannot replay with the first step it refuses and why. Nothing is published and nothing is written; the
draft travels back in the page's form so the supervisor can change the period or propose closure days and
office hours, then return to the editor with the same text.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request

from workflow.core.period import PeriodError, parse_period
from workflow.errors import CalendarEditError, DefinitionError, OfficeError, UnknownDefinition
from workflow.services import whatif as service
from workflow.store.queries import replay as reader
from workflow.store.rules.on_time import outcome

from . import common
from .common import tr

SHOWN = 200  # stranded tickets and rung changes listed on the page (the command line's JSON lists them all)


def current_quarter(now: datetime) -> str:
    local = now.astimezone(common.office_zone()[0])
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def form_values() -> dict[str, str]:
    form = request.form
    return {"source": _normalise(form.get("source", "")), "period": (form.get("period") or "").strip()[:40]
            or current_quarter(common.utcnow()), "hours": (form.get("hours") or "").strip()[:200],
            "closures": _normalise(form.get("closures") or "")[:20_000],
            "base_version": (form.get("base_version") or "").strip()[:10]}


def compute(key: str, values: dict[str, str]) -> tuple[dict[str, Any] | None, list, str | None]:
    """(the report, the draft's problems, a message) for the posted draft; nothing is written."""
    rt = common.runtime()
    try:
        draft = service.draft_from_text(rt, values["source"], f"{key}.yaml")
    except DefinitionError as exc:
        return None, list(exc.problems), tr("Draf belum valid: perbaiki dulu di penyunting.",
                                            "The draft is not valid yet: fix it in the editor first.")
    if draft.key != key:
        return None, [], tr(f"Kunci definisi harus tetap '{key}'.", f"The definition key must stay '{key}'.")
    try:
        period = parse_period(values["period"])
        closures = service.closures_from_text(values["closures"], tr("hari tutup", "closure days")) \
            if values["closures"].strip() else ()
        hours = service.hours_from_text(values["hours"]) if values["hours"] else None
        report = service.what_if(rt, service.Proposal(draft, closures, hours, tr("draf penyunting", "editor draft")),
                                 period, reader=reader, judge=outcome, remember=True)  # drafts tried in turn
    except (PeriodError, CalendarEditError, OfficeError) as exc:
        return None, [], str(exc)
    except UnknownDefinition:
        return None, [], tr("Definisi ini belum pernah diterbitkan: belum ada riwayat untuk diputar ulang.",
                            "This definition was never published: there is no history to replay.")
    return report, [], None


def band_label(name: str) -> str:
    from workflow.core.whatif import BAND_LABELS

    id_text, en_text = BAND_LABELS[name]
    return tr(id_text, en_text)


__all__ = ["compute", "form_values", "current_quarter", "band_label", "SHOWN"]
