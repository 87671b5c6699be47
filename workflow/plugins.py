"""Optional parts of alur, found by module name.

The CLI's command groups, the web app's parts, the console's pages, the after-commit services and the
periodic tasks are each listed by module path; a part that is not in this build is skipped, while an
import error *inside* a present part still raises (a broken module must not vanish silently).
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Iterable, Iterator


def optional_module(name: str) -> ModuleType | None:
    """The module, or None when it (or a package above it) does not exist in this build."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        raise


def optional_modules(names: Iterable[str]) -> Iterator[ModuleType]:
    for name in names:
        module = optional_module(name)
        if module is not None:
            yield module


__all__ = ["optional_module", "optional_modules"]
