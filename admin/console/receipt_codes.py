"""The tracking codes of complaints recorded at the desk, kept for their printed receipt (issue 14, item 2).

The token and PIN exist only when the complaint is recorded (only their hashes are stored). The officer's
session keeps them for the last `KEEP` complaints for `KEEP_SECONDS`, so the receipt page can be reloaded and
printed again (a jammed printer, a second copy) without losing the QR code and the PIN; after that, a reprint
carries the receipt number only."""
from __future__ import annotations

import time

from flask import session

from admin.qr import qr_data_uri
from workflow.core.receipts import spaced_pin, tracking_link

KEEP = 5
KEEP_SECONDS = 3600
KEY = "receipt_tokens"


def keep(ticket_id: int, token: str, pin: str | None) -> None:
    now = time.time()
    kept = {k: v for k, v in (session.get(KEY) or {}).items() if isinstance(v, dict) and v.get("until", 0) > now}
    kept[str(ticket_id)] = {"token": token, "pin": pin or "", "until": now + KEEP_SECONDS}
    session[KEY] = dict(list(kept.items())[-KEEP:])


def codes(ticket_id: int, receipt_no: str, public_url: str) -> dict:
    """What the receipt prints: the tracking link (the token in its fragment when still kept), its QR code, the
    token and the PIN (None when no longer kept)."""
    found = (session.get(KEY) or {}).get(str(ticket_id))
    if not isinstance(found, dict) or found.get("until", 0) < time.time():
        found = {}
    token, pin = found.get("token") or None, found.get("pin") or None
    link = tracking_link(public_url, receipt_no, token)
    return {"token": token, "pin": spaced_pin(pin) if pin else None, "tracking": link, "qr": qr_data_uri(link)}


__all__ = ["keep", "codes", "KEEP", "KEEP_SECONDS"]
