"""Publishing definitions: every published version is kept, immutable, and audited.

Publishing validates first (nothing invalid is ever stored), then stores the YAML text as the next
version of its key. Publishing text identical to the latest version is a no-op, so a deploy script can
publish on every start. Tickets stay on the version they were opened with.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from workflow.core.audit import AuditEvent
from workflow.spec.catalog import Catalogs, default_catalogs
from workflow.spec.loader import load_definition
from workflow.spec.model import Definition
from workflow.store.port import DefinitionRecord


@dataclass(frozen=True)
class Published:
    key: str
    version: int
    created: bool  # False when the text equals the latest version (no-op)
    definition: Definition


def publish(store, text: str, *, file: str, actor_id: str, now: datetime, catalogs: Catalogs | None = None,
            note: str = "", templates: set[str] | None = None) -> Published:
    definition = load_definition(text, file, catalogs if catalogs is not None else default_catalogs(),
                                 templates=templates)
    with store.unit_of_work() as uow:
        latest = uow.definitions.latest(definition.key)
        if latest is not None and latest.source_hash == definition.source_hash:
            return Published(definition.key, latest.version, False, definition)
        version = (latest.version if latest is not None else 0) + 1
        # ConcurrentUpdate when someone published the same version at the same time
        uow.definitions.add(DefinitionRecord(key=definition.key, version=version, title=definition.title,
                                             source=text, source_hash=definition.source_hash, published_at=now,
                                             published_by=actor_id, note=note))
        uow.audit.append([AuditEvent(
            kind="publish", at=now, actor_id=actor_id, actor_role="supervisor", definition_key=definition.key,
            definition_version=version, detail={"source_hash": definition.source_hash, "title": definition.title,
                                                "previous_version": latest.version if latest else None,
                                                "note": note})])
        uow.commit()
    return Published(definition.key, version, True, replace(definition, version=version))


__all__ = ["publish", "Published"]
