"""Deliver the outbox: expand each notice into messages, send them, retry with backoff, keep a log.

The engine writes an ``outbox`` row in the same transaction as the fire that caused it (status
``pending``). After commit:

1. `expand_outbox` turns the row into ``deliveries`` rows, one per address and channel (see
   `notifications.recipients`), each rendered once with `notifications.templates.render`, and marks the
   outbox row ``expanded``. UNIQUE(outbox_id, channel, recipient) and the status check make a repeated
   expansion a no-op.
2. `deliver` sends one delivery. It first *claims* the row (a conditional UPDATE that sets a lease,
   ``locked_until``, and counts the attempt) and commits; only the claimant sends. A sent, failed or
   skipped delivery is never sent again. The channel sees ``Message.id == str(delivery id)``, so the
   SMTP Message-ID and the webhook Idempotency-Key are the same on every attempt: a worker killed after
   the provider accepted a message but before the row was marked sent causes, after its lease runs out,
   one more attempt that the receiving side recognises as the same message. In-app messages are an
   ``inbox`` insert in the same transaction that marks the delivery sent: exactly once.
3. A retryable failure (SMTP 4xx, HTTP 5xx, timeouts) schedules the next attempt after `BACKOFF`
   (1 min, 5 min, 30 min, 2 h, 12 h); the attempt after the last of those that fails marks the
   delivery ``failed``. A non-retryable failure (SMTP 5xx, HTTP 4xx, a malformed address) fails at once.
   ``alur outbox retry`` puts failed deliveries back in the queue.

Execution: with Redis (``runtime.redis_url``) expansion and delivery are rq jobs on the queue
``<prefix>-notifications`` of `workflow.jobs` (``alur worker`` listens on it); a retry is scheduled
with ``enqueue_at`` (``alur worker`` runs the scheduler). Without Redis (the embedded default) the web
process hands the committed rows to one background thread (`BackgroundDelivery`, started by
``alur serve`` and ``admin.wsgi``), so no request waits on a mail server; CLI commands deliver
inline right after the fire commits. Either way `sweep_outbox` (registered on the runtime's periodic tasks by `install`)
expands pending rows and delivers due retries and deliveries whose worker died: the database, not
Redis, says what is due.

`install(runtime)` wires it up: it builds the channels (``runtime.extras["channels"]``, from
`notifications.channels.build_channels` unless given) and adds an engine after-commit hook that
dispatches the outbox rows each committed open or fire wrote. Escalations (`workflow.escalation`) hand
their rows to `enqueue_pending` with Redis and leave them to `sweep_outbox` without.
"""
from __future__ import annotations

import json
import logging
import os
import queue
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Iterator, Mapping
from urllib.parse import urlencode

from rq import Queue
from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from notifications.channels import Channel, build_channels
from notifications.errors import DeliveryError, TemplateError
from notifications.message import Message
from notifications.recipients import SKIPPED, StaffUser, Target, expand_recipients
from notifications.templates import render
from workflow.jobs import queues as jobs_queues
from workflow.jobs import worker as jobs_worker
from workflow.core.audit import AuditEvent
from workflow.store import models as m
from workflow.store import models_notifications as mn
from workflow.store.db import read_only
from workflow.store.sql import SqlUnitOfWork, utc

logger = logging.getLogger(__name__)

__all__ = [
    "BACKOFF", "DeliveryStatus", "install", "channels_of", "expand_outbox", "deliver",
    "dispatch", "enqueue_pending", "sweep_outbox", "retry_delivery", "retry_failed", "list_deliveries",
    "expand_job", "deliver_job", "use_runtime_for_jobs",
]

# Waits before attempts 2..6; an attempt failing after the last wait marks the delivery failed.
BACKOFF: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                                  timedelta(hours=2), timedelta(hours=12))
# How long a claimant may take to send before another worker may try (EmailChannel's timeout is 10 s
# per SMTP command; five minutes is generous and short enough for a sweep to pick a dead worker's row up).
LEASE = timedelta(minutes=5)
_BULLET = re.compile(r"^\s*(?:[-•*]|\d+[.)])\s*")  # the template numbers the missing items itself
# A tracking token in a sent body is replaced by this once the message is out (only hashes are kept).
_TOKEN_IN_URL = re.compile(r"(/lacak\?resi=[^\s&]+&token=)[^\s&]+")
DEFAULT_OFFICE = "DPMPTSP Provinsi Banten"
STAFF_ROLES_EXCLUDED = {"pemohon", "system"}
# Inputs worth showing as the note of a `tugas_baru` message, by the trigger that caused it.
NOTE_INPUTS = ("catatan", "kelengkapan", "jawaban_opd", "pertanyaan_opd", "alasan_opd", "telaah",
               "alasan_buka_kembali", "klarifikasi", "arahan")


class DeliveryStatus:
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# -- wiring ----------------------------------------------------------------------------------------
def install(runtime: Any, channels: Mapping[str, Channel] | None = None) -> Any:
    """Give ``runtime`` its channels and make committed fires dispatch their outbox rows.

    Safe to call twice. ``channels`` replaces the configured ones (tests pass a MemoryChannel or an
    EmailChannel to a local SMTP server).
    """
    if channels is not None:
        runtime.extras["channels"] = dict(channels)
    elif "channels" not in runtime.extras:
        runtime.extras["channels"] = build_channels(os.environ)
    runtime.extras.setdefault("office_name", os.environ.get("ALUR_OFFICE_NAME") or DEFAULT_OFFICE)
    if runtime.extras.get("delivery_installed"):
        return runtime
    runtime.engine.after_commit.append(_AfterCommit(runtime))
    runtime.periodic["sweep_outbox"] = sweep_outbox
    runtime.on_outbox.append(enqueue_pending)
    runtime.extras["delivery_installed"] = True
    return runtime


def channels_of(runtime: Any) -> Mapping[str, Channel]:
    if "channels" not in runtime.extras:
        runtime.extras["channels"] = build_channels(os.environ)
    return runtime.extras["channels"]


class _AfterCommit:
    """The engine's after-commit hook: dispatch the pending outbox rows of the ticket just saved."""

    def __init__(self, runtime: Any):
        self.runtime = runtime

    def __repr__(self) -> str:
        return "notifications.delivery after-commit dispatch"

    def __call__(self, ticket: Any) -> None:
        if ticket.id is None:
            return
        with read_only(self.runtime.db) as conn:
            ids = list(conn.execute(select(m.outbox.c.id).where(and_(
                m.outbox.c.ticket_id == ticket.id, m.outbox.c.status == "pending")).order_by(m.outbox.c.id))
                .scalars())
        if ids:
            dispatch(self.runtime, ids)


# -- dispatch --------------------------------------------------------------------------------------
def dispatch(runtime: Any, outbox_ids: Iterable[int], *, now: datetime | None = None) -> None:
    """Start delivering new outbox rows: rq jobs when Redis is configured, else on the process'
    background delivery thread when one runs (`alur serve`), else inline now (CLI commands)."""
    ids = list(outbox_ids)
    if not ids:
        return
    if runtime.redis_url:
        try:
            enqueue_pending(runtime, ids)
            return
        except Exception:  # noqa: BLE001 - Redis down: deliver here rather than wait for the sweep
            logger.warning("could not enqueue outbox rows %s on Redis; delivering here", ids, exc_info=True)
    background = runtime.extras.get(BACKGROUND)
    if background is not None and background.submit(ids):
        return
    deliver_now(runtime, ids, now=now)


def deliver_now(runtime: Any, outbox_ids: Iterable[int], *, now: datetime | None = None) -> None:
    for outbox_id in outbox_ids:
        for delivery_id in expand_outbox(runtime, outbox_id, now=now):
            deliver(runtime, delivery_id, now=now)


BACKGROUND = "background_delivery"


class BackgroundDelivery:
    """Delivers outbox rows on one daemon thread of the web process (the embedded default, no Redis).

    Without it the officer's request would send the mail itself, after its commit: a slow or
    unreachable mail server (a 30 s connect timeout, a greylisting 4xx) would hold the page that
    long. The thread only speeds delivery up; it is not what makes it reliable. The rows are
    committed before they are handed over, so anything the thread has not sent when the process
    stops is still pending (or claimed with a lease) in the database, and the periodic `sweep_outbox`
    delivers it: nothing is lost and, by the claim, nothing is sent twice.
    """

    def __init__(self, runtime: Any):
        self.runtime = runtime
        # items: outbox ids to deliver, an Event to set once everything before it is done, or None to stop
        self._queue: queue.Queue[list[int] | threading.Event | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="alur-delivery", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def submit(self, outbox_ids: list[int]) -> bool:
        """Hand rows to the thread; False if it no longer runs (the caller then delivers itself)."""
        if not self.alive:
            return False
        self._queue.put(list(outbox_ids))
        return True

    def idle(self, timeout: float | None = None) -> bool:
        """Wait until every row handed over so far has been dealt with (tests, shutdown)."""
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            try:
                deliver_now(self.runtime, item)
            except Exception:  # noqa: BLE001 - the rows stay due; sweep_outbox tries them again
                logger.exception("background delivery of outbox rows %s failed; the sweep will retry", item)


def start_background_delivery(runtime: Any) -> BackgroundDelivery:
    """Start (once per runtime) the delivery thread that `dispatch` uses when there is no Redis."""
    current = runtime.extras.get(BACKGROUND)
    if current is not None and current.alive:
        return current
    runtime.extras[BACKGROUND] = background = BackgroundDelivery(runtime)
    return background


def _queue(runtime: Any):
    """The notification queue `alur worker` listens on (``<ALUR_QUEUE_PREFIX>-notifications``)."""
    return jobs_queues.queue(runtime, jobs_queues.NOTIFICATION_QUEUE)


def enqueue_pending(runtime: Any, outbox_ids: Iterable[int]) -> list[str]:
    """Enqueue one expansion job per outbox row; returns the job ids.

    Job ids are deterministic (``<prefix>-outbox-<id>``) for tracing; they do not prevent a second run,
    the outbox status and the deliveries' unique key do.
    """
    queue = _queue(runtime)
    prefix = jobs_queues.queue_prefix(runtime)
    # One Redis pipeline for the lot (rq's enqueue_many): a catch-up sweep hands over hundreds of rows,
    # and a round trip or more per job was about half of the sweep's time (benchmarks/bench_rungs.py --redis).
    prepared = [Queue.prepare_data(expand_job, (int(outbox_id),), job_id=f"{prefix}-outbox-{int(outbox_id)}",
                                   description=f"expand outbox {outbox_id}") for outbox_id in outbox_ids]
    return [job.id for job in queue.enqueue_many(prepared)] if prepared else []


def _enqueue_delivery(runtime: Any, delivery_id: int, at: datetime | None = None, attempt: int = 0) -> None:
    queue = _queue(runtime)
    job_id = f"{jobs_queues.queue_prefix(runtime)}-delivery-{delivery_id}-{attempt}"
    if at is None:
        queue.enqueue(deliver_job, delivery_id, job_id=job_id, description=f"deliver {delivery_id}")
    else:
        queue.enqueue_at(at, deliver_job, delivery_id, job_id=job_id,
                         description=f"deliver {delivery_id} (attempt {attempt + 1})")


# -- rq jobs ---------------------------------------------------------------------------------------
def use_runtime_for_jobs(runtime: Any | None) -> None:
    """Make rq jobs in this process use ``runtime`` (tests); `workflow.jobs.set_runtime` does the same."""
    jobs_worker.set_runtime(runtime)


def _job_runtime() -> Any:
    # workflow.jobs builds the runtime once per process from the environment and renews its database
    # pool after rq forks a work horse; channels are built from the environment on first use.
    return jobs_worker.current_runtime()


def expand_job(outbox_id: int) -> list[int]:
    """rq job: expand one outbox row and enqueue a delivery job per queued message."""
    runtime = _job_runtime()
    ids = expand_outbox(runtime, outbox_id)
    for delivery_id in ids:
        _enqueue_delivery(runtime, delivery_id)
    return ids


def deliver_job(delivery_id: int) -> str:
    """rq job: deliver one message (idempotent; a sent message is not sent again)."""
    return deliver(_job_runtime(), delivery_id)


# -- expansion -------------------------------------------------------------------------------------
@contextmanager
def _transaction(runtime: Any) -> Iterator[Any]:
    # engine.begin(): on SQLite the connection's BEGIN IMMEDIATE serialises writers, on PostgreSQL the
    # conditional UPDATEs and row locks below do.
    with runtime.db.begin() as conn:
        yield conn


def _load_users(conn: Any) -> list[StaffUser]:
    rows = conn.execute(select(m.users).where(m.users.c.active.is_(True))).all()
    return [StaffUser.from_row(r) for r in rows]


def expand_outbox(runtime: Any, outbox_id: int, *, now: datetime | None = None) -> list[int]:
    """Write the deliveries of one outbox row and mark it expanded; returns the ids still queued.

    Idempotent: a row already expanded is not expanded again (its queued deliveries are returned), and
    the unique key (outbox_id, channel, recipient) keeps a racing expansion from adding duplicates.
    A template that cannot be rendered gives a ``failed`` delivery naming the problem, so it shows in
    ``alur outbox list --status failed`` instead of blocking the outbox.
    """
    now = now or utcnow()
    with _transaction(runtime) as conn:
        q = select(m.outbox).where(m.outbox.c.id == outbox_id)
        if conn.dialect.name == "postgresql":
            q = q.with_for_update()
        row = conn.execute(q).first()
        if row is None:
            raise LookupError(f"no outbox row {outbox_id}")
        if row.status == "pending":
            rows, facts = _delivery_rows(runtime, conn, row, now)
            if rows:
                ins = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(mn.deliveries)
                conn.execute(ins.on_conflict_do_nothing(
                    index_elements=["outbox_id", "channel", "recipient"]), rows)
            detail = dict(row.detail or {})
            detail.pop("token", None)  # a tracking token must not outlive the expansion (see tracking_url)
            conn.execute(update(m.outbox).where(m.outbox.c.id == outbox_id).values(status="expanded",
                                                                                     detail=detail))
            if facts is not None:
                SqlUnitOfWork(conn).audit.append([_audit_event(row, facts, rows, now)])
        return list(conn.execute(select(mn.deliveries.c.id).where(and_(
            mn.deliveries.c.outbox_id == outbox_id, mn.deliveries.c.status == DeliveryStatus.QUEUED))
            .order_by(mn.deliveries.c.id)).scalars())


def _delivery_rows(runtime: Any, conn: Any, outbox: Any, now: datetime) -> tuple[list[dict[str, Any]], Facts | None]:
    detail = dict(outbox.detail or {})
    base = {"outbox_id": outbox.id, "ticket_id": outbox.ticket_id, "template": outbox.template,
            "attempts": 0, "created_at": now}
    if outbox.ticket_id is None:
        return [{**base, "channel": SKIPPED, "recipient": outbox.recipient[:254], "subject": "", "body": "",
                 "locale": "id", "status": DeliveryStatus.SKIPPED, "user_id": None, "next_attempt_at": None,
                 "last_error": "baris outbox tanpa tiket; tidak ada yang dapat dikirimi"}], None
    facts = _facts(runtime, conn, outbox, now)
    targets = expand_recipients(outbox.recipient, facts.ticket, _load_users(conn), detail=detail,
                                fallback_roles=facts.state_roles)
    already = _siblings_reached(conn, outbox)
    rows = []
    for target in targets:
        row = {**base, "channel": target.channel, "recipient": target.recipient[:254],
               "user_id": target.user.id if target.user else None, "locale": target.locale,
               "subject": "", "body": "", "next_attempt_at": None, "last_error": None}
        if target.skipped:
            row.update(status=DeliveryStatus.SKIPPED, last_error=target.skip_reason)
        elif (target.channel, row["recipient"]) in already:
            # One event, one message per person: "notify: [assignee, role:petugas]" may name someone twice.
            row.update(status=DeliveryStatus.SKIPPED,
                       last_error=f"sudah dikirim untuk outbox #{already[(target.channel, row['recipient'])]}")
        else:
            try:
                subject, body = render(outbox.template, target.locale,
                                       template_context(runtime, facts, target, detail, now))
            except (TemplateError, KeyError, ValueError, TypeError) as exc:
                logger.error("outbox %s: cannot render %s for %s: %s", outbox.id, outbox.template,
                             target.channel, exc)
                row.update(status=DeliveryStatus.FAILED, last_error=f"template {outbox.template}: {exc}")
            else:
                row.update(subject=subject[:300], body=body, status=DeliveryStatus.QUEUED, next_attempt_at=now)
        rows.append(row)
    return rows, facts


def _siblings_reached(conn: Any, outbox: Any) -> dict[tuple[str, str], int]:
    """(channel, recipient) already given this same notice by another row of the same event.

    Rows of one event share ticket, template, creation time and detail (two rungs fired by one sweep share
    the time, but not the detail).
    """
    o, d = m.outbox, mn.deliveries
    rows = conn.execute(
        select(o.c.id, o.c.detail, d.c.channel, d.c.recipient)
        .join(d, d.c.outbox_id == o.c.id)
        .where(and_(o.c.ticket_id == outbox.ticket_id, o.c.template == outbox.template,
                    o.c.created_at == outbox.created_at, o.c.id != outbox.id,
                    d.c.status != DeliveryStatus.SKIPPED))).all()
    mine = dict(outbox.detail or {})
    return {(r.channel, r.recipient): r.id for r in rows if dict(r.detail or {}) == mine}


def _audit_event(outbox: Any, facts: Facts, rows: list[dict[str, Any]], now: datetime) -> AuditEvent:
    """Who was told what, for auditors: channels and user ids, never a complainant's address."""
    targets = []
    for row in rows:
        entry = {"channel": row["channel"], "status": row["status"]}
        if row["user_id"] is not None:
            entry["user_id"] = row["user_id"]
        if row["status"] != DeliveryStatus.QUEUED and row["last_error"]:
            entry["reason"] = row["last_error"]
        targets.append(entry)
    t = facts.ticket
    return AuditEvent(kind="notification", at=now, actor_id="system", actor_role="system", ticket_id=t.id,
                      receipt_no=t.receipt_no, definition_key=t.definition_key,
                      definition_version=t.definition_version,
                      detail={"outbox_id": outbox.id, "template": outbox.template, "to": outbox.recipient,
                              "targets": targets})


# -- template context ------------------------------------------------------------------------------
@dataclass
class Facts:
    """What a message may say about its ticket, read once per outbox row."""

    ticket: Any
    definition: Any
    state_roles: tuple[str, ...]
    last_trigger: str | None
    last_inputs: dict[str, Any]
    last_actor: str | None  # display name of the staff member who fired it
    created_at: datetime


def _facts(runtime: Any, conn: Any, outbox: Any, now: datetime) -> Facts:
    uow = SqlUnitOfWork(conn)
    ticket = uow.tickets.load(outbox.ticket_id)
    definition = runtime.engine.definitions.get(uow, ticket.definition_key, ticket.definition_version)
    state = definition.states.get(ticket.state)
    roles = tuple(r for r in (state.actors if state is not None else ()) if r not in STAFF_ROLES_EXCLUDED)
    created = utc(outbox.created_at) or now
    # The transition that wrote this notice: the ticket's last transition at or before the notice.
    audit = conn.execute(
        select(m.audit_log.c.trigger, m.audit_log.c.inputs, m.audit_log.c.actor_id)
        .where(and_(m.audit_log.c.ticket_id == ticket.id, m.audit_log.c.kind == "transition",
                    m.audit_log.c.at <= created))
        .order_by(m.audit_log.c.seq.desc()).limit(1)).first()
    inputs: dict[str, Any] = {}
    if audit is not None:
        try:
            inputs = dict(json.loads(audit.inputs or "{}"))
        except (ValueError, TypeError):
            inputs = {}
    actor = None
    if audit is not None and audit.actor_id not in ("pemohon", "system"):
        actor = conn.execute(select(m.users.c.display_name).where(m.users.c.username == audit.actor_id)).scalar() \
            or audit.actor_id
    return Facts(ticket=ticket, definition=definition, state_roles=roles,
                 last_trigger=audit.trigger if audit else None, last_inputs=inputs,
                 last_actor=actor, created_at=created)


def _label(runtime: Any, catalog: str, code: str | None, locale: str) -> str:
    if not code:
        return "-"
    cat = runtime.catalogs.get(catalog) if hasattr(runtime.catalogs, "get") else None
    return cat.label_of(code, locale) if cat is not None else str(code)


def _clock_due(ticket: Any, name: str | None) -> datetime | None:
    if not name:
        return None
    run = ticket.clock(name)
    return run.due_at if run is not None else None


def _due(ticket: Any, *, latest: bool) -> datetime:
    """A running clock's due time: the latest (the overall deadline) or the earliest (the next one)."""
    running = [c.due_at for c in ticket.clocks if c.status == "running" and c.due_at is not None]
    anyone = [c.due_at for c in ticket.clocks if c.due_at is not None]
    pool = running or anyone
    if pool:
        return max(pool) if latest else min(pool)
    return ticket.created_at + timedelta(days=7)  # SOP 3.1.f: 7 calendar days, when no clock says more


def tracking_url(runtime: Any, receipt_no: str, token: str | None = None) -> str:
    """The public tracking page (``GET /lacak?resi=&token=`` of admin/public).

    Only the token's hash is stored, so later messages cannot include it: their link names the receipt
    and the page asks for the token. A caller holding the token (right after ``Engine.open``) may pass it
    in the outbox detail; it is then used once and scrubbed (see `expand_outbox`, `deliver`).
    """
    query = urlencode({"resi": receipt_no, **({"token": token} if token else {})})
    return f"{runtime.public_url.rstrip('/')}/lacak?{query}"


def ticket_url(runtime: Any, ticket: Any, user: StaffUser | None = None) -> str:
    """The console page of a ticket: the OPD view for liaisons, the work queue for everyone else."""
    base = (runtime.extras.get("console_url") or runtime.public_url).rstrip("/")
    view = "opd" if user is not None and user.roles == {"opd_liaison"} else "work"
    return f"{base}/admin/{view}/ticket/{ticket.id}"


def _dt(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return utc(value)
    if isinstance(value, str) and value:
        try:
            return utc(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def template_context(runtime: Any, facts: Facts, target: Target, detail: Mapping[str, Any],
                     now: datetime) -> dict[str, Any]:
    """Everything the templates listed in notifications/README.md may ask for, in the target's locale.

    Complainant messages get the tracking link and (unless the complaint is anonymous or confidential)
    the complainant's name; staff messages never get the complainant's identity.
    """
    t, locale, d = facts.ticket, target.locale, facts.definition
    fields = t.fields
    state = d.states.get(t.state)
    ctx: dict[str, Any] = {
        "office_name": runtime.extras.get("office_name", DEFAULT_OFFICE),
        "receipt_number": t.receipt_no,
        "ticket_title": fields.get("perihal") or t.receipt_no,
        "state_label": ((state.label_en or state.label) if locale == "en" else state.label) if state else t.state,
        "category": _label(runtime, "kategori", fields.get("kategori"), locale),
        "severity": _label(runtime, "tingkat", fields.get("tingkat"), locale),
        "channel": _label(runtime, "kanal", fields.get("kanal"), locale),
        "opd_name": _label(runtime, "opd", t.opd or fields.get("opd_tujuan") or fields.get("opd"), locale),
        "received_at": t.created_at,
        "due_at": _dt(detail.get("due_at")) or _clock_due(t, detail.get("clock")) or _due(t, latest=True),
    }
    if target.audience == "pemohon":
        ctx["tracking_url"] = tracking_url(runtime, t.receipt_no, detail.get("token"))
        if t.confidentiality == "biasa" and t.identity.get("nama"):
            ctx["complainant_name"] = t.identity["nama"]
        if fields.get("perihal"):
            ctx["summary"] = fields["perihal"]
    else:
        ctx["ticket_url"] = ticket_url(runtime, t, target.user)
        ctx["recipient_name"] = target.user.display_name if target.user else ""
    # Per-template facts: the answer, what is missing, the OPD's deadlines, the escalation.
    jawaban = fields.get("jawaban") or fields.get("jawaban_opd")
    if jawaban:
        ctx["answer"] = jawaban
    ctx["answered_at"] = t.entered.get("dijawab") or t.entered.get(t.state) or now
    missing = str(fields.get("kekurangan") or "")
    ctx["missing_items"] = [_BULLET.sub("", line).strip() for line in missing.splitlines()
                            if _BULLET.sub("", line).strip()] or ([missing] if missing else [])
    ctx["forwarded_at"] = t.entered.get("dialihkan") or t.updated_at
    if fields.get("alasan") and t.state == "dialihkan":
        ctx["reason"] = fields["alasan"]
    ctx["closed_at"] = t.closed_at or t.updated_at
    since = t.entered.get("menunggu_konfirmasi") or ctx["closed_at"]
    try:
        ctx["reopen_until"] = runtime.calendar.add(since, 10, "working_days")
    except Exception:  # noqa: BLE001 - a plain calendar without working days
        ctx["reopen_until"] = since + timedelta(days=14)
    if state is not None and state.terminal:
        ctx["outcome_summary"] = ctx["state_label"]
    ctx["handed_at"] = t.entered.get("diserahkan_opd") or t.updated_at
    ack = _clock_due(t, "opd_ack")
    ctx["ack_due_at"] = ack or _due(t, latest=False)
    answer_due = _clock_due(t, "opd_jawaban")
    if answer_due:
        ctx["answer_due_at"] = answer_due
    if fields.get("permintaan"):
        ctx["request"] = fields["permintaan"]
    if target.audience == "staff":
        # A new task's deadline is the next one, not the overall one.
        if not detail.get("clock") and not detail.get("due_at"):
            ctx["due_at"] = _due(t, latest=False)
        note = next((facts.last_inputs[k] for k in NOTE_INPUTS if facts.last_inputs.get(k)), None)
        if note:
            ctx["note"] = str(note)
        if facts.last_actor:
            ctx["assigned_by"] = facts.last_actor
    # Escalation and warning facts come from the notice's detail (written by the clock sweeper).
    clock_name = detail.get("clock")
    clock = d.clocks.get(clock_name) if clock_name else None
    if clock is not None:
        ctx["stage"] = (clock.label_en or clock.label) if locale == "en" else clock.label
    percent = detail.get("percent")
    if percent is None and clock is not None and detail.get("rung") is not None:
        rung = next((r for r in clock.escalation if r.index == detail.get("rung")), None)
        percent = rung.at_percent if rung is not None else None
    ctx["percent"] = f"{float(percent):g}" if percent is not None else "100"
    if detail.get("overdue_seconds") is not None:  # as measured when the rung fired
        ctx["overdue_by"] = timedelta(seconds=max(0.0, float(detail["overdue_seconds"])))
    else:
        ctx["overdue_by"] = max(now - ctx["due_at"], timedelta(0))
    came_from = detail.get("escalated_from")
    if came_from:
        role = d.roles.get(came_from)
        ctx["escalated_from"] = ((role.label_en or role.label) if locale == "en" else role.label) if role \
            else str(came_from)
    return ctx


# -- delivery --------------------------------------------------------------------------------------
def _backoff(runtime: Any) -> tuple[timedelta, ...]:
    return tuple(runtime.extras.get("delivery_backoff") or BACKOFF)


def deliver(runtime: Any, delivery_id: int, *, now: datetime | None = None, force: bool = False) -> str:
    """Send one delivery if it is queued, due and not being sent by someone else; returns its status.

    ``force`` ignores ``next_attempt_at`` (a manual retry), never the lease or a final status.
    """
    now = now or utcnow()
    lease = runtime.extras.get("delivery_lease") or LEASE
    d = mn.deliveries
    with _transaction(runtime) as conn:
        row = conn.execute(select(d).where(d.c.id == delivery_id)).first()
        if row is None:
            raise LookupError(f"no delivery {delivery_id}")
        if row.status != DeliveryStatus.QUEUED:
            return row.status
        due = utc(row.next_attempt_at)
        if not force and due is not None and due > now:
            return row.status
        claimed = conn.execute(update(d).where(and_(
            d.c.id == delivery_id, d.c.status == DeliveryStatus.QUEUED,
            or_(d.c.locked_until.is_(None), d.c.locked_until <= now),
        )).values(locked_until=now + lease, attempts=d.c.attempts + 1))
        if claimed.rowcount != 1:
            return DeliveryStatus.QUEUED  # another worker holds the lease
        attempts = row.attempts + 1
        if row.channel == "inapp":
            # The inbox row and the status change commit together: exactly one inbox message.
            conn.execute(insert(mn.inbox).values(user_id=int(row.recipient), ticket_id=row.ticket_id,
                                                 delivery_id=row.id, title=row.subject, body=row.body,
                                                 created_at=now))
            conn.execute(update(d).where(d.c.id == delivery_id).values(
                status=DeliveryStatus.SENT, sent_at=now, locked_until=None, last_error=None,
                provider_ref=f"inbox:{row.id}"))
            return DeliveryStatus.SENT
    # Outside any transaction: the provider may take seconds, and the claim is committed.
    try:
        channel = channels_of(runtime).get(row.channel)
        if channel is None:
            raise DeliveryError(f"channel {row.channel!r} is not configured; see build_channels",
                                retryable=False, channel=row.channel, message_id=str(row.id))
        message = Message(id=str(row.id), channel=row.channel, recipient=row.recipient, subject=row.subject,
                          body=row.body, locale=row.locale if row.locale in ("id", "en") else "id",
                          metadata={"receipt_number": _receipt(runtime, row.ticket_id), "template": row.template})
        reference = channel.send(message)
    except DeliveryError as exc:
        return _record_failure(runtime, row, attempts, str(exc), exc.retryable, now)
    except Exception as exc:  # noqa: BLE001 - a bug or an unexpected provider error: retry, visibly
        logger.exception("delivery %s raised unexpectedly", delivery_id)
        return _record_failure(runtime, row, attempts, f"{type(exc).__name__}: {exc}", True, now)
    with _transaction(runtime) as conn:
        conn.execute(update(d).where(d.c.id == delivery_id).values(
            status=DeliveryStatus.SENT, sent_at=now, locked_until=None, last_error=None,
            provider_ref=str(reference)[:300], body=_TOKEN_IN_URL.sub(r"\1[token]", row.body)))
    logger.info("delivery %s (%s to %s) sent after %d attempt(s)", delivery_id, row.channel, row.recipient,
                attempts)
    return DeliveryStatus.SENT


def _receipt(runtime: Any, ticket_id: int | None) -> str:
    if ticket_id is None:
        return ""
    with read_only(runtime.db) as conn:
        return conn.execute(select(m.tickets.c.receipt_no).where(m.tickets.c.id == ticket_id)).scalar() or ""


def _record_failure(runtime: Any, row: Any, attempts: int, error: str, retryable: bool, now: datetime) -> str:
    backoff = _backoff(runtime)
    d = mn.deliveries
    if retryable and attempts <= len(backoff):
        next_at = now + backoff[attempts - 1]
        values = {"status": DeliveryStatus.QUEUED, "next_attempt_at": next_at}
        status = DeliveryStatus.QUEUED
    else:
        next_at = None
        values = {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
        status = DeliveryStatus.FAILED
        if retryable:
            error = f"{error} (gave up after {attempts} attempts)"
    with _transaction(runtime) as conn:
        conn.execute(update(d).where(d.c.id == row.id).values(last_error=error[:4000], locked_until=None,
                                                              **values))
    logger.warning("delivery %s attempt %d failed (%s): %s", row.id, attempts,
                   f"retry at {next_at.isoformat()}" if next_at else "failed", error)
    if next_at is not None and runtime.redis_url:
        try:
            _enqueue_delivery(runtime, row.id, at=next_at, attempt=attempts)
        except Exception:  # noqa: BLE001 - the sweep picks the retry up from the database
            logger.warning("could not schedule retry of delivery %s on Redis", row.id, exc_info=True)
    return status


# -- sweeping and operator actions -----------------------------------------------------------------
def sweep_outbox(runtime: Any, now: datetime | None = None, *, batch: int = 500) -> int:
    """Expand pending outbox rows and deliver due deliveries; returns how many rows it acted on.

    The safety net for lost jobs (Redis keeps nothing on disk) and the retry loop of the embedded mode.
    One broken row does not stop the sweep. Due means queued, ``next_attempt_at`` reached, and no live
    lease: a delivery whose worker died is retried once its lease has run out.
    """
    now = now or utcnow()
    done = 0
    with read_only(runtime.db) as conn:
        pending = list(conn.execute(select(m.outbox.c.id).where(m.outbox.c.status == "pending")
                                    .order_by(m.outbox.c.id).limit(batch)).scalars())
    for outbox_id in pending:
        try:
            expand_outbox(runtime, outbox_id, now=now)
            done += 1
        except Exception:  # noqa: BLE001 - one broken row must not block the whole sweep
            logger.exception("sweep: expanding outbox %s failed", outbox_id)
    d = mn.deliveries
    with read_only(runtime.db) as conn:
        due = list(conn.execute(select(d.c.id).where(and_(
            d.c.status == DeliveryStatus.QUEUED,
            or_(d.c.next_attempt_at.is_(None), d.c.next_attempt_at <= now),
            or_(d.c.locked_until.is_(None), d.c.locked_until <= now),
        )).order_by(d.c.next_attempt_at, d.c.id).limit(batch)).scalars())
    for delivery_id in due:
        try:
            deliver(runtime, delivery_id, now=now)
            done += 1
        except Exception:  # noqa: BLE001
            logger.exception("sweep: delivering %s failed", delivery_id)
    return done


def retry_delivery(runtime: Any, delivery_id: int, *, now: datetime | None = None) -> str:
    """Put a failed delivery back in the queue and try it now (inline, or as a job with Redis)."""
    now = now or utcnow()
    d = mn.deliveries
    with _transaction(runtime) as conn:
        row = conn.execute(select(d).where(d.c.id == delivery_id)).first()
        if row is None:
            raise LookupError(f"no delivery {delivery_id}; see 'alur outbox list'")
        if row.status == DeliveryStatus.SENT:
            return DeliveryStatus.SENT  # never sent twice
        if row.status == DeliveryStatus.SKIPPED:
            return DeliveryStatus.SKIPPED
        values: dict[str, Any] = {}
        if not row.body:  # its template failed to render: render again (the template may be fixed now)
            outbox = conn.execute(select(m.outbox).where(m.outbox.c.id == row.outbox_id)).first()
            fresh = next((r for r in _delivery_rows(runtime, conn, outbox, now)[0]
                          if (r["channel"], r["recipient"]) == (row.channel, row.recipient)), None)
            if fresh is None or fresh["status"] != DeliveryStatus.QUEUED:
                reason = fresh["last_error"] if fresh else "penerima ini tidak lagi termasuk dalam pemberitahuan"
                conn.execute(update(d).where(d.c.id == delivery_id).values(last_error=reason))
                return DeliveryStatus.FAILED
            values = {"subject": fresh["subject"], "body": fresh["body"], "locale": fresh["locale"]}
        # A manual retry starts a fresh backoff series.
        conn.execute(update(d).where(d.c.id == delivery_id).values(
            status=DeliveryStatus.QUEUED, next_attempt_at=now, attempts=0, locked_until=None, **values))
    if runtime.redis_url:
        try:
            _enqueue_delivery(runtime, delivery_id, attempt=0)
            return DeliveryStatus.QUEUED
        except Exception:  # noqa: BLE001
            logger.warning("could not enqueue retry of %s; delivering inline", delivery_id, exc_info=True)
    return deliver(runtime, delivery_id, now=now, force=True)


def retry_failed(runtime: Any, *, now: datetime | None = None) -> dict[int, str]:
    """Retry every failed delivery; returns the status of each afterwards."""
    with read_only(runtime.db) as conn:
        ids = list(conn.execute(select(mn.deliveries.c.id).where(
            mn.deliveries.c.status == DeliveryStatus.FAILED).order_by(mn.deliveries.c.id)).scalars())
    return {i: retry_delivery(runtime, i, now=now) for i in ids}


def list_deliveries(runtime: Any, *, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The delivery log, newest first, with the ticket's receipt number."""
    d = mn.deliveries
    q = (select(d.c.id, d.c.outbox_id, d.c.template, d.c.channel, d.c.recipient, d.c.status, d.c.attempts,
                d.c.last_error, d.c.next_attempt_at, d.c.created_at, d.c.sent_at, m.tickets.c.receipt_no)
         .select_from(d.outerjoin(m.tickets, m.tickets.c.id == d.c.ticket_id))
         .order_by(d.c.id.desc()).limit(limit))
    if status:
        q = q.where(d.c.status == status)
    with read_only(runtime.db) as conn:
        return [dict(r._mapping) for r in conn.execute(q)]
