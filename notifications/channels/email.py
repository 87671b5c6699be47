"""The email channel: one SMTP connection per message, with ``smtplib``.

The Message-ID is derived from ``Message.id`` (``<alur.{id}@{sender domain}>``), the same on every
attempt, so a resend after a worker died is recognisable as the same message. SMTP 5xx replies and
unusable addresses fail for good; connection problems, timeouts and 4xx replies may be retried.
"""

from __future__ import annotations

import hashlib
import logging
import re
import smtplib
import ssl
from datetime import datetime, timezone
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from notifications.channels.base import is_loopback, reply_text
from notifications.errors import ConfigurationError, DeliveryError
from notifications.message import Message

__all__ = ["DEFAULT_SENDER", "EmailChannel", "SECURITY_MODES"]

logger = logging.getLogger(__name__)

SECURITY_MODES = ("none", "starttls", "ssl")
_DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
DEFAULT_SENDER = "Layanan Pengaduan <pengaduan@localhost>"

# A Message-ID local part must be a dot-atom; ids outside this alphabet are hashed.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*")


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
            raise self._error(message, f"recipient refused: {code} {reply_text(reply)}", code) from exc
        except smtplib.SMTPSenderRefused as exc:
            if exc.smtp_code == 530:  # "authentication / STARTTLS required", not about the sender
                hint = "the server wants STARTTLS or a login first; check ALUR_SMTP_SECURITY and ALUR_SMTP_USERNAME"
            else:
                hint = "check ALUR_SMTP_SENDER is an address the server lets you send from"
            raise self._error(
                message,
                f"sender {self.envelope_sender} refused: {exc.smtp_code} {reply_text(exc.smtp_error)}; {hint}",
                exc.smtp_code,
            ) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise self._error(
                message,
                f"SMTP login failed: {exc.smtp_code} {reply_text(exc.smtp_error)}; "
                "check ALUR_SMTP_USERNAME and ALUR_SMTP_PASSWORD",
                exc.smtp_code,
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise self._error(
                message, f"SMTP server answered {exc.smtp_code} {reply_text(exc.smtp_error)}", exc.smtp_code
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

    def _context(self) -> ssl.SSLContext:
        """The TLS context, made on first use and kept: loading the trust store took a sixth of a
        notification worker's time when it was made for every message, TLS or not (issue 13)."""
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            context = self._context()
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
                smtp.starttls(context=self._context())
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
