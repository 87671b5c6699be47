"""What the ticket page's transition forms add to the definition's fields: canned answers beside the answer
fields, the agencies of the ticket's sector first in an agency choice, and which moves close a complaint
unanswered (never a primary button, confirmed on the server). Used by `admin.console.work.TicketPage`.
"""
from __future__ import annotations

from workflow.spec.answers import answers_for

from . import common
from .common import tr

#: Ways a complaint ends without being answered: a move into such a closing state is never the page's primary
#: button and needs a ticked confirmation, checked on the server (so it holds without JavaScript).
UNANSWERED_ENDINGS = frozenset({"withdrawn", "rejected", "merged", "transferred"})


def destructive_triggers(definition) -> frozenset[str]:
    """The triggers that close a complaint unanswered (`UNANSWERED_ENDINGS`, by the definition's outcomes)."""
    found = set()
    for t in definition.transitions:
        dest = definition.states.get(t.dest)
        if dest is not None and dest.terminal and definition.outcome_category(dest.outcome) in UNANSWERED_ENDINGS:
            found.add(t.trigger)
    return frozenset(found)


def sector_agencies(catalogs, sector: str | None) -> list[str]:
    """The agencies (``opd`` catalog codes) whose ``sectors`` name the ticket's sector, in catalog order."""
    agencies = catalogs.get("opd") if sector else None
    if agencies is None:
        return []
    return [e.code for e in agencies.entries.values() if sector in (e.extra.get("sectors") or ())]


class FormHelpers:
    """`admin.console.common` as a ticket's transition forms see it: an agency (``opd``) field lists the agencies
    of the ticket's sector first, marked, so the one to hand over to is suggested, not hunted for."""

    def __init__(self, suggested: list[str]):
        self.suggested = suggested

    def __getattr__(self, name: str):
        return getattr(common, name)

    def field_choices(self, f) -> list[tuple[str, str, str | None]]:
        choices = common.field_choices(f)
        if f.type != "opd" or f.options or not self.suggested:
            return choices
        mark = tr(" (sesuai sektor pengaduan)", " (matches the complaint's sector)")
        first = [(code, label + mark, parent) for code, label, parent in choices if code in self.suggested]
        return first + [c for c in choices if c[0] not in self.suggested]


def canned_for(definition, trigger: str, f) -> list[dict[str, str]]:
    """The canned answers a textarea of a transition form offers (key, label in the page's language, text)."""
    if f.type != "textarea":
        return []
    return [{"key": a.key, "label": (a.label_en or a.label) if common.lang() == "en" else a.label, "text": a.text}
            for a in answers_for(definition, trigger, f.name)]


def with_canned(definition, trigger: str, typed: dict, name: str, key: str | None) -> dict:
    """``typed`` with the canned answer ``key`` added to field ``name`` (after what was typed, if anything)."""
    chosen = next((a for a in answers_for(definition, trigger, name) if a.key == key), None)
    if chosen is None:
        return typed
    before = str(typed.get(name) or "").rstrip()
    return {**typed, name: (before + "\n\n" if before else "") + chosen.text}


__all__ = ["UNANSWERED_ENDINGS", "destructive_triggers", "sector_agencies", "FormHelpers", "canned_for",
           "with_canned"]
