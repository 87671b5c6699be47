"""Publishing definitions: every published version is kept, immutable, and audited.

Publishing validates first (nothing invalid is ever stored), then stores the YAML text as the next
version of its key. Publishing text identical to the latest version is a no-op, so a deploy script can
publish on every start. Tickets stay on the version they were opened with.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workflow.core.audit import AuditEvent
from workflow.spec.catalog import Catalogs, default_catalogs
from workflow.errors import ConcurrentUpdate
from workflow.spec.loader import load_definition
from workflow.spec.model import Definition


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
        latest = uow.latest_definition(definition.key)
        if latest is not None and latest.source_hash == definition.source_hash:
            return Published(definition.key, latest.version, False, definition)
        version = (latest.version if latest is not None else 0) + 1
        try:
            uow.insert_definition(key=definition.key, version=version, title=definition.title, source=text,
                                  source_hash=definition.source_hash, published_at=now, published_by=actor_id,
                                  note=note)
        except Exception as exc:  # the unique (key, version) constraint: someone published at the same time
            if "uq_definitions_key_version" in str(exc) or "UNIQUE" in str(exc).upper():
                raise ConcurrentUpdate(f"definition {definition.key} v{version} was published by someone else "
                                       "just now; review it and publish again") from exc
            raise
        uow.append_audit([AuditEvent(
            kind="publish", at=now, actor_id=actor_id, actor_role="supervisor", definition_key=definition.key,
            definition_version=version, detail={"source_hash": definition.source_hash, "title": definition.title,
                                                "previous_version": latest.version if latest else None,
                                                "note": note})])
        uow.commit()
    from dataclasses import replace
    return Published(definition.key, version, True, replace(definition, version=version))


__all__ = ["publish", "Published"]
