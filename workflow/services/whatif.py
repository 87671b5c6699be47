"""What if: replay a period's complaints against a proposed SOP and calendar, beside today's, writing nothing.

The supervisor's question before publishing an edit: what would it have done to the complaints we handled?
`what_if` reads, in one read-only unit of work, every ticket of the period opened on the draft's definition
with its recorded steps (the audit trail is the evidence; ticket and clock rows are a cache of it), the
published version the draft would replace, the office calendar and profile and the agencies on each account,
then replays each ticket twice with the pure core (`workflow.core.replay`): against today's version on
today's calendar and against the draft on the proposed calendar (today's, with the proposed closure days and
office hours). `workflow.core.whatif` compares the two, clock by clock.

Nothing is written: the unit of work is read-only (it cannot commit), replays build tickets in memory only,
and the report is a function of what was read, the draft, the calendars and ``as_of`` (by default the
moment the trail last recorded anything, so the same database gives the same report).

The trail is read through a read model the entry point hands in (``reader``: `workflow.store.queries.replay`),
and runs are judged with the on-time rule it hands in (``judge``: `workflow.store.rules.on_time.outcome`),
so both keep their one home below this layer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

from workflow.core.calendar import OfficeHours, office_calendar
from workflow.core.hours import format_week, parse_week
from workflow.core.period import Period
from workflow.core.replay import histories, replay
from workflow.core.whatif import ClosureEdit, Comparison, Judge, as_data, merge_edits, parse_closures
from workflow.errors import CalendarEditError, DefinitionError, DefinitionProblem, OfficeError
from workflow.services.office import profile_of
from workflow.spec.loader import check_definition
from workflow.spec.model import Definition


@dataclass(frozen=True)
class Proposal:
    """A draft definition and, optionally, a proposed calendar: closure edits and weekly office hours."""

    definition: Definition
    closures: tuple[ClosureEdit, ...] = ()
    hours: Mapping[int, OfficeHours] | None = None
    source: str = ""  # where the draft came from, for the report (a file name, "console")


@dataclass
class Progress:
    """Counts for a progress bar: called with 1 per ticket replayed (both ways)."""

    tick: Callable[[int], None] | None = None
    done: int = field(default=0)

    def __call__(self) -> None:
        self.done += 1
        if self.tick is not None:
            self.tick(1)


def draft_from_text(runtime, text: str, file: str) -> Definition:
    """The draft checked as publishing would check it; `DefinitionError` with every located problem."""
    definition, problems = check_definition(text, file, runtime.catalogs)
    if problems or definition is None:
        raise DefinitionError(problems or [DefinitionProblem("D101", "could not read the definition", file=file)])
    return definition


def closures_from_text(text: str, source: str) -> tuple[ClosureEdit, ...]:
    try:
        return tuple(parse_closures(text, source))
    except ValueError as exc:
        raise CalendarEditError(str(exc)) from None


def hours_from_text(text: str) -> dict[int, OfficeHours]:
    try:
        return parse_week(text)
    except ValueError as exc:
        raise OfficeError(f"--office-hours: {exc}") from None


def what_if(runtime, proposal: Proposal, period: Period, *, reader: Any, judge: Judge,
            as_of: datetime | None = None, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """The report (`workflow.core.whatif.as_data`) of replaying ``period``'s tickets under today's SOP and
    ``proposal``. Raises `UnknownDefinition` when the draft's key was never published (no history to replay)."""
    draft = proposal.definition
    tick = Progress(progress)
    with runtime.store.unit_of_work(read_only=True) as uow:
        today = runtime.engine.definitions.get(uow, draft.key)
        profile = profile_of(uow.office.get())
        edits = list(uow.closures.all())
        opds = {u.username: u.opd for u in uow.users.all()}
        as_of = as_of or reader.last_recorded(uow) or period.end_utc
        settings = profile.calendar_settings()
        today_calendar = office_calendar(edits, **settings)
        proposed_settings = dict(settings, hours=dict(proposal.hours)) if proposal.hours else settings
        proposed_calendar = office_calendar(merge_edits(edits, proposal.closures), **proposed_settings) \
            if proposal.closures or proposal.hours else today_calendar
        comparison = Comparison(today, draft, judge, as_of)
        catalogs = runtime.catalogs
        for history in histories(reader.trail_rows(uow, draft.key, period.start_utc, period.end_utc)):
            comparison.add(replay(today, history, today_calendar, catalogs, until=as_of, opds=opds),
                           replay(draft, history, proposed_calendar, catalogs, until=as_of, opds=opds))
            tick()
        imported = reader.imported_count(uow, draft.key, period.start_utc, period.end_utc)
    calendar = {
        "timezone": settings["timezone"],
        "hours_today": format_week(settings["hours"]),
        "hours_proposed": format_week(proposed_settings["hours"]),
        "closures_proposed": [{"day": e.day.isoformat(), "kind": e.kind, "name": e.name} for e in proposal.closures],
        "fingerprint_today": today_calendar.fingerprint(), "fingerprint_proposed": proposed_calendar.fingerprint(),
    }
    data = as_data(comparison, period=period.key, base_version=today.version, calendar=calendar)
    data["period_label"], data["imported_not_replayed"], data["draft"] = period.label, imported, proposal.source
    return data


__all__ = ["Proposal", "what_if", "draft_from_text", "closures_from_text", "hours_from_text"]
