"""Tracking tokens out of the access logs: an old link (``/lacak?resi=..&token=..``, from messages sent before the
token moved into the URL's fragment) still reaches the server with its token in the query. The request line
that werkzeug's development server and gunicorn log is rewritten to ``token=[disaring]`` before any handler
sees it."""
from __future__ import annotations

import logging
import re

TOKEN = re.compile(r"((?:^|[?&;\s])(?:token|pin)=)[^&\s\"']+", re.IGNORECASE)
LOGGERS = ("werkzeug", "gunicorn.access")
MASK = r"\1[disaring]"


class RedactTokens(logging.Filter):
    """Rewrites a record's message with tracking tokens and PINs masked (never drops the record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logged as it is
            return True
        if "token=" in message.lower() or "pin=" in message.lower():
            record.msg, record.args = TOKEN.sub(MASK, message), ()
        return True


def install() -> None:
    """Add the filter to the access loggers once (several apps in one process share the loggers)."""
    for name in LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in target.filters):
            target.addFilter(RedactTokens())


__all__ = ["RedactTokens", "install"]
