"""Operator endpoints: ``/healthz`` for load balancers and ``/metrics`` in Prometheus text format.

``/metrics`` reports, from the database (so every web process reports the same truth): transitions by
trigger (from the audit trail, read incrementally: `AuditTally`), fired escalations, open tickets by state,
pending and failed outbox deliveries (and a ``deliveries`` table if the notifications part made one), and
the rq queue depth when Redis is configured. It tells how much of what is open, so it is closed to the
network: with ``ALUR_METRICS_TOKEN`` set every scrape needs ``Authorization: Bearer <token>``; without it
only a scraper on the same machine is answered (loopback, and not forwarded by a proxy).
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import threading
import time
from collections import Counter
from datetime import datetime, timezone

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from workflow.store.queries import health
from workflow.store.queries.delivery_lag import delivery_lag

logger = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)


@bp.route("/healthz")
def healthz():
    rt = current_app.extensions["alur"]
    started = time.perf_counter()
    try:
        health.ping(rt.store)
    except Exception as exc:  # noqa: BLE001 - any database failure makes the instance unhealthy
        logger.warning("health check failed: %s", exc)
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok", **_redis_health(rt), notifications=_notification_health(rt),
                   ms=round((time.perf_counter() - started) * 1000, 1))


BEHIND_SECONDS = 60.0  # a notification waiting longer than this means the workers do not keep up


def _notification_health(rt) -> dict[str, object]:
    """How far notifications lag (`workflow.store.queries.delivery_lag`); ``behind`` past `BEHIND_SECONDS`."""
    lag = delivery_lag(rt.store, datetime.now(timezone.utc))
    behind = lag.waiting_seconds > BEHIND_SECONDS
    if behind:
        logger.warning("notifications are behind: the oldest has waited %.0f s (start more 'alur worker' "
                       "processes, or check that one runs)", lag.waiting_seconds)
    return {"waiting_s": round(lag.waiting_seconds, 1), "lag_p95_s": round(lag.quantiles.get(0.95, 0.0), 1),
            "behind": behind}


def _redis_health(rt) -> dict[str, str]:
    """Redis is not needed to serve (the database is the truth): when it is down the instance stays healthy
    (200) and says so, with rate limits counted per process and jobs left for the sweeper."""
    from admin.public import limits

    url = current_app.config.get("ALUR_REDIS_URL") or rt.redis_url
    if not url:
        return {"rate_limits": limits.state(current_app)}
    try:
        from redis import Redis

        Redis.from_url(url, socket_timeout=limits.REDIS_TIMEOUT,
                       socket_connect_timeout=limits.REDIS_TIMEOUT).ping()
        redis = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unreachable
        logger.warning("Redis unreachable (%s): rate limits count per process, jobs wait for the sweeper", exc)
        redis = "unreachable"
    return {"redis": redis, "rate_limits": limits.state(current_app) if redis == "ok" else "per-process"}


def _escape(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def metric(self, name: str, kind: str, help_text: str, samples: list[tuple[dict, float]]) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            label_text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
            self.lines.append(f"{name}{{{label_text}}} {value:g}" if label_text else f"{name} {value:g}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class AuditTally:
    """Transitions by trigger and complaints opened, counted from the audit trail a few rows at a time.

    Prometheus scrapes every 15 s or so; counting the whole audit log each time costs a full scan of
    the biggest table (millions of rows after a few years), on every web process. The audit log is
    append-only and its sequence numbers become visible in order, so this tally remembers the last
    sequence it counted and each scrape reads only the rows after it, up to the head it saw
    (`workflow.store.queries.health.audit_counts_since`). The first scrape of a process counts
    everything once. Exact, and per process, so restarts and several processes agree.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seq = 0
        self.transitions: Counter[str] = Counter()
        self.opened = 0

    def update(self, store) -> "AuditTally":
        with self._lock:
            head, rows = health.audit_counts_since(store, self.seq)
            for kind, trigger, count in rows:
                if kind == "open":
                    self.opened += count
                else:
                    self.transitions[trigger or ""] += count
            self.seq = max(self.seq, head)
            return self


def _tally(rt) -> AuditTally:
    return rt.extras.setdefault("metrics_audit_tally", AuditTally())


def _queue_depths(rt, out: Exposition) -> None:
    """rq queue depths when Redis is configured; a Redis that is down must not break the rest of the scrape."""
    try:
        from redis import Redis
        from rq import Queue

        from workflow.jobs import queues

        conn = Redis.from_url(rt.redis_url, socket_timeout=1)
        default_queues = [queues.queue_name(rt, base) for base in queues.QUEUES]  # the names workers listen on
        names = os.environ.get("ALUR_RQ_QUEUES", ",".join(default_queues)).split(",")
        out.metric("alur_rq_queue_depth", "gauge", "Jobs waiting in rq queues.",
                   [({"queue": q}, len(Queue(q.strip(), connection=conn))) for q in names if q.strip()])
    except Exception as exc:  # noqa: BLE001 - Redis down must not break the scrape of the rest
        logger.warning("rq queue depth unavailable: %s", exc)
        out.metric("alur_rq_up", "gauge", "Whether Redis answered.", [({}, 0)])


def collect(rt) -> str:
    out = Exposition()
    tally = _tally(rt).update(rt.store)
    out.metric("alur_transitions_total", "counter", "Transitions fired, by trigger (from the audit trail).",
               [({"trigger": trigger}, count) for trigger, count in sorted(tally.transitions.items())])
    out.metric("alur_tickets_opened_total", "counter", "Complaints recorded.", [({}, tally.opened)])
    counts = health.counts(rt.store)
    out.metric("alur_escalations_total", "counter", "Escalation ladder rungs fired, by target role.",
               [({"target_role": role}, n) for role, n in counts.escalations] or [({}, 0)])
    out.metric("alur_open_tickets", "gauge", "Open tickets by state.",
               [({"state": state}, n) for state, n in counts.open_tickets])
    out.metric("alur_outbox", "gauge", "Notifications in the outbox by status.",
               [({"status": status}, n) for status, n in counts.outbox])
    out.metric("alur_failed_deliveries", "gauge", "Notification deliveries that failed.",
               [({}, counts.failed_deliveries)])
    lag = delivery_lag(rt.store, datetime.now(timezone.utc))
    out.metric("alur_notification_waiting_seconds", "gauge",
               "Age of the oldest notification not sent yet (retries waiting for their backoff excluded).",
               [({}, round(lag.waiting_seconds, 3))])
    out.metric("alur_notification_lag_seconds", "gauge",
               f"From the move to the message sent, over the last {lag.sent} deliveries sent.",
               [({"quantile": str(q)}, round(v, 3)) for q, v in lag.quantiles.items()])
    if rt.redis_url:
        _queue_depths(rt, out)
    return out.text()


def from_loopback() -> bool:
    """Whether the request came from this machine itself, not through a proxy (a proxy on this machine
    connects from loopback for every visitor, so a forwarded request is never loopback)."""
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False
    try:
        return ipaddress.ip_address((request.remote_addr or "").split("%")[0]).is_loopback
    except ValueError:
        return False


@bp.route("/metrics")
def metrics():
    token = current_app.config.get("ALUR_METRICS_TOKEN") or os.environ.get("ALUR_METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return Response("unauthorized\n", status=401, mimetype="text/plain")
    elif not from_loopback():
        return Response("forbidden: /metrics answers only this machine (127.0.0.1, ::1) unless ALUR_METRICS_TOKEN "
                        "is set; set it and scrape with 'Authorization: Bearer <token>'\n", status=403,
                        mimetype="text/plain")
    return Response(collect(current_app.extensions["alur"]), mimetype="text/plain; version=0.0.4; charset=utf-8")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


__all__ = ["init_app", "collect"]
