"""What a proposed SOP would have done to a period's complaints: two replays compared (pure).

Each ticket of the period is replayed twice (`workflow.core.replay`): against today's SOP on today's office
calendar, and against the proposed definition on the proposed calendar. `Comparison` takes the pairs one at
a time (so a quarter of 100,000 tickets never sits in memory) and keeps, per clock:

* how many runs would have been on time, late, still running or late while running under each (the
  on-time rule is passed in as ``judge``: `workflow.store.rules.on_time.outcome`, the one the quarterly
  report and the dashboard count with);
* how each run's due time moves (proposed minus today, in hours): the distribution and its quantiles;
* the escalation rungs that would have fired under the proposal and did not under today's SOP, and the
  reverse.

A ticket the proposal cannot replay is listed with the first recorded step it refuses and every reason
(`Stranded`), grouped by cause, and left out of the figures above (its replay stops half way), as is a
ticket today's SOP itself cannot replay. Everything is sorted and rounded the same way each time, so the
same history, definitions, calendars and ``as_of`` give a byte-identical report (`as_data`).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable

from workflow.core.replay import Escalated, Replayed
from workflow.core.ticket import ClockRun
from workflow.spec.model import Definition

ON_TIME, LATE, RUNNING, LATE_RUNNING = "on_time", "late", "running", "late_running"
OUTCOMES = (ON_TIME, LATE, RUNNING, LATE_RUNNING)
#: Due-time shifts (hours, proposed minus today) are counted in these bands; a shift under a second is none.
BANDS = ("earlier_over_3d", "earlier_1d_3d", "earlier_up_to_1d", "unchanged", "later_up_to_1d", "later_1d_3d",
         "later_over_3d")
BAND_LABELS = {
    "earlier_over_3d": ("lebih awal > 3 hari", "earlier by more than 3 days"),
    "earlier_1d_3d": ("lebih awal 1–3 hari", "earlier by 1–3 days"),
    "earlier_up_to_1d": ("lebih awal ≤ 1 hari", "earlier by up to a day"),
    "unchanged": ("tidak berubah", "unchanged"),
    "later_up_to_1d": ("lebih lambat ≤ 1 hari", "later by up to a day"),
    "later_1d_3d": ("lebih lambat 1–3 hari", "later by 1–3 days"),
    "later_over_3d": ("lebih lambat > 3 hari", "later by more than 3 days"),
}
MAX_CLOSURE_LINES = 2000
Judge = Callable[[ClockRun, datetime], str]


def band(hours: float) -> str:
    if abs(hours) < 1 / 3600:
        return "unchanged"
    if hours < 0:
        return "earlier_over_3d" if hours < -72 else "earlier_1d_3d" if hours < -24 else "earlier_up_to_1d"
    return "later_up_to_1d" if hours <= 24 else "later_1d_3d" if hours <= 72 else "later_over_3d"


@dataclass
class ClockFigures:
    """One clock's figures under today's SOP and the proposal."""

    key: str
    today: Counter = field(default_factory=Counter)
    proposed: Counter = field(default_factory=Counter)
    shifts: list[float] = field(default_factory=list)  # hours, runs present under both with a due time
    only_today: int = 0  # runs today's SOP starts and the proposal does not
    only_proposed: int = 0
    escalations_today: Counter = field(default_factory=Counter)  # per rung key
    escalations_proposed: Counter = field(default_factory=Counter)
    added: Counter = field(default_factory=Counter)  # fired under the proposal only, per rung key
    removed: Counter = field(default_factory=Counter)  # fired under today's SOP only


@dataclass(frozen=True)
class Stranded:
    """A ticket the proposal cannot replay: the first recorded step it refuses and why."""

    receipt_no: str
    seq: int
    at: datetime
    kind: str
    trigger: str | None
    state: str
    actor_role: str
    reason_kinds: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class EscalationDiff:
    receipt_no: str
    clock: str
    party: str | None
    run: int
    rung: str
    at: datetime
    side: str  # proposed_only | today_only


@dataclass(frozen=True, slots=True)
class Kept:
    """What a comparison reads of one ticket's replay against today's SOP (`Comparison.keep`): small enough to
    keep for a whole period while a supervisor tries one draft after another against the same today."""

    receipt_no: str
    complete: bool
    stranded: Stranded | None  # the refusal, when today's SOP cannot replay the ticket
    runs: tuple[tuple[tuple[str, str | None, int], str, datetime | None], ...]  # ((clock, party, run), outcome, due)
    escalations: tuple[Escalated, ...]


@dataclass
class Comparison:
    """Accumulates ticket pairs (today's replay, the proposal's) into the report's figures."""

    today: Definition
    proposed: Definition
    judge: Judge
    as_of: datetime
    tickets: int = 0
    compared: int = 0
    diverged: int = 0
    stranded: list[Stranded] = field(default_factory=list)
    stranded_today: list[Stranded] = field(default_factory=list)
    clocks: dict[str, ClockFigures] = field(default_factory=dict)
    escalations: list[EscalationDiff] = field(default_factory=list)

    #: What `merge` adds up: everything but the definitions, the judge and the moment (plain, picklable data).
    PARTS = ("tickets", "compared", "diverged", "stranded", "stranded_today", "clocks", "escalations")

    def partial(self) -> dict[str, Any]:
        """The figures gathered so far, as data another process can hand back (see `merge`)."""
        return {name: getattr(self, name) for name in self.PARTS}

    def merge(self, part: dict[str, Any]) -> None:
        """Add figures another `Comparison` of the same definitions gathered over other tickets."""
        self.tickets += part["tickets"]
        self.compared += part["compared"]
        self.diverged += part["diverged"]
        self.stranded.extend(part["stranded"])
        self.stranded_today.extend(part["stranded_today"])
        self.escalations.extend(part["escalations"])
        for key, theirs in part["clocks"].items():
            mine = self.figures(key)
            for name in ("today", "proposed", "escalations_today", "escalations_proposed", "added", "removed"):
                getattr(mine, name).update(getattr(theirs, name))
            mine.shifts.extend(theirs.shifts)
            mine.only_today += theirs.only_today
            mine.only_proposed += theirs.only_proposed

    def figures(self, key: str) -> ClockFigures:
        found = self.clocks.get(key)
        if found is None:
            found = self.clocks[key] = ClockFigures(key)
        return found

    def keep(self, today: Replayed) -> Kept:
        """What `add` reads of today's replay: each run's outcome (judged at ``as_of``) and due time, the rungs
        that fired, or the refusal."""
        if not today.complete:
            return Kept(today.history.receipt_no, False, _stranded(today), (), ())
        assert today.ticket is not None
        judge, as_of = self.judge, self.as_of
        runs = tuple(((r.clock, r.party, r.run), judge(r, as_of), r.due_at) for r in today.ticket.clocks)
        return Kept(today.history.receipt_no, True, None, runs, tuple(today.escalations))

    def add(self, today: Replayed | Kept, proposed: Replayed) -> None:
        """Count one ticket: today's replay (or what `keep` kept of it) beside the proposal's."""
        kept = today if isinstance(today, Kept) else self.keep(today)
        self.tickets += 1
        if kept.stranded is not None:
            self.stranded_today.append(kept.stranded)
        if not proposed.complete:
            self.stranded.append(_stranded(proposed))
        if not (kept.complete and proposed.complete):
            return
        assert proposed.ticket is not None
        self.compared += 1
        self.diverged += proposed.diverged is not None
        before = {key: (verdict, due) for key, verdict, due in kept.runs}
        after = {(r.clock, r.party, r.run): r for r in proposed.ticket.clocks}
        for key, (verdict, _) in before.items():
            self.figures(key[0]).today[verdict] += 1
            if key not in after:
                self.figures(key[0]).only_today += 1
        for key, run in after.items():
            figures = self.figures(run.clock)
            figures.proposed[self.judge(run, self.as_of)] += 1
            old = before.get(key)
            if old is None:
                figures.only_proposed += 1
            elif old[1] is not None and run.due_at is not None:
                figures.shifts.append((run.due_at - old[1]).total_seconds() / 3600.0)
        self._escalations(kept.receipt_no, list(kept.escalations), proposed.escalations)

    def _escalations(self, receipt: str, today: list[Escalated], proposed: list[Escalated]) -> None:
        def keyed(items: list[Escalated]) -> dict[tuple, Escalated]:
            return {(e.clock, e.party, e.run, e.rung): e for e in items}

        before, after = keyed(today), keyed(proposed)
        for key, e in before.items():
            self.figures(e.clock).escalations_today[e.rung] += 1
            if key not in after:
                self.figures(e.clock).removed[e.rung] += 1
                self.escalations.append(EscalationDiff(receipt, e.clock, e.party, e.run, e.rung, e.at, "today_only"))
        for key, e in after.items():
            self.figures(e.clock).escalations_proposed[e.rung] += 1
            if key not in before:
                self.figures(e.clock).added[e.rung] += 1
                self.escalations.append(EscalationDiff(receipt, e.clock, e.party, e.run, e.rung, e.at,
                                                       "proposed_only"))


def _stranded(replayed: Replayed) -> Stranded:
    refused = replayed.refused
    assert refused is not None
    step = refused.step
    return Stranded(replayed.history.receipt_no, step.seq, step.at, step.kind,
                    step.trigger or (f"{step.detail.get('handoff')}:{step.detail.get('action')}"
                                     if step.kind == "handoff" else None),
                    refused.state, step.actor_role, refused.kinds, refused.reasons)


# -- the report as data ----------------------------------------------------------------------------
def quantile(ordered: list[float], q: float) -> float | None:
    """Nearest-rank quantile of an ascending list (None when empty)."""
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * q // 1))
    return ordered[int(rank) - 1]


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _label(definitions: tuple[Definition, ...], kind: str, key: str | None) -> str:
    """A state's, clock's, role's or transition's label in the first definition that has it; else the key."""
    if not key:
        return ""
    for d in definitions:
        if kind == "state" and key in d.states:
            return d.states[key].label
        if kind == "clock" and key in d.clocks:
            return d.clocks[key].label
        if kind == "role" and key in d.roles:
            return d.roles[key].label
        if kind == "trigger" and d.transitions_named(key):
            return d.transitions_named(key)[0].label or key
        if kind == "trigger" and ":" in key and key.split(":")[0] in d.handoffs:
            return f"{d.handoffs[key.split(':')[0]].label}: {key.split(':')[1]}"
    return key


def _clock_data(c: Comparison, figures: ClockFigures, both: tuple[Definition, ...]) -> dict[str, Any]:
    shifts = sorted(figures.shifts)
    bands = Counter(band(h) for h in shifts)

    def tally(counts: Counter) -> dict[str, int]:
        # as the report's Tally counts: "late" includes the runs still open past their budget ("late_running")
        out = {k: counts.get(k, 0) for k in OUTCOMES}
        out["runs"] = sum(out.values())
        out[LATE] += out[LATE_RUNNING]
        return out

    return {
        "clock": figures.key, "label": _label(both, "clock", figures.key),
        "in_today": figures.key in c.today.clocks, "in_proposed": figures.key in c.proposed.clocks,
        "budget_today": c.today.clocks[figures.key].budget.describe() if figures.key in c.today.clocks else None,
        "budget_proposed": (c.proposed.clocks[figures.key].budget.describe()
                            if figures.key in c.proposed.clocks else None),
        "today": tally(figures.today), "proposed": tally(figures.proposed),
        "due_shift_hours": {
            "runs": len(shifts), "min": _hours(shifts[0] if shifts else None),
            "median": _hours(quantile(shifts, 0.5)), "p90": _hours(quantile(shifts, 0.9)),
            "max": _hours(shifts[-1] if shifts else None),
            "bands": {name: bands.get(name, 0) for name in BANDS},
        },
        "runs_only_today": figures.only_today, "runs_only_proposed": figures.only_proposed,
        "escalations": {
            "today": dict(sorted(figures.escalations_today.items())),
            "proposed": dict(sorted(figures.escalations_proposed.items())),
            "proposed_only": dict(sorted(figures.added.items())), "today_only": dict(sorted(figures.removed.items())),
        },
    }


def _stranded_data(s: Stranded, both: tuple[Definition, ...]) -> dict[str, Any]:
    return {"receipt_no": s.receipt_no, "seq": s.seq, "at": _time(s.at), "kind": s.kind, "trigger": s.trigger,
            "trigger_label": _label(both, "trigger", s.trigger), "state": s.state,
            "state_label": _label(both, "state", s.state), "actor_role": s.actor_role,
            "actor_role_label": _label(both, "role", s.actor_role),
            "reasons": [{"kind": k, "reason": r} for k, r in zip(s.reason_kinds, s.reasons)]}


def _causes(stranded: list[Stranded], both: tuple[Definition, ...]) -> list[dict[str, Any]]:
    """Stranded tickets grouped by what refused them (step, state and first reason), most first."""
    counts = Counter((s.trigger or s.kind, s.state, s.reasons[0] if s.reasons else "") for s in stranded)
    return [{"trigger": t, "trigger_label": _label(both, "trigger", t), "state": st,
             "state_label": _label(both, "state", st), "reason": reason, "tickets": n}
            for (t, st, reason), n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def as_data(c: Comparison, *, period: str, base_version: int | None, calendar: dict[str, Any]) -> dict[str, Any]:
    """The report as plain, sorted data (JSON-ready): what the CLI prints and the console shows."""
    both = (c.proposed, c.today)
    keys = [k for k in c.today.clocks] + [k for k in c.proposed.clocks if k not in c.today.clocks]
    keys += sorted(k for k in c.clocks if k not in keys)
    stranded = sorted(c.stranded, key=lambda s: (s.receipt_no, s.seq))
    return {
        "definition": c.proposed.key, "today_version": base_version, "period": period, "as_of": _time(c.as_of),
        "calendar": calendar,
        "tickets": c.tickets, "compared": c.compared, "diverged": c.diverged,
        "clocks": [_clock_data(c, c.clocks.get(k) or ClockFigures(k), both) for k in keys],
        "stranded": {"tickets": len(stranded), "causes": _causes(stranded, both),
                     "list": [_stranded_data(s, both) for s in stranded]},
        "stranded_today": {"tickets": len(c.stranded_today),
                           "list": [_stranded_data(s, both) for s in sorted(c.stranded_today,
                                                                             key=lambda s: (s.receipt_no, s.seq))]},
        "escalation_changes": [{"receipt_no": e.receipt_no, "clock": e.clock, "clock_label": _label(both, "clock",
                                e.clock), "agency": e.party, "run": e.run, "rung": e.rung, "at": _time(e.at),
                                "fires": e.side}
                               for e in sorted(c.escalations, key=lambda e: (e.receipt_no, e.clock, e.party or "",
                                                                             e.run, e.rung, e.side))],
    }


# -- the proposed calendar -------------------------------------------------------------------------
_CLOSURE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(tutup|close|buka|open)\b\s*(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class ClosureEdit:
    """One day of a proposed calendar: ``add`` closes it, ``remove`` reopens a listed holiday."""

    day: date
    kind: str
    name: str


def parse_closures(text: str, source: str = "closures") -> list[ClosureEdit]:
    """``YYYY-MM-DD tutup|buka name`` per line (``#`` starts a comment): the days a proposal closes or opens.

    ValueError names the line and says how to write it."""
    lines = text.splitlines()
    if len(lines) > MAX_CLOSURE_LINES:
        raise ValueError(f"{source}: {len(lines)} lines; at most {MAX_CLOSURE_LINES} days can be proposed at once")
    out: dict[date, ClosureEdit] = {}
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        found = _CLOSURE.match(line)
        if found is None:
            raise ValueError(f"{source}:{number}: '{line[:80]}' is not 'YYYY-MM-DD tutup|buka name'; write e.g. "
                             "'2026-08-18 tutup Cuti bersama HUT RI'")
        try:
            day = date.fromisoformat(found.group(1))
        except ValueError:
            raise ValueError(f"{source}:{number}: {found.group(1)} is not a date; write it as YYYY-MM-DD") from None
        if day in out:
            raise ValueError(f"{source}:{number}: {day.isoformat()} is given twice; keep one line for it")
        kind = "add" if found.group(2).lower() in ("tutup", "close") else "remove"
        name = found.group(3).strip()[:200] or ("ditutup (usulan)" if kind == "add" else "dibuka (usulan)")
        out[day] = ClosureEdit(day, kind, name)
    return [out[d] for d in sorted(out)]


def merge_edits(current: Iterable[Any], proposed: Iterable[ClosureEdit]) -> list[ClosureEdit]:
    """The office's closure edits with the proposal's replacing those of the same day."""
    out = {e.day: ClosureEdit(e.day, e.kind, e.name) for e in current}
    out.update({e.day: e for e in proposed})
    return [out[d] for d in sorted(out)]


__all__ = ["Comparison", "Kept", "ClockFigures", "Stranded", "EscalationDiff", "as_data", "quantile", "band", "BANDS",
           "BAND_LABELS", "ClosureEdit", "parse_closures", "merge_edits", "OUTCOMES"]
