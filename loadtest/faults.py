"""Load with faults, then the cross-check: ``python -m loadtest.faults [--seconds 150] [--clients 16]``.

Runs the stack of `loadtest.stack` (gunicorn with 4 workers, ``alur worker``, ``alur sweep --every 30``,
sinks counting every message, a Redis proxy) and the bounded client of `loadtest.client` for a fixed
time, injecting one fault per phase while the load goes on:

1. baseline;
2. ``kill -9`` of one web worker (gunicorn starts another);
3. ``kill -9`` of ``alur worker`` with its workers and scheduler, restarted 3 s later (as systemd would);
4. ``kill -9`` of the sweeper, restarted 3 s later;
5. a restart of PostgreSQL (the load test's own cluster);
6. Redis unreachable for a phase (the proxy refuses and cuts connections), then back.

Prints per phase: requests, errors by status, p50/p95/p99 and the recovery time (fault to the last failed
request it caused); then drains the notifications and prints the database cross-check and the delivery
lag from ``/metrics``. Everything runs on 127.0.0.1 and stops by itself.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import tempfile
import threading
import time
from pathlib import Path

from loadtest.check import cross_check
from loadtest.client import LoadClient, recovery, summarise
from loadtest.stack import ROOT, Stack, restart_postgres, stop_cluster


def _restart_later(stack: Stack, name: str, args: tuple[str, ...], delay: float = 3.0) -> None:
    threading.Timer(delay, lambda: stack.start(name, *args)).start()


def fault_plan(stack: Stack) -> list[tuple[str, callable]]:
    worker_args, sweep_args = ("worker",), ("sweep", "--every", "30")

    def kill_web_worker():
        victims = stack.children("web")
        if victims:
            os.kill(victims[0], signal.SIGKILL)

    def kill_worker():  # the command only: its workers and their scheduler must follow it by themselves
        gone_after, left = stack.kill_top("worker", settle=10.0)
        print(f"    alur worker's processes gone {gone_after:.1f} s after its kill -9 (left then: {len(left)})",
              flush=True)
        stack.start("worker", *worker_args)

    def kill_sweeper():
        stack.kill("sweep")
        _restart_later(stack, "sweep", sweep_args)

    def redis_down():
        stack.fixtures("/_redis/down", "POST")

    return [("baseline", lambda: None), ("kill -9 a web worker", kill_web_worker),
            ("kill -9 alur worker (restart after 3 s)", kill_worker),
            ("kill -9 the sweeper (restart after 3 s)", kill_sweeper),
            ("restart PostgreSQL", lambda: print(f"    postgres restarted in {restart_postgres():.1f} s")),
            ("Redis unreachable", redis_down),
            ("Redis back", lambda: stack.fixtures("/_redis/up", "POST"))]


def lag_from_metrics(stack: Stack) -> dict:
    text = stack.metrics()
    found = dict(re.findall(r'^alur_notification_lag_seconds\{quantile="([0-9.]+)"\} ([0-9.e+-]+)$', text, re.M))
    waiting = re.search(r"^alur_notification_waiting_seconds ([0-9.e+-]+)$", text, re.M)
    return {"lag_p50_s": float(found.get("0.5", 0)), "lag_p95_s": float(found.get("0.95", 0)),
            "lag_p99_s": float(found.get("0.99", 0)), "waiting_s": float(waiting.group(1)) if waiting else None}


def drain(stack: Stack, seconds: float = 120) -> None:
    """Wait until the sinks stop receiving (every notification out) or ``seconds`` pass."""
    last, stable_since, deadline = None, time.monotonic(), time.monotonic() + seconds
    while time.monotonic() < deadline:
        counts = stack.fixtures()
        now = (counts["email"]["received"], counts["webhook"]["received"])
        if now != last:
            last, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since > 35:  # longer than a sweep period
            return
        time.sleep(2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=150)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose alur runs")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--filings-per-second", type=float, default=None,
                        help="pace the clients so that filings arrive at this rate (default: as fast as they can)")
    parser.add_argument("--no-faults", action="store_true",
                        help="load only: the notification lag the issue's target is about (no fault delays it)")
    args = parser.parse_args()
    stack = Stack(code=args.code.resolve(), workdir=Path(tempfile.mkdtemp(prefix="alur-load-")))
    try:
        stack.prepare()
        stack.start_fixtures()
        stack.start_web(workers=4)
        stack.start("worker", "worker")
        stack.start("sweep", "sweep", "--every", "30")
        client = LoadClient(f"http://127.0.0.1:{stack.web_port}", stack.api_key, clients=args.clients,
                            seconds=args.seconds, filings_per_second=args.filings_per_second)
        report = run_phases(stack, client, args.seconds, faults=not args.no_faults)
        drain(stack)
        report["lag"] = lag_from_metrics(stack)
        report["check"] = cross_check(stack.env["ALUR_DATABASE_URL"], client.ledger, stack.fixtures())
        report["audit_verify"] = stack.alur("audit", "verify").splitlines()[-1:]
        print(json.dumps(report, indent=2, ensure_ascii=False))
        if args.json:
            args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    finally:
        stack.stop()
        stop_cluster()
        print(f"logs: {stack.workdir}")


def run_phases(stack: Stack, client: LoadClient, seconds: float, faults: bool = True) -> dict:
    plan = fault_plan(stack) if faults else [("load only", lambda: None)]
    phase = seconds / len(plan)
    runner = threading.Thread(target=client.run)
    runner.start()
    marks = []
    for i, (name, act) in enumerate(plan):
        target = client.started + i * phase
        time.sleep(max(0.0, target - time.monotonic()))
        print(f"{time.monotonic() - client.started:6.1f} s  {name}", flush=True)
        marks.append((name, time.monotonic() - client.started))  # from the fault's start: its errors are its own
        act()
    runner.join()
    phases = []
    for i, (name, at) in enumerate(marks):
        until = marks[i + 1][1] if i + 1 < len(marks) else float("inf")
        phases.append({"phase": name, "at_s": round(at, 1), **summarise(client.samples, at, until),
                       "recovery_s": recovery(client.samples, at, until)})
        print(json.dumps(phases[-1], ensure_ascii=False), flush=True)
    return {"total": summarise(client.samples), "phases": phases}


if __name__ == "__main__":
    main()
