"""alur: a complaint-handling workflow engine for Indonesian public-service offices.

The names below are the supported public API; everything else is reachable through its module
(``workflow.engine``, ``workflow.store.sql`` …) but may change between releases.

This package imports only the pure core (spec, loader, engine, guards, clocks, audit, errors): no
Flask, SQLAlchemy, Redis or rq, so ``import workflow`` is cheap and usable from any process.
``tests/test_architecture.py`` keeps it so. The SQL store lives in ``workflow.store`` and is imported
explicitly by whoever needs a database.

    >>> from workflow import Engine, Actor, TransitionRejected
"""
from workflow.core.calendar import WorkingCalendar
from workflow.core.guards import Actor
from workflow.core.ticket import Ticket
from workflow.errors import (
    AlurError,
    AuditChainBroken,
    ConcurrentUpdate,
    DefinitionError,
    DefinitionProblem,
    ImportFailed,
    InvalidInput,
    MigrationError,
    Refusal,
    TicketNotFound,
    TransitionRejected,
    UnknownDefinition,
)
from workflow.services.engine import Engine, Opened, Option
from workflow.services.publish import Published, publish
from workflow.spec.loader import check_definition, load_definition
from workflow.spec.model import Definition

__version__ = "0.1.0"

__all__ = [
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
