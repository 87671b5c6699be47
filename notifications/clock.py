"""Where notifications read the time: a clock is a function returning an aware UTC datetime.

Delivery reads the clock at each step that stamps a row (a lease when it is claimed, ``sent_at`` when the
provider has answered, the next attempt when one failed), never once for a whole batch: a lease taken
late in a long sweep must still run its full length from the moment it was taken.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The system's clock, in UTC."""
    return datetime.now(timezone.utc)


def fixed(now: datetime) -> Clock:
    """A clock stopped at ``now``: for tests and simulations that say when everything happens."""
    return lambda: now


__all__ = ["Clock", "utcnow", "fixed"]
