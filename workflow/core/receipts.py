"""Receipt numbers and tracking tokens: what a complainant is handed when a complaint is recorded."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

PIN_DIGITS = 6
_NOT_DIGIT = re.compile(r"[^0-9]")


def format_receipt(year: int, number: int) -> str:
    """``ADU-2026-000042``: the year (office time) and the year's running number."""
    return f"ADU-{year}-{number:06d}"


def new_token() -> str:
    """A tracking token: 24 random bytes, shown once to the complainant."""
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    """Tracking tokens are stored hashed: a leaked database does not let anyone track complaints."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tracking_link(base_url: str, receipt_no: str, token: str | None = None) -> str:
    """The tracking page of a complaint: ``/lacak#resi=..&token=..`` with the token, ``/lacak?resi=..`` without.

    The token travels in the fragment, which browsers never send: it stays out of access logs, proxies and
    Referer headers; the page's script posts it (admin/static/alur/public_track.js)."""
    from urllib.parse import urlencode

    base = f"{base_url.rstrip('/')}/lacak"
    if token:
        return f"{base}#{urlencode({'resi': receipt_no, 'token': token})}"
    return f"{base}?{urlencode({'resi': receipt_no})}"


def new_pin() -> str:
    """A tracking PIN: six random digits a person can read out over the phone with the receipt number."""
    return f"{secrets.randbelow(10 ** PIN_DIGITS):0{PIN_DIGITS}d}"


def clean_pin(text: str | None) -> str:
    """The digits of a typed PIN ("493 027", "493-027" -> "493027"); ASCII digits only, at most 12 read."""
    return _NOT_DIGIT.sub("", (text or "")[:24])[:12]


def spaced_pin(pin: str) -> str:
    """``493 027``: how the receipt prints a PIN, in two groups a person reads out easily."""
    return f"{pin[:3]} {pin[3:]}" if len(pin) == PIN_DIGITS else pin


def hash_pin(receipt_no: str, pin: str, key: str) -> str:
    """A PIN stored keyed: HMAC-SHA256 with the instance's identity salt over the receipt number and the PIN.

    Six digits are a small space: a plain hash in a leaked database would give every PIN away in a second.
    Without the key (kept outside the database) the stored value says nothing; online guessing is capped by
    `workflow.services.tracking` (a PIN locks after a few wrong tries) and the tracking page's rate limit."""
    message = f"pin:{receipt_no.strip().upper()}:{pin}".encode()
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


__all__ = ["format_receipt", "new_token", "hash_token", "new_pin", "clean_pin", "spaced_pin", "hash_pin",
           "PIN_DIGITS", "tracking_link"]
