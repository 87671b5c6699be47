"""``alur serve`` is a production server (gunicorn with several workers) by default and the README's one-line
command brings up a working demo on a fresh database (issue 13, item 11)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest

from tests.conftest import ROOT
from tests.test_worker_processes import descendants, wait_for

pytestmark = pytest.mark.slow
START = "import sys; from admin.cli import main; sys.argv[0] = 'alur'; main()"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers.get("Server", "")
    except OSError:
        return None


@pytest.fixture
def served(tmp_path):
    port = free_port()
    env = {**os.environ, "ALUR_DATABASE_URL": f"sqlite:///{tmp_path / 'alur.db'}",
           "ALUR_INSTANCE_PATH": str(tmp_path / "instance"), "ALUR_SECRET_KEY": "serve-test",
           "ALUR_IDENTITY_SALT": "serve-test"}
    env.pop("ALUR_REDIS_URL", None)
    process = subprocess.Popen([sys.executable, "-c", START, "serve", "--demo", "--port", str(port), "--workers", "2"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(40)
        except subprocess.TimeoutExpired:
            for pid in descendants(process.pid) | {process.pid}:
                os.kill(pid, signal.SIGKILL)
        process.stdout.close()


def test_serve_demo_runs_gunicorn_workers_that_are_replaced_when_they_die(served):
    process, base = served
    answer = wait_for(lambda: get(f"{base}/healthz") or process.poll() is not None, 90)
    assert answer not in (None, True), process.stdout.read() if process.poll() is not None else "no answer"
    status, server = answer
    assert status == 200 and server.startswith("gunicorn")
    workers = wait_for(lambda: descendants(process.pid) if len(descendants(process.pid)) >= 2 else None, 30)
    assert workers and len(workers) >= 2
    os.kill(min(workers), signal.SIGKILL)
    assert wait_for(lambda: (descendants(process.pid) - workers) or None, 30), "the killed worker was not replaced"
    assert get(f"{base}/login")[0] == 200
