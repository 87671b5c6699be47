"""The architecture holds: a pure core, a small public API, and one cached guard-respecting machine.

The spec and engine core must run without Flask, SQLAlchemy, Redis or rq (STYLE.md, "Pure core, IO at
the edge, enforced"): each module is imported in a fresh interpreter and the modules it dragged in are
inspected, so an import added anywhere down the chain fails here, naming the chain.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

import workflow
from workflow.core.machine import MachineError, build_machine, fire_event, machine_for, move
from workflow.spec.catalog import default_catalogs
from workflow.spec.loader import load_definition

from .conftest import SOP

PURE_MODULES = [
    "workflow.spec.model", "workflow.spec.loader", "workflow.spec.validation", "workflow.core.guards",
    "workflow.services.engine", "workflow.core.machine", "workflow.core.clocks", "workflow.core.calendar",
    "workflow.core.audit", "workflow.core.inputs", "workflow.spec.catalog", "workflow.core.ticket",
    "workflow.store.port", "workflow",
]
FORBIDDEN = ("flask", "sqlalchemy", "redis", "rq")

PROBE = """
import json, sys
import {module}
print(json.dumps(sorted(sys.modules)))
"""


def _importers(module: str, forbidden: list[str]) -> str:
    """Who imported what: the ``-X importtime`` tree, trimmed to the lines that lead to ``forbidden``."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                         capture_output=True, text=True, timeout=60).stderr.splitlines()
    roots = {name.split(".")[0] for name in forbidden}
    keep = [line for line in out if line.rsplit("|", 1)[-1].strip() in roots
            or line.rsplit("|", 1)[-1].strip().startswith("workflow")]
    return "\n".join(keep[-40:])


@pytest.mark.parametrize("module", PURE_MODULES)
def test_core_module_imports_no_web_database_or_queue_library(module):
    """Importing a spec/engine core module in a fresh interpreter loads no flask, sqlalchemy, redis, rq."""
    done = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    assert module in loaded
    bad = [name for name in loaded if name.split(".")[0] in FORBIDDEN]
    assert not bad, f"{module} pulled in {bad[:10]}; import chain:\n{_importers(module, bad)}"


def test_public_api_is_exactly_the_documented_names():
    """`workflow.__all__` is the whole public surface, sorted, and lists every public name defined there."""
    assert workflow.__all__ == [
        "Actor",
        "AlurError",
        "AuditChainBroken",
        "check_definition",
        "ConcurrentUpdate",
        "Definition",
        "DefinitionError",
        "DefinitionProblem",
        "Engine",
        "ImportFailed",
        "InvalidInput",
        "load_definition",
        "MigrationError",
        "Opened",
        "Option",
        "publish",
        "Published",
        "Refusal",
        "Ticket",
        "TicketNotFound",
        "TransitionRejected",
        "UnknownDefinition",
        "WorkingCalendar",
    ]
    assert workflow.__all__ == sorted(workflow.__all__, key=str.casefold)
    # Submodules appear as attributes once imported (workflow.store, workflow.cli …); they are not API.
    public = {name for name, value in vars(workflow).items()
              if not name.startswith("_") and type(value).__name__ != "module"}
    assert public == set(workflow.__all__)


def test_every_exported_member_lives_in_the_package_and_errors_share_one_root():
    for name in workflow.__all__:
        member = getattr(workflow, name)
        assert member.__module__.startswith("workflow."), name
    errors = [getattr(workflow, n) for n in workflow.__all__ if isinstance(getattr(workflow, n), type)
              and issubclass(getattr(workflow, n), Exception)]
    assert {e.__name__ for e in errors} >= {"AlurError", "DefinitionError", "TransitionRejected",
                                            "ConcurrentUpdate", "InvalidInput"}
    assert all(issubclass(e, workflow.AlurError) for e in errors)


@pytest.fixture(scope="module")
def sop():
    return load_definition(SOP.read_text(encoding="utf-8"), str(SOP), default_catalogs(), version=1)


def test_machine_has_no_auto_to_state_triggers(sop):
    """`auto_transitions=False`: no `to_<state>()` trigger exists to jump past roles and guards."""
    machine = machine_for(sop)
    assert machine.auto_transitions is False
    events = set(machine.events)
    assert not [e for e in events if e.startswith("to_")]
    assert events == set(sop.triggers())
    assert not [s for s in sop.states if f"to_{s}" in events]


def test_machine_is_built_once_per_definition_version(sop):
    """Same definition version, same machine object; another version gets its own."""
    from dataclasses import replace

    assert machine_for(sop) is machine_for(sop)
    again = load_definition(SOP.read_text(encoding="utf-8"), str(SOP), default_catalogs(), version=1)
    assert machine_for(again) is machine_for(sop)
    v2 = replace(sop, version=2)
    assert machine_for(v2) is not machine_for(sop)
    assert machine_for(v2) is machine_for(v2)
    assert build_machine(sop) is not machine_for(sop)  # building is explicit; only machine_for caches


def test_move_reads_the_machine_as_firing_its_event_would(sop):
    """The fire path reads the machine's transition table; firing the event must agree, move by move."""
    checked = 0
    for t in sop.transitions:
        for source in sop.states:
            expected = None
            try:
                expected = fire_event(sop, source, t.trigger, t.index)
            except MachineError:
                pass
            if expected is None:
                with pytest.raises(MachineError):
                    move(sop, source, t.trigger, t.index)
            else:
                assert move(sop, source, t.trigger, t.index) == expected == t.dest
                checked += 1
    assert checked == sum(len(t.sources) for t in sop.transitions)
    with pytest.raises(MachineError, match="no trigger"):
        move(sop, sop.initial, "tidak_ada", 0)
