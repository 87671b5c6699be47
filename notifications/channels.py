"""Delivery channels: one interface, one adapter per provider, and an in-memory fake.

A channel takes a rendered ``Message`` and hands it to a provider. It does not
retry, queue or record anything: the outbox layer owns the loop and decides from
``DeliveryError.retryable`` whether to try again. Channels are therefore safe to
call from rq jobs, and are plain objects with no app or connection built at import.

At-least-once delivery means a message can be sent twice (a job dies after the
provider accepted it but before the outbox row was marked sent). Every channel
therefore derives its provider-visible identity from ``Message.id``: the email
Message-ID and the webhook ``Idempotency-Key`` are the same on every attempt, so
the receiving side can drop duplicates.

In-app notifications are a database write done by the outbox layer, not a channel.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import re
import smtplib
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from datetime import datetime, timezone
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Protocol, runtime_checkable

from notifications.errors import ConfigurationError, DeliveryError, SignatureError
from notifications.message import Message

__all__ = [
    "Channel",
    "EmailChannel",
    "MemoryChannel",
    "SignatureError",
    "WebhookChannel",
    "build_channels",
    "sign",
    "verify_signature",
]

logger = logging.getLogger(__name__)

SECURITY_MODES = ("none", "starttls", "ssl")
_DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
DEFAULT_SENDER = "Layanan Pengaduan <pengaduan@localhost>"

TIMESTAMP_HEADER = "X-Alur-Timestamp"
SIGNATURE_HEADER = "X-Alur-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_SIGNATURE_PREFIX = "sha256="

# HTTP statuses that say "not now" rather than "never": request timeout, too early,
# rate-limited. Every other 4xx means the request itself is wrong and will stay wrong.
_RETRYABLE_4XX = frozenset({408, 425, 429})

# A Message-ID local part must be a dot-atom; ids outside this alphabet are hashed.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*")


@runtime_checkable
class Channel(Protocol):
    """Something that can deliver a ``Message``.

    ``send`` returns the provider's reference for the delivery (an email Message-ID,
    a gateway id) for the outbox to store, and raises ``DeliveryError`` on failure.
    It must not raise anything else for a delivery problem.
    """

    name: str

    def send(self, message: Message) -> str: ...


# --------------------------------------------------------------------------- email


class EmailChannel:
    """Send messages over SMTP with ``smtplib``.

    One connection per message: notification volume at a provincial office is low,
    and a fresh connection per rq job avoids sharing sockets between workers.

    Args:
        host: SMTP server.
        port: defaults to 25, 587 or 465 by ``security``.
        security: "none", "starttls" (upgrade a plain connection; fails if the server
            does not offer it) or "ssl" (implicit TLS).
        username, password: SMTP AUTH credentials; both or neither.
        sender: the From header, "Name <address>" or a bare address. Its domain is
            also the right-hand side of generated Message-IDs.
        timeout: seconds for connecting and for each SMTP command.
        ssl_context: for "starttls"/"ssl"; defaults to the system trust store with
            hostname checking.
        reply_to: optional Reply-To address (a monitored mailbox, so complainants can
            answer a request for missing information).
        local_hostname: name sent in EHLO; defaults to the machine's FQDN.
        name: channel name.
    """

    def __init__(
        self,
        host: str,
        port: int | None = None,
        security: str = "none",
        username: str | None = None,
        password: str | None = None,
        sender: str = DEFAULT_SENDER,
        timeout: float = 10,
        *,
        ssl_context: ssl.SSLContext | None = None,
        reply_to: str | None = None,
        local_hostname: str | None = None,
        name: str = "email",
    ) -> None:
        if not host:
            raise ConfigurationError("EmailChannel needs an SMTP host; set ALUR_SMTP_HOST")
        if security not in SECURITY_MODES:
            raise ConfigurationError(
                f"unknown SMTP security {security!r}; use one of {', '.join(SECURITY_MODES)}"
            )
        if (username is None) != (password is None):
            raise ConfigurationError(
                "SMTP username and password go together; set both ALUR_SMTP_USERNAME and "
                "ALUR_SMTP_PASSWORD, or neither"
            )
        sender_address = parseaddr(sender)[1]
        if "@" not in sender_address:
            raise ConfigurationError(
                f"SMTP sender {sender!r} has no email address; use 'Name <user@domain>' or 'user@domain'"
            )
        domain = sender_address.rpartition("@")[2]
        self.host = host
        self.port = port if port is not None else _DEFAULT_PORTS[security]
        self.security = security
        self.username = username
        self._password = password
        self.sender = sender
        self.envelope_sender = sender_address
        self.message_id_domain = domain if _DOMAIN.fullmatch(domain) else "localhost"
        self.timeout = timeout
        self.reply_to = reply_to
        self.local_hostname = local_hostname
        self.name = name
        self._ssl_context = ssl_context
        if username is not None and security == "none" and not is_loopback(host):
            logger.warning(
                "SMTP credentials for %s will be sent unencrypted; set ALUR_SMTP_SECURITY=starttls or ssl",
                host,
            )

    def __repr__(self) -> str:
        return f"EmailChannel(host={self.host!r}, port={self.port}, security={self.security!r})"

    def message_id_for(self, message: Message) -> str:
        """Return the Message-ID header for ``message``; the same for every attempt."""
        local = message.id
        if not _DOT_ATOM.fullmatch(local) or len(local) > 64:
            local = "h" + hashlib.sha256(message.id.encode("utf-8")).hexdigest()[:32]
        return f"<alur.{local}@{self.message_id_domain}>"

    def build_email(self, message: Message) -> EmailMessage:
        """Return the MIME message that ``send`` would transmit.

        Raises:
            DeliveryError: (not retryable) if the recipient is not a usable address.
        """
        recipient = self._check_recipient(message)
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = recipient
        if self.reply_to:
            email["Reply-To"] = self.reply_to
        email["Subject"] = message.subject
        email["Date"] = format_datetime(datetime.now(timezone.utc))
        email["Message-ID"] = self.message_id_for(message)
        # RFC 3834: tells auto-responders (out-of-office) not to answer a notification.
        email["Auto-Submitted"] = "auto-generated"
        email["X-Alur-Message-Id"] = message.id
        # quoted-printable rather than 8bit: survives relays without 8BITMIME and keeps
        # Indonesian text readable in raw form.
        email.set_content(message.body, charset="utf-8", cte="quoted-printable")
        if message.html is not None:
            email.add_alternative(message.html, subtype="html", charset="utf-8", cte="quoted-printable")
        # After the content: set_content() and add_alternative() move or drop Content-* headers.
        email["Content-Language"] = message.locale
        return email

    def send(self, message: Message) -> str:
        """Deliver ``message`` and return its Message-ID.

        Raises:
            DeliveryError: retryable for connection problems, timeouts and 4xx replies;
                not retryable for a bad address, 5xx replies and missing server features.
        """
        email = self.build_email(message)
        message_id = str(email["Message-ID"])
        smtp: smtplib.SMTP | None = None
        try:
            smtp = self._connect()
            smtp.send_message(email, from_addr=self.envelope_sender, to_addrs=[message.recipient.strip()])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (None, b""))
            raise self._error(message, f"recipient refused: {code} {_text(reply)}", code) from exc
        except smtplib.SMTPSenderRefused as exc:
            if exc.smtp_code == 530:  # "authentication / STARTTLS required", not about the sender
                hint = "the server wants STARTTLS or a login first; check ALUR_SMTP_SECURITY and ALUR_SMTP_USERNAME"
            else:
                hint = "check ALUR_SMTP_SENDER is an address the server lets you send from"
            raise self._error(
                message,
                f"sender {self.envelope_sender} refused: {exc.smtp_code} {_text(exc.smtp_error)}; {hint}",
                exc.smtp_code,
            ) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise self._error(
                message,
                f"SMTP login failed: {exc.smtp_code} {_text(exc.smtp_error)}; "
                "check ALUR_SMTP_USERNAME and ALUR_SMTP_PASSWORD",
                exc.smtp_code,
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise self._error(
                message, f"SMTP server answered {exc.smtp_code} {_text(exc.smtp_error)}", exc.smtp_code
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(
                f"SMTP server {self.host}:{self.port} does not support what was asked ({exc}); "
                "check ALUR_SMTP_SECURITY and whether the server offers AUTH",
                retryable=False,
                channel=self.name,
                message_id=message.id,
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Timeouts, refused or dropped connections, TLS handshake failures:
            # conditions that may clear without anyone changing the configuration.
            raise DeliveryError(
                f"could not talk to SMTP server {self.host}:{self.port}: {type(exc).__name__}: {exc}",
                retryable=True,
                channel=self.name,
                message_id=message.id,
            ) from exc
        finally:
            if smtp is not None:
                _close_quietly(smtp)
        logger.info("email %s sent as %s", message.id, message_id)
        return message_id

    def _check_recipient(self, message: Message) -> str:
        recipient = message.recipient.strip()
        problem = None
        if "\r" in recipient or "\n" in recipient:
            problem = "contains a line break"
        else:
            try:
                address = Address(addr_spec=recipient)
            except (ValueError, HeaderParseError, IndexError) as exc:
                problem = str(exc) or "cannot be parsed"
            else:
                if not address.username or not address.domain:
                    problem = "needs the form user@domain"
        if problem:
            raise DeliveryError(
                f"email recipient {message.recipient!r} is not a valid address ({problem}); "
                "correct the complainant's contact details",
                retryable=False,
                channel=self.name,
                message_id=message.id,
            )
        return recipient

    def _connect(self) -> smtplib.SMTP:
        context = self._ssl_context or ssl.create_default_context()
        if self.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout)
        try:
            if self.security == "starttls":
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise smtplib.SMTPNotSupportedError(
                        "STARTTLS was required (ALUR_SMTP_SECURITY=starttls) but the server does not offer it"
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username is not None:
                smtp.login(self.username, self._password or "")
        except BaseException:
            _close_quietly(smtp)
            raise
        return smtp

    def _error(self, message: Message, text: str, code: int | None) -> DeliveryError:
        # 5xx is a permanent refusal; 4xx (and anything unexpected) may pass later.
        permanent = code is not None and 500 <= code < 600
        return DeliveryError(
            f"email to {message.recipient!r} failed: {text}",
            retryable=not permanent,
            channel=self.name,
            message_id=message.id,
            code=code,
        )


def _close_quietly(smtp: smtplib.SMTP) -> None:
    """QUIT and close; a failure here must not turn a delivered message into an error."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (plain SMTP/HTTP there is not a leak)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ------------------------------------------------------------------------- webhook


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
                detail = _text(exc.read(500)).strip()
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


# -------------------------------------------------------------------------- memory


class MemoryChannel:
    """Keep messages in ``sent`` instead of delivering them.

    The development and embedded default, and the fake for tests. ``fail_next(n)``
    makes the next ``n`` sends raise ``DeliveryError`` (retryable unless told
    otherwise) so retry handling can be exercised without a network. Safe to share
    between threads.
    """

    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.sent: list[Message] = []
        self.attempts = 0
        self._failures: list[tuple[bool, str]] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryChannel(name={self.name!r}, sent={len(self.sent)})"

    def fail_next(self, count: int = 1, *, retryable: bool = True, reason: str = "injected failure") -> None:
        """Make the next ``count`` calls to ``send`` fail (adds to failures already queued)."""
        if count < 0:
            raise ValueError("count must be zero or more")
        with self._lock:
            self._failures.extend([(retryable, reason)] * count)

    def send(self, message: Message) -> str:
        """Record ``message`` and return ``"<name>:<message id>"``, or raise an injected failure."""
        with self._lock:
            self.attempts += 1
            if self._failures:
                retryable, reason = self._failures.pop(0)
                raise DeliveryError(
                    f"{self.name} channel: {reason} ({len(self._failures)} more queued)",
                    retryable=retryable,
                    channel=self.name,
                    message_id=message.id,
                )
            self.sent.append(message)
        return f"{self.name}:{message.id}"

    def clear(self) -> None:
        """Forget sent messages, attempts and queued failures."""
        with self._lock:
            self.sent.clear()
            self.attempts = 0
            self._failures.clear()


# -------------------------------------------------------------------------- config


def build_channels(config: Mapping[str, str]) -> dict[str, Channel]:
    """Build the office's channels from env-style settings.

    Keys read: ALUR_SMTP_HOST, ALUR_SMTP_PORT, ALUR_SMTP_SECURITY (none | starttls | ssl),
    ALUR_SMTP_USERNAME, ALUR_SMTP_PASSWORD, ALUR_SMTP_SENDER, ALUR_WEBHOOK_URL,
    ALUR_WEBHOOK_SECRET. Empty values count as unset, as they do in env files.

    Returns a dict with keys "email", "webhook", "whatsapp" and "sms"; the last three
    are the same gateway channel, so the outbox can route by the complaint's channel
    ("answered through the same medium"). Without ALUR_SMTP_HOST (or ALUR_WEBHOOK_URL)
    that channel is a ``MemoryChannel`` of the same name and a warning is logged: the
    embedded default delivers nothing, but loses nothing either.

    Raises:
        ConfigurationError: for a malformed port or security mode, credentials given
            by halves, or a webhook URL without a secret.
    """

    def get(key: str) -> str | None:
        value = config.get(key)
        return value.strip() if value is not None and value.strip() else None

    channels: dict[str, Channel] = {}
    host = get("ALUR_SMTP_HOST")
    if host is None:
        logger.warning("ALUR_SMTP_HOST is not set: email is kept in memory and not delivered")
        channels["email"] = MemoryChannel(name="email")
    else:
        port_text = get("ALUR_SMTP_PORT")
        port = None
        if port_text is not None:
            if not port_text.isdigit() or not 0 < int(port_text) < 65536:
                raise ConfigurationError(f"ALUR_SMTP_PORT={port_text!r} is not a port number (1-65535)")
            port = int(port_text)
        security = (get("ALUR_SMTP_SECURITY") or "none").lower()
        if security not in SECURITY_MODES:
            raise ConfigurationError(
                f"ALUR_SMTP_SECURITY={security!r} is not one of {', '.join(SECURITY_MODES)}"
            )
        channels["email"] = EmailChannel(
            host,
            port,
            security=security,
            username=get("ALUR_SMTP_USERNAME"),
            password=get("ALUR_SMTP_PASSWORD"),
            sender=get("ALUR_SMTP_SENDER") or DEFAULT_SENDER,
        )

    url = get("ALUR_WEBHOOK_URL")
    webhook: Channel
    if url is None:
        logger.warning("ALUR_WEBHOOK_URL is not set: WhatsApp/SMS messages are kept in memory and not delivered")
        webhook = MemoryChannel(name="webhook")
    else:
        secret = get("ALUR_WEBHOOK_SECRET")
        if secret is None:
            raise ConfigurationError(
                "ALUR_WEBHOOK_URL is set but ALUR_WEBHOOK_SECRET is not; set the shared secret the gateway "
                "verifies signatures with"
            )
        webhook = WebhookChannel(url, secret)
    for key in ("webhook", "whatsapp", "sms"):
        channels[key] = webhook
    return channels
