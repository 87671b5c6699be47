"""The production web server behind ``alur serve``: gunicorn, with the app built once in its master.

Werkzeug's server says "Do not use it in a production deployment": one process, no worker restarts,
no request timeouts. gunicorn runs ``workers`` processes forked from a master that restarts any that
dies or hangs past ``timeout`` seconds. The app (and the runtime with its database pool) is built once
in the master, which then closes its database connections before forking: a connection open across a
fork breaks SQLite's locking in the child ("database is locked" for good), and the master never uses
the database again. Each worker drops whatever pooled connections it inherited (`post_fork`) and, without
Redis, starts its own notification thread and in-process sweeper (threads do not survive a fork). Several
sweepers are safe: on PostgreSQL they split the due rows (``FOR UPDATE SKIP LOCKED``), on SQLite writers
are serialised, and each rung fires once either way.

Each worker serves ``threads`` requests at a time (gunicorn's gthread worker), so a slow client or a
mail server cannot hold a whole worker.
"""
from __future__ import annotations

import logging
import os
from typing import Any

from gunicorn.app.base import BaseApplication

from notifications import delivery
from workflow.jobs import periodic

logger = logging.getLogger(__name__)


def default_workers() -> int:
    """``ALUR_WEB_WORKERS``, else two per CPU core (requests spend much of their time on the database)."""
    return int(os.environ.get("ALUR_WEB_WORKERS") or 2 * (os.cpu_count() or 1))


class AlurServer(BaseApplication):
    """gunicorn running one already-built Flask app."""

    def __init__(self, app, runtime, options: dict[str, Any]):
        self.application = app
        self.runtime = runtime
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)
        self.cfg.set("post_fork", self.post_fork)

    def post_fork(self, server, worker) -> None:
        rt = self.runtime
        rt.store.after_fork()  # pooled connections must not cross a fork
        rt.extras.pop("redis", None)
        if not rt.redis_url:
            delivery.start_background_delivery(rt)
            periodic.start_inprocess_sweeper(rt)

    def load(self):
        return self.application


def run(app, runtime, *, host: str, port: int, workers: int, threads: int = 4, timeout: int = 30) -> None:
    """Serve ``app`` on ``host:port`` until stopped (SIGTERM or Ctrl-C: workers finish their requests)."""
    runtime.store.engine.dispose()  # nothing open in the master when it forks its workers
    AlurServer(app, runtime, {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                              "worker_class": "gthread", "timeout": timeout, "graceful_timeout": timeout,
                              "accesslog": os.environ.get("ALUR_ACCESS_LOG"), "errorlog": "-",
                              "proc_name": "alur", "control_socket_disable": True}).run()


__all__ = ["AlurServer", "run", "default_workers"]
