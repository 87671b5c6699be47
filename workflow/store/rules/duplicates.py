"""The duplicate rule: when a new complaint repeats one the office is still handling.

A complaint repeats another when both name the same permit registration number (``no_registrasi``)
and the same category, and the other is still open. Two people can rightly complain about the same
permit, so a match only *flags* the new ticket for the petugas to decide (link or merge,
`workflow.services.duplicates`).

The rule's two forms stand side by side: `repeats` for code that holds tickets (the in-memory store),
`condition` for the database. ``tests/store/test_rules.py`` holds them equal on generated tickets.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, false
from sqlalchemy.sql import ColumnElement

from workflow.store import models as m


def keys(fields: dict[str, Any]) -> tuple[str | None, str | None]:
    """The values a complaint is matched on: (registration number, category)."""
    return fields.get("no_registrasi") or None, fields.get("kategori") or None


def repeats(no_registrasi: str | None, kategori: str | None, other_fields: dict[str, Any],
            other_closed_at: datetime | None) -> bool:
    """Whether a complaint with these values repeats the other ticket (Python form)."""
    if not (no_registrasi and kategori) or other_closed_at is not None:
        return False
    return keys(other_fields) == (no_registrasi, kategori)


def condition(no_registrasi: str | None, kategori: str | None) -> ColumnElement[bool]:
    """The same test on ``tickets`` rows (SQL form), served by ``ix_tickets_registration``."""
    if not (no_registrasi and kategori):
        return false()
    t = m.tickets.c
    return and_(t.no_registrasi == no_registrasi, t.kategori == kategori, t.closed_at.is_(None))


__all__ = ["keys", "repeats", "condition"]
