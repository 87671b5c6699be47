"""The section "where complaints wait" as plain data (`workflow.reports.stages` fills it).

Kept apart from the builder so the report model (`workflow.reports.model.Report.stages`) can name these
types without importing the store, and a published report's stored content reads back into them.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Row:
    """One labelled group: the figures of `workflow.core.stage_figures.Figure`, ready to print."""

    key: str | None
    label: str
    count: int
    office_median: float | None
    office_p90: float | None
    gross_median_days: float | None
    gross_p90_days: float | None
    waiting_percent: float | None
    waiting: bool = False
    bottleneck: str = ""  # the label of the state holding the group's tickets longest
    definition_key: str | None = None


@dataclass(frozen=True)
class PromiseLine:
    definition_key: str
    title: str
    clock_label: str
    budget: float
    unit: str
    kept: int
    decided: int
    late: int
    pending: int
    not_owed: int
    received: int
    rate: float | None
    sentence: str


@dataclass(frozen=True)
class Group:
    key: str  # a grouping of workflow.core.stage_figures.GROUPINGS
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class StageSection:
    period: str
    period_label: str
    previous_period_label: str
    measured_at: str
    tickets: int
    imported: int
    states: tuple[Row, ...]
    lanes: tuple[Row, ...]
    groups: tuple[Group, ...]
    bottleneck: str
    previous_bottleneck: str
    bottleneck_moved: bool | None
    bottleneck_change: float | None  # working days the bottleneck's median moved
    movement_sentence: str
    promises: tuple[PromiseLine, ...]
    calendar: str  # the calendar the office time was counted with, in words
    pauses: int = 0  # pauses of clocks in the period's tickets
    by: tuple[str, ...] = field(default=())

    def group(self, key: str) -> tuple[Row, ...]:
        """The rows of one grouping (``opd``, ``kategori`` ...); empty when it was not asked for."""
        return next((g.rows for g in self.groups if g.key == key), ())


__all__ = ["Row", "PromiseLine", "Group", "StageSection"]
