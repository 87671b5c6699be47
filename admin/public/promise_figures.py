"""The promise kept, on the public home page (issue 15): "X dari Y pengaduan triwulan ini dijawab dalam N hari
kalender yang dijanjikan", for each service offered to the public, with the calendar it was counted with.

The figure is `workflow.reports.stages.public_promises`: read from the audit trail of the current quarter (the
office's zone), the same the quarterly report prints in table 4.12. Reading a quarter's trail costs more than a
home page should, so each process keeps the figures for `CACHE_SECONDS` per language; a complaint answered
a minute ago shows within that time. Only services with at least one decided complaint are listed: "0 dari 0"
says nothing.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from flask import Blueprint, current_app

from workflow.core.period import parse_period
from workflow.reports.stages import PromiseLine, describe_calendar, public_promises

from .common import runtime
from .i18n import locale

logger = logging.getLogger(__name__)
CACHE_SECONDS = 600
_cache: dict[tuple, tuple[float, "Kept"]] = {}
_lock = threading.Lock()
TEXT = {
    "id": ("Janji yang ditepati", "({n} pengaduan lain masih dalam batas waktu)",
           "Dihitung dari jejak audit pengaduan triwulan berjalan dengan {calendar}. Pengaduan yang dicabut atau "
           "digabung tidak dihitung; yang belum dijawab dan sudah melewati batas waktu dihitung tidak tepat janji."),
    "en": ("Promises kept", "({n} more complaints are still within the deadline)",
           "Counted from the audit trail of this quarter's complaints with the {calendar}. Withdrawn or merged "
           "complaints are not counted; those not answered and past the deadline count as promises broken."),
}


@dataclass(frozen=True)
class Kept:
    lines: tuple[PromiseLine, ...]
    title: str = ""
    pending: str = ""
    note: str = ""


def _quarter(now, zone) -> str:
    today = now.astimezone(zone).date()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def figures() -> Kept:
    """This quarter's promise figures of the offered services (cached per process and language)."""
    from zoneinfo import ZoneInfo

    from workflow.services.offered import offered_definitions

    rt = runtime()
    lang = locale()
    now = rt.engine.now()
    calendar = rt.engine.calendar
    period = parse_period(_quarter(now, ZoneInfo(getattr(calendar, "timezone", "Asia/Jakarta"))))
    key = (id(rt), lang, period.key)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
    try:
        offered = [d.key for d in offered_definitions(rt, current_app.config.get("ALUR_INTAKE_DEFINITION"))]
        lines = public_promises(rt.store, catalogs=rt.catalogs, calendar=calendar, now=now, period=period,
                                locale=lang, keys=offered)
    except Exception:  # noqa: BLE001 - the home page must open even when the figure cannot be read
        logger.exception("the promise figure could not be computed")
        return Kept(())
    title, pending, note = TEXT[lang]
    kept = Kept(tuple(line for line in lines if line.decided), title, pending,
                note.format(calendar=describe_calendar(calendar, period, lang)))
    with _lock:
        _cache[key] = (time.monotonic() + CACHE_SECONDS, kept)
    return kept


def register(bp: Blueprint) -> None:
    bp.add_app_template_global(figures, "promise_figures")


__all__ = ["figures", "register", "Kept", "CACHE_SECONDS"]
