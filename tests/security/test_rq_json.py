"""rq jobs are JSON, not pickle: whoever can write to Redis can queue a job, but not run code in a worker
by the act of it being read (pickle runs whatever the payload names while loading it)."""
from __future__ import annotations

import json
import zlib
from datetime import timedelta
from pathlib import Path

import pytest

from notifications.jobs import enqueue_pending
from tests.conftest import REDIS_URL, memory_runtime, walk_in_record
from tests.test_delivery import redis_queue  # noqa: F401 - the fixture
from workflow.core.guards import Actor
from workflow.jobs import queues
from workflow.jobs.worker import run_worker

pytestmark = pytest.mark.redis


@pytest.fixture
def rt(redis_queue):  # noqa: F811 - the imported fixture
    connection, prefix = redis_queue  # a unique queue prefix on the test Redis, removed afterwards
    runtime = memory_runtime()
    runtime.redis_url = REDIS_URL
    runtime.extras.update(queue_prefix=prefix, redis=connection)
    return runtime


class Planted:
    """What an attacker with Redis access would queue: unpickling it runs code (here: touches a file)."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_rung_and_notification_jobs_are_stored_as_json(rt):
    ticket = rt.engine.open("pengaduan-ptsp", walk_in_record(), Actor("petugas", frozenset({"petugas"})),
                            now=rt.engine.now() - timedelta(days=4)).ticket
    [run] = [r for r in ticket.clocks if r.status == "running"][:1]
    rung_job = queues.enqueue_rung(rt, run, ticket.id)
    [outbox_job] = enqueue_pending(rt, [7])
    connection = queues.redis_connection(rt)
    for job_id in (rung_job.id, outbox_job):
        data = zlib.decompress(connection.hget(f"rq:job:{job_id}", "data"))
        assert json.loads(data)  # JSON text, not a pickle
        assert rung_job.serializer.__name__ == "JSONSerializer"


def test_the_worker_does_not_unpickle_a_job_planted_in_redis(rt, tmp_path):
    from rq import Queue

    planted = tmp_path / "ran"
    name = queues.queue_name(rt, queues.ESCALATION_QUEUE)
    Queue(name, connection=queues.redis_connection(rt)).enqueue(print, Planted(planted))  # rq's default: pickle
    run_worker(rt, burst=True, queue_names=(queues.ESCALATION_QUEUE,), fork=False)
    assert not planted.exists(), "the worker unpickled a job from Redis"
