"""Dates a definition reasons about: rules on date fields, and clocks that count from a date on the ticket.

* ``date_rule`` on a ``date`` or ``datetime`` field says which days may be entered: ``weekdays: [senin,
  kamis]`` (the complaint box is opened only on Monday and Thursday), ``not_future: true`` (it
  already happened) and ``reason`` (said when another day is entered). Read in stage 1 (bad values are
  D105); `workflow.core.dates` refuses other days and says why, in Indonesian.
* ``from_date`` on a clock makes its budget count from a date the ticket carries rather than from the
  moment the clock starts ("the inspection report is due 3 working days after the inspection date
  entered at scheduling"). Checked in stage 2: the field must exist (D219) and be a date or datetime
  field (D244). `workflow.core.clocks` does the counting.
"""
from __future__ import annotations

from typing import Any

from workflow.spec.located import did_you_mean, join_path
from workflow.spec.model import WEEKDAYS, DateRule

DATE_RULE_KEYS = {"weekdays", "not_future", "reason"}
DATE_TYPES = ("date", "datetime")
_ENGLISH = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def build_date_rule(b: Any, value: Any, path: str, field_type: Any) -> DateRule | None:
    """A field's ``date_rule`` read with stage 1's readers (`workflow.spec.shapes.Shapes` ``b``)."""
    if value is None:
        return None
    raw = b.mapping(value, path, DATE_RULE_KEYS)
    if not raw:
        return None
    if field_type not in DATE_TYPES:
        b.loc.problem("D105", path, f"a date_rule applies to date and datetime fields, not to a {field_type} field",
                      "remove date_rule, or make the field {type: date}")
        return None
    days: list[int] = []
    for j, name in enumerate(b.seq(raw.get("weekdays"), join_path(path, "weekdays"))):
        word = str(name).strip().lower()
        if word in WEEKDAYS or word in _ENGLISH:
            days.append(WEEKDAYS.index(word) if word in WEEKDAYS else _ENGLISH.index(word))
        else:
            b.loc.problem("D105", join_path(path, f"weekdays[{j}]"), f"unknown day '{name}'",
                          did_you_mean(word, WEEKDAYS) or "days: " + ", ".join(WEEKDAYS))
    return DateRule(weekdays=tuple(sorted(set(days))),
                    not_future=b.boolean(raw.get("not_future"), join_path(path, "not_future")),
                    reason=b.text(raw.get("reason"), join_path(path, "reason")))


def check_clock_anchor(m: Any, key: str, clock: Any) -> None:
    """A clock's ``from_date`` names a date or datetime field of the record or of some transition's inputs."""
    if not clock.from_date:
        return
    path = f"clocks.{key}.from_date"
    name = clock.from_date
    found = m.d.record_field(name) or next((f for t in m.d.transitions for f in t.inputs if f.name == name), None)
    if found is None:
        m.problem("D219", path, f"clock '{key}' counts from unknown field '{name}'",
                  did_you_mean(name, m.field_names) or "name a date field the ticket carries, e.g. an input "
                  "of the transition that schedules it")
    elif found.type not in DATE_TYPES:
        m.problem("D244", path, f"clock '{key}' counts from '{name}', a {found.type} field, not a date",
                  "name a field of type date or datetime")


__all__ = ["build_date_rule", "check_clock_anchor", "DATE_RULE_KEYS", "DATE_TYPES"]
