"""A large historical import while the site is under load (issue 13, item 3):
``python -m loadtest.import_under_load [--rows 50000] [--clients 16] [--before 30]``.

Starts the stack of `loadtest.stack` (gunicorn with 4 workers, ``alur worker``, ``alur sweep``), runs the
bounded load client, and ``--before`` seconds in starts ``alur import complaints`` of a CSV of ``--rows``
lines (the 16 rows of the shipped 2021 evaluation sample, repeated); the load goes on until the import
ends and ``--before`` seconds more. Prints the other requests' figures before, during and after the import,
the import's duration and rows per second, then the database cross-check.
"""
from __future__ import annotations

import argparse
import csv
import json
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from loadtest.check import cross_check
from loadtest.client import LoadClient, summarise
from loadtest.stack import ROOT, Stack, stop_cluster

SAMPLE = ROOT / "tests" / "data" / "evaluasi_2021_q1.csv"


def write_history(path: Path, rows: int) -> None:
    """``rows`` lines of the sample, each with its own perihal so no two lines are the same complaint."""
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, sample = reader.fieldnames, list(reader)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for i in range(rows):
            row = dict(sample[i % len(sample)])
            row["perihal"] = f"{row['perihal']} (arsip {i + 1})"
            writer.writerow(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--before", type=float, default=30, help="seconds of load before and after the import")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose alur runs")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    stack = Stack(code=args.code.resolve(), workdir=Path(tempfile.mkdtemp(prefix="alur-import-load-")))
    history = stack.workdir / "history.csv"
    try:
        stack.prepare()
        write_history(history, args.rows)
        stack.start_fixtures()
        stack.start_web(workers=4)
        stack.start("worker", "worker")
        stack.start("sweep", "sweep", "--every", "30")
        client = LoadClient(f"http://127.0.0.1:{stack.web_port}", stack.api_key, clients=args.clients,
                            seconds=24 * 3600)
        runner = threading.Thread(target=client.run)
        runner.start()
        time.sleep(args.before)
        began = time.monotonic() - client.started
        done = subprocess.run(stack.alur_command("import", "complaints", str(history)), cwd=stack.code,
                              env=stack.env, capture_output=True, text=True, check=False)
        ended = time.monotonic() - client.started
        time.sleep(args.before)
        client.stop()
        runner.join()
        report = {"rows": args.rows, "import_exit": done.returncode, "import_s": round(ended - began, 1),
                  "import_rows_per_s": round(args.rows / max(ended - began, 1e-6), 1),
                  "import_said": (done.stdout or done.stderr).strip().splitlines()[-1:],
                  "before": summarise(client.samples, 0, began), "during": summarise(client.samples, began, ended),
                  "after": summarise(client.samples, ended), "total": summarise(client.samples)}
        print(json.dumps(report, indent=2, ensure_ascii=False), flush=True)
        report["check"] = cross_check(stack.env["ALUR_DATABASE_URL"], client.ledger, stack.fixtures())
        print(json.dumps(report["check"], indent=2, ensure_ascii=False))
        if args.json:
            args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    finally:
        stack.stop()
        stop_cluster()
        print(f"logs: {stack.workdir}")


if __name__ == "__main__":
    main()
