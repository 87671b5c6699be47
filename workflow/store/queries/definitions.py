"""Published definition versions, for the definitions pages, the API and ``alur definitions list``."""
from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select

from workflow.store import models as m
from workflow.store.db import read_only
from workflow.store.sql.rows import utc


def versions(store) -> list[dict[str, Any]]:
    """Every published version (no source text), by key, newest version first."""
    d = m.definitions.c
    with read_only(store.engine) as conn:
        rows = conn.execute(select(d.key, d.version, d.title, d.published_at, d.published_by, d.note, d.source_hash)
                            .order_by(d.key, d.version.desc())).mappings().all()
    return [{**row, "published_at": utc(row["published_at"])} for row in rows]


def latest_versions(store) -> list[dict[str, Any]]:
    """The latest version of each key, by key."""
    d = m.definitions.c
    latest = select(d.key, func.max(d.version).label("version")).group_by(d.key).subquery()
    with read_only(store.engine) as conn:
        rows = conn.execute(select(d.key, d.version, d.title, d.published_at).join(
            latest, and_(latest.c.key == d.key, latest.c.version == d.version)).order_by(d.key)).mappings().all()
    return [{**row, "published_at": utc(row["published_at"])} for row in rows]


def version(store, key: str, number: int | None = None) -> dict[str, Any] | None:
    """One version with its source (None: the latest), or None when it does not exist."""
    d = m.definitions.c
    q = select(m.definitions).where(d.key == key)
    q = q.where(d.version == number) if number is not None else q.order_by(d.version.desc()).limit(1)
    with read_only(store.engine) as conn:
        row = conn.execute(q).mappings().first()
    return {**row, "published_at": utc(row["published_at"])} if row is not None else None


__all__ = ["versions", "latest_versions", "version"]
