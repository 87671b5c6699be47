"""The runtime the jobs of a worker process run on (rq imports job functions by name, without arguments
to hand them one)."""
from __future__ import annotations

import os
import threading

_runtime = None
_runtime_pid: int | None = None
_runtime_lock = threading.Lock()


def set_runtime(runtime) -> None:
    """Make ``runtime`` the one rq jobs of this process use (``alur worker`` and tests call this)."""
    global _runtime, _runtime_pid
    with _runtime_lock:
        _runtime, _runtime_pid = runtime, os.getpid()


def current_runtime():
    """The runtime for a job: the one set by `set_runtime`, else built once from the environment.

    rq's ``Worker`` forks a work horse per job; pooled database connections must not cross a fork, so
    the first use in a new process drops the inherited pool (the store's `after_fork`) and opens fresh
    connections.
    """
    global _runtime, _runtime_pid
    with _runtime_lock:
        if _runtime is None:
            from workflow.runtime import build_runtime

            _runtime, _runtime_pid = build_runtime(), os.getpid()
        elif _runtime_pid != os.getpid():
            _runtime.store.after_fork()
            _runtime.extras.pop("redis", None)
            _runtime_pid = os.getpid()
        return _runtime


__all__ = ["set_runtime", "current_runtime"]
