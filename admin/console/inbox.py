"""The in-app inbox of every staff user, and the delivery log for admin and supervisors.

"Kotak masuk" (``/admin/kotak-masuk``): the signed-in user's ``inbox`` rows (written by
`notifications.sending.deliver` for channel ``inapp``, ``inbox.user_id`` = ``users.id``), newest
first. Opening a message marks it read; another user's message answers 404 (its existence is not
confirmed). The message links to its ticket only when the user may open that ticket: case workers
(petugas, tim, supervisors) through the work pages, an OPD liaison only for tickets of their own OPD.
The unread count for the navigation badge is one COUNT over ``ix_inbox_user``, run lazily (only when
the console frame renders) and at most once per request.

"Pengiriman gagal" (``/admin/pengiriman``, admin and supervisors): the ``deliveries`` log with its
attempts and last error, filtered by status, template and receipt number; a failed delivery can be
sent again (`notifications.retry.retry_delivery`), or all of them (`retry_failed`). Complainant
addresses are masked for everyone but supervisors (admin sees staff addresses only: the role table of
docs/console.md gives admin no complainant identity, whatever the ticket's level); a supervisor
shown the address of a ``rahasia`` complainant gets an ``identity_view`` audit row per ticket, as
every other read of a confidential identity does (`admin.auth.view_identity`).
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Mapping

from flask import Flask, abort, current_app, flash, g, redirect, request, url_for
from flask_admin import expose

from workflow.services import inbox as inbox_service
from workflow.store.queries import inbox as inbox_queries
from workflow.store.queries.inbox import STATUSES, DeliveryFilters

from ..auth import CASE_ROLES, ROLES, SecureBaseView, current_console_user
from . import common
from .common import tr

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
STATUS_LABELS = {"queued": ("Dalam antrean", "Queued"), "sent": ("Terkirim", "Sent"),
                 "failed": ("Gagal", "Failed"), "skipped": ("Dilewati", "Skipped")}
CHANNEL_LABELS = {"email": ("Email", "Email"), "webhook": ("WhatsApp/SMS", "WhatsApp/SMS"),
                  "inapp": ("Kotak masuk", "In-app"), "none": ("–", "–")}
MASK = "••••••"
STAFF_ADDRESS_ROLES = frozenset({"admin", "supervisor"})


def _now() -> datetime:
    return datetime.now(timezone.utc)


# -- inbox ----------------------------------------------------------------------------------------
def _unread_for_request() -> int:
    """The badge number: counted once per request, and only for a signed-in console user."""
    user = current_console_user()
    if user is None:
        return 0
    cached = g.get("_alur_inbox_unread")
    if cached is None:
        cached = inbox_queries.unread_count(common.runtime().store, user.id)
        g._alur_inbox_unread = cached
    return cached


def ticket_link(ticket_id: int | None, user) -> str | None:
    """The console page of ``ticket_id`` if ``user`` may open it, else None."""
    if ticket_id is None or user is None:
        return None
    views = current_app.view_functions
    if user.has(*CASE_ROLES) and "work.ticket" in views:
        return url_for("work.ticket", ticket_id=ticket_id)
    if user.has("opd_liaison") and user.opd and "opd.ticket" in views:
        if inbox_queries.ticket_opd(common.runtime().store, ticket_id) == user.opd:
            return url_for("opd.ticket", ticket_id=ticket_id)
    return None


class InboxView(SecureBaseView):
    """Kotak masuk: in-app messages of the signed-in user, for every console role."""

    roles = frozenset(ROLES)

    @expose("/")
    def index(self):
        user = current_console_user()
        page = inbox_queries.page_number(request.args)
        unread_only = request.args.get("filter") == "belum"
        rows, total = inbox_queries.messages(common.runtime().store, user.id, unread_only=unread_only, page=page,
                                             page_size=PAGE_SIZE)
        pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
        return self.render("inbox/index.html", rows=rows, total=total, page=page, pages=pages,
                           unread_only=unread_only, unread=_unread_for_request())

    @expose("/<int:message_id>")
    def message(self, message_id: int):
        user = current_console_user()
        store = common.runtime().store
        row = inbox_queries.message(store, user.id, message_id)
        if row is None:
            abort(404)  # someone else's message, or none: the same answer
        read_at = row["read_at"]
        if read_at is None:
            read_at = _now()
            inbox_service.mark_read(store, user.id, message_id, read_at)
        return self.render("inbox/message.html", message=row, created_at=row["created_at"], read_at=read_at,
                           link=ticket_link(row["ticket_id"], user))

    @expose("/tandai-dibaca", methods=("POST",))
    def read_all(self):
        user = current_console_user()
        done = inbox_service.mark_all_read(common.runtime().store, user.id, _now())
        flash(tr(f"{done} pesan ditandai sudah dibaca.", f"{done} message(s) marked as read."), "success")
        return redirect(url_for(".index"))


# -- delivery log ---------------------------------------------------------------------------------
def _templates() -> list[str]:
    try:
        from notifications.templates import available_templates

        return sorted(available_templates())
    except Exception:  # noqa: BLE001 - a broken template folder must not hide the log
        return []


def _complainant_address(row: Mapping[str, Any]) -> bool:
    return row["user_id"] is None and row["channel"] not in ("inapp", "none")


def present(rows: list[dict], user) -> list[tuple[int, str | None]]:
    """Mask what ``user`` may not see, in place; returns (ticket id, receipt no.) of the ``rahasia``
    complainants whose address is shown (the caller audits those reads)."""
    revealed: dict[int, str | None] = {}
    staff_addresses = user is not None and bool(user.roles & STAFF_ADDRESS_ROLES)
    supervisor = user is not None and user.has("supervisor")
    for r in rows:
        r["masked"] = False
        if r["channel"] == "inapp":
            r["shown_recipient"] = r["user_name"] or f"#{r['recipient']}"
            continue
        if r["channel"] == "none":
            r["shown_recipient"] = r["recipient"]  # the spec that reached nobody, not an address
            continue
        level = r["kerahasiaan"]
        # a complainant's contact is their identity: supervisors only (docs/console.md's role table)
        may_see = supervisor if _complainant_address(r) else staff_addresses
        if not may_see:
            r["masked"] = True
            r["shown_recipient"] = MASK
            if r["last_error"] and r["recipient"]:
                r["last_error"] = r["last_error"].replace(r["recipient"], MASK)
            continue
        r["shown_recipient"] = r["recipient"]
        if _complainant_address(r) and level == "rahasia" and r["ticket_id"] is not None:
            revealed[r["ticket_id"]] = r["receipt_no"]
    return list(revealed.items())


def audit_reveals(revealed: list[tuple[int, str | None]], user) -> None:
    """One ``identity_view`` audit row per confidential complainant whose address a supervisor saw."""
    if revealed and user is not None:
        inbox_service.record_address_views(common.runtime().store, user.actor(), revealed, _now())


class DeliveriesView(SecureBaseView):
    """Pengiriman gagal: the delivery log, with retries, for admin and supervisors."""

    roles = frozenset({"admin", "supervisor"})

    @expose("/")
    def index(self):
        user = current_console_user()
        f = DeliveryFilters.from_args(request.args)
        store = common.runtime().store
        rows, more, counts = inbox_queries.deliveries(store, f, PAGE_SIZE)
        audit_reveals(present(rows, user), user)
        failed_total = counts.get("failed", 0)
        if f.template or f.receipt:  # "retry all" acts on every failed delivery, not only the filtered ones
            failed_total = inbox_queries.failed_count(store)
        return self.render("inbox/deliveries.html", rows=rows, more=more, counts=counts, f=f,
                           statuses=STATUSES, status_labels=STATUS_LABELS, channel_labels=CHANNEL_LABELS,
                           templates=_templates(), failed_total=failed_total,
                           can_open_ticket=user.has("supervisor") and "work.ticket" in current_app.view_functions)

    def _back(self):
        f = DeliveryFilters.from_args(request.form)
        return redirect(url_for(".index", **f.args()))

    @expose("/<int:delivery_id>/kirim-ulang", methods=("POST",))
    def retry(self, delivery_id: int):
        from notifications.retry import retry_delivery

        try:
            status = retry_delivery(common.runtime(), delivery_id)
        except LookupError:
            abort(404)
        label = STATUS_LABELS.get(status, (status, status))
        category = {"sent": "success", "queued": "info"}.get(status, "danger")
        flash(tr(f"Pengiriman #{delivery_id} dikirim ulang: {label[0].lower()}.",
                 f"Delivery #{delivery_id} retried: {label[1].lower()}."), category)
        logger.info("delivery %s retried from the console by %s: %s", delivery_id,
                    current_console_user().username, status)
        return self._back()

    @expose("/kirim-ulang-semua", methods=("POST",))
    def retry_all(self):
        from notifications.retry import retry_failed

        results = retry_failed(common.runtime())
        if not results:
            flash(tr("Tidak ada pengiriman yang gagal.", "No failed deliveries."), "info")
            return self._back()
        by_status: dict[str, int] = {}
        for status in results.values():
            by_status[status] = by_status.get(status, 0) + 1
        parts_id = ", ".join(f"{n} {STATUS_LABELS.get(s, (s, s))[0].lower()}" for s, n in sorted(by_status.items()))
        parts_en = ", ".join(f"{n} {STATUS_LABELS.get(s, (s, s))[1].lower()}" for s, n in sorted(by_status.items()))
        flash(tr(f"{len(results)} pengiriman dikirim ulang: {parts_id}.",
                 f"{len(results)} deliveries retried: {parts_en}."),
              "success" if set(by_status) <= {"sent", "queued"} else "warning")
        logger.info("all failed deliveries retried from the console by %s: %s", current_console_user().username,
                    by_status)
        return self._back()


def register(admin, app: Flask) -> None:
    from . import Text

    admin.add_view(InboxView(name=Text("Kotak masuk", "Inbox"), endpoint="inbox", url="/admin/kotak-masuk"))
    admin.add_view(DeliveriesView(name=Text("Pengiriman gagal", "Failed deliveries"), endpoint="deliveries",
                                  url="/admin/pengiriman"))

    @app.context_processor
    def _inbox_badge():
        # a callable: the COUNT runs only where the console frame shows the badge, once per request
        return {"inbox_unread": _unread_for_request}


__all__ = ["register", "InboxView", "DeliveriesView", "ticket_link", "present", "audit_reveals", "PAGE_SIZE"]
