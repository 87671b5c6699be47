"""``alur worker`` as a service manager sees it: a ``kill -9`` takes its rq scheduler child with it and
frees the scheduler lock (issue 13, item 10), and a worker that dies is restarted by the command's own
supervisor (item 9). Real processes on the real Redis and an SQLite database."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL, ROOT, service_missing
from workflow.store.db import make_engine, upgrade

pytestmark = [pytest.mark.redis, pytest.mark.slow]
START = "import sys; from admin.cli import main; sys.argv[0] = 'alur'; main()"


@pytest.fixture
def redis_conn():
    import redis

    conn = redis.Redis.from_url(REDIS_URL)
    try:
        conn.ping()
    except Exception as exc:  # noqa: BLE001
        service_missing("Redis", exc)
    return conn


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid``, read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def wait_for(condition, seconds: float = 30.0):
    """Poll ``condition`` until it returns something true (returned) or ``seconds`` pass (None)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    return None


@pytest.fixture
def worker_command(tmp_path, redis_conn):
    """Start ``alur worker`` with its own queue prefix; yields (process, scheduler lock keys); kills leftovers."""
    from rq.scheduler import RQScheduler

    db = tmp_path / "alur.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    engine.dispose()
    prefix = f"t{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "ALUR_DATABASE_URL": f"sqlite:///{db}", "ALUR_REDIS_URL": REDIS_URL,
           "ALUR_QUEUE_PREFIX": prefix, "ALUR_INSTANCE_PATH": str(tmp_path / "instance")}
    process = subprocess.Popen([sys.executable, "-c", START, "worker"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    locks = [RQScheduler.get_locking_key(f"{prefix}-{q}") for q in ("escalations", "notifications")]
    seen: set[int] = set()
    try:
        yield process, locks, seen
    finally:
        for pid in {process.pid} | seen | descendants(process.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait(10)
        redis_conn.delete(*locks)


def test_kill_9_of_alur_worker_takes_its_scheduler_with_it_and_frees_the_lock(worker_command, redis_conn):
    process, locks, seen = worker_command
    assert wait_for(lambda: all(redis_conn.exists(k) for k in locks)), "the scheduler never took its locks"
    seen |= descendants(process.pid)
    assert seen, "alur worker started no child process"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    alive = wait_for(lambda: not any(Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) for pid in seen))
    assert alive, f"processes outlived the killed worker: {sorted(p for p in seen if Path(f'/proc/{p}').exists())}"
    assert wait_for(lambda: not any(redis_conn.exists(k) for k in locks)), "the scheduler lock is still held"


def test_kill_9_of_the_worker_running_the_scheduler_stops_its_scheduler(worker_command, redis_conn):
    """The worker (not the command) is killed: its scheduler child stops and frees the lock, so the worker
    started in its place schedules again."""
    process, locks, seen = worker_command
    assert wait_for(lambda: all(redis_conn.exists(k) for k in locks))
    holder = redis_conn.get(locks[0])
    scheduler_pid = wait_for(lambda: _scheduler_pid(redis_conn, holder))
    assert scheduler_pid in descendants(process.pid), "the lock's scheduler is not a child of a worker"
    assert _parent(scheduler_pid) != process.pid, "the scheduler should run below a worker, not the command"
    os.kill(_parent(scheduler_pid), signal.SIGKILL)
    assert wait_for(lambda: _state(scheduler_pid) in ("X", "Z")), "the scheduler outlived its worker"
    assert wait_for(lambda: redis_conn.get(locks[0]) not in (None, holder)), "no scheduler took over the lock"
    seen |= descendants(process.pid)


def test_a_worker_that_dies_is_restarted_by_the_command(worker_command, redis_conn):
    process, locks, seen = worker_command
    assert wait_for(lambda: all(redis_conn.exists(k) for k in locks))
    workers = wait_for(lambda: {p for p in descendants(process.pid) if _parent(p) == process.pid})
    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    replaced = wait_for(lambda: {p for p in descendants(process.pid) if _parent(p) == process.pid} - workers)
    assert replaced, "the killed worker was not restarted"
    assert process.poll() is None
    seen |= descendants(process.pid)


def test_workers_die_with_a_killed_supervisor_even_before_rq_takes_over_their_signals():
    """The window the kill test above meets only sometimes, held open: workers that have not yet installed rq's
    signal handlers (here they never do) still die with a supervisor killed by ``kill -9``. They used to
    inherit the supervisor's own SIGTERM handler, which in a child only set a flag, and lived on."""
    script = ("import time; from workflow.jobs.supervisor import Supervisor; "
              "Supervisor(lambda index: time.sleep(120), 2).run()")
    process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    workers: set[int] = set()

    def alive() -> set[int]:
        return {pid for pid in workers if _state(pid) not in ("X", "Z")}

    try:
        workers = wait_for(lambda: len(descendants(process.pid)) == 2 and descendants(process.pid)) or set()
        assert len(workers) == 2, "the supervisor did not start its two workers"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        assert wait_for(lambda: not alive(), 10), f"workers outlived their killed supervisor: {sorted(alive())}"
    finally:
        for pid in {process.pid} | workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _scheduler_pid(redis_conn, holder: bytes) -> int | None:
    """The pid of the scheduler holding a lock, as it registered itself (rq's ``rq:scheduler:<name>`` hash).

    Each worker may hold the lock of a different queue and run a scheduler of its own, and a worker may be
    running a job in a child, so the process tree alone does not tell which child holds this lock."""
    from rq.scheduler import SCHEDULER_KEY_TEMPLATE

    pid = redis_conn.hget(SCHEDULER_KEY_TEMPLATE % holder.decode(), "pid")
    return int(pid) if pid and int(pid) else None


def _stat(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return ["X", "0"]


def _state(pid: int) -> str:
    return _stat(pid)[0]


def _parent(pid: int) -> int:
    return int(_stat(pid)[1])
