"""Delivery channels, against real local servers: aiosmtpd for email, http.server for the webhook."""

from __future__ import annotations

import email
import email.policy
import http.server
import json
import logging
import pickle
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import FrozenInstanceError
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

import notifications
from notifications import (
    Channel,
    ConfigurationError,
    DeliveryError,
    EmailChannel,
    MemoryChannel,
    Message,
    NotificationError,
    SignatureError,
    WebhookChannel,
    build_channels,
    render,
    sign,
    verify_signature,
)

SENDER = "Layanan Pengaduan DPMPTSP Banten <pengaduan@dpmptsp.bantenprov.test>"
SUBJECT = "Tanda terima pengaduan PGD-2026-000123 — izin usaha «SIPEKA»"
BODY = (
    "Yth. Bapak/Ibu Dewi Saraswati,\n\n"
    "Pengaduan Anda telah kami terima. Batas waktu jawab: Senin, 30 November 2026 14.05 WIB.\n"
    "Pokok pengaduan: berkas ditolak karena “NIB tidak sesuai” – mohon dicek ulang.\n"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_message(id: str = "outbox-42", **changes) -> Message:
    fields = dict(
        id=id,
        channel="email",
        recipient="dewi.saraswati@example.test",
        subject=SUBJECT,
        body=BODY,
        locale="id",
        metadata={"receipt_number": "PGD-2026-000123"},
    )
    fields.update(changes)
    return Message(**fields)


# ---------------------------------------------------------------------- message


def test_message_is_frozen_and_copies_its_metadata():
    metadata = {"receipt_number": "PGD-1"}
    message = make_message(metadata=metadata)
    metadata["receipt_number"] = "changed"

    with pytest.raises(FrozenInstanceError):
        message.subject = "other"  # type: ignore[misc]

    assert message.metadata == {"receipt_number": "PGD-1"}


def test_message_round_trips_through_dict_and_pickle():
    message = make_message(html="<p>Halo</p>", locale="en")

    assert Message.from_dict(json.loads(json.dumps(message.to_dict()))) == message
    assert pickle.loads(pickle.dumps(message)) == message


@pytest.mark.parametrize(
    ("changes", "pattern"),
    [
        ({"locale": "fr"}, "locale must be one of"),
        ({"recipient": " "}, "recipient must be a non-empty string"),
        ({"subject": "two\nlines"}, "subject must be one line"),
        ({"metadata": {"attempt": 1}}, "must map str to str"),
    ],
)
def test_message_rejects_malformed_fields(changes, pattern):
    with pytest.raises(ValueError, match=pattern):
        make_message(**changes)


def test_errors_share_one_root():
    """Notification errors are a branch of alur's one exception tree: whoever maps AlurError maps them."""
    from workflow.errors import AlurError

    error = DeliveryError("x", retryable=True, channel="email", message_id="m1", code=451)

    assert isinstance(error, NotificationError) and isinstance(error, AlurError)
    assert issubclass(SignatureError, NotificationError)
    assert issubclass(ConfigurationError, ValueError) and issubclass(ConfigurationError, AlurError)
    assert "retryable=True" in repr(error)


def test_public_api_is_small_and_exported():
    assert set(notifications.__all__) == {
        "Channel", "ConfigurationError", "DeliveryError", "EmailChannel", "MemoryChannel", "Message",
        "NotificationError", "SignatureError", "TemplateError", "TemplateMissing", "WebhookChannel",
        "available_templates", "build_channels", "render", "sign", "verify_signature",
    }  # fmt: skip
    for name in notifications.__all__:
        assert getattr(notifications, name) is not None


def test_package_imports_no_web_database_or_queue_library():
    """The outbox layer runs these channels inside rq jobs; the package itself must stay IO-framework free."""
    code = (
        "import sys, notifications, notifications.channels, notifications.templates, notifications.message\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'redis', 'rq'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "[]"


# ------------------------------------------------------------------- SMTP server


class RecordingHandler:
    """aiosmtpd handler that keeps what it receives and can be told to refuse recipients."""

    def __init__(self) -> None:
        self.envelopes = []
        self.sessions = []
        self.rcpt_reply: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        # session.ssl is only filled after STARTTLS; implicit TLS shows on the transport.
        tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self.sessions.append({"ssl": tls, "authenticated": bool(session.authenticated)})
        return "250 Message accepted for delivery"

    def received(self, index: int = -1) -> email.message.EmailMessage:
        return email.message_from_bytes(self.envelopes[index].original_content, policy=email.policy.default)


class SmtpServer:
    def __init__(self, **controller_kwargs) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, server_hostname="mail.test", **controller_kwargs
        )

    def channel(self, **kwargs) -> EmailChannel:
        kwargs.setdefault("sender", SENDER)
        kwargs.setdefault("timeout", 5)
        return EmailChannel("127.0.0.1", self.port, **kwargs)


@pytest.fixture
def start_smtp():
    started = []

    def start(**controller_kwargs) -> SmtpServer:
        server = SmtpServer(**controller_kwargs)
        server.controller.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.controller.stop()


@pytest.fixture
def smtp_server(start_smtp) -> SmtpServer:
    return start_smtp()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1, made with the openssl CLI."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not installed; TLS tests need it to make a certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_contexts(certificate) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    cert, key = certificate
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client


# ------------------------------------------------------------------------ email


def test_email_arrives_with_decoded_subject_and_utf8_indonesian_body(smtp_server):
    channel = smtp_server.channel()

    reference = channel.send(make_message())

    envelope = smtp_server.handler.envelopes[0]
    received = smtp_server.handler.received()
    assert envelope.mail_from == "pengaduan@dpmptsp.bantenprov.test"
    assert envelope.rcpt_tos == ["dewi.saraswati@example.test"]
    assert received["Subject"] == SUBJECT
    assert received["To"] == "dewi.saraswati@example.test"
    assert received["From"].addresses[0].display_name == "Layanan Pengaduan DPMPTSP Banten"
    assert received["Message-ID"] == reference
    assert received["Content-Language"] == "id"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received.get_content_type() == "text/plain"
    assert received.get_content_charset() == "utf-8"
    assert received.get_content().replace("\r\n", "\n") == BODY
    assert "Senin, 30 November 2026 14.05 WIB" in received.get_content()


def test_email_message_id_is_the_same_on_every_attempt(smtp_server):
    channel = smtp_server.channel()
    message = make_message("outbox-7")

    first = channel.send(message)
    second = channel.send(message)
    other = channel.send(make_message("outbox-8"))

    ids = [smtp_server.handler.received(i)["Message-ID"] for i in range(3)]
    assert first == second == ids[0] == ids[1] == "<alur.outbox-7@dpmptsp.bantenprov.test>"
    assert other == ids[2] != first


def test_email_message_id_hashes_ids_that_are_not_dot_atoms():
    channel = EmailChannel("mail.test", sender=SENDER)

    message_id = channel.message_id_for(make_message("tiket 12/Ω"))

    assert message_id == channel.message_id_for(make_message("tiket 12/Ω"))
    assert message_id.startswith("<alur.h") and " " not in message_id


def test_email_with_html_alternative(smtp_server):
    html = "<p>Pengaduan <b>PGD-2026-000123</b> diterima – terima kasih.</p>"

    smtp_server.channel().send(make_message(html=html))

    received = smtp_server.handler.received()
    assert received.get_content_type() == "multipart/alternative"
    plain = received.get_body(preferencelist=("plain",))
    rich = received.get_body(preferencelist=("html",))
    assert "NIB tidak sesuai" in plain.get_content()
    assert rich.get_content().strip() == html


def test_email_of_a_rendered_template(smtp_server):
    due = datetime(2026, 11, 30, 7, 5, tzinfo=timezone.utc)
    subject, body = render(
        "tanda_terima",
        "id",
        {
            "office_name": "DPMPTSP Provinsi Banten",
            "complainant_name": "Dewi Saraswati",
            "receipt_number": "PGD-2026-000123",
            "received_at": due - timedelta(days=7),
            "channel": "Surel",
            "due_at": due,
            "tracking_url": "https://pengaduan.example.test/l/PGD-2026-000123",
        },
    )

    smtp_server.channel().send(make_message(subject=subject, body=body))

    received = smtp_server.handler.received()
    assert received["Subject"] == "Tanda terima pengaduan PGD-2026-000123"
    assert "Batas waktu jawab: Senin, 30 November 2026 14.05 WIB" in received.get_content()


def test_permanent_recipient_refusal_is_not_retryable(smtp_server):
    smtp_server.handler.rcpt_reply = "550 5.1.1 <dewi.saraswati@example.test>: Recipient address rejected"

    with pytest.raises(DeliveryError, match="recipient refused: 550") as caught:
        smtp_server.channel().send(make_message())

    assert caught.value.retryable is False
    assert caught.value.code == 550
    assert caught.value.channel == "email"
    assert caught.value.message_id == "outbox-42"
    assert smtp_server.handler.envelopes == []


def test_temporary_recipient_refusal_is_retryable(smtp_server):
    smtp_server.handler.rcpt_reply = "451 4.3.0 Mailbox temporarily unavailable, try again later"

    with pytest.raises(DeliveryError, match="recipient refused: 451") as caught:
        smtp_server.channel().send(make_message())

    assert caught.value.retryable is True
    assert caught.value.code == 451


@pytest.mark.parametrize(
    "recipient",
    ["bukan-alamat", "dewi@", "dewi.saraswati@example.test\r\nBcc: intruder@example.test", "a b@example.test"],
)
def test_malformed_address_is_refused_before_connecting(recipient):
    closed_port = free_port()  # nothing listens here: a connection attempt would be retryable
    channel = EmailChannel("127.0.0.1", closed_port, sender=SENDER)

    with pytest.raises(DeliveryError, match="not a valid address") as caught:
        channel.send(make_message(recipient=recipient))

    assert caught.value.retryable is False


def test_connection_refused_is_retryable():
    channel = EmailChannel("127.0.0.1", free_port(), sender=SENDER, timeout=2)

    with pytest.raises(DeliveryError, match="could not talk to SMTP server") as caught:
        channel.send(make_message())

    assert caught.value.retryable is True
    assert caught.value.code is None


def test_silent_server_times_out_and_is_retryable():
    # A listening socket that never accepts: the TCP handshake completes in the kernel,
    # but no greeting ever comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        channel = EmailChannel("127.0.0.1", silent.getsockname()[1], sender=SENDER, timeout=0.3)
        started = time.monotonic()

        with pytest.raises(DeliveryError, match="timed out") as caught:
            channel.send(make_message())

    assert caught.value.retryable is True
    assert time.monotonic() - started < 5


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data == (b"petugas", b"rahasia-123")
    # handled=False: let aiosmtpd answer "535" itself on failure.
    return AuthResult(success=ok, handled=False)


def test_login_then_send(start_smtp):
    server = start_smtp(authenticator=authenticator, auth_require_tls=False)

    server.channel(username="petugas", password="rahasia-123").send(make_message())

    assert server.handler.sessions == [{"ssl": False, "authenticated": True}]


def test_wrong_password_is_not_retryable(start_smtp):
    server = start_smtp(authenticator=authenticator, auth_require_tls=False)

    with pytest.raises(DeliveryError, match="ALUR_SMTP_PASSWORD") as caught:
        server.channel(username="petugas", password="salah").send(make_message())

    assert caught.value.retryable is False
    assert caught.value.code == 535
    assert server.handler.envelopes == []


def test_starttls_upgrades_and_verifies_the_certificate(start_smtp, tls_contexts):
    server_context, client_context = tls_contexts
    server = start_smtp(tls_context=server_context, require_starttls=True)

    server.channel(security="starttls", ssl_context=client_context).send(make_message())

    assert server.handler.sessions == [{"ssl": True, "authenticated": False}]
    assert server.handler.received()["Subject"] == SUBJECT


def test_plain_connection_to_a_server_requiring_starttls_is_not_retryable(start_smtp, tls_contexts):
    server_context, _ = tls_contexts
    server = start_smtp(tls_context=server_context, require_starttls=True)

    with pytest.raises(DeliveryError, match="ALUR_SMTP_SECURITY") as caught:
        server.channel().send(make_message())

    assert caught.value.retryable is False
    assert caught.value.code == 530


def test_starttls_required_but_not_offered_is_not_retryable(smtp_server):
    with pytest.raises(DeliveryError, match="does not offer it") as caught:
        smtp_server.channel(security="starttls").send(make_message())

    assert caught.value.retryable is False
    assert smtp_server.handler.envelopes == []


def test_implicit_tls(start_smtp, tls_contexts):
    server_context, client_context = tls_contexts
    server = start_smtp(ssl_context=server_context)

    server.channel(security="ssl", ssl_context=client_context).send(make_message())

    assert server.handler.sessions == [{"ssl": True, "authenticated": False}]


def test_untrusted_certificate_fails(start_smtp, tls_contexts):
    server_context, _ = tls_contexts
    server = start_smtp(ssl_context=server_context)
    untrusting = ssl.create_default_context()  # the self-signed certificate is not in the system store

    with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED") as caught:
        server.channel(security="ssl", ssl_context=untrusting).send(make_message())

    assert caught.value.retryable is True  # a renewed certificate fixes it without touching alur
    assert server.handler.envelopes == []


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"security": "tls"}, "unknown SMTP security 'tls'"),
        ({"username": "petugas"}, "set both ALUR_SMTP_USERNAME and ALUR_SMTP_PASSWORD"),
        ({"sender": "Layanan Pengaduan"}, "has no email address"),
    ],
)
def test_email_channel_rejects_bad_settings(kwargs, pattern):
    with pytest.raises(ConfigurationError, match=pattern):
        EmailChannel("mail.test", **kwargs)


def test_default_port_follows_security():
    assert EmailChannel("mail.test").port == 25
    assert EmailChannel("mail.test", security="starttls").port == 587
    assert EmailChannel("mail.test", security="ssl").port == 465


# ---------------------------------------------------------------------- webhook

SECRET = "rahasia-gateway-2026"


class GatewayHandler(http.server.BaseHTTPRequestHandler):
    """The office's WhatsApp/SMS gateway as a test double: it verifies like the real one must."""

    server: Gateway

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        gateway = self.server
        if gateway.delay:
            time.sleep(gateway.delay)
        if gateway.force_status:
            status, location = gateway.force_status, gateway.location
            self._reply(status, {"error": f"forced {status}"}, location=location)
            return
        try:
            verify_signature(
                gateway.secret,
                self.headers.get("X-Alur-Timestamp"),
                raw,
                self.headers.get("X-Alur-Signature"),
                now=time.time() + gateway.clock_offset,
            )
        except SignatureError as exc:
            gateway.refusals.append(exc.reason)
            self._reply(401, {"error": exc.reason, "detail": str(exc)})
            return
        gateway.received.append((dict(self.headers), raw))
        self._reply(200, {"id": f"gw-{len(gateway.received)}", "status": "queued"})

    def _reply(self, status: int, body: dict, location: str | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # keep test output clean
        pass


class Gateway(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), GatewayHandler)
        self.secret = SECRET
        self.clock_offset = 0.0
        self.force_status: int | None = None
        self.location: str | None = None
        self.delay = 0.0
        self.received: list[tuple[dict, bytes]] = []
        self.refusals: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/alur/notifications"

    def handle_error(self, request, client_address):  # a client that timed out is expected
        pass


@pytest.fixture
def gateway():
    server = Gateway()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """urllib honours *_proxy variables; requests to the local gateway must go direct."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def whatsapp_message(**changes) -> Message:
    fields = dict(channel="whatsapp", recipient="+6281234567890", html="<p>ignored</p>")
    fields.update(changes)
    return make_message("outbox-wa-1", **fields)


def test_webhook_delivers_a_signed_request(gateway):
    channel = WebhookChannel(gateway.url, SECRET)
    before = int(time.time())

    reference = channel.send(whatsapp_message())

    assert reference == "gw-1"
    headers, raw = gateway.received[0]
    assert headers["Idempotency-Key"] == "outbox-wa-1"
    assert before <= int(headers["X-Alur-Timestamp"]) <= time.time()
    assert headers["X-Alur-Signature"] == sign(SECRET, headers["X-Alur-Timestamp"], raw)
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(raw.decode("utf-8")) == {
        "id": "outbox-wa-1",
        "channel": "whatsapp",
        "recipient": "+6281234567890",
        "subject": SUBJECT,
        "body": BODY,
        "locale": "id",
        "metadata": {"receipt_number": "PGD-2026-000123"},
    }
    assert "“NIB tidak sesuai”".encode() in raw  # UTF-8 on the wire, not \u escapes


def test_webhook_resend_carries_the_same_idempotency_key(gateway):
    channel = WebhookChannel(gateway.url, SECRET)

    channel.send(whatsapp_message())
    channel.send(whatsapp_message())

    keys = [headers["Idempotency-Key"] for headers, _ in gateway.received]
    assert keys == ["outbox-wa-1", "outbox-wa-1"]


def test_webhook_with_wrong_secret_is_refused(gateway):
    channel = WebhookChannel(gateway.url, "bukan-rahasianya")

    with pytest.raises(DeliveryError, match="answered 401") as caught:
        channel.send(whatsapp_message())

    assert caught.value.retryable is False
    assert caught.value.code == 401
    assert "ALUR_WEBHOOK_SECRET" in str(caught.value)
    assert gateway.refusals == ["mismatch"]
    assert gateway.received == []


def test_replayed_webhook_request_is_refused(gateway):
    WebhookChannel(gateway.url, SECRET).send(whatsapp_message())
    headers, raw = gateway.received[0]
    replay_headers = {name: headers[name] for name in ("X-Alur-Timestamp", "X-Alur-Signature", "Content-Type")}
    gateway.clock_offset = 600  # the same bytes arrive again ten minutes later

    request = urllib.request.Request(gateway.url, data=raw, headers=replay_headers, method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)

    with caught.value as response:
        assert response.code == 401
        assert json.loads(response.read())["error"] == "expired"
    assert gateway.refusals == ["expired"]
    assert len(gateway.received) == 1


@pytest.mark.parametrize(("status", "retryable"), [(503, True), (500, True), (429, True), (400, False), (404, False)])
def test_webhook_status_decides_retry(gateway, status, retryable):
    gateway.force_status = status

    with pytest.raises(DeliveryError, match=f"answered {status}") as caught:
        WebhookChannel(gateway.url, SECRET).send(whatsapp_message())

    assert caught.value.retryable is retryable
    assert caught.value.code == status
    assert f"forced {status}" in str(caught.value)


def test_webhook_redirect_is_not_followed(gateway):
    gateway.force_status = 302
    gateway.location = "http://127.0.0.1:1/elsewhere"

    with pytest.raises(DeliveryError, match="update ALUR_WEBHOOK_URL") as caught:
        WebhookChannel(gateway.url, SECRET).send(whatsapp_message())

    assert caught.value.retryable is False
    assert caught.value.code == 302


def test_webhook_timeout_is_retryable(gateway):
    gateway.delay = 1.0

    with pytest.raises(DeliveryError, match="could not reach webhook") as caught:
        WebhookChannel(gateway.url, SECRET, timeout=0.2).send(whatsapp_message())

    assert caught.value.retryable is True


def test_webhook_connection_refused_is_retryable():
    channel = WebhookChannel(f"http://127.0.0.1:{free_port()}/alur", SECRET, timeout=2)

    with pytest.raises(DeliveryError, match="could not reach webhook") as caught:
        channel.send(whatsapp_message())

    assert caught.value.retryable is True


@pytest.mark.parametrize(
    ("url", "secret", "pattern"),
    [
        ("ftp://gateway.test/alur", SECRET, "not an http"),
        ("gateway.test/alur", SECRET, "not an http"),
        ("https://gateway.test/alur", "", "ALUR_WEBHOOK_SECRET"),
    ],
)
def test_webhook_channel_rejects_bad_settings(url, secret, pattern):
    with pytest.raises(ConfigurationError, match=pattern):
        WebhookChannel(url, secret)


# ------------------------------------------------------------ verify_signature

NOW = 1_795_000_000
RAW = b'{"id":"outbox-1","body":"Pengaduan diterima"}'


def test_verify_signature_accepts_a_fresh_correct_signature():
    signature = sign(SECRET, NOW, RAW)

    verify_signature(SECRET, str(NOW), RAW, signature, now=NOW + 299)
    verify_signature(SECRET.encode(), NOW, RAW.decode(), signature, now=NOW - 299)


@pytest.mark.parametrize(
    ("timestamp", "raw", "signature", "now", "reason", "pattern"),
    [
        (None, RAW, sign(SECRET, NOW, RAW), NOW, "missing_timestamp", "missing X-Alur-Timestamp"),
        (str(NOW), RAW, None, NOW, "missing_signature", "missing X-Alur-Signature"),
        ("", RAW, sign(SECRET, NOW, RAW), NOW, "missing_timestamp", "missing X-Alur-Timestamp"),
        ("1.5e9", RAW, sign(SECRET, NOW, RAW), NOW, "malformed_timestamp", "not a whole number"),
        (str(NOW), RAW, "md5=abc", NOW, "malformed_signature", "must start with 'sha256='"),
        (str(NOW), RAW + b" ", sign(SECRET, NOW, RAW), NOW, "mismatch", "does not match"),
        (str(NOW), RAW, sign("other", NOW, RAW), NOW, "mismatch", "same ALUR_WEBHOOK_SECRET"),
        (str(NOW + 1), RAW, sign(SECRET, NOW, RAW), NOW, "mismatch", "does not match"),
        (str(NOW), RAW, sign(SECRET, NOW, RAW), NOW + 301, "expired", "301 s old"),
        (str(NOW), RAW, sign(SECRET, NOW, RAW), NOW - 301, "expired", "in the future"),
    ],
)
def test_verify_signature_refuses(timestamp, raw, signature, now, reason, pattern):
    with pytest.raises(SignatureError, match=pattern) as caught:
        verify_signature(SECRET, timestamp, raw, signature, now=now)

    assert caught.value.reason == reason


def test_verify_signature_tolerance_is_adjustable():
    signature = sign(SECRET, NOW, RAW)

    with pytest.raises(SignatureError, match="outside the 60 s tolerance"):
        verify_signature(SECRET, NOW, RAW, signature, now=NOW + 61, tolerance=60)

    verify_signature(SECRET, NOW, RAW, signature, now=NOW + 3600, tolerance=3600)


# ----------------------------------------------------------------------- memory


def test_memory_channel_keeps_what_it_sends():
    channel = MemoryChannel()

    reference = channel.send(make_message())

    assert isinstance(channel, Channel)
    assert reference == "memory:outbox-42"
    assert channel.sent == [make_message()]


def test_memory_channel_fails_the_next_n_sends_then_recovers():
    channel = MemoryChannel(name="email")
    channel.fail_next(2)
    message = make_message()
    failures = []

    for _ in range(3):
        try:
            channel.send(message)
        except DeliveryError as exc:
            failures.append(exc)

    assert [exc.retryable for exc in failures] == [True, True]
    assert failures[0].channel == "email" and failures[0].message_id == "outbox-42"
    assert channel.sent == [message]
    assert channel.attempts == 3


def test_memory_channel_can_fail_permanently():
    channel = MemoryChannel()
    channel.fail_next(retryable=False, reason="nomor tidak terdaftar di WhatsApp")

    with pytest.raises(DeliveryError, match="nomor tidak terdaftar") as caught:
        channel.send(make_message())

    assert caught.value.retryable is False
    assert channel.sent == []
    channel.clear()
    assert channel.attempts == 0


def test_all_channels_satisfy_the_protocol(gateway):
    for channel in (MemoryChannel(), EmailChannel("mail.test"), WebhookChannel(gateway.url, SECRET)):
        assert isinstance(channel, Channel)


# ----------------------------------------------------------------------- config


def test_build_channels_without_settings_keeps_messages_in_memory(caplog):
    with caplog.at_level(logging.WARNING, logger="notifications.channels"):
        channels = build_channels({})

    assert isinstance(channels["email"], MemoryChannel)
    assert channels["email"].name == "email"
    assert isinstance(channels["webhook"], MemoryChannel)
    assert channels["whatsapp"] is channels["sms"] is channels["webhook"]
    assert "ALUR_SMTP_HOST is not set" in caplog.text
    assert "ALUR_WEBHOOK_URL is not set" in caplog.text


def test_build_channels_from_env_style_settings_delivers(smtp_server, gateway):
    channels = build_channels(
        {
            "ALUR_SMTP_HOST": "127.0.0.1",
            "ALUR_SMTP_PORT": str(smtp_server.port),
            "ALUR_SMTP_SECURITY": "none",
            "ALUR_SMTP_USERNAME": "",
            "ALUR_SMTP_SENDER": SENDER,
            "ALUR_WEBHOOK_URL": gateway.url,
            "ALUR_WEBHOOK_SECRET": SECRET,
        }
    )

    channels["email"].send(make_message())
    channels["whatsapp"].send(whatsapp_message())

    assert isinstance(channels["email"], EmailChannel) and channels["email"].security == "none"
    assert smtp_server.handler.received()["Subject"] == SUBJECT
    assert isinstance(channels["sms"], WebhookChannel)
    assert len(gateway.received) == 1


@pytest.mark.parametrize(
    ("settings", "pattern"),
    [
        ({"ALUR_SMTP_HOST": "mail.test", "ALUR_SMTP_PORT": "smtp"}, "ALUR_SMTP_PORT='smtp' is not a port"),
        ({"ALUR_SMTP_HOST": "mail.test", "ALUR_SMTP_PORT": "70000"}, "is not a port"),
        ({"ALUR_SMTP_HOST": "mail.test", "ALUR_SMTP_SECURITY": "tls"}, "ALUR_SMTP_SECURITY='tls'"),
        ({"ALUR_SMTP_HOST": "mail.test", "ALUR_SMTP_PASSWORD": "x"}, "set both"),
        ({"ALUR_WEBHOOK_URL": "https://gateway.test/alur"}, "ALUR_WEBHOOK_SECRET is not"),
    ],
)
def test_build_channels_refuses_broken_settings(settings, pattern):
    with pytest.raises(ConfigurationError, match=pattern):
        build_channels(settings)


def test_build_channels_warns_about_clear_text_credentials(caplog):
    with caplog.at_level(logging.WARNING, logger="notifications.channels"):
        channels = build_channels(
            {"ALUR_SMTP_HOST": "mail.bantenprov.test", "ALUR_SMTP_USERNAME": "u", "ALUR_SMTP_PASSWORD": "p"}
        )

    assert channels["email"].port == 25
    assert "sent unencrypted" in caplog.text
