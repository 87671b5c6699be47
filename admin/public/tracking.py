"""The receipt page, the tracking page and the complainant's replies (complete, confirm, reopen).

A complainant proves a complaint is theirs with its receipt number and either the long token (the QR code
and the links we send carry it in the URL's fragment, which no browser sends, so it reaches neither access
logs nor Referer headers) or the six-digit PIN printed beside the number (`workflow.services.tracking`: a
PIN locks after a few wrong tries). A wrong token or PIN and an unknown number get the same page, status and
words. Once proven, the session remembers the receipt number for `PROOF_MINUTES` (a signed cookie): the
tracking page is then ``/lacak?resi=…``, with no secret in the address, and reloading the receipt (for
`RECEIPT_MINUTES`) or the tracking page keeps working. On a shared phone or a kiosk, *Selesai di perangkat
ini* (`forget`) makes the browser forget both at once.
"""
from __future__ import annotations

import logging
import time

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address

from admin.qr import qr_data_uri
from workflow.core import evidence
from workflow.core.receipts import spaced_pin, tracking_link
from workflow.errors import ConcurrentUpdate, InvalidInput, TransitionRejected
from workflow.services import attachments
from workflow.services.tracking import LOCK_MINUTES, check_pin
from workflow.store.queries.transfers import handed_over

from . import limits
from .common import checked_files, posted_files, runtime, wib
from .i18n import locale, t
from .status import PEMOHON, find_by_token, public_status

logger = logging.getLogger(__name__)

CHANNELS = {"email": "email", "agency_webhook": "webhook"}  # how the hand-over travelled, as the page says it

# the complainant's moves on the tracking page, and the input each one carries
ACTIONS = {"lengkapi": "kelengkapan", "konfirmasi_puas": "tanggapan_pemohon", "buka_kembali": "alasan_buka_kembali"}
WITH_FILES = ("lengkapi",)  # replies that may carry documents (what the office asked for)
PROOF_MINUTES = 60  # how long a browser that proved a complaint may follow it without the PIN or token again
RECEIPT_MINUTES = 30  # how long the receipt page can be shown again (reloaded, printed) in the browser that filed
MAX_PROOFS = 5


# -- what this browser has proven ------------------------------------------------------------------------
def prove(receipt_no: str) -> None:
    now = time.time()
    proofs = {k: v for k, v in (session.get("lacak") or {}).items() if isinstance(v, (int, float)) and v > now}
    proofs[receipt_no] = now + PROOF_MINUTES * 60
    session["lacak"] = dict(sorted(proofs.items(), key=lambda kv: kv[1])[-MAX_PROOFS:])


def proven(receipt_no: str) -> bool:
    until = (session.get("lacak") or {}).get((receipt_no or "").strip().upper())
    return isinstance(until, (int, float)) and until > time.time()


# -- receipt ---------------------------------------------------------------------------------------------
def receipt():
    shown = session.get("resi")
    if not shown or shown.get("until", 0) < time.time():
        session.pop("resi", None)
        return render_template("public/receipt.html", shown=None)
    rt = runtime()
    ticket = find_by_token(rt, shown["receipt"], shown["token"])
    if ticket is None:
        return render_template("public/receipt.html", shown=None)
    prove(ticket.receipt_no)
    status = public_status(rt, ticket, locale())
    promise = rt.engine.definition_of(ticket).promise_clock()
    link = tracking_link(request.host_url, shown["receipt"], shown["token"])
    return render_template("public/receipt.html", shown=shown, status=status, promise=promise.key if promise else None,
                           pin=spaced_pin(shown.get("pin") or ""), qr=qr_data_uri(link), link=link,
                           track_url=url_for("public.track", resi=ticket.receipt_no))


def remember_receipt(receipt_no: str, token: str, pin: str | None) -> None:
    """Keep the new complaint's codes for its receipt page (reloads and prints included) for `RECEIPT_MINUTES`."""
    session["resi"] = {"receipt": receipt_no, "token": token, "pin": pin or "",
                       "until": time.time() + RECEIPT_MINUTES * 60}
    prove(receipt_no)


# -- tracking --------------------------------------------------------------------------------------------
def _form(*, resi: str = "", status: int = 200, unknown: bool = False, locked_until=None):
    return render_template("public/track.html", status=None, asked=unknown, resi=resi,
                           locked=wib(locked_until) if locked_until else None), status


def _unknown():
    """The one answer for an unknown receipt number and a wrong token or PIN alike (byte for byte: nothing typed
    is echoed, so the page cannot differ between the two)."""
    return _form(status=404, unknown=True)


def _track_page(rt, ticket, *, errors=None, done=None, failed=None):
    return render_template("public/track.html", status=public_status(rt, ticket, locale()), asked=True,
                           resi=ticket.receipt_no, attachments=len(attachments.list_for(rt.store, ticket.id)),
                           done=done, failed=failed, errors=errors or {},
                           transfers=transfers(rt, ticket, locale()), accept=evidence.ACCEPT,
                           max_files=evidence.MAX_FILES, max_mb=evidence.max_bytes() // (1024 * 1024))


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


def _by_receipt(rt, receipt_no: str):
    from workflow.store.queries.tracking import token_hash

    found = token_hash(rt.store, (receipt_no or "").strip().upper()[:24])
    return rt.engine.load(found[0]) if found is not None else None


def track():
    """GET: the form, or a proven complaint's status. An old link with ``?token=`` still works (and is proven)."""
    receipt_no = request.args.get("resi", "").strip().upper()
    token = request.args.get("token", "").strip()
    rt = runtime()
    if token:
        ticket = find_by_token(rt, receipt_no, token)
        if ticket is None:
            return _unknown()
        prove(ticket.receipt_no)
        return _track_page(rt, ticket, done=request.args.get("ok"), failed=request.args.get("gagal"))
    if receipt_no and proven(receipt_no):
        ticket = _by_receipt(rt, receipt_no)
        if ticket is not None:
            return _track_page(rt, ticket, done=request.args.get("ok"), failed=request.args.get("gagal"))
    return _form(resi=receipt_no[:24])


def lookup():
    """POST: the receipt number with the PIN (typed) or the token (the QR code's link, posted by its script)."""
    receipt_no = request.form.get("resi", "").strip().upper()[:24]
    token = request.form.get("token", "").strip()
    rt = runtime()
    if token:
        ticket = find_by_token(rt, receipt_no, token)
    else:
        found = check_pin(rt.store, receipt_no, request.form.get("pin", ""), rt.engine.identity_salt, rt.engine.now())
        if found.locked_until is not None:
            response = current_app.make_response(_form(resi=receipt_no, status=429, locked_until=found.locked_until))
            response.headers["Retry-After"] = str(LOCK_MINUTES * 60)
            return response
        ticket = rt.engine.load(found.ticket_id) if found.ok else None
    if ticket is None:
        return _unknown()
    prove(ticket.receipt_no)
    return redirect(url_for("public.track", resi=ticket.receipt_no), code=303)


def _authorised(rt):
    """The ticket the reply is about: a token in the form must match; without one, this browser must have proven it."""
    receipt_no = request.form.get("resi", "").strip().upper()
    token = request.form.get("token", "").strip()
    if token:
        return find_by_token(rt, receipt_no, token)
    return _by_receipt(rt, receipt_no) if proven(receipt_no) else None


def _reply_files(action: str, ticket, rt, errors: dict[str, str]) -> list:
    files = posted_files() if action in WITH_FILES else []
    if len(files) > evidence.MAX_FILES:
        errors["bukti"] = t("Terlalu banyak berkas: paling banyak") + f" {evidence.MAX_FILES} " + t("berkas") + "."
        return []
    uploads = checked_files(files, errors)
    have = attachments.count_for(rt.store, ticket.id)
    if uploads and have + len(uploads) > evidence.MAX_PER_TICKET:
        errors["bukti"] = t("Pengaduan ini sudah memiliki {n} berkas; paling banyak {m} berkas per pengaduan.").format(
            n=have, m=evidence.MAX_PER_TICKET)
    return uploads


def reply(action: str):
    if action not in ACTIONS:
        abort(404)
    rt = runtime()
    ticket = _authorised(rt)
    if ticket is None:
        return _unknown()
    field = ACTIONS[action]
    text = request.form.get(field, "")
    inputs = {field: text} if text.strip() or action != "konfirmasi_puas" else {}
    errors: dict[str, str] = {}
    uploads = _reply_files(action, ticket, rt, errors)
    if errors:
        return _track_page(rt, ticket, errors=errors), 422
    try:
        rt.engine.fire(ticket.id, action, PEMOHON, inputs, expected_version=ticket.version)
    except InvalidInput as exc:
        return _track_page(rt, ticket, errors=exc.errors), 422
    except (TransitionRejected, ConcurrentUpdate) as exc:
        logger.info("public %s refused on %s: %s", action, ticket.receipt_no, exc)
        return redirect(url_for("public.track", resi=ticket.receipt_no, gagal=1))
    if uploads:  # after the reply: a refused reply leaves no file behind to be sent twice
        attachments.record(rt.store, ticket.id, ticket.receipt_no, uploads, current_app.instance_path,
                           max_total=evidence.MAX_PER_TICKET)
    prove(ticket.receipt_no)
    return redirect(url_for("public.track", resi=ticket.receipt_no, ok=1))


def forget():
    """POST: this browser forgets every receipt and complaint it proved (a shared phone, a kiosk)."""
    session.pop("resi", None)
    session.pop("lacak", None)
    return redirect(url_for("public.index", selesai=1))


def register(bp: Blueprint, limiter) -> None:
    limited = limiter.limit(limits.track_limit, key_func=get_remote_address)
    bp.add_url_rule("/pengaduan/resi", "receipt", receipt, methods=["GET"])
    bp.add_url_rule("/lacak", "track", limited(track), methods=["GET"])
    bp.add_url_rule("/lacak", "lookup", limited(lookup), methods=["POST"])
    bp.add_url_rule("/lacak/selesai", "forget", forget, methods=["POST"])
    bp.add_url_rule("/lacak/<action>", "reply", limited(reply), methods=["POST"])


__all__ = ["register", "ACTIONS", "remember_receipt", "prove", "proven", "forget"]
