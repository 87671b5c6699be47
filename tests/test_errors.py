"""One exception tree: every error alur raises on purpose is an AlurError, and the tree says so.

Each exception class defined in workflow/, notifications/ and admin/ is found by reading the source,
so a new one cannot be left outside the tree; the few that are not alur errors by nature are named here.
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import workflow.errors
from workflow.errors import AlurError

ROOT = Path(__file__).resolve().parent.parent
NOT_ALUR_ERRORS = {
    "admin.api.errors.ApiProblem",  # an HTTP answer (problem+json) built from alur errors, not one of them
    "workflow.spec.parse._LimitReached",  # private: turned into a located D108 DefinitionProblem at once
}


def exception_classes():
    for package in ("workflow", "notifications", "admin"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            rel = path.relative_to(ROOT).with_suffix("")
            module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(node, ast.ClassDef) and any(
                        getattr(base, "id", getattr(base, "attr", "")).endswith(("Error", "Exception", "Problem"))
                        or getattr(base, "id", getattr(base, "attr", "")) in {"HTTPException"} for base in node.bases):
                    yield module, node.name


def test_every_exception_class_is_an_alur_error_or_named_as_an_exception():
    found = []
    for module, name in exception_classes():
        cls = getattr(importlib.import_module(module), name)
        if f"{module}.{name}" in NOT_ALUR_ERRORS:
            assert not issubclass(cls, AlurError)
            continue
        found.append(name)
        assert issubclass(cls, AlurError), f"{module}.{name} is outside the AlurError tree"
    assert {"TicketNotFound", "NotificationError", "TemplateMissing", "AuthError", "PeriodError"} <= set(found)


def test_the_tree_drawn_in_the_docstring_names_every_alur_error():
    drawing = workflow.errors.__doc__
    for module, name in exception_classes():
        if f"{module}.{name}" not in NOT_ALUR_ERRORS:
            assert name in drawing, f"{name} ({module}) is missing from the tree in workflow/errors.py"
