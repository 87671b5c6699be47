"""Scenario helpers in the style of SpiffWorkflow's BpmnWorkflowTestCase: open, fire, advance the
clock, and reload from the database between steps so every step proves its persistence."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from workflow.core.guards import Actor
from workflow.core.ticket import Ticket
from workflow.services.engine import Engine
from workflow.spec.model import Field


class Scenario:
    def __init__(self, engine: Engine, actors: dict[str, Actor], now: datetime):
        self.engine = engine
        self.actors = actors
        self.now = now
        self.ticket: Ticket | None = None
        self.fired: list[tuple[str, str, int]] = []  # (trigger, source, transition index)

    def open(self, record: dict[str, Any]) -> "Scenario":
        self.ticket = self.engine.open("pengaduan-ptsp", record, self.actors["petugas"], now=self.now).ticket
        return self

    def advance(self, **delta: float) -> "Scenario":
        self.now += timedelta(**delta)
        return self

    def do(self, trigger: str, as_: str, expect: str, **inputs: Any) -> "Scenario":
        assert self.ticket is not None
        before = self.reload()
        saved = self.engine.fire(before.id, trigger, self.actors[as_], inputs, expected_version=before.version,
                                 now=self.now)
        definition = self.engine.definition_of(saved)
        index = next(t.index for t in definition.transitions_named(trigger)
                     if before.state in t.sources and t.dest == saved.state)
        self.fired.append((trigger, before.state, index))
        reloaded = self.reload()
        assert reloaded.state == expect, f"{trigger}: expected {expect}, found {reloaded.state}"
        assert reloaded.version == before.version + 1
        return self

    def reload(self) -> Ticket:
        assert self.ticket is not None
        self.ticket = self.engine.load(self.ticket.id)
        return self.ticket

    def clock(self, name: str):
        return self.reload().clock(name)


def sample_value(field: Field, catalogs, rng=None) -> Any:
    """A valid value for a field, for generated inputs."""
    import random

    rng = rng or random
    if field.options:
        return rng.choice(field.options)
    if field.type in ("choice", "multichoice", "opd"):
        key = field.catalog or "opd"
        codes = sorted(catalogs[key].entries)
        value = rng.choice(codes)
        return [value] if field.type == "multichoice" else value
    return {"text": "teks uji", "textarea": "uraian uji", "date": "2026-12-01",
            "datetime": "2026-12-01T09:00:00+07:00", "number": 3, "boolean": True,
            "email": "pengadu@example.id", "phone": "081234567890"}[field.type]
