"""Operator endpoints: ``/healthz`` for load balancers and ``/metrics`` in Prometheus text format.

``/metrics`` reports, from the database (so every web process reports the same truth): transitions by
trigger (from the audit trail, read incrementally: `AuditTally`), fired escalations, open tickets by state, pending and failed outbox
deliveries (and a ``deliveries`` table if the notifications part made one), and the rq queue depth
when Redis is configured. Set ``ALUR_METRICS_TOKEN`` to require ``Authorization: Bearer <token>``.
"""
from __future__ import annotations

import hmac
import logging
import os
import threading
import time
from collections import Counter

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from sqlalchemy import func, inspect, select, text

from workflow.store import models as m

logger = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)


@bp.route("/healthz")
def healthz():
    rt = current_app.extensions["alur"]
    started = time.perf_counter()
    try:
        with rt.db.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any database failure makes the instance unhealthy
        logger.warning("health check failed: %s", exc)
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok", ms=round((time.perf_counter() - started) * 1000, 1))


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
    append-only and its sequence numbers become visible in order (each row is written under the lock
    on ``audit_head``, held until commit), so this tally remembers the last sequence it counted and
    each scrape reads only the rows after it, up to the head it saw. The first scrape of a process
    counts everything once. Exact, and per process, so restarts and several processes agree.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seq = 0
        self.transitions: Counter[str] = Counter()
        self.opened = 0

    def update(self, conn) -> "AuditTally":
        a = m.audit_log
        with self._lock:
            head = conn.execute(select(m.audit_head.c.seq).where(m.audit_head.c.id == 1)).scalar() or 0
            if head > self.seq:
                rows = conn.execute(select(a.c.kind, a.c.trigger, func.count())
                                    .where(a.c.seq > self.seq, a.c.seq <= head, a.c.kind.in_(("transition", "open")))
                                    .group_by(a.c.kind, a.c.trigger)).all()
                for kind, trigger, count in rows:
                    if kind == "open":
                        self.opened += count
                    else:
                        self.transitions[trigger or ""] += count
                self.seq = head
            return self


def _tally(rt) -> AuditTally:
    return rt.extras.setdefault("metrics_audit_tally", AuditTally())


def collect(rt) -> str:
    out = Exposition()
    with rt.db.connect() as conn:
        tally = _tally(rt).update(conn)
        out.metric("alur_transitions_total", "counter", "Transitions fired, by trigger (from the audit trail).",
                   [({"trigger": trigger}, count) for trigger, count in sorted(tally.transitions.items())])
        out.metric("alur_tickets_opened_total", "counter", "Complaints recorded.", [({}, tally.opened)])
        e = m.escalations
        rows = conn.execute(select(e.c.target_role, func.count()).group_by(e.c.target_role)).all()
        out.metric("alur_escalations_total", "counter", "Escalation ladder rungs fired, by target role.",
                   [({"target_role": r[0] or ""}, r[1]) for r in rows] or [({}, 0)])
        t = m.tickets
        rows = conn.execute(select(t.c.state, func.count()).where(t.c.closed_at.is_(None)).group_by(t.c.state)).all()
        out.metric("alur_open_tickets", "gauge", "Open tickets by state.",
                   [({"state": r[0]}, r[1]) for r in sorted(rows)])
        o = m.outbox
        rows = conn.execute(select(o.c.status, func.count()).group_by(o.c.status)).all()
        out.metric("alur_outbox", "gauge", "Notifications in the outbox by status.",
                   [({"status": r[0]}, r[1]) for r in sorted(rows)])
        failed = 0
        if inspect(conn).has_table("deliveries"):
            try:
                failed = conn.execute(text("SELECT count(*) FROM deliveries WHERE status = 'failed'")).scalar_one()
            except Exception:  # noqa: BLE001 - the table's shape belongs to another part; report what we can
                failed = 0
        else:
            failed = sum(r[1] for r in rows if r[0] == "failed")
        out.metric("alur_failed_deliveries", "gauge", "Notification deliveries that failed.", [({}, failed)])
    if rt.redis_url:
        try:
            from redis import Redis
            from rq import Queue

            conn = Redis.from_url(rt.redis_url, socket_timeout=1)
            try:
                from workflow.jobs import QUEUES as default_queues
            except ImportError:
                default_queues = ("default",)
            names = os.environ.get("ALUR_RQ_QUEUES", ",".join(default_queues)).split(",")
            out.metric("alur_rq_queue_depth", "gauge", "Jobs waiting in rq queues.",
                       [({"queue": q}, len(Queue(q.strip(), connection=conn))) for q in names if q.strip()])
        except Exception as exc:  # noqa: BLE001 - Redis down must not break the scrape of the rest
            logger.warning("rq queue depth unavailable: %s", exc)
            out.metric("alur_rq_up", "gauge", "Whether Redis answered.", [({}, 0)])
    return out.text()


@bp.route("/metrics")
def metrics():
    token = current_app.config.get("ALUR_METRICS_TOKEN") or os.environ.get("ALUR_METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return Response("unauthorized\n", status=401, mimetype="text/plain")
    return Response(collect(current_app.extensions["alur"]), mimetype="text/plain; version=0.0.4; charset=utf-8")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


__all__ = ["init_app", "collect"]
