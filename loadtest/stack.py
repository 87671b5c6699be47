"""A production-like alur on loopback for load and fault runs: its own PostgreSQL cluster (so restarting it
disturbs nobody else's database), the web server, the workers, the sweeper, and the fixtures process
(mail and webhook sinks, a Redis proxy). Every process is started and stopped by id from here.

The PostgreSQL cluster ``15/loadtest`` on port 5439 is created on first use (``pg_createcluster``; local
connections trusted, loopback only) and stopped by `Stack.stop`.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CLUSTER = ("15", "loadtest")
PG_PORT = 5439
ROOT = Path(__file__).resolve().parent.parent
SOP = ROOT / "definitions" / "pengaduan-ptsp.yaml"


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


def ensure_cluster() -> None:
    """Create (once) and start the load test's own PostgreSQL cluster."""
    version, name = CLUSTER
    if not Path(f"/etc/postgresql/{version}/{name}").exists():
        sh("pg_createcluster", version, name, "--port", str(PG_PORT), "--", "--auth-host=trust", "--auth-local=trust")
        conf = Path(f"/etc/postgresql/{version}/{name}/postgresql.conf")
        conf.write_text(conf.read_text() + "\nlisten_addresses = '127.0.0.1'\nmax_connections = 200\n")
    if "online" not in sh("pg_lsclusters", version, name).stdout:
        sh("pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start")


def restart_postgres() -> float:
    """Restart the load test's cluster (never the shared one); returns the seconds it took."""
    started = time.monotonic()
    sh("pg_ctlcluster", "--skip-systemctl-redirect", *CLUSTER, "restart")
    return time.monotonic() - started


def stop_cluster() -> None:
    sh("pg_ctlcluster", "--skip-systemctl-redirect", *CLUSTER, "stop", check=False)


def fresh_database(name: str) -> str:
    """Drop and create database ``name`` in the cluster; its URL."""
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        sh("psql", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "-qc", sql)
    return f"postgresql+psycopg://postgres@127.0.0.1:{PG_PORT}/{name}"


@dataclass
class Stack:
    """The processes of one run, all on loopback; ``code`` is the checkout whose alur runs."""

    code: Path
    workdir: Path
    database: str = "alur_load"
    web_port: int = 8801
    smtp_port: int = 2526
    fixtures_port: int = 8826
    redis_proxy_port: int = 6391
    redis_db: int = 13
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    api_key: str = ""

    def prepare(self, extra_env: dict[str, str] | None = None) -> None:
        """A fresh database, migrated, with the SOP published and an API key for the load client."""
        ensure_cluster()
        self.workdir.mkdir(parents=True, exist_ok=True)
        url = fresh_database(self.database)
        self.env = {**os.environ, "PYTHONPATH": str(self.code), "ALUR_DATABASE_URL": url,
                    "ALUR_REDIS_URL": f"redis://127.0.0.1:{self.redis_proxy_port}/{self.redis_db}",
                    "ALUR_QUEUE_PREFIX": f"load{secrets.token_hex(3)}",
                    "ALUR_SECRET_KEY": "loadtest", "ALUR_IDENTITY_SALT": "loadtest",
                    "ALUR_INSTANCE_PATH": str(self.workdir / "instance"), "ALUR_INSECURE_COOKIES": "1",
                    "ALUR_PUBLIC_URL": f"http://127.0.0.1:{self.web_port}", "ALUR_METRICS_TOKEN": "loadtest",
                    "ALUR_SMTP_HOST": "127.0.0.1", "ALUR_SMTP_PORT": str(self.smtp_port),
                    "ALUR_WEBHOOK_URL": f"http://127.0.0.1:{self.fixtures_port}/hook",
                    "ALUR_WEBHOOK_SECRET": "loadtest", "ALUR_RATELIMIT_API": "1000000 per minute",
                    "ALUR_RATELIMIT_FORM": "1000000 per minute", "ALUR_RATELIMIT_TRACK": "1000000 per minute",
                    **(extra_env or {})}
        self.alur("db", "upgrade")
        self.alur("definitions", "publish", str(SOP))
        self.api_key = self.python("from workflow.runtime import build_runtime; "
                                   "from workflow.services.apikeys import create_key; "
                                   "print(create_key(build_runtime().store, 'load', ['intake', 'read', 'act'])[1])")

    def alur(self, *args: str) -> str:
        return self.python("import sys; from admin.cli import main; sys.argv[0] = 'alur'; main()", *args)

    def alur_command(self, *args: str) -> list[str]:
        """The command line of ``alur ARGS`` run by the checkout under test."""
        return [sys.executable, "-c", "import sys; from admin.cli import main; sys.argv[0] = 'alur'; main()", *args]

    def python(self, code: str, *args: str) -> str:
        done = subprocess.run([sys.executable, "-c", code, *args], cwd=self.code, env=self.env, capture_output=True,
                              text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{code[:60]} {args}: {done.stderr[-2000:]}")
        return done.stdout.strip()

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start a process (``alur`` arguments, or a module after ``-m``), logging to workdir/<name>.log."""
        command = [sys.executable, "-m", *args[1:]] if args[0] == "-m" else \
            [sys.executable, "-c", "import sys; from admin.cli import main; sys.argv[0] = 'alur'; main()", *args]
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(command, cwd=self.code, env={**self.env, **(env or {})}, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        return self.procs[name]

    def start_fixtures(self) -> None:
        self.start("fixtures", "-m", "loadtest.fixtures", "--smtp-port", str(self.smtp_port), "--http-port",
                   str(self.fixtures_port), "--redis-port", str(self.redis_proxy_port), "--redis-target",
                   "127.0.0.1:6379", env={"PYTHONPATH": str(ROOT)})
        self.wait_http(f"http://127.0.0.1:{self.fixtures_port}/_counts")

    def start_web(self, workers: int = 4, gunicorn: bool = False) -> None:
        if gunicorn:  # the same server for code that predates `alur serve` on gunicorn
            command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.web_port}",
                       "--timeout", "30", "admin.wsgi:app"]
            log = open(self.workdir / "web.log", "ab")  # noqa: SIM115
            self.procs["web"] = subprocess.Popen(command, cwd=self.code, env=self.env, stdout=log,
                                                 stderr=subprocess.STDOUT, start_new_session=True)
        else:
            self.start("web", "serve", "--host", "127.0.0.1", "--port", str(self.web_port), "--workers", str(workers))
        self.wait_http(f"http://127.0.0.1:{self.web_port}/healthz")

    def wait_http(self, url: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{url} did not answer in {seconds:.0f} s")

    def children(self, name: str) -> list[int]:
        """The direct children of a started process (gunicorn's workers, alur worker's workers)."""
        pid = self.procs[name].pid
        out = sh("ps", "-o", "pid=", "--ppid", str(pid), check=False).stdout.split()
        return [int(p) for p in out]

    def kill(self, name: str) -> None:
        """SIGKILL a process and everything in its session (what a crash of the machine's process does)."""
        proc = self.procs.get(name)
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(10)

    def kill_top(self, name: str, settle: float = 10.0) -> tuple[float, list[int]]:
        """SIGKILL only the process itself (as ``kill -9 <pid>`` does) and wait up to ``settle`` seconds for
        the rest of its session (its workers, finishing the job in hand) to follow; the seconds that took and
        the ids still alive then, which are killed too."""
        proc = self.procs[name]
        started = time.monotonic()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        alive = self._session(proc.pid)
        while alive and time.monotonic() - started < settle:
            time.sleep(0.1)
            alive = self._session(proc.pid)
        for pid in alive:
            os.kill(pid, signal.SIGKILL)
        return time.monotonic() - started, alive

    @staticmethod
    def _session(sid: int) -> list[int]:
        alive = []
        for line in sh("ps", "-o", "pid=,stat=", "--sid", str(sid), check=False).stdout.splitlines():
            pid, stat = line.split()
            if not stat.startswith("Z"):
                alive.append(int(pid))
        return alive

    def stop(self) -> None:
        for name in list(self.procs):
            proc = self.procs[name]
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for name, proc in list(self.procs.items()):
            try:
                proc.wait(40)
            except subprocess.TimeoutExpired:
                self.kill(name)
        self.procs.clear()

    def fixtures(self, path: str = "/_counts", method: str = "GET") -> dict:
        request = urllib.request.Request(f"http://127.0.0.1:{self.fixtures_port}{path}", method=method,
                                         data=b"" if method == "POST" else None)
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def metrics(self) -> str:
        request = urllib.request.Request(f"http://127.0.0.1:{self.web_port}/metrics",
                                         headers={"Authorization": "Bearer loadtest"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode()
