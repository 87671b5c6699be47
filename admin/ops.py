"""Operator endpoints: ``/healthz`` for load balancers and ``/metrics`` in Prometheus text format.

``/metrics`` reports, from the database (so every web process reports the same truth): transitions by
trigger (from the audit trail), fired escalations, open tickets by state, pending and failed outbox
deliveries (and a ``deliveries`` table if the notifications part made one), and the rq queue depth
when Redis is configured. Set ``ALUR_METRICS_TOKEN`` to require ``Authorization: Bearer <token>``.
"""
from __future__ import annotations

import hmac
import logging
import os
import time

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


def collect(rt) -> str:
    out = Exposition()
    with rt.db.connect() as conn:
        a = m.audit_log
        rows = conn.execute(select(a.c.trigger, func.count()).where(a.c.kind == "transition")
                            .group_by(a.c.trigger)).all()
        out.metric("alur_transitions_total", "counter", "Transitions fired, by trigger (from the audit trail).",
                   [({"trigger": r[0] or ""}, r[1]) for r in sorted(rows, key=lambda r: r[0] or "")])
        opened = conn.execute(select(func.count()).select_from(a).where(a.c.kind == "open")).scalar_one()
        out.metric("alur_tickets_opened_total", "counter", "Complaints recorded.", [({}, opened)])
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
