"""Figures over tickets' stays (`workflow.core.stages`): where complaints wait, and the promise kept (pure).

**Groups.** Every stay belongs to one group per grouping (`GROUPINGS`): its state or lane (keyed with
the definition, since two SOPs may name a state alike), the agency that held it (``opd``; a stay held by
no agency is in the group None, a hand-over's stay in each agency's), or the ticket's category, channel,
severity or opening month (office zone). Per group:

* ``count`` -- tickets with time in the group;
* median and 90th percentile of each such ticket's time in the group, office (working days) and gross
  (days), linear interpolation between closest ranks (as SQL's ``percentile_cont``);
* ``waiting_share`` -- the share of the group's gross time spent waiting on the complainant;
* ``bottleneck`` -- the state, among those where the office (not the complainant) holds the ticket, that
  holds the group's tickets longest: the most office time summed over them.

**The bottleneck and how it moved.** `movement` compares a period's bottleneck with the previous
period's: whether the stage changed, and how the median office time of this period's bottleneck moved.

**The promise.** `promise_figure`: of the complaints received in the period whose promise was decided
(answered or otherwise stopped, or already past the budget), how many were answered within it. Complaints
still within the budget are not decided yet, and withdrawn or merged ones were owed no answer: both are
counted apart, so the sentence never claims more than the trail shows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from workflow.core.calendar import DEFAULT_TIMEZONE
from workflow.core.stages import TicketStages
from workflow.spec.model import Definition

GROUPINGS = ("state", "lane", "opd", "kategori", "kanal", "tingkat", "month")
NOT_OWED = ("withdrawn", "merged")  # outcome categories that owed the complainant no answer


@dataclass(frozen=True)
class Figure:
    """The figures of one group. ``definition_key`` is set for state and lane groups only."""

    key: str | None
    count: int
    office_median: float | None
    office_p90: float | None
    gross_median_days: float | None
    gross_p90_days: float | None
    waiting_share: float | None
    office_total: float
    gross_total_days: float
    definition_key: str | None = None
    bottleneck: tuple[str, str] | None = None  # (definition key, state) holding the group's tickets longest
    waiting: bool = False  # a state or lane group in which the complaint waits on the complainant


@dataclass(frozen=True)
class Movement:
    """This period's bottleneck beside the previous period's."""

    current: Figure | None
    previous: Figure | None
    previous_of_current: Figure | None  # this period's bottleneck state as it was in the previous period

    @property
    def moved(self) -> bool | None:
        """Whether the bottleneck is another stage than last period's (None: one of them has none)."""
        if self.current is None or self.previous is None:
            return None
        return (self.current.definition_key, self.current.key) != (self.previous.definition_key, self.previous.key)

    @property
    def median_change(self) -> float | None:
        """Working days the current bottleneck's median moved since the previous period."""
        before = self.previous_of_current
        if self.current is None or before is None or before.office_median is None \
                or self.current.office_median is None:
            return None
        return self.current.office_median - before.office_median


@dataclass(frozen=True)
class PromiseFigure:
    """"X of Y complaints this period were answered within the promised N <unit>" for one definition."""

    definition_key: str
    clock: str
    label: str
    unit: str
    budget: float
    received: int  # complaints received in the period (imported ones excluded)
    kept: int  # X
    decided: int  # Y: kept + late
    late: int
    pending: int  # still within the budget: not decided yet
    not_owed: int  # withdrawn or merged before an answer was owed

    @property
    def rate(self) -> float | None:
        return round(100.0 * self.kept / self.decided, 1) if self.decided else None


def percentile(values: list[float], p: float) -> float | None:
    """``percentile_cont(p)`` of already sorted ``values``: linear between the closest ranks."""
    if not values:
        return None
    position = p * (len(values) - 1)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (position - low) * (values[high] - values[low])


def _month(ticket: TicketStages, zone: ZoneInfo) -> str:
    return ticket.opened_at.astimezone(zone).strftime("%Y-%m")


def _keys(ticket: TicketStages, stay, by: str, zone: ZoneInfo) -> Iterable[tuple[str | None, str | None]]:
    if by == "state":
        return ((ticket.definition_key, stay.state),)
    if by == "lane":
        return ((ticket.definition_key, stay.lane),)
    if by == "opd":
        return tuple((None, a) for a in stay.agencies) or ((None, None),)
    if by == "month":
        return ((None, _month(ticket, zone)),)
    value = ticket.values.get(by)
    return ((None, None if value in (None, "") else str(value)),)


@dataclass
class _Acc:
    office: dict[int, float]
    gross: dict[int, float]
    waiting: float = 0.0
    waiting_stays: int = 0
    stays: int = 0
    per_state: dict[tuple[str, str], float] | None = None


def aggregate(tickets: Iterable[TicketStages], by: str, *, timezone: str = DEFAULT_TIMEZONE) -> list[Figure]:
    """The figures of every group of ``by`` (one of `GROUPINGS`), largest office time first."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; use one of {', '.join(GROUPINGS)}")
    zone = ZoneInfo(timezone)
    groups: dict[tuple[str | None, str | None], _Acc] = {}
    for ticket in tickets:
        for stay in ticket.stays:
            for key in _keys(ticket, stay, by, zone):
                acc = groups.get(key)
                if acc is None:
                    acc = groups[key] = _Acc({}, {}, per_state={})
                tid = ticket.ticket_id
                acc.office[tid] = acc.office.get(tid, 0.0) + stay.office_days
                acc.gross[tid] = acc.gross.get(tid, 0.0) + stay.gross_seconds
                acc.stays += 1
                if stay.waiting:
                    acc.waiting += stay.gross_seconds
                    acc.waiting_stays += 1
                else:
                    where = (ticket.definition_key, stay.state)
                    acc.per_state[where] = acc.per_state.get(where, 0.0) + stay.office_days
    out = [_figure(key, acc, by) for key, acc in groups.items()]
    out.sort(key=lambda f: (-f.office_total, f.definition_key or "", f.key or ""))
    return out


def _figure(key: tuple[str | None, str | None], acc: _Acc, by: str) -> Figure:
    office = sorted(acc.office.values())
    gross = sorted(v / 86400.0 for v in acc.gross.values())
    gross_total = sum(acc.gross.values())
    busiest = max(acc.per_state.items(), key=lambda kv: (kv[1], kv[0]), default=(None, 0.0)) \
        if by not in ("state", "lane") else (None, 0.0)
    return Figure(key=key[1], definition_key=key[0], count=len(office), office_median=percentile(office, 0.5),
                  office_p90=percentile(office, 0.9), gross_median_days=percentile(gross, 0.5),
                  gross_p90_days=percentile(gross, 0.9),
                  waiting_share=(acc.waiting / gross_total) if gross_total > 0 else None,
                  office_total=sum(office), gross_total_days=gross_total / 86400.0, bottleneck=busiest[0],
                  waiting=bool(acc.stays) and acc.waiting_stays == acc.stays)


def bottleneck(states: Iterable[Figure]) -> Figure | None:
    """The state group (of `aggregate(..., "state")`) holding tickets longest in office time, not counting
    states that wait on the complainant; None when no office time was spent."""
    office = [f for f in states if not f.waiting and f.office_total > 0]
    return max(office, key=lambda f: (f.office_total, f.definition_key or "", f.key or ""), default=None)


def movement(current: list[Figure], previous: list[Figure]) -> Movement:
    """This period's bottleneck against the previous period's (both from `aggregate(..., "state")`)."""
    now, before = bottleneck(current), bottleneck(previous)
    same = None
    if now is not None:
        same = next((f for f in previous if (f.definition_key, f.key) == (now.definition_key, now.key)), None)
    return Movement(current=now, previous=before, previous_of_current=same)


def promise_figure(tickets: Iterable[TicketStages], definition: Definition) -> PromiseFigure | None:
    """The promise kept for ``definition``'s complaints among ``tickets``; None when it promises nothing."""
    spec = definition.promise_clock()
    if spec is None:
        return None
    received = kept = late = pending = not_owed = 0
    for ticket in tickets:
        if ticket.definition_key != definition.key or ticket.imported:
            continue
        received += 1
        promise = ticket.promise
        if promise is None:
            pending += 1
        elif promise.late:
            late += 1
        elif definition.outcome_category(ticket.outcome) in NOT_OWED:
            not_owed += 1
        elif promise.kept:
            kept += 1
        else:
            pending += 1
    return PromiseFigure(definition_key=definition.key, clock=spec.key, label=spec.label, unit=spec.budget.unit,
                         budget=float(spec.budget.amount), received=received, kept=kept, decided=kept + late,
                         late=late, pending=pending, not_owed=not_owed)


def as_dict(figure: Any) -> dict[str, Any]:
    """A figure as plain data (JSON), derived values included."""
    from dataclasses import asdict

    data = asdict(figure)
    if isinstance(figure, PromiseFigure):
        data["rate"] = figure.rate
    return data


__all__ = ["GROUPINGS", "Figure", "Movement", "PromiseFigure", "percentile", "aggregate", "bottleneck", "movement",
           "promise_figure", "as_dict", "NOT_OWED"]
