"""Load a definition from its YAML text: parse, check the structure, check the meaning.

The stages are separate modules: `workflow.spec.parse` reads the text keeping every value's line and
column, `workflow.spec.structure` (stage 1) checks shapes and builds the frozen `Definition`,
`workflow.spec.validation` (stage 2) checks that it means something possible. Every problem points at
``file:line:column`` with the YAML path and a hint; `load_definition` raises one `DefinitionError`
listing them all.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from workflow.errors import DefinitionError, DefinitionProblem
from workflow.spec.catalog import Catalogs, default_catalogs
from workflow.spec.model import Definition
from workflow.spec.parse import parse_yaml
from workflow.spec.structure import build_definition
from workflow.spec.validation import check_meaning


def source_hash(text: str) -> str:
    """SHA-256 of the definition text; publishing identical text again is a no-op."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_definition(text: str, file: str = "<definition>", catalogs: Catalogs | None = None,
                     templates: set[str] | None = None) -> tuple[Definition | None, list[DefinitionProblem]]:
    """Both validation stages; returns the definition (None if structure failed) and every problem."""
    data, loc = parse_yaml(text, file)
    if data is None:
        return None, loc.problems
    definition = build_definition(data, loc)
    if definition is None:
        return None, loc.problems
    structural = list(loc.problems)
    meaning = check_meaning(definition, loc, catalogs if catalogs is not None else default_catalogs(), templates)
    return replace(definition, source_hash=source_hash(text)), structural + meaning


def load_definition(text: str, file: str = "<definition>", catalogs: Catalogs | None = None,
                    version: int | None = None, templates: set[str] | None = None) -> Definition:
    """A valid definition, or `DefinitionError` with every problem found."""
    definition, problems = check_definition(text, file, catalogs, templates)
    if problems or definition is None:
        raise DefinitionError(problems or [DefinitionProblem("D101", "could not read the definition", file=file)])
    return replace(definition, version=version) if version is not None else definition


def load_definition_file(path: str | Path, catalogs: Catalogs | None = None) -> Definition:
    path = Path(path)
    return load_definition(path.read_text(encoding="utf-8"), str(path), catalogs)


__all__ = ["check_definition", "load_definition", "load_definition_file", "source_hash"]
