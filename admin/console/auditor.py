"""Auditor pages: the transition log across tickets, chain verification, exports, identity views.

Read only. Nothing here writes a ticket, an audit row or a definition; the only POST is "Verifikasi
ulang", which reads the whole chain and remembers the result in the process (a report, not a change).

Who may read: ``auditor`` (internal inspectorate, Ombudsman) and the head of office (a supervisor of
level 3, kepala dinas), who answers for the office to those auditors. Kepala seksi and kepala bidang
cannot: they manage the deadlines the log judges. Everyone else gets 403.

Times are filtered and shown in WIB. Exports stream (`workflow.audit_export.write_audit` per batch),
so a million rows never sit in memory; the JSON Lines export carries the hashes and re-verifies offline
with `workflow.audit.verify_rows` when it is unfiltered (a filtered export is a subset, not a chain).
"""
from __future__ import annotations

import io
import json
import logging
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterator

from flask import Flask, Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from sqlalchemy import and_, func, select

from workflow.core.audit import KINDS, ChainStatus, verify_rows
from workflow.reports.audit_export import write_audit
from workflow.store import models as m
from workflow.store.db import read_only
from workflow.store.sql import utc

from ..auth import SecureBaseView, current_actor, current_console_user
from . import common
from .common import OFFICE_TZ, tr

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
EXPORT_BATCH = 2000
VERIFY_ON_VIEW_LIMIT = 20_000  # above this many rows the page shows the last result and a button


def may_read_audit() -> bool:
    user = current_console_user()
    if user is None:
        return False
    return user.has("auditor") or (user.has("supervisor") and (user.supervisor_level or 0) >= 3)


@dataclass
class AuditFilters:
    receipt: str = ""
    actor: str = ""
    trigger: str = ""
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "AuditFilters":
        def text(name: str) -> str:
            return (args.get(name) or "").strip()[:100]

        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(text(name)) if text(name) else None
            except ValueError:
                return None

        try:
            page = max(1, min(100_000, int(args.get("page") or 1)))
        except ValueError:
            page = 1
        kind = text("kind")
        return cls(receipt=text("receipt").upper(), actor=text("actor"), trigger=text("trigger"),
                   kind=kind if kind in KINDS else "", date_from=day("from"), date_to=day("to"), page=page)

    @property
    def empty(self) -> bool:
        return not (self.receipt or self.actor or self.trigger or self.kind or self.date_from or self.date_to)

    def args(self, **override: Any) -> dict[str, Any]:
        out = {"receipt": self.receipt, "actor": self.actor, "trigger": self.trigger, "kind": self.kind,
               "from": self.date_from.isoformat() if self.date_from else "",
               "to": self.date_to.isoformat() if self.date_to else "", "page": self.page}
        out.update(override)
        return {k: v for k, v in out.items() if v not in ("", None) and not (k == "page" and v == 1)}

    def conditions(self) -> list:
        a = m.audit_log
        out = []
        if self.receipt:
            out.append(a.c.receipt_no == self.receipt)
        if self.actor:
            out.append(a.c.actor_id == self.actor)
        if self.trigger:
            out.append(a.c.trigger == self.trigger)
        if self.kind:
            out.append(a.c.kind == self.kind)
        if self.date_from:  # a WIB day starts at 00:00 WIB = 17:00 UTC the day before
            out.append(a.c.at >= datetime.combine(self.date_from, time(0), OFFICE_TZ).astimezone(timezone.utc))
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time(0), OFFICE_TZ).astimezone(timezone.utc)
            out.append(a.c.at < end)
        return out


def _row(mapping) -> dict:
    out = dict(mapping)
    out["at"] = utc(out["at"])
    out["inputs"] = json.loads(out["inputs"] or "{}")
    out["detail"] = json.loads(out["detail"] or "{}")
    return out


def audit_page(db, f: AuditFilters) -> tuple[list[dict], int]:
    """One page of matching rows, newest first, and how many match."""
    a = m.audit_log
    where = and_(*f.conditions()) if f.conditions() else None
    count_q = select(func.count()).select_from(a)
    q = select(a)
    if where is not None:
        count_q, q = count_q.where(where), q.where(where)
    with read_only(db) as conn:
        total = int(conn.execute(count_q).scalar_one())
        rows = conn.execute(q.order_by(a.c.seq.desc()).limit(PAGE_SIZE).offset((f.page - 1) * PAGE_SIZE)).mappings().all()
    return [_row(r) for r in rows], total


def iter_audit(db, f: AuditFilters, batch: int = EXPORT_BATCH) -> Iterator[list[dict]]:
    """Matching rows in sequence order, in batches (keyset on seq, one short query per batch)."""
    a = m.audit_log
    last = 0
    conds = f.conditions()
    while True:
        q = select(a).where(a.c.seq > last, *conds).order_by(a.c.seq).limit(batch)
        with read_only(db) as conn:
            rows = [_row(r) for r in conn.execute(q).mappings().all()]
        if not rows:
            return
        yield rows
        last = rows[-1]["seq"]


def export_chunks(db, f: AuditFilters, fmt: str) -> Iterator[str]:
    first = True
    for rows in iter_audit(db, f):
        buffer = io.StringIO()
        write_audit(rows, buffer, fmt)
        text = buffer.getvalue()
        if fmt == "csv" and not first:
            text = text.split("\r\n", 1)[1] if "\r\n" in text else ""  # the header once, at the top
        first = False
        yield text
    if first and fmt == "csv":  # no rows at all: still a header, so spreadsheets open it
        buffer = io.StringIO()
        write_audit([], buffer, fmt)
        yield buffer.getvalue()


@dataclass
class Verification:
    status: ChainStatus
    at: datetime
    by: str
    head_seq: int


_LOCK = threading.Lock()


def verify_chain(rt, by: str) -> Verification:
    """Verify the whole chain from the first row and remember the result for this process."""
    with _LOCK:  # one full walk at a time; a second click waits for the first result
        status = verify_rows(rt.store.audit_rows())
        result = Verification(status=status, at=datetime.now(timezone.utc), by=by, head_seq=rt.store.audit_head()[0])
        rt.extras["audit_verification"] = result
    if not status.ok:
        logger.error("audit chain broken at row %s: %s", status.first_bad_seq, status.reason)
    return result


def last_verification(rt) -> Verification | None:
    return rt.extras.get("audit_verification")


class AuditLogView(SecureBaseView):
    """The transition log across tickets, filtered and paginated; read only."""

    roles = frozenset({"auditor", "supervisor"})  # narrowed in is_accessible: supervisors of level 3 only

    def is_accessible(self) -> bool:
        return may_read_audit()

    def is_visible(self) -> bool:
        return may_read_audit()

    @expose("/")
    def index(self):
        rt = common.runtime()
        f = AuditFilters.from_args(request.args)
        rows, total = audit_page(rt.db, f)
        verification = last_verification(rt)
        head_seq = rt.store.audit_head()[0]
        if head_seq <= VERIFY_ON_VIEW_LIMIT and (verification is None or verification.head_seq != head_seq):
            verification = verify_chain(rt, "sistem")
        pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
        return self.render("auditor/log.html", rows=rows, total=total, f=f, pages=pages, kinds=KINDS,
                           verification=verification, head_seq=head_seq, common=common,
                           big=head_seq > VERIFY_ON_VIEW_LIMIT, identity_only=False)

    @expose("/identitas")
    def identity_views(self):
        rt = common.runtime()
        f = AuditFilters.from_args(request.args)
        f.kind = "identity_view"
        rows, total = audit_page(rt.db, f)
        pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
        return self.render("auditor/identity_views.html", rows=rows, total=total, f=f, pages=pages, common=common)

    @expose("/verify", methods=("POST",))
    def verify(self):
        rt = common.runtime()
        result = verify_chain(rt, current_actor().id)
        if result.status.ok:
            flash(tr(f"Rantai audit utuh: {result.status.rows} baris terverifikasi.",
                     f"Audit chain intact: {result.status.rows} rows verified."), "success")
        else:
            flash(tr(f"Rantai audit RUSAK pada baris {result.status.first_bad_seq}: {result.status.reason}",
                     f"Audit chain BROKEN at row {result.status.first_bad_seq}: {result.status.reason}"), "danger")
        return redirect(url_for(".index"))

    @expose("/export.<fmt>")
    def export(self, fmt: str):
        if fmt not in ("jsonl", "csv"):
            abort(404)
        rt = common.runtime()
        f = AuditFilters.from_args(request.args)
        stamp = datetime.now(OFFICE_TZ).strftime("%Y%m%d-%H%M")
        mimetype = "application/x-ndjson" if fmt == "jsonl" else "text/csv"
        logger.info("audit export (%s, filters %s) by %s", fmt, f.args(), current_actor().id)
        # The generator needs no request context (it reads through rt.db only), so none is kept alive
        # while a long export streams.
        response = Response(export_chunks(rt.db, f, fmt), mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="alur-audit-{stamp}.{fmt}"'
        response.headers["Cache-Control"] = "no-store"
        return response


def register(admin, app: Flask) -> None:
    from . import Text

    admin.add_view(AuditLogView(name=Text("Log audit", "Audit log"), endpoint="audit", url="/admin/audit"))


__all__ = ["register", "AuditLogView", "AuditFilters", "audit_page", "iter_audit", "export_chunks", "verify_chain",
           "may_read_audit"]
