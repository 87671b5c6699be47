"""The roles of the published definitions (`workflow.core.roles.RoleDirectory`), read from the store.

Every page request signs its user in again (Flask-Login's user loader), and the user's engine roles
depend on the published definitions (a ``supervisor`` of level 2 acts as every role declared with
``supervisor_level: 2``), so the directory is cached per runtime and rebuilt only when the list of
published versions changes (one small query per call). Published versions are immutable, so a parsed
one is kept by the hash of its text.

Only the structure of a definition is read here (roles, states): a published version was validated when
it was published, and the agencies or templates it was checked against may have changed since.
"""
from __future__ import annotations

import hashlib
import logging
from functools import lru_cache

from workflow.core.roles import RoleDirectory
from workflow.spec.model import Definition
from workflow.spec.parse import parse_yaml
from workflow.spec.structure import build_definition

logger = logging.getLogger(__name__)


@lru_cache(maxsize=256)
def _structure(text_hash: str, text: str) -> Definition | None:
    data, loc = parse_yaml(text, "published")
    return build_definition(data, loc) if data is not None else None


def published_definitions(store) -> list[Definition]:
    """Every published version's structure, in key and version order."""
    out = []
    with store.unit_of_work(read_only=True) as uow:
        for key, version in uow.definitions.published():
            text, _ = uow.definitions.source(key, version)
            built = _structure(hashlib.sha256(text.encode("utf-8")).hexdigest(), text)
            if built is None:
                logger.warning("definition %s v%s does not read; its roles are left out", key, version)
                continue
            out.append(built)
    return out


def directory_for(store, cache: dict | None = None) -> RoleDirectory:
    """The role directory of ``store``'s published definitions; with ``cache`` (a dict kept by the caller),
    rebuilt only when the published versions change."""
    if cache is not None:
        with store.unit_of_work(read_only=True) as uow:
            published = tuple(uow.definitions.published())
        if cache.get("published") == published:
            return cache["directory"]
    directory = RoleDirectory.from_definitions(published_definitions(store))
    if cache is not None:
        cache.update(published=published, directory=directory)
    return directory


def role_directory(runtime) -> RoleDirectory:
    """The runtime's role directory (cached in ``runtime.extras``)."""
    try:
        return directory_for(runtime.store, runtime.extras.setdefault("role_directory", {}))
    except Exception:  # noqa: BLE001 - no schema yet (before 'alur db upgrade'): no definition roles
        logger.debug("no role directory", exc_info=True)
        return RoleDirectory()


__all__ = ["published_definitions", "directory_for", "role_directory"]
