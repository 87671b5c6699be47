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

import multiprocessing
import signal
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from workflow.core.calendar import OfficeHours, office_calendar
from workflow.core.calendar_pair import CalendarPair
from workflow.core.hours import format_week, parse_week
from workflow.core.period import Period
from workflow.core.replay import Replayer, Validations, histories
from workflow.core.whatif import ClosureEdit, Comparison, Judge, Kept, as_data, merge_edits, parse_closures
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
class _Setup:
    """Everything both replays of every ticket need, read once."""

    today: Definition
    draft: Definition
    today_calendar: Any
    proposed_calendar: Any
    settings: dict[str, Any]
    proposed_settings: dict[str, Any]
    opds: dict[str, str | None]
    as_of: datetime
    imported: int
    catalogs: Any = None
    judge: Any = None
    reader: Any = None
    period: Period | None = None
    remember: bool = False


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
            as_of: datetime | None = None, workers: int = 1,
            progress: Callable[[int], None] | None = None, remember: bool = False) -> dict[str, Any]:
    """The report (`workflow.core.whatif.as_data`) of replaying ``period``'s tickets under today's SOP and
    ``proposal``. Raises `UnknownDefinition` when the draft's key was never published (no history to replay).

    ``workers`` > 1 replays the tickets in that many forked processes side by side (each reading its share of
    the trail in a read-only unit of work of its own; the figures are added up, so the report is the same as
    with one); only on the SQL store and where processes can fork (the command line, not a web request).

    ``remember`` keeps what the comparison read of today's replays (`workflow.core.whatif.Kept`, about 1 kB a
    ticket) for the next what-if in this process, which skips today's replays if it asks about the same today
    (definition version, calendar, agencies, period, ``as_of``) over the same trail (its last row's sequence and
    chain hash): the console, where a supervisor tries one draft after another. One period is kept at a time;
    replaying in forked processes neither uses nor keeps it."""
    with runtime.store.unit_of_work(read_only=True) as uow:
        setup = _setup(runtime, uow, proposal, period, reader, as_of)
    setup.judge, setup.reader, setup.period, setup.remember = judge, reader, period, remember
    comparison = Comparison(setup.today, setup.draft, judge, setup.as_of)
    if workers > 1 and hasattr(runtime.store, "engine") and _may_fork():
        for part in _in_processes(runtime, setup, workers):
            comparison.merge(part)
    else:
        comparison.merge(_replay_part(runtime, setup, None, progress))
    calendar = {
        "timezone": setup.settings["timezone"],
        "hours_today": format_week(setup.settings["hours"]),
        "hours_proposed": format_week(setup.proposed_settings["hours"]),
        "closures_proposed": [{"day": e.day.isoformat(), "kind": e.kind, "name": e.name} for e in proposal.closures],
        "fingerprint_today": setup.today_calendar.fingerprint(),
        "fingerprint_proposed": setup.proposed_calendar.fingerprint(),
    }
    data = as_data(comparison, period=period.key, base_version=setup.today.version, calendar=calendar)
    data["period_label"], data["imported_not_replayed"], data["draft"] = period.label, setup.imported, proposal.source
    return data


def _setup(runtime, uow, proposal: Proposal, period: Period, reader: Any, as_of: datetime | None) -> _Setup:
    today = runtime.engine.definitions.get(uow, proposal.definition.key)
    # the draft replays as the version it would become, so refusals name it as people will know it
    draft = replace(proposal.definition, version=(today.version or 0) + 1)
    profile = profile_of(uow.office.get())
    edits = list(uow.closures.all())
    settings = profile.calendar_settings()
    today_calendar = office_calendar(edits, **settings)
    proposed_settings = dict(settings, hours=dict(proposal.hours)) if proposal.hours else settings
    proposed_calendar = office_calendar(merge_edits(edits, proposal.closures), **proposed_settings) \
        if proposal.closures or proposal.hours else today_calendar
    return _Setup(today=today, draft=draft, today_calendar=today_calendar, proposed_calendar=proposed_calendar,
                  settings=settings, proposed_settings=proposed_settings,
                  opds={u.username: u.opd for u in uow.users.all()},
                  as_of=as_of or reader.last_recorded(uow) or period.end_utc,
                  imported=reader.imported_count(uow, draft.key, period.start_utc, period.end_utc),
                  catalogs=runtime.catalogs)


def _replay_part(runtime, setup: _Setup, part: tuple[int, int] | None,
                 progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Replay one share of the period's tickets both ways, in a read-only unit of work; the figures as data.

    A ticket opened after ``as_of`` is left out, so shares read in separate transactions agree."""
    comparison = Comparison(setup.today, setup.draft, setup.judge, setup.as_of)
    period, until = setup.period, setup.as_of
    assert period is not None
    checked = Validations()  # a step's inputs are validated once for both replays
    # and the calendars' answers are worked out once where the two calendars agree on the days they rest on
    calendars = CalendarPair(setup.today_calendar, setup.proposed_calendar,
                             period.start_utc.date() - _MARGIN, until.date() + _AHEAD)
    today = Replayer(setup.today, calendars.today, setup.catalogs, until=until, opds=setup.opds,
                     validations=checked)
    proposed = Replayer(setup.draft, calendars.proposed, setup.catalogs, until=until, opds=setup.opds,
                        validations=checked)
    with runtime.store.unit_of_work(read_only=True) as uow:
        key = _today_key(runtime, setup, uow) if part is None and (setup.remember or _KEPT is not None) else None
        kept = _KEPT[1] if key is not None and _KEPT is not None and _KEPT[0] == key else {}
        keeping: dict[int, Kept] | None = {} if key is not None and setup.remember else None
        rows = setup.reader.trail_rows(uow, setup.draft.key, period.start_utc, period.end_utc, part)
        for history in histories(rows):
            if history.opened_at > until:
                continue
            mine = kept.get(history.ticket_id)
            if mine is None:
                mine = comparison.keep(today(history))
            comparison.add(mine, proposed(history))
            calendars.forget()
            if keeping is not None:
                keeping[history.ticket_id] = mine
            if progress is not None:
                progress(1)
    if keeping is not None:
        _remember(key, keeping)
    return comparison.partial()


# What the last remembering what-if kept of today's replays: (its key, ticket id -> Kept). Replaced whole, never
# changed in place, so a thread reading it while another what-if finishes sees one or the other.
_KEPT: tuple[tuple, dict[int, Kept]] | None = None


def _remember(key: tuple, kept: dict[int, Kept]) -> None:
    global _KEPT
    _KEPT = (key, kept)


def forget() -> None:
    """Drop what a remembering what-if kept of today's replays (the next one replays today again)."""
    global _KEPT
    _KEPT = None


def _today_key(runtime, setup: _Setup, uow) -> tuple | None:
    """Everything today's replays depend on, or None when the reader cannot name its trail (no remembering).

    The store and the catalogs are compared by identity (kept in the key, so their ids are never reused);
    the trail by its last row, read in the unit of work the trail is then read in: a row appended after it
    makes the next what-if's key another one."""
    head = getattr(setup.reader, "trail_head", None)
    trail = head(uow) if head is not None else None
    if trail is None or setup.period is None:
        return None
    today = setup.today
    return (_Same(runtime.store), _Same(setup.catalogs), _Same(setup.judge), today.key, today.version,
            today.source_hash, setup.today_calendar.fingerprint(), setup.period.key, setup.as_of,
            tuple(sorted(setup.opds.items(), key=lambda item: (item[0], item[1] or ""))), trail)


class _Same:
    """An object in a key, equal only to itself (it keeps the object alive, so its id is not reused)."""

    __slots__ = ("thing",)

    def __init__(self, thing: Any):
        self.thing = thing

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.thing is self.thing

    def __hash__(self) -> int:
        return id(self.thing)


_MARGIN = timedelta(days=7)  # days compared before the period (a step's day in WIB may be the UTC day before)
_AHEAD = timedelta(days=180)  # and after ``as_of``: due times and rungs fall after the last step

_JOB: tuple[Any, _Setup, int] | None = None  # what forked workers replay (set just before they fork)


def _may_fork() -> bool:
    """Fork only a process with one thread: a child forked while another thread holds a lock (a web server's,
    a connection pool's, logging's) can wait on it for ever. It hung the test suite; a multi-threaded caller
    (a test run, a web process) replays in its own process instead, with the same report."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _in_processes(runtime, setup: _Setup, workers: int) -> list[dict[str, Any]]:
    global _JOB
    _JOB = (runtime, setup, workers)
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_child)
    try:
        parts = pool.map(_work, range(workers))
        pool.close()  # the workers finish by the queue, not by SIGTERM (Pool's context manager terminates them)
        return parts
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
        _JOB = None


def _child() -> None:
    """A forked worker's start. SIGTERM gets its default again, so a handler the parent had (rq's worker installs
    one that only asks it to stop) cannot keep a worker alive when the pool is terminated after an error. The
    suite once more hung with a worker that outlived Pool.terminate (the parent waiting in join); a finished
    replay now closes the pool and lets its workers end by the queue instead."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    assert _JOB is not None
    _JOB[0].store.after_fork()  # never share the parent's database connections


def _work(index: int) -> dict[str, Any]:
    assert _JOB is not None
    runtime, setup, workers = _JOB
    return _replay_part(runtime, setup, (index, workers))


__all__ = ["Proposal", "what_if", "forget", "draft_from_text", "closures_from_text", "hours_from_text"]
