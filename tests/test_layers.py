"""The layers hold, by package: what each part of alur may import (STYLE.md, "Layers").

    spec (read, check)      stdlib, yaml                                never core, a database, web or queue library
    core (decide)           spec, stdlib, transitions, holidays         never a database, web or queue library
    services (use cases)    core, spec, the store port                  never SQLAlchemy, Flask, or the tables
    store                   SQLAlchemy and the tables                   never Flask, services or entry points
    entry points            services, read models (workflow.store.queries, workflow.store.rules)
      (admin, notifications, workflow.cli, workflow.jobs, workflow.reports)
                                                                        never SQLAlchemy, the tables, uow.conn

Imports are read from the source (top level and inside functions alike), so a lazy import cannot slip
past; the pure packages are also imported in a fresh interpreter to catch what they drag in at run time.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE = ("workflow.spec", "workflow.core")
DATABASE = ("sqlalchemy", "alembic", "psycopg")
WEB = ("flask", "flask_admin", "flask_login", "flask_wtf", "flask_babel", "flask_limiter", "werkzeug", "wtforms")
QUEUE = ("redis", "rq")
TABLES = ("workflow.store.models", "workflow.store.models_intake", "workflow.store.models_notifications",
          "workflow.store.models_reports", "workflow.store.sql", "workflow.store.db")
ENTRY_POINTS = ("admin", "notifications", "workflow.cli", "workflow.jobs", "workflow.reports")


def modules(package: str) -> list[tuple[str, Path]]:
    base = ROOT / package.replace(".", "/")
    files = sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]
    out = []
    for path in files:
        if "migrations" in path.parts:
            continue
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts[:-1]) if rel.name == "__init__" else list(rel.parts)
        out.append((".".join(parts), path))
    return out


def imports_of(path: Path, module: str) -> set[str]:
    """Every module ``path`` imports, absolute, wherever in the file the import is."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - (node.level - 1)]
                base = ".".join(parent + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def offending(package: str, forbidden: tuple[str, ...]) -> list[str]:
    out = []
    for module, path in modules(package):
        for name in sorted(imports_of(path, module)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                out.append(f"{module} imports {name}")
    return out


def uses_connection(package: str) -> list[str]:
    """Modules outside the store that reach into a unit of work's connection (``uow.conn``)."""
    out = []
    for module, path in modules(package):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "conn" and isinstance(node.value, ast.Name) \
                    and node.value.id == "uow":
                out.append(f"{module}:{node.lineno} uses uow.conn")
    return out


@pytest.mark.parametrize("package", PURE)
def test_pure_packages_import_no_database_web_or_queue_library(package):
    assert offending(package, DATABASE + WEB + QUEUE + ("workflow.store", "workflow.services", "admin",
                                                        "notifications")) == []


def test_a_definition_is_read_without_the_decisions_made_on_it():
    """spec is below core: parsing and checking a definition needs nothing of the engine."""
    assert offending("workflow.spec", ("workflow.core",)) == []


@pytest.mark.parametrize("package", PURE)
def test_pure_packages_load_nothing_impure_at_run_time(package):
    """Imported in a fresh interpreter, every module of the package leaves no database, web or queue
    library loaded (the source check above cannot see what a third-party import drags in)."""
    names = [name for name, _ in modules(package)]
    probe = "import json, sys\n" + "".join(f"import {n}\n" for n in names) + "print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    roots = {n.split(".")[0] for n in DATABASE + WEB + QUEUE}
    assert not [n for n in loaded if n.split(".")[0] in roots]


def test_services_reach_storage_only_through_the_port():
    assert offending("workflow.services", DATABASE + WEB + QUEUE + TABLES + (
        "workflow.store.queries", "workflow.jobs", "workflow.cli", "admin", "notifications")) == []
    assert uses_connection("workflow.services") == []


def test_the_store_knows_nothing_above_it():
    assert offending("workflow.store", WEB + ("workflow.services", "workflow.cli", "workflow.jobs", "admin",
                                              "notifications", "workflow.runtime")) == []


@pytest.mark.parametrize("package", ENTRY_POINTS)
def test_entry_points_use_services_and_read_models_never_sql(package):
    assert offending(package, DATABASE + TABLES) == []
    assert uses_connection(package) == []


@pytest.mark.parametrize("package", ["workflow.spec", "workflow.core", "workflow.services", "workflow.store",
                                     "workflow.jobs", "workflow.cli", "workflow.reports"])
def test_the_engine_never_imports_the_parts_built_on_it(package):
    assert offending(package, ("admin", "notifications")) == []


def test_modules_and_functions_stay_readable():
    """No module past ~500 lines and no function past ~80 in the application packages (docs/architecture.md);
    a module that outgrows it splits by job, a function into named steps."""
    long_modules, long_functions = [], []
    for package in ("workflow", "admin", "notifications"):
        for module, path in modules(package):
            text = path.read_text(encoding="utf-8")
            if text.count("\n") > 500:
                long_modules.append(f"{module}: {text.count(chr(10))} lines")
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 85:
                    long_functions.append(f"{module}.{node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert long_modules == [] and long_functions == []
