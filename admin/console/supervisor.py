"""Supervisor pages: the dashboard, the definitions editor, the SOP swimlane diagram and the calendar.

Who: users with the console role ``supervisor`` (kepala seksi, kepala bidang, kepala dinas). The SVG
route ``sop.diagram`` (and ``sop.mermaid``) is open to every signed-in console role, because the ticket
page embeds the diagram with the ticket's state highlighted.

Dashboard numbers come from SQL aggregates, never from loops over tickets, and each reads only a
partial index of the rows it counts (migration ``0010_console_dashboard``): open tickets, running clock
runs, the runs stopped this quarter, open flagged tickets. Their cost therefore follows the open work and
one quarter of history, not the size of the database (see `dashboard_numbers`). Definitions are published
only through `workflow.publish.publish` (validated, a new immutable version, audited); the editor form
carries the version it was based on, so a supervisor who publishes after someone else did is told so
and keeps the text they typed.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any, Iterable

from flask import Blueprint, Flask, Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from sqlalchemy import Text as SqlText
from sqlalchemy import BigInteger, and_, any_, bindparam, cast, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY as PG_ARRAY

from workflow.spec.diff import impact, semantic_diff, text_diff
from workflow.spec.diagram import render_mermaid, render_svg
from workflow.errors import ConcurrentUpdate, DefinitionError, DefinitionProblem, UnknownDefinition
from workflow.spec.loader import check_definition
from workflow.services.publish import publish
from workflow.store import models as m
from workflow.store.db import read_only

from ..auth import ROLES, SecureBaseView, current_actor, roles_required
from . import common
from .common import OFFICE_TZ, tr

logger = logging.getLogger(__name__)

ESCALATION_LIMIT = 50


def _now() -> datetime:
    """The runtime's clock (the engine's ``now``), so tests can pin time for the whole app."""
    return common.runtime().engine.now().astimezone(timezone.utc)


def _templates() -> set[str] | None:
    try:
        from notifications.templates import available_templates
    except ImportError:
        return None
    return set(available_templates())


# == dashboard queries ==============================================================================
#: Open flagged tickets looked up per escalation statement; more take several statements (on SQLite each id
#: is a bound parameter, at most 32,766 a statement; on PostgreSQL they travel as one array).
FLAGGED_CHUNK = 5000


def open_by_state(conn) -> list[dict]:
    """Open tickets counted per definition, version and state.

    An index-only scan of ``ix_tickets_open_state`` (open tickets only): closed tickets, most of the
    table after a year or two, are never read.
    """
    t = m.tickets
    rows = conn.execute(
        select(t.c.definition_key, t.c.definition_version, t.c.state, func.count().label("n"))
        .where(t.c.closed_at.is_(None))
        .group_by(t.c.definition_key, t.c.definition_version, t.c.state)).all()
    return [dict(r._mapping) for r in rows]


def clock_risk(conn, now: datetime) -> list[dict]:
    """Per clock: running runs, how many are overdue and how many are at risk, in one pass.

    Overdue and at risk are `common.deadline_clause`, the test the work queue's deadline filter uses,
    so a count here and the tickets the filter lists are the same runs (at risk: `AT_RISK_PERCENT` of
    the budget used in net office time, not yet due). Paused runs are neither: their time is not running.

    The runs are read from ``ix_clocks_running_clock`` alone (clock, due_at, at_risk_at and status of
    the running runs), without joining tickets: a running run always belongs to an open ticket, because
    the engine stops every clock of a ticket in the transaction that moves it into a closing state
    (`Engine.fire`; held by the property test in ``tests/test_properties.py``), and imported closed
    tickets have no clocks. Re-checking it with a join of every running run to the open tickets cost
    four times this whole query on 1,000,000 tickets (about 90 ms against 20).
    """
    c = m.clocks
    rows = conn.execute(
        select(c.c.clock, func.count().label("running"),
               func.count().filter(common.deadline_clause("overdue", now)).label("overdue"),
               func.count().filter(common.deadline_clause("at_risk", now)).label("at_risk"))
        .where(c.c.status == "running")
        .group_by(c.c.clock)).all()
    return [{"clock": r.clock, "running": int(r.running or 0), "overdue": int(r.overdue or 0),
             "at_risk": int(r.at_risk or 0)} for r in rows]


def _chunks(values: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _one_of(conn, column, values: list[int]):
    """``column IN values``; on PostgreSQL one array parameter (``= ANY(:values)``) rather than one
    parameter per value, which cost ~25 ms more for 3,400 ids in planning and binding."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=PG_ARRAY(BigInteger)))
    return column.in_(values)


def escalations_waiting(conn, roles: Iterable[str], limit: int = ESCALATION_LIMIT) -> tuple[int, list[dict]]:
    """Escalations to one of ``roles`` whose ticket is still open and still flagged: how many, and the newest.

    Firing an escalation flags the ticket (``eskalasi`` and the rung's own flag, e.g. ``terlambat``);
    the escalation stops waiting when the ticket closes or its flags are cleared.

    The search starts from the open flagged tickets (``ix_tickets_open_flagged``, a few per cent of the
    open work) and looks up their escalations by ticket (``ix_escalations_ticket_id``), never from the
    escalation history, which gains rows with every late case and is almost all about closed tickets.
    The ticket ids go through Python on purpose: PostgreSQL has no statistics for the flags test
    (``flags`` is JSON) and guessed nearly every open ticket flagged, so a join written in one statement
    was planned as a scan of every escalation to these roles. With the ids as values its estimates are
    exact. Each chunk of `FLAGGED_CHUNK` tickets is one statement giving the count and the newest rows
    (so the two agree); the chunks' lists are merged here.
    """
    e, t, c = m.escalations, m.tickets, m.clocks
    roles = sorted(set(roles))
    if not roles:
        return 0, []
    flagged = and_(t.c.closed_at.is_(None), t.c.flags.is_not(None), cast(t.c.flags, SqlText) != "[]")
    ids = [r[0] for r in conn.execute(select(t.c.id).where(flagged)).all()]
    total, found = 0, []
    for chunk in _chunks(ids, FLAGGED_CHUNK):
        # the count over every waiting row (a window) and the newest ones in one statement; only those
        # are joined to their ticket and clock
        newest = (select(e.c.id, e.c.ticket_id, e.c.clock_run_id, e.c.rung, e.c.target_role, e.c.fired_at,
                         func.count().over().label("waiting"))
                  .where(_one_of(conn, e.c.ticket_id, chunk), e.c.target_role.in_(roles))
                  .order_by(e.c.fired_at.desc(), e.c.id.desc()).limit(limit).subquery("newest"))
        rows = conn.execute(
            select(newest.c.id, newest.c.ticket_id, newest.c.rung, newest.c.target_role, newest.c.fired_at,
                   newest.c.waiting, t.c.receipt_no, t.c.state, t.c.definition_key, t.c.definition_version,
                   t.c.perihal, t.c.flags, c.c.clock, c.c.due_at, c.c.status.label("clock_status"))
            .select_from(newest.join(t, t.c.id == newest.c.ticket_id).join(c, c.c.id == newest.c.clock_run_id))
            .order_by(newest.c.fired_at.desc(), newest.c.id.desc())).all()
        total += rows[0].waiting if rows else 0
        found.extend(rows)
    out = []
    for r in found:
        row = dict(r._mapping)
        del row["waiting"]
        row["fired_at"] = common.as_utc(row["fired_at"])
        row["due_at"] = common.as_utc(row["due_at"])
        out.append(row)
    out.sort(key=lambda row: (row["fired_at"], row["id"]), reverse=True)
    return int(total), out[:limit]


def period_bounds(now: datetime, period: str) -> tuple[datetime, datetime]:
    """This month or quarter in WIB, as UTC instants [start, end)."""
    local = now.astimezone(OFFICE_TZ)
    if period == "quarter":
        first_month = 3 * ((local.month - 1) // 3) + 1
        start = date(local.year, first_month, 1)
        months = 3
    else:
        start = date(local.year, local.month, 1)
        months = 1
    year, month = start.year, start.month + months
    if month > 12:
        year, month = year + 1, month - 12
    end = date(year, month, 1)
    as_utc = lambda d: datetime.combine(d, time(0), OFFICE_TZ).astimezone(timezone.utc)  # noqa: E731
    return as_utc(start), as_utc(end)


def on_time_periods(conn, periods: dict[str, tuple[datetime, datetime]]) -> dict[str, list[dict]]:
    """Per period and clock: runs stopped in [start, end) and how many stopped no later than their due time.

    One range scan of ``ix_clocks_stopped_at`` over the span of all periods (this month lies inside this
    quarter), each period counted with its own FILTER: the dashboard reads one quarter of stopped runs
    once, from the index alone, instead of the whole clock table twice.
    """
    if not periods:
        return {}
    c = m.clocks
    in_time = or_(c.c.due_at.is_(None), c.c.stopped_at <= c.c.due_at)
    columns = []
    for i, (start, end) in enumerate(periods.values()):
        inside = and_(c.c.stopped_at >= start, c.c.stopped_at < end)
        columns += [func.count().filter(inside).label(f"stopped_{i}"),
                    func.count().filter(and_(inside, in_time)).label(f"on_time_{i}")]
    low = min(start for start, _ in periods.values())
    high = max(end for _, end in periods.values())
    rows = conn.execute(
        select(c.c.clock, *columns)
        .where(c.c.status == "stopped", c.c.stopped_at >= low, c.c.stopped_at < high)
        .group_by(c.c.clock).order_by(c.c.clock)).all()
    out: dict[str, list[dict]] = {}
    for i, name in enumerate(periods):
        out[name] = []
        for r in rows:
            stopped, ok = int(r._mapping[f"stopped_{i}"] or 0), int(r._mapping[f"on_time_{i}"] or 0)
            if stopped:
                out[name].append({"clock": r.clock, "stopped": stopped, "on_time": ok, "rate": ok / stopped})
    return out


def on_time(conn, start: datetime, end: datetime) -> list[dict]:
    """Per clock: runs stopped in [start, end) and how many stopped no later than their due time."""
    return on_time_periods(conn, {"period": (start, end)})["period"]


def dashboard_numbers(db, now: datetime, roles: Iterable[str]) -> dict[str, Any]:
    """Everything the dashboard shows, from five statements (more only with over `FLAGGED_CHUNK` flagged
    open tickets), each reading a partial index of the rows it counts.

    Computed fresh on every request, not cached: on 1,000,000 tickets (109,000 open) the five take 40-60 ms
    together (``benchmarks/bench_console.py``), and a cached page would show a supervisor a count that
    disagrees with the work queue it links to for as long as the cache lives. The figure holds while
    autovacuum keeps the visibility map current (migration ``0010_console_dashboard`` says why and asks
    it to); a cache would not help when it does not, as the first request after each expiry pays in full.
    """
    with read_only(db) as conn:
        month = period_bounds(now, "month")
        quarter = period_bounds(now, "quarter")
        total, escalations = escalations_waiting(conn, roles)
        rates = on_time_periods(conn, {"month": month, "quarter": quarter})
        return {
            "by_state": open_by_state(conn), "clocks": clock_risk(conn, now),
            "escalations": escalations, "escalations_total": total,
            "month": rates["month"], "quarter": rates["quarter"],
            "month_bounds": month, "quarter_bounds": quarter,
        }


def _rate_total(rows: list[dict]) -> tuple[int, int, float | None]:
    stopped = sum(r["stopped"] for r in rows)
    ok = sum(r["on_time"] for r in rows)
    return stopped, ok, (ok / stopped if stopped else None)


@dataclass
class LaneGroup:
    key: str
    label: str
    total: int
    states: list[tuple[str, str, int]]  # key, label, count


def group_by_lane(by_state: list[dict], definitions: dict[tuple[str, int], Any]) -> list[LaneGroup]:
    """Fold the (definition, version, state) counts into the lanes of each state's definition."""
    lanes: dict[str, LaneGroup] = {}
    order: list[str] = []
    for row in by_state:
        d = definitions.get((row["definition_key"], row["definition_version"]))
        state = d.states.get(row["state"]) if d is not None else None
        lane_key = state.lane if state is not None else "?"
        if lane_key not in lanes:
            lane = next((ln for ln in d.lanes if ln.key == lane_key), None) if d is not None else None
            label = ((lane.label_en or lane.label) if common.lang() == "en" else lane.label) if lane else lane_key
            lanes[lane_key] = LaneGroup(lane_key, label, 0, [])
            order.append(lane_key)
        group = lanes[lane_key]
        group.total += row["n"]
        label = common.state_label(d, row["state"])
        for i, (k, lab, n) in enumerate(group.states):
            if k == row["state"]:
                group.states[i] = (k, lab, n + row["n"])
                break
        else:
            group.states.append((row["state"], label, row["n"]))
    if by_state:
        first = definitions.get((by_state[0]["definition_key"], by_state[0]["definition_version"]))
        if first is not None:
            rank = {ln.key: i for i, ln in enumerate(first.lanes)}
            order.sort(key=lambda k: rank.get(k, 99))
    return [lanes[k] for k in order]


# == definitions ====================================================================================
def list_definitions(db) -> list[dict]:
    d = m.definitions
    with read_only(db) as conn:
        rows = conn.execute(select(d.c.key, d.c.version, d.c.title, d.c.published_at, d.c.published_by, d.c.note)
                            .order_by(d.c.key, d.c.version.desc())).all()
    out: dict[str, dict] = {}
    for r in rows:
        entry = out.setdefault(r.key, {"key": r.key, "title": r.title, "latest": r.version, "versions": []})
        entry["versions"].append({"version": r.version, "title": r.title, "published_at": common.as_utc(r.published_at),
                                  "published_by": r.published_by, "note": r.note})
    return list(out.values())


def definition_row(db, key: str, version: int | None = None):
    d = m.definitions
    q = select(d).where(d.c.key == key)
    q = q.where(d.c.version == version) if version is not None else q.order_by(d.c.version.desc()).limit(1)
    with read_only(db) as conn:
        return conn.execute(q).first()


def open_tickets_by_state(db, key: str) -> dict[str, int]:
    t = m.tickets
    with read_only(db) as conn:
        rows = conn.execute(select(t.c.state, func.count()).where(t.c.definition_key == key, t.c.closed_at.is_(None))
                            .group_by(t.c.state)).all()
    return {state: int(n) for state, n in rows}


def _line_of_key(text: str) -> int | None:
    for i, line in enumerate(text.splitlines(), 1):
        if re.match(r"^key\s*:", line):
            return i
    return None


@dataclass
class Review:
    """What Periksa found for one edited text: problems, or the diff and impact of publishing it."""

    problems: list[DefinitionProblem]
    definition: Any = None
    semantic: Any = None
    unified: str = ""
    impact: Any = None
    preview: str = ""  # the draft's swimlane diagram (SVG)


def review(text: str, key: str, base_source: str | None, base_version: int | None) -> Review:
    rt = common.runtime()
    definition, problems = check_definition(text, f"{key}.yaml", rt.catalogs, _templates())
    problems = list(problems)
    if definition is not None and definition.key != key:
        problems.append(DefinitionProblem(
            "D900", f"the key must stay '{key}' (found '{definition.key}'); a new key is a new definition",
            "key", f"{key}.yaml", _line_of_key(text), 1, f"write 'key: {key}'"))
    if problems or definition is None:
        return Review(problems=problems)
    out = Review(problems=[], definition=definition)
    if base_source is not None:
        base_def, _ = check_definition(base_source, f"{key}@v{base_version}", rt.catalogs, _templates())
        if base_def is not None:
            out.semantic = semantic_diff(base_def, definition)
        out.unified = text_diff(base_source, text, f"{key} v{base_version}", f"{key} ({tr('draf', 'draft')})")
    out.impact = impact(definition, open_tickets_by_state(rt.db, key))
    out.preview = render_svg(definition, locale=common.lang(), id_prefix="draft",
                             title=tr("Pratinjau draf", "Draft preview"))
    return out


def _problem_lines(problems: list[DefinitionProblem]) -> list[int]:
    return sorted({p.line for p in problems if p.line})


def _normalise(text: str) -> str:
    """Browsers post textareas with CRLF; definitions are stored with LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# == calendar =======================================================================================
def _calendar_api():
    """The clocks part's calendar functions, or the local fallback when that module is absent."""
    try:
        from workflow.services import calendar as calendar_admin  # type: ignore[attr-defined]
    except ImportError:
        return _FallbackCalendar
    return calendar_admin


class _FallbackCalendar:
    """Minimal closures editing on ``calendar_closures`` when `workflow.calendar_admin` is not installed.

    It reloads the runtime's calendar, so new clocks use the new days; due times of running clocks are
    recomputed only by `workflow.calendar_admin` (the clocks part).
    """

    @staticmethod
    def _audit(runtime, what: str, day: date, name: str, actor_id: str, now: datetime) -> None:
        from workflow.core.audit import AuditEvent

        with runtime.store.unit_of_work() as uow:
            uow.audit.append([AuditEvent(kind="calendar", at=now, actor_id=actor_id, actor_role="supervisor",
                                         detail={"action": what, "day": day.isoformat(), "name": name})])
            uow.commit()

    @classmethod
    def _set_day(cls, runtime, day: date, kind: str | None, name: str, actor_id: str, now: datetime | None):
        """Replace the office's row for ``day`` with one of ``kind`` (none for a reset), audit, reload."""
        now = now or datetime.now(timezone.utc)
        c = m.closures
        with runtime.db.begin() as conn:
            conn.execute(c.delete().where(c.c.day == day))
            if kind is not None:
                conn.execute(c.insert().values(day=day, kind=kind, name=name, created_by=actor_id, created_at=now))
        cls._audit(runtime, kind or "reset", day, name, actor_id, now)
        return runtime.reload_calendar()

    @classmethod
    def add_closure(cls, runtime, day: date, name: str, actor_id: str, now: datetime | None = None):
        return cls._set_day(runtime, day, "add", name, actor_id, now)

    @classmethod
    def remove_holiday(cls, runtime, day: date, name: str, actor_id: str, now: datetime | None = None):
        listed = {cl.day for cl in runtime.calendar.closures(day, day) if cl.source == "holidays"}
        if day not in listed:
            raise ValueError(f"{day.isoformat()} is not a listed holiday; only listed holidays can be removed")
        return cls._set_day(runtime, day, "remove", name, actor_id, now)

    @classmethod
    def reset_day(cls, runtime, day: date, actor_id: str, now: datetime | None = None):
        return cls._set_day(runtime, day, None, "", actor_id, now)


def calendar_days(runtime, year: int) -> list[dict]:
    """Closed days of a year (package holidays, cuti bersama, office closures) and reopened holidays."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    c = m.closures
    with read_only(runtime.db) as conn:
        office = {(r.day if isinstance(r.day, date) else date.fromisoformat(str(r.day))): r
                  for r in conn.execute(select(c).where(c.c.day >= start, c.c.day <= end)).all()}
    api = _calendar_api()
    days: dict[date, dict] = {}
    if hasattr(api, "list_days"):
        for d in api.list_days(runtime, start, end):
            days[d.day] = {"day": d.day, "name": d.name, "source": d.source, "closed": d.status == "closed",
                           "office_row": None}
    else:
        for closure in runtime.calendar.closures(start, end):
            days[closure.day] = {"day": closure.day, "name": closure.name, "source": closure.source,
                                 "closed": True, "office_row": None}
    for day, row in office.items():
        entry = days.setdefault(day, {"day": day, "name": row.name, "source": "office", "closed": row.kind == "add",
                                      "office_row": None})
        entry["office_row"] = {"kind": row.kind, "name": row.name, "created_by": row.created_by,
                               "created_at": common.as_utc(row.created_at)}
        if row.kind == "remove":
            entry["closed"] = False
    return [days[d] for d in sorted(days)]


# == views ==========================================================================================
class SupervisorDashboard(SecureBaseView):
    """Open tickets by stage, deadlines at risk, escalations waiting on me, on-time rates."""

    roles = frozenset({"supervisor"})

    @expose("/")
    def index(self):
        rt = common.runtime()
        now = _now()
        actor = current_actor()
        numbers = dashboard_numbers(rt.db, now, actor.roles)
        definitions: dict[tuple[str, int], Any] = {}
        for row in numbers["by_state"]:
            k = (row["definition_key"], row["definition_version"])
            if k not in definitions:
                try:
                    definitions[k] = rt.engine.definition(*k)
                except UnknownDefinition:
                    definitions[k] = None
        latest = common.definition_for()
        clock_labels = {}
        if latest is not None:
            clock_labels = {k: ((c.label_en or c.label) if common.lang() == "en" else c.label)
                            for k, c in latest.clocks.items()}
        lanes = group_by_lane(numbers["by_state"], definitions)
        return self.render(
            "supervisor/dashboard.html", n=numbers, lanes=lanes, now=now, clock_labels=clock_labels,
            open_total=sum(r["n"] for r in numbers["by_state"]), month_total=_rate_total(numbers["month"]),
            quarter_total=_rate_total(numbers["quarter"]), common=common,
            my_roles=sorted(r for r in actor.roles if r.startswith("kepala_")),
            state_label=lambda key, version, state: common.state_label(definitions.get((key, version)), state))


class DefinitionsView(SecureBaseView):
    """Published definitions and versions, the YAML editor (Periksa / Terbitkan) and the SOP diagram."""

    roles = frozenset({"supervisor"})

    @expose("/")
    def index(self):
        return self.render("supervisor/definitions.html", definitions=list_definitions(common.runtime().db),
                           common=common)

    @expose("/<key>/v<int:version>")
    def version(self, key: str, version: int):
        rt = common.runtime()
        row = definition_row(rt.db, key, version)
        if row is None:
            abort(404)
        previous = definition_row(rt.db, key, version - 1) if version > 1 else None
        semantic = unified = None
        try:
            definition = rt.engine.definition(key, version)
        except (UnknownDefinition, DefinitionError):
            abort(404)
        if previous is not None:
            prev_def = rt.engine.definition(key, version - 1)
            semantic = semantic_diff(prev_def, definition)
            unified = text_diff(previous.source, row.source, f"{key} v{version - 1}", f"{key} v{version}")
        svg = render_svg(definition, locale=common.lang(), id_prefix=f"sop-{version}")
        return self.render("supervisor/version.html", row=row, definition=definition, semantic=semantic,
                           unified=unified, svg=svg, previous=previous, common=common,
                           latest=definition_row(rt.db, key).version,
                           published_at=common.as_utc(row.published_at))

    @expose("/<key>/v<int:version>/diagram")
    def diagram(self, key: str, version: int):
        rt = common.runtime()
        try:
            definition = rt.engine.definition(key, version)
        except UnknownDefinition:
            abort(404)
        highlight = request.args.get("highlight") or None
        svg = render_svg(definition, highlight=highlight, locale=common.lang(), id_prefix="sop")
        return self.render("supervisor/diagram.html", definition=definition, svg=svg, highlight=highlight,
                           mermaid=render_mermaid(definition, highlight=highlight, locale=common.lang()))

    @expose("/<key>/edit", methods=("GET", "POST"))
    def edit(self, key: str):
        rt = common.runtime()
        latest = definition_row(rt.db, key)
        if latest is None:
            abort(404)
        if request.method == "GET":
            return self._editor(key, latest, latest.source, latest.version)
        text = _normalise(request.form.get("source", ""))
        try:
            base_version = int(request.form.get("base_version") or 0)
        except ValueError:
            base_version = 0
        action = request.form.get("action", "check")
        note = (request.form.get("note") or "").strip()[:500]
        base = definition_row(rt.db, key, base_version) if base_version else None
        if action != "publish":
            result = review(text, key, base.source if base else None, base_version or None)
            return self._editor(key, latest, text, base_version, result=result, note=note, checked=True)
        if latest.version != base_version:
            # Someone published while this supervisor was editing: refuse, keep the text, and show the
            # difference against what is now published; the next Terbitkan publishes over it knowingly.
            result = review(text, key, latest.source, latest.version)
            message = tr(
                f"Versi {latest.version} diterbitkan oleh {latest.published_by} pada "
                f"{common.wib(latest.published_at)} saat Anda menyunting versi {base_version}. Tidak ada yang "
                f"diterbitkan. Teks Anda tetap di bawah; tinjau perbedaannya terhadap versi {latest.version}, "
                "lalu terbitkan lagi bila tetap sesuai.",
                f"Version {latest.version} was published by {latest.published_by} at "
                f"{common.wib(latest.published_at)} while you were editing version {base_version}. Nothing was "
                f"published. Your text is kept below; review its difference against version {latest.version}, "
                "then publish again if it still holds.")
            return self._editor(key, latest, text, latest.version, result=result, note=note, stale=message,
                                checked=True, status=409)
        result = review(text, key, latest.source, latest.version)
        if result.problems:
            return self._editor(key, latest, text, base_version, result=result, note=note, checked=True, status=422)
        actor = current_actor()
        try:
            published = publish(rt.store, text, file=f"{key}.yaml", actor_id=actor.id, now=_now(),
                                catalogs=rt.catalogs, note=note, templates=_templates())
        except DefinitionError as exc:  # validation is repeated inside publish; keep both in step
            return self._editor(key, latest, text, base_version, result=Review(problems=exc.problems), note=note,
                                checked=True, status=422)
        except ConcurrentUpdate:
            fresh = definition_row(rt.db, key)
            return self._editor(key, fresh, text, fresh.version, result=review(text, key, fresh.source, fresh.version),
                                note=note, checked=True, status=409,
                                stale=tr("Definisi baru saja diterbitkan orang lain. Tidak ada yang diterbitkan; "
                                         "teks Anda tetap di bawah.",
                                         "Someone else published just now. Nothing was published; your text is "
                                         "kept below."))
        if not published.created:
            flash(tr("Tidak ada perubahan: teks sama dengan versi terbit terakhir.",
                     "No change: the text equals the latest published version."), "info")
            return redirect(url_for(".version", key=key, version=published.version))
        logger.info("definition %s v%s published by %s", key, published.version, actor.id)
        flash(tr(f"Versi {published.version} diterbitkan. Pengaduan baru memakai versi ini; pengaduan yang "
                 "sedang berjalan tetap pada versinya.",
                 f"Version {published.version} published. New complaints use it; running ones stay on their "
                 "version."), "success")
        return redirect(url_for(".version", key=key, version=published.version))

    def _editor(self, key, latest, text, base_version, *, result: Review | None = None, note: str = "",
                stale: str | None = None, checked: bool = False, status: int = 200):
        lines = text.splitlines()
        snippets = {}
        if result is not None:
            for p in result.problems:
                if p.line and 0 < p.line <= len(lines):
                    snippets[p.line] = lines[p.line - 1]
        page = self.render("supervisor/editor.html", key=key, latest=latest, text=text, base_version=base_version,
                           result=result, note=note, stale=stale, checked=checked, snippets=snippets,
                           error_lines=_problem_lines(result.problems) if result else [], common=common)
        return page, status


def _moved(result) -> tuple[str, str]:
    """The "N deadlines recomputed" sentence, when the calendar module reports moved clocks."""
    moved = getattr(result, "moved", None)
    if not moved:
        return "", ""
    return f" {moved} tenggat yang berjalan dihitung ulang.", f" {moved} running deadline(s) recomputed."


class CalendarView(SecureBaseView):
    """The office calendar: holidays, cuti bersama and the office's own closures for one year."""

    roles = frozenset({"supervisor"})

    def _year(self) -> int:
        try:
            year = int(request.values.get("year") or _now().astimezone(OFFICE_TZ).year)
        except ValueError:
            year = _now().astimezone(OFFICE_TZ).year
        return min(max(year, 2000), 2100)

    @expose("/")
    def index(self):
        rt = common.runtime()
        year = self._year()
        return self.render("supervisor/calendar.html", year=year, days=calendar_days(rt, year), common=common,
                           fallback=_calendar_api() is _FallbackCalendar)

    @expose("/change", methods=("POST",))
    def change(self):
        rt = common.runtime()
        year = self._year()
        action = request.form.get("action", "")
        try:
            day = date.fromisoformat((request.form.get("day") or "").strip())
        except ValueError:
            flash(tr("Tanggal tidak valid; gunakan format TTTT-BB-HH.", "Invalid date; use YYYY-MM-DD."), "danger")
            return redirect(url_for(".index", year=year))
        name = (request.form.get("name") or "").strip()[:200]
        api = _calendar_api()
        actor_id = current_actor().id
        try:
            if action == "add":
                if not name:
                    flash(tr("Beri nama hari libur (mis. 'Cuti bersama Idul Fitri').",
                             "Give the closure a name (e.g. 'Collective leave')."), "danger")
                    return redirect(url_for(".index", year=day.year))
                moved = _moved(api.add_closure(rt, day, name, actor_id, now=_now()))
                flash(tr(f"{day.isoformat()} ditutup: {name}.{moved[0]}", f"{day.isoformat()} closed: {name}.{moved[1]}"),
                      "success")
            elif action == "remove":
                moved = _moved(api.remove_holiday(rt, day, name or tr("Dibuka kembali oleh kantor", "Reopened by the office"),
                                                  actor_id, now=_now()))
                flash(tr(f"{day.isoformat()} menjadi hari kerja.{moved[0]}",
                         f"{day.isoformat()} is now a working day.{moved[1]}"), "success")
            elif action == "reset":
                moved = _moved(api.reset_day(rt, day, actor_id, now=_now()))
                flash(tr(f"{day.isoformat()} kembali mengikuti daftar libur nasional.{moved[0]}",
                         f"{day.isoformat()} follows the national list again.{moved[1]}"), "success")
            else:
                abort(400)
        except ValueError as exc:
            flash(str(exc), "danger")
        return redirect(url_for(".index", year=day.year))


# == the SOP diagram for every console role =========================================================
sop = Blueprint("sop", __name__, url_prefix="/sop")


def _definition_or_404(key: str, version: int):
    try:
        return common.runtime().engine.definition(key, version)
    except UnknownDefinition:
        abort(404)


@sop.route("/<key>/v<int:version>.svg")
@roles_required(*ROLES)
def diagram(key: str, version: int):
    """The swimlane SVG; ``?highlight=<state>`` marks a ticket's current state (the ticket page embeds it)."""
    definition = _definition_or_404(key, version)
    highlight = request.args.get("highlight") or None
    svg = render_svg(definition, highlight=highlight, locale=common.lang(),
                     id_prefix=re.sub(r"[^a-z0-9-]", "", (request.args.get("prefix") or "sop").lower())[:20] or "sop")
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=300"  # a version never changes; the highlight is in the URL
    return response


@sop.route("/<key>/v<int:version>.mmd")
@roles_required(*ROLES)
def mermaid(key: str, version: int):
    definition = _definition_or_404(key, version)
    text = render_mermaid(definition, highlight=request.args.get("highlight") or None, locale=common.lang())
    return Response(text, mimetype="text/plain; charset=utf-8")


def register(admin, app: Flask) -> None:
    from . import Text

    admin.add_view(SupervisorDashboard(name=Text("Dasbor pimpinan", "Supervisor dashboard"), endpoint="supervisor",
                                       url="/admin/pimpinan"))
    admin.add_view(DefinitionsView(name=Text("Definisi SOP", "SOP definitions"), endpoint="definitions",
                                   url="/admin/definisi"))
    admin.add_view(CalendarView(name=Text("Kalender kerja", "Office calendar"), endpoint="calendar",
                                url="/admin/kalender"))
    app.register_blueprint(sop)


__all__ = ["register", "dashboard_numbers", "clock_risk", "on_time", "on_time_periods", "escalations_waiting",
           "open_by_state", "period_bounds", "review", "calendar_days", "SupervisorDashboard", "DefinitionsView",
           "CalendarView", "sop"]
