"""Logging without personal data: logs name a delivery by its id and channel, never its address.

Logs leave the access rules behind (they are shipped, kept and read by people who may not see a
complainant's identity), so nothing in notifications logs an address, a phone number or a message.
An exception's text may carry exactly that (an SMTP reply repeats the address, a provider error the
phone number, a database error its parameters), so unexpected failures are logged by their type and
where they were raised; the full reason is kept in the delivery's ``last_error`` (``alur outbox list``),
which is behind the console's access rules.
"""
from __future__ import annotations

import logging
import sys
import traceback

__all__ = ["log_unexpected"]


def log_unexpected(logger: logging.Logger, what: str, *args: object) -> None:
    """Log the exception being handled at ERROR: ``what % args``, its type and its stack, not its text."""
    kind, _, stack = sys.exc_info()
    where = "".join(traceback.format_tb(stack)).rstrip() if stack is not None else ""
    logger.error(what + " (%s)\n%s", *args, kind.__name__ if kind is not None else "no exception", where)
