"""The receipt page, the tracking page and the complainant's replies (complete, confirm, reopen).

A receipt number with its token is the complainant's only key: a wrong token and an unknown number get
the same page, status and words (`admin.public.status.find_by_token`)."""
from __future__ import annotations

import logging

from flask import Blueprint, abort, redirect, render_template, request, session
from flask_limiter.util import get_remote_address

from workflow.errors import ConcurrentUpdate, InvalidInput, TransitionRejected
from workflow.services import attachments
from workflow.store.queries.transfers import handed_over

from . import limits
from .common import runtime, track_url
from .i18n import locale
from .status import PEMOHON, find_by_token, public_status

logger = logging.getLogger(__name__)

CHANNELS = {"email": "email", "agency_webhook": "webhook"}  # how the hand-over travelled, as the page says it

# the complainant's moves on the tracking page, and the input each one carries
ACTIONS = {"lengkapi": "kelengkapan", "konfirmasi_puas": "tanggapan_pemohon", "buka_kembali": "alasan_buka_kembali"}


def receipt():
    shown = session.pop("resi", None)
    if not shown:
        return render_template("public/receipt.html", shown=None)
    rt = runtime()
    ticket = find_by_token(rt, shown["receipt"], shown["token"])
    status = public_status(rt, ticket, locale()) if ticket else None
    promise = rt.engine.definition_of(ticket).promise_clock() if ticket else None
    return render_template("public/receipt.html", shown=shown, status=status, promise=promise.key if promise else None,
                           track_url=track_url(shown["receipt"], shown["token"]))


def _unknown():
    """The one answer for an unknown receipt number and a wrong token alike."""
    return render_template("public/track.html", status=None, asked=True, resi="", token=""), 404


def _track_page(rt, ticket, token: str, *, errors=None, done=None, failed=None):
    return render_template("public/track.html", status=public_status(rt, ticket, locale()), asked=True,
                           resi=ticket.receipt_no, token=token, attachments=len(attachments.list_for(rt.store, ticket.id)),
                           done=done, failed=failed, errors=errors or {},
                           transfers=transfers(rt, ticket, locale()))


def transfers(rt, ticket, lang: str = "id") -> list[dict]:
    """Where the complaint went when it was handed to an agency outside the office: the agency, when, by which
    channel and whether it arrived, and how the complainant reaches the agency (its public contact)."""
    catalog = rt.catalogs.get("opd")
    out = []
    for item in handed_over(rt.store, ticket.id):
        code = ticket.fields.get(item["field"])
        entry = catalog.get(code) if catalog is not None and code else None
        sent = [d["sent_at"] for d in item["deliveries"] if d["status"] == "sent" and d["sent_at"]]
        tried = [d for d in item["deliveries"] if d["channel"] != "none"]
        extra = dict(entry.extra) if entry is not None else {}
        out.append({
            "agency": catalog.label_of(code, lang) if catalog is not None else (code or "-"),
            "at": item["at"], "sent_at": min(sent) if sent else None,
            "channels": sorted({CHANNELS.get(d["channel"], d["channel"]) for d in tried}),
            "state": "sent" if sent else "failed" if tried and all(d["status"] == "failed" for d in tried)
            else "queued" if tried or not item["deliveries"] else "no_contact",
            "contact": ", ".join(str(extra[k]) for k in ("phone", "email") if extra.get(k)),
        })
    return out


def track():
    receipt_no = request.args.get("resi", "").strip()
    token = request.args.get("token", "").strip()
    if not receipt_no and not token:
        return render_template("public/track.html", status=None, asked=False, resi="", token="")
    rt = runtime()
    ticket = find_by_token(rt, receipt_no, token)
    if ticket is None:
        return _unknown()
    return _track_page(rt, ticket, token, done=request.args.get("ok"), failed=request.args.get("gagal"))


def reply(action: str):
    if action not in ACTIONS:
        abort(404)
    rt = runtime()
    token = request.form.get("token", "")
    ticket = find_by_token(rt, request.form.get("resi", ""), token)
    if ticket is None:
        return _unknown()
    field = ACTIONS[action]
    text = request.form.get(field, "")
    inputs = {field: text} if text.strip() or action != "konfirmasi_puas" else {}
    try:
        rt.engine.fire(ticket.id, action, PEMOHON, inputs, expected_version=ticket.version)
    except InvalidInput as exc:
        return _track_page(rt, ticket, token, errors=exc.errors), 422
    except (TransitionRejected, ConcurrentUpdate) as exc:
        logger.info("public %s refused on %s: %s", action, ticket.receipt_no, exc)
        return redirect(track_url(ticket.receipt_no, token) + "&gagal=1")
    return redirect(track_url(ticket.receipt_no, token) + "&ok=1")


def register(bp: Blueprint, limiter) -> None:
    limited = limiter.limit(limits.track_limit, key_func=get_remote_address)
    bp.add_url_rule("/pengaduan/resi", "receipt", receipt, methods=["GET"])
    bp.add_url_rule("/lacak", "track", limited(track), methods=["GET"])
    bp.add_url_rule("/lacak/<action>", "reply", limited(reply), methods=["POST"])


__all__ = ["register", "ACTIONS"]
