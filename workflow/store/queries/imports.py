"""Which lines of a CSV file were imported already: so an import the database interrupted can be run
again and import only the rest (`workflow.services.imports.import_complaints`, ``skip_lines``)."""
from __future__ import annotations

import json

from sqlalchemy import select

from workflow.store import models as m
from workflow.store.db import read_only


def imported_lines(store, digest: str) -> set[int]:
    """The line numbers whose ``import`` audit rows name the file with sha256 ``digest``."""
    if not hasattr(store, "engine"):  # the in-memory store (tests): its audit rows carry their detail as a dict
        return {r["detail"]["line"] for r in store.audit_rows(kind="import") if r["detail"].get("sha256") == digest}
    a = m.audit_log.c
    with read_only(store.engine) as conn:
        details = conn.execute(select(a.detail).where(a.kind == "import", a.detail.contains(digest))).scalars()
        lines = set()
        for text in details:
            detail = json.loads(text or "{}")
            if detail.get("sha256") == digest and isinstance(detail.get("line"), int):
                lines.add(detail["line"])
    return lines


__all__ = ["imported_lines"]
