"""The bounded load client: N threads send API filings, fires and idempotent replays to one base URL for a
fixed time, and record every answer (status, latency, when) and what was acknowledged, for the database
cross-check. It stops by itself: a deadline, and at most ``max_requests``.

A filing that got no answer (a dropped connection, a 5xx) is retried with the same Idempotency-Key, as a
real integration would, up to `RETRIES` times; a replay must answer the receipt of the first filing.
"""
from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

RETRIES = 4
TIMEOUT = 30.0  # seconds a client waits for an answer, as the clients did

RECORD = {"kanal": "website_sipeka", "nama": "Ratna Kusumawardhani", "alamat": "Jl. Cendrawasih No. 17, Pandeglang",
          "telepon": "0813-9988-7766", "email": "ratna.k@contoh.id", "sektor": "esdm", "kategori": "durasi_waktu",
          "perihal": "Izin SIPA belum diproses", "uraian": "Permohonan belum diproses.", "kerahasiaan": "biasa"}
FIRE = {"inputs": {"tingkat": "sedang", "kewenangan": "dalam"}}


@dataclass
class Sample:
    at: float  # seconds since the run started
    op: str
    status: int  # 0: no answer (connection refused, reset, timeout)
    ms: float


@dataclass
class Ledger:
    """What the server acknowledged, and what was attempted without an answer."""

    filed: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> receipt (201)
    unanswered_keys: set[str] = field(default_factory=set)  # keys never acknowledged after every retry
    fired: set[str] = field(default_factory=set)  # receipts whose verifikasi answered 200
    fire_attempts: Counter[str] = field(default_factory=Counter)  # receipt -> attempts (any outcome)
    replay_mismatch: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class LoadClient:
    def __init__(self, base: str, api_key: str, *, clients: int = 16, seconds: float = 60,
                 max_requests: int = 200_000, mix: tuple[float, float, float] = (0.45, 0.35, 0.20),
                 ledger: Ledger | None = None, filings_per_second: float | None = None):
        host, port = base.split("//", 1)[1].split(":")
        self.host, self.port, self.key = host, int(port), api_key
        self.clients, self.seconds, self.max_requests, self.mix = clients, seconds, max_requests, mix
        self.samples: list[Sample] = []
        self.ledger = ledger or Ledger()
        self.started = 0.0
        self._count = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._bodies: dict[str, str] = {}
        # Paced (open loop): operations start on a shared schedule, so that filings (mix[0] of them) arrive at
        # this rate while the server keeps up; a client that falls behind goes on at once (closed loop).
        self._interval = mix[0] / filings_per_second if filings_per_second else 0.0
        self._slots = 0

    # -- one request -------------------------------------------------------------------------------
    def _send(self, conn_box: list, op: str, method: str, path: str, body: str | None, headers: dict) -> tuple:
        started = time.monotonic()
        status, data = 0, b""
        try:
            if conn_box[0] is None:
                conn_box[0] = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
            conn_box[0].request(method, path, body=body, headers={"Authorization": f"Bearer {self.key}",
                                                                  "Content-Type": "application/json", **headers})
            response = conn_box[0].getresponse()
            status, data = response.status, response.read()
        except (OSError, http.client.HTTPException):
            if conn_box[0] is not None:
                conn_box[0].close()
            conn_box[0] = None
        with self._lock:
            self.samples.append(Sample(time.monotonic() - self.started, op, status,
                                       (time.monotonic() - started) * 1000))
            self._count += 1
        return status, data

    def _file(self, conn_box: list) -> None:
        key = uuid.uuid4().hex
        body = json.dumps({**RECORD, "no_registrasi": f"REG-{key[:10]}", "perihal": f"Izin belum diproses {key[:6]}"})
        self._bodies[key] = body
        for attempt in range(RETRIES):
            status, data = self._send(conn_box, "file", "POST", "/api/v1/tickets", body, {"Idempotency-Key": key})
            if status == 201:
                with self.ledger.lock:
                    self.ledger.filed[key] = json.loads(data)["receipt_no"]
                    self.ledger.unanswered_keys.discard(key)
                return
            if status and status < 500 and status != 429:
                return  # refused for good (a 4xx): nothing was filed
            with self.ledger.lock:
                self.ledger.unanswered_keys.add(key)
            if self._stop.is_set():
                return
            time.sleep(0.5 * (attempt + 1))

    def _replay(self, conn_box: list) -> None:
        with self.ledger.lock:
            if not self.ledger.filed:
                return
            key, receipt = random.choice(list(self.ledger.filed.items())[-500:])
        status, data = self._send(conn_box, "replay", "POST", "/api/v1/tickets", self._bodies[key],
                                  {"Idempotency-Key": key})
        if status == 201 and json.loads(data).get("receipt_no") != receipt:
            with self.ledger.lock:
                self.ledger.replay_mismatch += 1

    def _fire(self, conn_box: list) -> None:
        with self.ledger.lock:
            candidates = [r for r in list(self.ledger.filed.values())[-2000:] if r not in self.ledger.fire_attempts]
            if not candidates:
                return
            receipt = random.choice(candidates)
            self.ledger.fire_attempts[receipt] += 1
        status, _ = self._send(conn_box, "fire", "POST", f"/api/v1/tickets/{receipt}/transitions/verifikasi",
                               json.dumps(FIRE), {})
        if status == 200:
            with self.ledger.lock:
                self.ledger.fired.add(receipt)

    # -- the run -----------------------------------------------------------------------------------
    def _worker(self, seed: int) -> None:
        rng = random.Random(seed)
        conn_box: list = [None]
        deadline = self.started + self.seconds
        while not self._stop.is_set() and time.monotonic() < deadline and self._count < self.max_requests:
            self._pace()
            roll = rng.random()
            if roll < self.mix[0]:
                self._file(conn_box)
            elif roll < self.mix[0] + self.mix[1]:
                self._fire(conn_box)
            else:
                self._replay(conn_box)
        if conn_box[0] is not None:
            conn_box[0].close()

    def _pace(self) -> None:
        if not self._interval:
            return
        with self._lock:
            slot, self._slots = self._slots, self._slots + 1
        wait = self.started + slot * self._interval - time.monotonic()
        if wait > 0:
            self._stop.wait(wait)

    def run(self) -> "LoadClient":
        self.started = time.monotonic()
        threads = [threading.Thread(target=self._worker, args=(i,), daemon=True) for i in range(self.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(self.seconds + TIMEOUT * RETRIES + 10)
        self._stop.set()
        return self

    def stop(self) -> None:
        self._stop.set()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def summarise(samples: list[Sample], start: float = 0.0, end: float = float("inf")) -> dict:
    """Requests, errors by status, p50/p95/p99 (ms) and throughput of the samples in [start, end)."""
    window = [s for s in samples if start <= s.at < end]
    if not window:
        return {"requests": 0}
    span = max(1e-6, min(end, max(s.at for s in window)) - start)
    errors = Counter(str(s.status) for s in window if s.status == 0 or s.status >= 400)
    ms = [s.ms for s in window]
    return {"requests": len(window), "per_s": round(len(window) / span, 1), "errors": dict(sorted(errors.items())),
            "p50_ms": round(percentile(ms, 0.5), 1), "p95_ms": round(percentile(ms, 0.95), 1),
            "p99_ms": round(percentile(ms, 0.99), 1)}


def recovery(samples: list[Sample], fault_at: float, until: float) -> float | None:
    """Seconds from a fault to the last failed request it caused (0.0: none failed) within [fault_at, until)."""
    failed = [s.at + s.ms / 1000 for s in samples if fault_at <= s.at < until and (s.status == 0 or s.status >= 500)]
    return round(max(failed) - fault_at, 2) if failed else 0.0
