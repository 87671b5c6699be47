"""The supervisor dashboard: open tickets by stage and lane, deadlines at risk, on-time rates, escalations.

Who: console role ``supervisor`` (kepala seksi, kepala bidang, kepala dinas). Every number comes from
`workflow.store.queries.dashboard` (aggregates on partial indexes, computed on every request), and each
rule is the one every other page uses: overdue and at risk as the work queue's deadline filter lists
them (the counts link to it), on time as the quarterly report counts it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask_admin import expose

from workflow.errors import UnknownDefinition
from workflow.services.roles import role_directory
from workflow.store.queries.dashboard import dashboard_numbers

from ..auth import SecureBaseView, current_actor
from . import common
from .dashboard_charts import pictures


@dataclass
class LaneGroup:
    key: str
    label: str
    total: int
    states: list[tuple[str, str, int]]  # key, label, count


def group_by_lane(by_state: list[dict], definitions: dict[tuple[str, int], Any]) -> list[LaneGroup]:
    """Fold the (definition, version, state) counts into the lanes of each state's definition."""
    lanes: dict[str, LaneGroup] = {}
    for row in by_state:
        d = definitions.get((row["definition_key"], row["definition_version"]))
        state = d.states.get(row["state"]) if d is not None else None
        lane_key = state.lane if state is not None else "?"
        if lane_key not in lanes:
            lane = next((ln for ln in d.lanes if ln.key == lane_key), None) if d is not None else None
            label = ((lane.label_en or lane.label) if common.lang() == "en" else lane.label) if lane else lane_key
            lanes[lane_key] = LaneGroup(lane_key, label, 0, [])
        group = lanes[lane_key]
        group.total += row["n"]
        for i, (k, lab, n) in enumerate(group.states):
            if k == row["state"]:
                group.states[i] = (k, lab, n + row["n"])
                break
        else:
            group.states.append((row["state"], common.state_label(d, row["state"]), row["n"]))
    order = list(lanes)
    if by_state:
        first = definitions.get((by_state[0]["definition_key"], by_state[0]["definition_version"]))
        if first is not None:
            rank = {ln.key: i for i, ln in enumerate(first.lanes)}
            order.sort(key=lambda k: rank.get(k, 99))
    return [lanes[k] for k in order]


def rate_total(rows: list[dict]) -> tuple[int, int, float | None]:
    """All clocks together: runs stopped, on time, and the rate (None when none stopped)."""
    stopped = sum(r["stopped"] for r in rows)
    ok = sum(r["on_time"] for r in rows)
    return stopped, ok, (ok / stopped if stopped else None)


class SupervisorDashboard(SecureBaseView):
    """Open tickets by stage, deadlines at risk, escalations waiting on me, on-time rates."""

    roles = frozenset({"supervisor"})

    @expose("/")
    def index(self):
        rt = common.runtime()
        now = common.utcnow()
        actor = current_actor()
        numbers = dashboard_numbers(rt.store, now, actor.roles)
        definitions: dict[tuple[str, int], Any] = {}
        for row in numbers["by_state"]:
            k = (row["definition_key"], row["definition_version"])
            if k not in definitions:
                try:
                    definitions[k] = rt.engine.definition(*k)
                except UnknownDefinition:
                    definitions[k] = None
        clock_labels: dict[str, str] = {}
        for live in common.live_definitions():  # every definition running side by side
            for k, c in live.clocks.items():
                clock_labels.setdefault(k, (c.label_en or c.label) if common.lang() == "en" else c.label)
        directory = role_directory(rt)
        lanes = group_by_lane(numbers["by_state"], definitions)
        return self.render(
            "supervisor/dashboard.html", n=numbers, lanes=lanes, now=now,
            pictures=pictures(rt, now, lanes, clock_labels),
            clock_labels=clock_labels, open_total=sum(r["n"] for r in numbers["by_state"]),
            month_total=rate_total(numbers["month"]), quarter_total=rate_total(numbers["quarter"]), common=common,
            my_roles=sorted(r for r in actor.roles if r in directory.roles
                            and directory.roles[r].supervisor_level is not None),
            state_label=lambda key, version, state: common.state_label(definitions.get((key, version)), state))


def register(admin, app: Flask) -> None:
    from . import Text

    admin.add_view(SupervisorDashboard(name=Text("Dasbor pimpinan", "Supervisor dashboard"), endpoint="supervisor",
                                       url="/admin/pimpinan"))


__all__ = ["LaneGroup", "SupervisorDashboard", "group_by_lane", "rate_total", "register"]
