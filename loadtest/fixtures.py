"""The outside world of a load run, in one process on loopback: an SMTP sink and a webhook sink that count
every Message-ID and Idempotency-Key they receive (so a message sent twice is seen), and a TCP proxy in
front of Redis that the fault script can cut ("Redis is down") and restore, without touching the Redis
server other programs use.

    python -m loadtest.fixtures --smtp-port 2525 --http-port 8025 --redis-port 6390 --redis-target 127.0.0.1:6379

Control and counts over HTTP on the webhook port: ``GET /_counts``, ``POST /_redis/down``, ``POST /_redis/up``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import signal
import threading
import time
from collections import Counter
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


class Counts:
    """Every id seen by each sink, with how often; thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.email: Counter[str] = Counter()
        self.webhook: Counter[str] = Counter()
        self.first_seen: dict[str, float] = {}

    def add(self, kind: str, key: str) -> None:
        with self.lock:
            getattr(self, kind)[key] += 1
            self.first_seen.setdefault(f"{kind}:{key}", time.time())

    def summary(self) -> dict:
        with self.lock:
            return {kind: {"received": sum(c.values()), "unique": len(c),
                           "sent_twice": sorted(k for k, n in c.items() if n > 1)[:50],
                           "sent_twice_count": sum(1 for n in c.values() if n > 1)}
                    for kind, c in (("email", self.email), ("webhook", self.webhook))}


COUNTS = Counts()


class SmtpSink:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = message_from_bytes(envelope.content)
        COUNTS.add("email", str(message.get("Message-ID", "")))
        return "250 OK"


class RedisProxy:
    """Forward TCP to Redis; `down` refuses new connections and cuts the open ones."""

    def __init__(self, port: int, target: tuple[str, int]):
        self.port, self.target, self.up = port, target, True
        self.open: set[asyncio.StreamWriter] = set()
        self.loop: asyncio.AbstractEventLoop | None = None

    async def _pipe(self, reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _handle(self, reader, writer):
        if not self.up:
            writer.close()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.open.update({writer, upstream_writer})
        await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))
        self.open.difference_update({writer, upstream_writer})

    def set_up(self, up: bool) -> None:
        self.up = up
        if not up and self.loop is not None:
            for writer in list(self.open):
                self.loop.call_soon_threadsafe(writer.close)

    def run(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", self.port))
        self.loop.run_forever()


def http_handler(proxy: RedisProxy):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _json(self, body: dict, status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802
            self._json(COUNTS.summary() | {"redis_up": proxy.up})

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/_redis/"):
                proxy.set_up(self.path.endswith("/up"))
                self._json({"redis_up": proxy.up})
                return
            key = self.headers.get("Idempotency-Key", "")
            COUNTS.add("webhook", key)
            self._json({"id": key})

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smtp-port", type=int, default=2525)
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--redis-port", type=int, default=6390)
    parser.add_argument("--redis-target", default="127.0.0.1:6379")
    args = parser.parse_args()
    host, port = args.redis_target.split(":")
    proxy = RedisProxy(args.redis_port, (host, int(port)))
    threading.Thread(target=proxy.run, daemon=True).start()
    smtp = Controller(SmtpSink(), hostname="127.0.0.1", port=args.smtp_port)
    smtp.start()
    http = ThreadingHTTPServer(("127.0.0.1", args.http_port), http_handler(proxy))
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=http.shutdown).start())
    try:
        http.serve_forever()
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
