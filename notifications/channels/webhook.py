"""The webhook channel: signed JSON POSTs to the office's WhatsApp/SMS gateway, and the check the
gateway runs on them (`verify_signature`).

Every request carries ``X-Alur-Timestamp`` and ``X-Alur-Signature: sha256=hex(HMAC-SHA256(secret,
"{timestamp}.{raw body}"))``, and ``Idempotency-Key: <message id>``, the same on every attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request

from notifications.channels.base import is_loopback, reply_text
from notifications.errors import ConfigurationError, DeliveryError, SignatureError
from notifications.message import Message

__all__ = ["IDEMPOTENCY_HEADER", "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "WebhookChannel", "sign",
           "verify_signature"]

logger = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-Alur-Timestamp"
SIGNATURE_HEADER = "X-Alur-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_SIGNATURE_PREFIX = "sha256="

# HTTP statuses that say "not now" rather than "never": request timeout, too early,
# rate-limited. Every other 4xx means the request itself is wrong and will stay wrong.
_RETRYABLE_4XX = frozenset({408, 425, 429})



def sign(secret: str | bytes, timestamp: str | int, raw_body: bytes | str) -> str:
    """Return the ``X-Alur-Signature`` value: ``sha256=`` + hex HMAC of ``"{timestamp}.{body}"``."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    body = raw_body.encode("utf-8") if isinstance(raw_body, str) else raw_body
    digest = hmac.new(key, str(timestamp).encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return _SIGNATURE_PREFIX + digest


def verify_signature(
    secret: str | bytes,
    timestamp: str | int | None,
    raw_body: bytes | str,
    signature: str | None,
    *,
    now: float | None = None,
    tolerance: float = 300,
) -> None:
    """Check that a webhook request was signed by alur recently; raise if not.

    This is the receiving side's half of ``WebhookChannel``. Pass the header values
    as received and the body exactly as read from the socket (before JSON parsing).
    The timestamp window stops an old request from being replayed later; within the
    window the gateway should also drop repeated ``Idempotency-Key`` values.

    Args:
        secret: the shared ALUR_WEBHOOK_SECRET.
        timestamp: the ``X-Alur-Timestamp`` header (unix seconds), or None if absent.
        raw_body: the request body bytes.
        signature: the ``X-Alur-Signature`` header, or None if absent.
        now: current unix time; defaults to ``time.time()``.
        tolerance: largest accepted difference, in seconds, between ``now`` and the
            timestamp, in either direction (clocks drift both ways).

    Raises:
        SignatureError: with ``reason`` one of missing_timestamp, missing_signature,
            malformed_timestamp, malformed_signature, mismatch, expired.
    """
    if timestamp is None or str(timestamp).strip() == "":
        raise SignatureError(
            f"missing {TIMESTAMP_HEADER} header; the sender must send the unix time it signed at",
            reason="missing_timestamp",
        )
    if signature is None or signature.strip() == "":
        raise SignatureError(
            f"missing {SIGNATURE_HEADER} header; the sender must sign the request", reason="missing_signature"
        )
    timestamp_text = str(timestamp).strip()
    if not timestamp_text.isascii() or not timestamp_text.isdigit():
        raise SignatureError(
            f"{TIMESTAMP_HEADER} {timestamp_text!r} is not a whole number of unix seconds",
            reason="malformed_timestamp",
        )
    signature = signature.strip()
    if not signature.startswith(_SIGNATURE_PREFIX):
        raise SignatureError(
            f"{SIGNATURE_HEADER} must start with {_SIGNATURE_PREFIX!r}; got {signature[:16]!r}",
            reason="malformed_signature",
        )
    expected = sign(secret, timestamp_text, raw_body)
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii", "replace")):
        raise SignatureError(
            "signature does not match the body; check that both sides use the same "
            "ALUR_WEBHOOK_SECRET and that the body is verified exactly as received",
            reason="mismatch",
        )
    current = time.time() if now is None else now
    age = current - int(timestamp_text)
    if abs(age) > tolerance:
        direction = "old" if age > 0 else "in the future"
        raise SignatureError(
            f"request timestamp is {abs(age):.0f} s {direction}, outside the {tolerance:.0f} s tolerance; "
            "it may be a replay, or one of the clocks is wrong (check NTP on both hosts)",
            reason="expired",
        )


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would follow a 301/302 by re-sending the POST as a bodiless GET and
    # report success; a moved gateway must show up as an error instead.
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


class WebhookChannel:
    """POST messages as signed JSON to the office's WhatsApp/SMS gateway.

    The request body is ``{id, channel, recipient, subject, body, locale, metadata}``
    (UTF-8 JSON); the headers carry ``X-Alur-Timestamp`` (unix seconds),
    ``X-Alur-Signature: sha256=<hex HMAC-SHA256(secret, "{timestamp}.{raw body}")>``
    and ``Idempotency-Key: <message id>``. Redirects are not followed.

    ``send`` returns the gateway's ``id`` (or ``message_id``) from a JSON response body,
    or the message id when the gateway returns none.
    """

    def __init__(self, url: str, secret: str, timeout: float = 10, *, name: str = "webhook") -> None:
        parsed = urllib.parse.urlsplit(url or "")
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigurationError(
                f"webhook URL {url!r} is not an http(s) URL; set ALUR_WEBHOOK_URL to e.g. https://gateway/alur"
            )
        if not secret:
            raise ConfigurationError(
                "webhook secret is empty; set ALUR_WEBHOOK_SECRET to the value the gateway verifies with"
            )
        if parsed.scheme == "http" and not is_loopback(parsed.hostname):
            logger.warning(
                "webhook %s is plain http: message bodies (personal data) travel unencrypted; use https",
                parsed.hostname,
            )
        self.url = url
        self._secret = secret
        self.timeout = timeout
        self.name = name
        self._opener = urllib.request.build_opener(_RefuseRedirects)

    def __repr__(self) -> str:
        return f"WebhookChannel(url={self.url!r})"

    def build_request(self, message: Message, *, timestamp: int | None = None) -> urllib.request.Request:
        """Return the signed POST request ``send`` would make (``timestamp`` defaults to now)."""
        payload = {
            "id": message.id,
            "channel": message.channel,
            "recipient": message.recipient,
            "subject": message.subject,
            "body": message.body,
            "locale": message.locale,
            "metadata": dict(message.metadata),
        }
        raw = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "alur-notifications",
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: sign(self._secret, stamp, raw),
            IDEMPOTENCY_HEADER: message.id,
        }
        return urllib.request.Request(self.url, data=raw, headers=headers, method="POST")

    def send(self, message: Message) -> str:
        """Deliver ``message`` and return the gateway's reference.

        Raises:
            DeliveryError: retryable for timeouts, connection failures, 5xx, 408, 425
                and 429; not retryable for other 4xx and for redirects.
        """
        request = self.build_request(message)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = response.status
                raw = response.read(65536)
                content_type = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            with exc:
                detail = reply_text(exc.read(500)).strip()
            status = exc.code
            retryable = status >= 500 or status in _RETRYABLE_4XX
            hint = ""
            if 300 <= status < 400:
                hint = f"; the gateway moved to {exc.headers.get('Location')!r}, update ALUR_WEBHOOK_URL"
            elif status in (401, 403):
                hint = "; check that ALUR_WEBHOOK_SECRET matches the gateway's and that both clocks are right"
            raise DeliveryError(
                f"webhook {self.url} answered {status} {exc.reason}{hint}" + (f": {detail}" if detail else ""),
                retryable=retryable,
                channel=self.name,
                message_id=message.id,
                code=status,
            ) from exc
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise DeliveryError(
                f"could not reach webhook {self.url}: {type(reason).__name__}: {reason}",
                retryable=True,
                channel=self.name,
                message_id=message.id,
            ) from exc
        reference = _reference_from(raw, content_type) or message.id
        logger.info("webhook %s delivered (status %s, reference %s)", message.id, status, reference)
        return reference


def _reference_from(raw: bytes, content_type: str) -> str | None:
    if "json" not in content_type.lower():
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if isinstance(data, dict):
        for key in ("id", "message_id"):
            value = data.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
                return str(value)
    return None
