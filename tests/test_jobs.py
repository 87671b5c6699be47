"""Rung jobs on the real Redis, the periodic sweep, and what survives losing Redis or a worker.

Redis tests use the test Redis (ALUR_TEST_REDIS_URL, db 15) with a unique queue prefix per test, and
"flush" only the keys of that prefix, so parallel test runs do not disturb each other.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from tests.conftest import REDIS_URL, ROOT, SOP, drop_schema, postgres_engine, service_missing, walk_in_record
from workflow.core.audit import verify_rows
from workflow.core.calendar import WorkingCalendar
from workflow.jobs import periodic, queues
from workflow.jobs import worker as jobs_worker
from workflow.jobs.rungs import fire_rung_job
from workflow.runtime import Runtime
from workflow.services.engine import Engine
from workflow.services.escalation import sweep_due_rungs
from workflow.services.publish import publish
from workflow.store import models as m
from workflow.store.db import make_engine, upgrade
from workflow.store.sql import SqlStore


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@pytest.fixture
def redis_conn():
    from redis import Redis
    from redis.exceptions import RedisError

    conn = Redis.from_url(REDIS_URL)
    try:
        conn.ping()
    except RedisError as exc:
        service_missing("Redis", exc)
    yield conn
    conn.close()


@pytest.fixture
def prefix(redis_conn):
    value = f"t{uuid.uuid4().hex[:10]}"
    yield value
    flush_prefix(redis_conn, value)


def flush_prefix(conn, value: str) -> int:
    """Everything rq keeps for this test (queues, registries, jobs) is gone: as if Redis restarted empty."""
    keys = list(conn.scan_iter(match=f"*{value}*", count=1000))
    if keys:
        conn.delete(*keys)
    return len(keys)


def make_runtime(db, *, redis: bool = False, prefix: str | None = None) -> Runtime:
    store = SqlStore(db)
    engine = Engine(store, calendar=WorkingCalendar())
    rt = Runtime(store=store, engine=engine, catalogs=engine.catalogs,
                 redis_url=REDIS_URL if redis else None)
    if prefix:
        rt.extras["queue_prefix"] = prefix
    return rt


@pytest.fixture
def runtime(db_engine, published):
    rt = make_runtime(db_engine)
    jobs_worker.set_runtime(rt)
    yield rt
    jobs_worker.set_runtime(None)


@pytest.fixture
def redis_runtime(db_engine, published, redis_conn, prefix):
    rt = make_runtime(db_engine, redis=True, prefix=prefix)
    queues.install(rt)
    jobs_worker.set_runtime(rt)
    yield rt
    jobs_worker.set_runtime(None)


def count(db, table, *where) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def penyelesaian_rungs(db) -> list[tuple[int, int]]:
    with db.connect() as conn:
        return sorted(conn.execute(select(m.escalations.c.clock_run_id, m.escalations.c.rung)
                                   .join(m.clocks, m.clocks.c.id == m.escalations.c.clock_run_id)
                                   .where(m.clocks.c.clock == "penyelesaian")).all())


def open_past(rt, actor, days: float = 4.0, n: int = 1):
    """Tickets opened ``days`` ago: the 50 % rung of their 7-day clock (3.5 days) is due now."""
    return [rt.engine.open("pengaduan-ptsp", walk_in_record(nama=f"Pengadu {i}"), actor,
                           now=utcnow() - timedelta(days=days)).ticket for i in range(n)]


def work(rt):
    from rq import SimpleWorker

    worker = SimpleWorker([queues.queue(rt)], connection=queues.redis_connection(rt), serializer=queues.serializer())
    worker.work(burst=True, with_scheduler=True)


# -- without Redis -----------------------------------------------------------------------------------
def test_run_periodic_runs_every_task_and_one_failing_stops_none(runtime, actors):
    open_past(runtime, actors["petugas"])

    def broken(rt, now=None):
        raise RuntimeError("a broken task")

    results = periodic.run_periodic(runtime, tasks={"broken": broken, **periodic.ENGINE_TASKS})
    assert results == {"broken": None, "sweep_due_rungs": 3, "close_unconfirmed": 0}
    assert list(periodic.tasks_of(runtime))[:2] == ["sweep_due_rungs", "close_unconfirmed"]


def test_inprocess_sweeper_escalates_without_redis(runtime, actors):
    ticket = open_past(runtime, actors["petugas"])[0]
    handle = periodic.start_inprocess_sweeper(runtime, interval=0.2)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and count(runtime.db, m.escalations) < 3:
            time.sleep(0.05)
    finally:
        handle.stop()
    assert not handle.running
    assert count(runtime.db, m.escalations, m.escalations.c.ticket_id == ticket.id) == 3
    background = periodic.start_background(runtime, interval=60)  # no Redis: the in-process default
    assert isinstance(background, periodic.Sweeper)
    background.stop()
    assert not background.running


def test_worker_without_redis_explains_what_to_do(runtime):
    from admin.cli import cli
    result = CliRunner().invoke(cli, ["worker", "--burst"], obj={"runtime": runtime})
    assert result.exit_code == 1 and "ALUR_REDIS_URL" in result.output and "alur serve" in result.output
    result = CliRunner().invoke(cli, ["sweep", "--once"], obj={"runtime": runtime})
    assert result.exit_code == 0 and "sweep_due_rungs=" in result.output


@pytest.mark.redis
def test_worker_without_forking_runs_the_due_rung_jobs_in_its_own_process(redis_runtime, actors):
    """`alur worker --no-fork --burst` (rq's SimpleWorker) fires the scheduled rungs as the forking worker
    does (test_worker_with_scheduler_fires_a_due_rung_and_schedules_the_next): both clocks' due rungs."""
    from admin.cli import cli

    ticket = open_past(redis_runtime, actors["petugas"])[0]  # its rungs were scheduled on open
    assert count(redis_runtime.db, m.escalations) == 0
    result = CliRunner().invoke(cli, ["worker", "--burst", "--no-fork"], obj={"runtime": redis_runtime})
    assert result.exit_code == 0, result.output
    assert penyelesaian_rungs(redis_runtime.db) == [(ticket.clock("penyelesaian").id, 0)]
    assert count(redis_runtime.db, m.escalations, m.escalations.c.ticket_id == ticket.id) == 2


def test_preload_leaves_a_work_horse_nothing_to_load(runtime, actors):
    """`alur worker` loads the definitions and the calendar before rq forks a work horse per job, so a job
    neither reads the definition nor reloads the calendar (it still checks the calendar's stamp)."""
    from sqlalchemy import event

    ticket = open_past(runtime, actors["petugas"])[0]
    worker = make_runtime(runtime.db)  # as `alur worker` starts: nothing loaded yet
    jobs_worker.preload(worker)
    jobs_worker.set_runtime(worker)
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):  # noqa: ANN001
        seen.append(" ".join(statement.split()))

    event.listen(runtime.db, "before_cursor_execute", listener)
    try:
        assert fire_rung_job(ticket.id, ticket.clock("penyelesaian").id, 0) is True
    finally:
        event.remove(runtime.db, "before_cursor_execute", listener)
    assert [s for s in seen if "FROM definitions" in s or "calendar_closures.day" in s] == []
    assert any("calendar_closures" in s for s in seen)  # the stamp, in the job's own transaction


# -- with Redis ----------------------------------------------------------------------------------------
@pytest.mark.redis
def test_a_fire_schedules_each_next_rung_with_a_deterministic_id(redis_runtime, actors):
    from rq.registry import ScheduledJobRegistry

    rt = redis_runtime
    ticket = rt.engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"], now=utcnow()).ticket
    registry = ScheduledJobRegistry(queue=queues.queue(rt))
    run = ticket.clock("penyelesaian")
    job_id = queues.rung_job_id(rt, run.id, 0)
    assert ":" not in job_id and job_id in registry.get_job_ids()
    assert abs(registry.get_scheduled_time(job_id).timestamp() - run.next_rung_at.timestamp()) < 1
    assert len(registry.get_job_ids()) == 2  # penyelesaian and tanggapan_awal

    # Pausing and resuming two days later moves the rung: the same job id, a later time, no second job.
    rt.engine.fire(ticket.id, "minta_kelengkapan", actors["petugas"], {"kekurangan": "KTP"}, now=utcnow())
    resumed = rt.engine.fire(ticket.id, "lengkapi", actors["pemohon"], {"kelengkapan": "ada"},
                             now=utcnow() + timedelta(days=2))
    assert len(registry.get_job_ids()) == 2
    moved = registry.get_scheduled_time(job_id).timestamp()
    assert abs(moved - resumed.clock("penyelesaian").next_rung_at.timestamp()) < 1
    assert moved > run.next_rung_at.timestamp() + 86400


@pytest.mark.redis
def test_worker_with_scheduler_fires_a_due_rung_and_schedules_the_next(redis_runtime, actors):
    from rq.registry import ScheduledJobRegistry

    rt = redis_runtime
    ticket = open_past(rt, actors["petugas"])[0]
    work(rt)
    run = ticket.clock("penyelesaian")
    assert penyelesaian_rungs(rt.db) == [(run.id, 0)]
    # tanggapan_awal's 75 % fired too, and its job scheduled the 100 % rung (already due): the next run fires it.
    assert count(rt.db, m.escalations, m.escalations.c.ticket_id == ticket.id) == 2
    work(rt)
    assert count(rt.db, m.escalations, m.escalations.c.ticket_id == ticket.id) == 3
    # The fired job scheduled the 80 % rung for later; running the worker again fires nothing.
    assert queues.rung_job_id(rt, run.id, 1) in ScheduledJobRegistry(queue=queues.queue(rt)).get_job_ids()
    work(rt)
    assert sweep_due_rungs(rt) == 0
    assert count(rt.db, m.escalations, m.escalations.c.ticket_id == ticket.id) == 3


@pytest.mark.redis
def test_redis_flushed_the_sweep_still_fires_every_due_rung_once(redis_runtime, actors, redis_conn, prefix):
    rt = redis_runtime
    tickets = open_past(rt, actors["petugas"], n=5)
    assert flush_prefix(redis_conn, prefix) > 0  # every scheduled rung job is lost
    assert sweep_due_rungs(rt) == 5 * 3
    assert sweep_due_rungs(rt) == 0
    assert len(penyelesaian_rungs(rt.db)) == 5
    # The sweep scheduled the following rungs again; jobs left behind and the sweep do not double-fire.
    more = open_past(rt, actors["petugas"], n=2)
    assert sweep_due_rungs(rt) == 2 * 3
    work(rt)  # the two new tickets' jobs run after the sweep fired their rungs: nothing happens
    assert count(rt.db, m.escalations) == 7 * 3
    assert count(rt.db, m.outbox, m.outbox.c.template.in_(("peringatan_tenggat", "eskalasi"))) == 7 * (1 + 2 + 1)
    assert {t.id for t in tickets + more} == {tid for (tid,) in _ticket_ids_with_escalations(rt.db)}


@pytest.mark.redis
def test_a_catch_up_sweep_leaves_jobs_only_for_rungs_it_did_not_fire(redis_runtime, actors, redis_conn, prefix):
    """After downtime the sweep fires each due rung itself; scheduling a job for every next rung that is
    already due would only hand the workers one redundant job per rung. Rungs it leaves unfired (here
    its limit) do get their job."""
    from rq.registry import ScheduledJobRegistry

    rt = redis_runtime
    ticket = open_past(rt, actors["petugas"], days=30)[0]
    flush_prefix(redis_conn, prefix)  # Redis restarted empty
    registry = ScheduledJobRegistry(queue=queues.queue(rt))
    assert sweep_due_rungs(rt, limit=3) == 3  # both runs' first rung, then tanggapan_awal's last
    penyelesaian = ticket.clock("penyelesaian")
    assert registry.get_job_ids() == [queues.rung_job_id(rt, penyelesaian.id, 1)]
    assert sweep_due_rungs(rt) == 4  # penyelesaian's other four rungs: no job for any of them
    assert registry.get_job_ids() == [queues.rung_job_id(rt, penyelesaian.id, 1)]
    work(rt)  # the one job left finds its rung fired
    assert count(rt.db, m.escalations) == 7


def _ticket_ids_with_escalations(db):
    with db.connect() as conn:
        return conn.execute(select(m.escalations.c.ticket_id).distinct()).all()


@pytest.mark.redis
def test_claim_and_enqueue_hands_due_rungs_to_workers(redis_runtime, actors, redis_conn):
    rt = redis_runtime
    open_past(rt, actors["petugas"], n=3)
    from rq.registry import ScheduledJobRegistry

    redis_conn.delete(ScheduledJobRegistry(queue=queues.queue(rt)).key)  # only the sweep's jobs remain
    assert queues.claim_and_enqueue(rt) == 3 * 2  # penyelesaian 50 % and tanggapan_awal 75 % per ticket
    assert queues.queue(rt).count == 6
    work(rt)
    assert count(rt.db, m.escalations) == 3 * 2
    work(rt)  # the jobs scheduled tanggapan_awal's 100 % rungs (already due)
    assert count(rt.db, m.escalations) == 3 * 3
    assert sweep_due_rungs(rt) == 0


# -- a worker killed in the middle of an escalation ------------------------------------------------------
def slow_fire_job(ticket_id: int, clock_run_id: int, rung: int, marker: str) -> bool:
    """The real job body, but the first attempt stops just before COMMIT and waits to be killed."""
    from workflow.store.sql import SqlUnitOfWork

    if not os.path.exists(marker):
        original = SqlUnitOfWork.commit

        def commit(self):
            tmp = Path(marker + ".tmp")
            tmp.write_text(str(os.getpid()))
            tmp.rename(marker)  # the test reads the pid as soon as the marker exists
            time.sleep(120)
            original(self)

        SqlUnitOfWork.commit = commit
    return fire_rung_job(ticket_id, clock_run_id, rung)


def _in_group(pid: str, group: int) -> bool:
    """Whether /proc/<pid> is a process (not yet reaped or a zombie) of process group ``group``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return False
    return fields[0] != "Z" and int(fields[2]) == group


@pytest.mark.redis
@pytest.mark.slow
def test_worker_killed_mid_escalation_is_retried_without_duplicates(tmp_path, redis_conn, prefix, actors):
    from rq import Retry
    from rq.registry import StartedJobRegistry

    url = f"sqlite:///{tmp_path / 'alur.db'}"
    db = make_engine(url)
    upgrade(db)
    rt = make_runtime(db, redis=True, prefix=prefix)
    publish(rt.store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=utcnow())
    ticket = open_past(rt, actors["petugas"])[0]  # not installed: no rung job scheduled by the open
    run = ticket.clock("penyelesaian")
    marker = tmp_path / "in-commit"
    q = queues.queue(rt)
    q.enqueue("tests.test_jobs.slow_fire_job", ticket.id, run.id, 0, str(marker),
              job_id=queues.rung_job_id(rt, run.id, 0), retry=Retry(max=2))

    env = dict(os.environ, ALUR_DATABASE_URL=url, ALUR_REDIS_URL=REDIS_URL, ALUR_QUEUE_PREFIX=prefix,
               ALUR_IDENTITY_SALT="test", PYTHONPATH=str(ROOT))
    worker = subprocess.Popen([str(Path(sys.executable).with_name("alur")), "worker"], cwd=ROOT, env=env,
                              start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.05)
        assert marker.exists(), worker.stderr.read().decode() if worker.poll() is not None else "job never started"
        # The machine dies: the work horse (rq forks it into its own session) in the middle of the
        # escalation's transaction, and the worker that watches it.
        horse = int(marker.read_text() or 0)
        os.kill(horse, signal.SIGKILL)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        # `alur worker` supervises several workers: until each has exited, Redis may still hand the
        # requeued job to a dead worker's blocking pop
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_in_group(pid, worker.pid) for pid in os.listdir("/proc")):
            time.sleep(0.05)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.stderr.close()
    assert count(db, m.escalations) == 0  # nothing committed

    # rq's maintenance finds the abandoned job (its heartbeat expired) and retries it.
    StartedJobRegistry(queue=q).cleanup(timestamp=time.time() + 10**6)
    assert q.count == 1
    jobs_worker.set_runtime(rt)
    try:
        work(rt)
        assert sweep_due_rungs(rt) == 2  # tanggapan_awal's rungs; penyelesaian 50 % was fired by the retry
        fire_rung_job(ticket.id, run.id, 0)  # and a late duplicate job changes nothing
    finally:
        jobs_worker.set_runtime(None)
    assert penyelesaian_rungs(db) == [(run.id, 0)]
    with db.connect() as conn:
        rows = conn.execute(select(m.outbox.c.recipient, m.outbox.c.detail).where(
            m.outbox.c.template == "peringatan_tenggat")).all()
    assert [r.recipient for r in rows if r.detail["clock"] == "penyelesaian"] == ["assignee"]
    status = verify_rows(rt.store.audit_rows())
    assert status.ok
    db.dispose()


# -- two sweepers racing on PostgreSQL -------------------------------------------------------------------
@pytest.mark.postgres
def test_two_sweepers_racing_on_postgresql_fire_each_due_rung_once():
    from benchmarks.seed import seed_tickets
    from tests.conftest import POSTGRES_URL

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin, db = postgres_engine(schema)
    try:
        upgrade(db)
        now = utcnow()
        seed_tickets(db, 400, overdue_fraction=0.75, seed=7, progress=False, now=now)
        due = count(db, m.clocks, m.clocks.c.next_rung_at <= now)
        assert due > 250
        engines = [make_engine(POSTGRES_URL, schema=schema) for _ in range(2)]
        runtimes = [make_runtime(e) for e in engines]
        results: list[int] = []
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def sweeper(rt):
            try:
                barrier.wait()
                results.append(sweep_due_rungs(rt, now=now, batch=20))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=sweeper, args=(rt,)) for rt in runtimes]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors
        assert sum(results) == due
        assert count(db, m.escalations) == due
        with db.connect() as conn:
            distinct = conn.execute(select(func.count()).select_from(
                select(m.escalations.c.clock_run_id, m.escalations.c.rung).distinct().subquery())).scalar()
        assert distinct == due
        assert count(db, m.outbox) == due  # rung 0 notifies the assignee only
        assert verify_rows(SqlStore(db).audit_rows()).ok
        for e in engines:
            e.dispose()
    finally:
        db.dispose()
        drop_schema(admin, schema)
