"""Notification delivery through the real engine, against real services.

Email goes to an aiosmtpd server started here (a real EmailChannel), WhatsApp/SMS to a local HTTP
gateway that verifies the webhook signature, and the asynchronous path runs rq workers on the real
Redis. Scenarios open and fire tickets with the engine; users are rows in the ``users`` table.
"""
from __future__ import annotations

import email
import email.policy
import http.server
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click
import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import insert, select, update

from notifications import EmailChannel, MemoryChannel, WebhookChannel, verify_signature
from notifications.cli import outbox
from notifications.delivery import deliver, install, start_background_delivery, sweep_outbox
from notifications.expansion import expand_outbox
from notifications.jobs import use_runtime_for_jobs
from tests.conftest import MONDAY_9_WIB, REDIS_URL, SOP, service_missing, walk_in_record
from workflow.runtime import Runtime
from workflow.services.engine import Engine
from workflow.services.publish import publish
from workflow.store import models as m
from workflow.store import models_notifications as mn
from workflow.store.queries.delivery_log import delivery_log
from workflow.store.sql import SqlStore, utc

PUBLIC = "https://pengaduan.bantenprov.test"
SENDER = "Layanan Pengaduan <pengaduan@dpmptsp.bantenprov.test>"
ROOT = Path(__file__).resolve().parent.parent


# -- real servers ----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """aiosmtpd handler: records messages; ``replies`` answers RCPT with queued codes first."""

    def __init__(self) -> None:
        self.envelopes = []
        self.replies: list[str] = []
        self.data_delay = 0.0
        self.data_started = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.replies:
            return self.replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        self.data_started.set()
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.original_content, policy=email.policy.default) for e in self.envelopes]


@pytest.fixture
def smtp():
    handler = Mailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="mail.test")
    controller.start()
    handler.port = port
    yield handler
    controller.stop()


class Gateway(http.server.BaseHTTPRequestHandler):
    secret = "rahasia-gateway"
    received: list[dict] = []
    refused: list[str] = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        try:
            verify_signature(self.secret, self.headers.get("X-Alur-Timestamp"), raw,
                             self.headers.get("X-Alur-Signature"))
        except Exception as exc:  # noqa: BLE001
            self.refused.append(str(exc))
            self.send_response(401)
            self.end_headers()
            return
        self.received.append({"key": self.headers["Idempotency-Key"], **json.loads(raw)})
        body = json.dumps({"id": f"wa-{len(self.received)}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    Gateway.received, Gateway.refused = [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


# -- runtime and data ------------------------------------------------------------------------------
def make_runtime(store, engine, smtp=None, **channels) -> Runtime:
    rt = Runtime(store=store, engine=engine, catalogs=engine.catalogs, public_url=PUBLIC)
    email_channel = EmailChannel("127.0.0.1", smtp.port, sender=SENDER, timeout=5) if smtp else MemoryChannel("email")
    webhook = channels.pop("webhook", None) or MemoryChannel("webhook")
    return install(rt, channels={"email": email_channel, "webhook": webhook, "whatsapp": webhook, "sms": webhook,
                                 **channels})


@pytest.fixture
def runtime(store, engine, smtp):
    return make_runtime(store, engine, smtp)


def add_user(db, username, roles, *, opd=None, email=None, locale="id", active=True, display_name=None) -> int:
    with db.begin() as conn:
        return conn.execute(insert(m.users).values(
            username=username, display_name=display_name or username.title(), password_hash="-", roles=roles, opd=opd,
            email=email, locale=locale, active=active, created_at=MONDAY_9_WIB).returning(m.users.c.id)).scalar_one()


def deliveries(db, **where) -> list:
    q = select(mn.deliveries).order_by(mn.deliveries.c.id)
    for name, value in where.items():
        q = q.where(getattr(mn.deliveries.c, name) == value)
    with db.connect() as conn:
        return conn.execute(q).all()


def inbox(db) -> list:
    with db.connect() as conn:
        return conn.execute(select(mn.inbox).order_by(mn.inbox.c.id)).all()


def to_team(rt, actors, **record) -> int:
    opened = rt.engine.open("pengaduan-ptsp", walk_in_record(**record), actors["petugas"])
    tid = opened.ticket.id
    rt.engine.fire(tid, "verifikasi", actors["petugas"], {"tingkat": "sedang", "kewenangan": "dalam"})
    rt.engine.fire(tid, "teruskan_tim", actors["petugas"], {"catatan": "Mohon cek jadwal peninjauan lapangan"})
    return tid


# -- scenarios (SQLite and PostgreSQL) -------------------------------------------------------------
def test_opening_a_ticket_emails_the_receipt_in_indonesian(runtime, actors, smtp):
    opened = runtime.engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test"), actors["petugas"])

    receipt = opened.ticket.receipt_no
    [message] = smtp.messages()
    body = message.get_content()
    assert message["To"] == "siti@example.test"
    assert message["Subject"] == f"Tanda terima pengaduan {receipt}"
    assert "Yth. Bapak/Ibu Siti Aminah" in body
    assert f"Nomor pengaduan  : {receipt}" in body
    assert "Batas waktu jawab: Senin, 7 Desember 2026 09.00 WIB" in body
    # the receipt is the one message that carries the tracking token (handed over by Engine.open) ...
    # (in the URL's fragment, which no browser sends: it stays out of access logs and Referer headers)
    assert f"{PUBLIC}/lacak#resi={receipt}&token={opened.token}" in body.splitlines()
    [email_row, wa_row] = deliveries(runtime.db)
    assert opened.token not in email_row.body  # ... and the stored copy keeps no trace of it
    assert (email_row.channel, email_row.status, email_row.attempts) == ("email", "sent", 1)
    assert message["Message-ID"] == email_row.provider_ref == f"<alur.{email_row.id}@dpmptsp.bantenprov.test>"
    # The telephone number goes to the WhatsApp/SMS gateway channel.
    assert (wa_row.channel, wa_row.recipient, wa_row.status) == ("webhook", "+6281234567890", "sent")
    with runtime.db.connect() as conn:
        assert conn.execute(select(m.outbox.c.status)).scalars().all() == ["expanded"]


def test_forwarding_to_the_team_puts_a_message_in_each_team_inbox(runtime, actors, smtp):
    tim1 = add_user(runtime.db, "tim1", "tim", email="tim1@dpmptsp.test")
    add_user(runtime.db, "petugas1", "petugas", display_name="Petugas Satu")
    tim2 = add_user(runtime.db, "tim2", "tim,petugas", locale="en")
    add_user(runtime.db, "tim3", "tim", active=False)
    add_user(runtime.db, "kasi1", "kepala_seksi")

    tid = to_team(runtime, actors, telepon=None)

    rows = inbox(runtime.db)
    assert sorted(r.user_id for r in rows) == [tim1, tim2]
    by_user = {r.user_id: r for r in rows}
    receipt = runtime.engine.load(tid).receipt_no
    assert by_user[tim1].title == f"Tugas baru: pengaduan {receipt}"
    assert "Catatan          : Mohon cek jadwal peninjauan lapangan" in by_user[tim1].body
    assert "Siti Aminah" not in by_user[tim1].body  # staff messages carry no identity
    assert f"{PUBLIC}/admin/work/ticket/{tid}" in by_user[tim1].body
    # English for the user whose locale is en.
    assert by_user[tim2].title == f"New assignment: complaint {receipt}"
    assert "Dear Tim2," in by_user[tim2].body and "Category        : Processing time" in by_user[tim2].body
    assert "assigned to you by Petugas Satu." in by_user[tim2].body
    # tim1 also has an email address.
    [message] = smtp.messages()
    assert message["To"] == "tim1@dpmptsp.test" and message["Subject"] == f"Tugas baru: pengaduan {receipt}"


class GatedChannel:
    """The real email channel behind a gate the test opens: a mail server that is slow to answer."""

    def __init__(self, channel):
        self.channel, self.entered, self.gate, self.threads = channel, threading.Event(), threading.Event(), []

    def send(self, message):
        self.threads.append(threading.current_thread().name)
        self.entered.set()
        assert self.gate.wait(30), "the test never opened the gate"
        return self.channel.send(message)


def test_without_redis_serve_delivers_on_a_background_thread_so_a_slow_mail_server_never_holds_a_request(
        store, engine, actors, smtp):
    """`alur serve` (no Redis) hands committed outbox rows to one delivery thread: the officer's
    request returns while the mail server is still answering, and the message is still sent once."""
    gated = GatedChannel(EmailChannel("127.0.0.1", smtp.port, sender=SENDER, timeout=5))
    rt = make_runtime(store, engine, smtp, email=gated)
    background = start_background_delivery(rt)
    try:
        assert start_background_delivery(rt) is background  # one thread per process
        opened = rt.engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test"), actors["petugas"])

        assert gated.entered.wait(10)  # the send has started ...
        assert gated.threads == ["alur-delivery"]  # ... on the delivery thread, not in the request
        assert [r.status for r in deliveries(rt.db, channel="email")] == ["queued"]  # open returned first
        assert smtp.messages() == []
        gated.gate.set()
        assert background.idle(30)
        [row] = deliveries(rt.db, channel="email")
        assert (row.status, row.attempts) == ("sent", 1)
        [message] = smtp.messages()
        assert message["Subject"] == f"Tanda terima pengaduan {opened.ticket.receipt_no}"
    finally:
        gated.gate.set()
        background.stop()
    assert not background.alive
    # With the thread gone, delivery falls back to the caller rather than queueing into the void.
    rt.engine.open("pengaduan-ptsp", walk_in_record(email="budi@example.test"), actors["petugas"])
    assert [r.status for r in deliveries(rt.db, channel="email")] == ["sent", "sent"]


def test_handing_to_an_opd_notifies_only_that_opds_liaisons(runtime, actors):
    esdm = add_user(runtime.db, "esdm1", "opd_liaison", opd="dinas_esdm")
    add_user(runtime.db, "pupr1", "opd_liaison", opd="dinas_pupr")
    add_user(runtime.db, "esdm_staf", "tim", opd="dinas_esdm")  # not a liaison
    tid = to_team(runtime, actors, telepon=None)
    before = {r.id for r in inbox(runtime.db)}

    runtime.engine.fire(tid, "serahkan_opd", actors["tim"], {"opd": "dinas_esdm", "permintaan": "Jadwal peninjauan"})

    new = [r for r in inbox(runtime.db) if r.id not in before]
    assert [r.user_id for r in new] == [esdm]
    assert "Dinas Energi dan Sumber Daya Mineral Provinsi Banten" in new[0].title
    assert "Batas konfirmasi : Selasa, 1 Desember 2026 09.00 WIB" in new[0].body
    assert "Permintaan       : Jadwal peninjauan" in new[0].body
    assert f"{PUBLIC}/admin/opd/ticket/{tid}" in new[0].body


def test_complainant_who_opted_out_gets_nothing_and_the_log_says_why(store, calendar, actors, smtp):
    # the shipped SOP lets complainants opt out (record field tanpa_notifikasi)
    publish(store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
    rt = make_runtime(store, Engine(store, calendar=calendar, now=lambda: MONDAY_9_WIB), smtp)

    rt.engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test", tanpa_notifikasi=True),
                   actors["petugas"])

    assert smtp.messages() == []
    assert rt.extras["channels"]["webhook"].sent == []
    [row] = deliveries(rt.db)
    assert (row.status, row.channel, row.recipient) == ("skipped", "none", "pemohon")
    assert row.last_error == "pemohon memilih tidak menerima notifikasi (tanpa_notifikasi)"


def test_anonymous_complainant_still_gets_the_receipt_without_a_name(runtime, actors, smtp):
    runtime.engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test", kerahasiaan="anonim"),
                        actors["petugas"])

    [message] = smtp.messages()
    assert "Yth. Bapak/Ibu," in message.get_content() and "Siti" not in message.get_content()


def test_temporary_smtp_failure_is_retried_with_backoff_and_sent_exactly_once(runtime, actors, smtp):
    smtp.replies = ["451 4.3.0 Mailbox busy, try later", "451 4.3.0 Mailbox busy, try later"]

    runtime.engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test", telepon=None),
                        actors["petugas"])

    [row] = deliveries(runtime.db)
    first_retry = utc(row.next_attempt_at)
    assert (row.status, row.attempts) == ("queued", 1) and "451" in row.last_error
    assert timedelta(seconds=55) < first_retry - datetime.now(timezone.utc) <= timedelta(minutes=1)
    assert sweep_outbox(runtime, now=first_retry - timedelta(seconds=5)) == 0  # not due yet

    assert sweep_outbox(runtime, now=first_retry) == 1
    [row] = deliveries(runtime.db)
    assert (row.status, row.attempts) == ("queued", 2)
    assert utc(row.next_attempt_at) - first_retry == timedelta(minutes=5)

    sweep_outbox(runtime, now=utc(row.next_attempt_at))
    sweep_outbox(runtime, now=utc(row.next_attempt_at) + timedelta(hours=1))  # nothing left to send

    [row] = deliveries(runtime.db)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    assert len(smtp.messages()) == 1
    assert deliver(runtime, row.id, force=True) == "sent" and len(smtp.messages()) == 1


class SteppingClock:
    """A clock the test moves: a slow mail server makes minutes pass while it works."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


class SlowMailServer:
    """The real email channel behind a mail server that takes four minutes per message. While it works
    on the second message, another sweeper runs (a second `alur sweep`, the web process' sweeper)."""

    def __init__(self, channel, clock: SteppingClock):
        self.channel, self.clock, self.runtime, self.calls, self.other_sweep = channel, clock, None, 0, None

    def send(self, message):
        self.calls += 1
        self.clock.advance(timedelta(minutes=4))
        if self.calls == 2:
            self.other_sweep = sweep_outbox(self.runtime, clock=self.clock)
        return self.channel.send(message)


def test_a_slow_sweep_takes_each_lease_when_it_claims_so_nothing_is_sent_twice(store, engine, actors, smtp):
    """Issue 13: a sweep that fixed its time at the start gave the deliveries it claimed late leases that
    had run out already, so another sweeper sent them again. Each lease runs from its claim."""
    for address in ("siti@example.test", "budi@example.test"):  # written by a process that did not deliver
        engine.open("pengaduan-ptsp", walk_in_record(email=address, telepon=None), actors["petugas"])
    clock = SteppingClock(datetime.now(timezone.utc))
    slow = SlowMailServer(EmailChannel("127.0.0.1", smtp.port, sender=SENDER, timeout=5), clock)
    slow.runtime = rt = make_runtime(store, engine, smtp, email=slow)
    started = clock()

    assert sweep_outbox(rt, clock=clock) == 4  # two rows expanded, two messages sent

    assert slow.other_sweep == 0  # the second message's lease, taken 4 minutes in, still held at 8
    ids = [message["Message-ID"] for message in smtp.messages()]
    assert len(ids) == 2 and len(set(ids)) == 2
    first, second = deliveries(rt.db, channel="email")
    assert (first.status, first.attempts, utc(first.sent_at)) == ("sent", 1, started + timedelta(minutes=4))
    assert (second.status, second.attempts, utc(second.sent_at)) == ("sent", 1, started + timedelta(minutes=8))


class ChokingGateway:
    """A gateway client that fails in a way nobody planned for, naming what it was handling."""

    def send(self, message):
        raise RuntimeError(f"gateway choked on {message.recipient}: {message.body[:40]}")


def test_logs_name_deliveries_by_id_and_channel_never_by_address_or_phone(runtime, actors, smtp, caplog):
    """Issue 12: `alur sweep` logged "delivery 1 (email to secret.whistle@...) sent" and phone numbers in
    clear. Sent, refused, retried, failing unexpectedly: logs say which delivery and channel, no more."""
    runtime.extras["channels"]["webhook"] = ChokingGateway()
    smtp.replies = ["550 5.1.1 <secret.whistle@example.test>: Recipient address rejected"]
    with caplog.at_level(logging.DEBUG):
        runtime.engine.open("pengaduan-ptsp", walk_in_record(email="secret.whistle@example.test",
                                                             telepon="0812-9999-0000"), actors["petugas"])
        runtime.engine.open("pengaduan-ptsp", walk_in_record(email="budi@example.test", telepon="0813-1111-2222"),
                            actors["petugas"])
        sweep_outbox(runtime, now=datetime.now(timezone.utc) + timedelta(minutes=2))

    assert [r.status for r in deliveries(runtime.db, channel="email")] == ["failed", "sent"]
    ours = [r for r in caplog.records if r.name.partition(".")[0] in ("notifications", "workflow", "admin")]
    logged = "\n".join(r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
                        for r in ours)  # the test mail server's own log shows what it received, as it should
    for personal in ("secret.whistle", "budi@example", "81299990000", "81311112222", "Siti Aminah", "Yth."):
        assert personal not in logged, personal
    assert re.search(r"delivery \d+ \(email\) sent", logged)
    assert re.search(r"delivery \d+ \(webhook\) .*RuntimeError", logged)  # what broke, not what it carried


def test_retries_give_up_after_the_last_backoff(runtime, actors, smtp):
    smtp.replies = ["451 4.3.0 busy"] * 10
    runtime.engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test", telepon=None),
                        actors["petugas"])
    for _ in range(5):
        [row] = deliveries(runtime.db)
        sweep_outbox(runtime, now=utc(row.next_attempt_at))

    [row] = deliveries(runtime.db)
    assert (row.status, row.attempts) == ("failed", 6)
    assert "gave up after 6 attempts" in row.last_error


def cli_group():
    @click.group()
    def group() -> None:
        pass

    group.add_command(outbox)
    return group


def test_permanent_smtp_failure_fails_at_once_is_listed_and_can_be_retried(runtime, actors, smtp):
    smtp.replies = ["550 5.1.1 <siti@example.test>: Recipient address rejected"]
    runtime.engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test", telepon=None),
                        actors["petugas"])
    [row] = deliveries(runtime.db)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 1, None)
    assert sweep_outbox(runtime, now=datetime.now(timezone.utc) + timedelta(days=1)) == 0

    listed = CliRunner().invoke(cli_group(), ["outbox", "list", "--status", "failed"], obj={"runtime": runtime})

    assert listed.exit_code == 0, listed.output
    assert "siti@example.test" in listed.output and "failed" in listed.output and "550" in listed.output
    assert smtp.messages() == []

    retried = CliRunner().invoke(cli_group(), ["outbox", "retry", str(row.id)], obj={"runtime": runtime})

    assert retried.exit_code == 0, retried.output
    assert f"delivery {row.id}: sent" in retried.output
    assert len(smtp.messages()) == 1
    again = CliRunner().invoke(cli_group(), ["outbox", "retry", "--all-failed"], obj={"runtime": runtime})
    assert "no failed deliveries" in again.output and len(smtp.messages()) == 1
    assert [r["status"] for r in delivery_log(runtime.store)] == ["sent"]


def test_whatsapp_goes_to_the_gateway_signed_with_the_delivery_id_as_idempotency_key(store, engine, actors, gateway):
    url = f"http://127.0.0.1:{gateway.server_address[1]}/kirim"
    rt = make_runtime(store, engine, webhook=WebhookChannel(url, Gateway.secret, timeout=5))

    opened = rt.engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"])

    assert Gateway.refused == []
    [sent] = Gateway.received
    [row] = deliveries(rt.db)
    assert sent["recipient"] == "+6281234567890" and sent["key"] == str(row.id) == sent["id"]
    assert f"Tanda terima pengaduan {opened.ticket.receipt_no}" == sent["subject"]
    assert (row.status, row.provider_ref) == ("sent", "wa-1")


def test_expansion_and_delivery_are_idempotent(runtime, actors, smtp):
    opened = runtime.engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test"), actors["petugas"])
    with runtime.db.connect() as conn:
        outbox_id = conn.execute(select(m.outbox.c.id)).scalar_one()
    with runtime.db.begin() as conn:  # as if a lost job expanded it again from scratch
        conn.execute(update(m.outbox).values(status="pending"))

    assert expand_outbox(runtime, outbox_id) == []
    sweep_outbox(runtime, now=datetime.now(timezone.utc) + timedelta(days=1))

    assert len(deliveries(runtime.db)) == 2 and len(smtp.messages()) == 1
    assert opened.ticket.receipt_no in smtp.messages()[0]["Subject"]


def test_sweep_expands_rows_written_without_dispatch(store, engine, actors, smtp):
    """Rows from a process that crashed after commit (or wrote the outbox elsewhere) are found by the sweep."""
    engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test", telepon=None), actors["petugas"])
    rt = make_runtime(store, engine, smtp)
    assert smtp.messages() == []

    assert sweep_outbox(rt) == 2  # one outbox row expanded, one delivery sent

    assert len(smtp.messages()) == 1 and sweep_outbox(rt) == 0


def test_each_expansion_is_audited_without_the_complainants_address(runtime, actors, smtp):
    from workflow.core.audit import verify_rows

    opened = runtime.engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test"), actors["petugas"])

    [row] = [r for r in runtime.store.audit_rows() if r["kind"] == "notification"]
    assert (row["ticket_id"], row["actor_id"], row["receipt_no"]) == (opened.ticket.id, "system",
                                                                       opened.ticket.receipt_no)
    assert row["detail"]["template"] == "tanda_terima" and row["detail"]["to"] == "pemohon"
    assert [t["channel"] for t in row["detail"]["targets"]] == ["email", "webhook"]
    assert "siti@example.test" not in json.dumps(row, default=str)
    assert "+6281234567890" not in json.dumps(row, default=str)
    assert verify_rows(runtime.store.audit_rows()).ok


def test_a_token_passed_in_the_detail_is_sent_once_and_not_kept(runtime, actors, smtp):
    """engine.open does not pass the token today; when a caller does, the link carries it and no row keeps it."""
    opened = runtime.engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test", telepon=None),
                                 actors["petugas"])
    with runtime.db.begin() as conn:
        outbox_id = conn.execute(insert(m.outbox).values(
            ticket_id=opened.ticket.id, template="tanda_terima", recipient="pemohon",
            detail={"token": opened.token}, status="pending", created_at=MONDAY_9_WIB,
        ).returning(m.outbox.c.id)).scalar_one()

    [delivery_id] = expand_outbox(runtime, outbox_id)
    deliver(runtime, delivery_id)

    link = f"{PUBLIC}/lacak#resi={opened.ticket.receipt_no}&token={opened.token}"
    assert link in smtp.messages()[-1].get_content()
    [row] = deliveries(runtime.db, id=delivery_id)
    assert opened.token not in row.body and f"/lacak#resi={opened.ticket.receipt_no}&token=[token]" in row.body
    with runtime.db.connect() as conn:
        assert conn.execute(select(m.outbox.c.detail).where(m.outbox.c.id == outbox_id)).scalar_one() == {}


def test_complainant_hears_what_is_missing_then_the_answer(runtime, actors, smtp):
    opened = runtime.engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test", telepon=None),
                                 actors["petugas"])
    tid, receipt = opened.ticket.id, opened.ticket.receipt_no
    runtime.engine.fire(tid, "minta_kelengkapan", actors["petugas"],
                        {"kekurangan": "1. Fotokopi KTP\n2. Nomor registrasi SIPA"})
    runtime.engine.fire(tid, "lengkapi", actors["pemohon"], {"kelengkapan": "Terlampir"})
    runtime.engine.fire(tid, "verifikasi", actors["petugas"], {"tingkat": "ringan", "kewenangan": "dalam"})
    runtime.engine.fire(tid, "jawab_langsung", actors["petugas"], {
        "analisa": "Berkas lengkap", "jawaban": "Peninjauan lapangan dijadwalkan Kamis, 3 Desember 2026."})
    runtime.engine.fire(tid, "arsipkan", actors["petugas"], {})
    runtime.engine.fire(tid, "sampaikan", actors["petugas"], {"media_jawaban": "email"})

    subjects = [msg["Subject"] for msg in smtp.messages()]
    assert subjects == [f"Tanda terima pengaduan {receipt}", f"Mohon lengkapi data pengaduan {receipt}",
                        f"Jawaban atas pengaduan {receipt}"]
    missing, answer = (msg.get_content() for msg in smtp.messages()[1:])
    assert "1. Fotokopi KTP\n2. Nomor registrasi SIPA" in missing.replace("\r\n", "\n")
    assert "Peninjauan lapangan dijadwalkan Kamis, 3 Desember 2026." in answer
    assert "Dijawab pada Senin, 30 November 2026 09.00 WIB." in answer


def test_transfer_outside_authority_tells_the_complainant_where_it_went(runtime, actors, smtp):
    opened = runtime.engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test", telepon=None),
                                 actors["petugas"])
    runtime.engine.fire(opened.ticket.id, "verifikasi", actors["petugas"], {"tingkat": "berat", "kewenangan": "luar"})
    runtime.engine.fire(opened.ticket.id, "alihkan", actors["petugas"],
                        {"opd_tujuan": "dinas_pupr", "alasan": "Izin jalan kabupaten"})

    message = smtp.messages()[-1]
    assert message["Subject"] == (f"Pengaduan {opened.ticket.receipt_no} diteruskan ke "
                                  "Dinas Pekerjaan Umum dan Penataan Ruang Provinsi Banten")
    assert "Alasan           : Izin jalan kabupaten" in message.get_content()


def test_a_template_that_cannot_render_fails_visibly_and_renders_again_on_retry(runtime, actors, smtp):
    opened = runtime.engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test", telepon=None),
                                 actors["petugas"])
    with runtime.db.begin() as conn:
        outbox_id = conn.execute(insert(m.outbox).values(
            ticket_id=opened.ticket.id, template="tanda_terimaa", recipient="pemohon", detail={},
            status="pending", created_at=MONDAY_9_WIB + timedelta(hours=1)).returning(m.outbox.c.id)).scalar_one()

    assert expand_outbox(runtime, outbox_id) == []

    [row] = deliveries(runtime.db, outbox_id=outbox_id)
    assert row.status == "failed" and "did you mean 'tanda_terima'" in row.last_error
    with runtime.db.begin() as conn:  # the office fixes the definition's template name
        conn.execute(update(m.outbox).where(m.outbox.c.id == outbox_id).values(template="tanda_terima"))
    result = CliRunner().invoke(cli_group(), ["outbox", "retry", str(row.id)], obj={"runtime": runtime})
    assert f"delivery {row.id}: sent" in result.output, result.output
    assert [msg["Subject"] for msg in smtp.messages()] == [f"Tanda terima pengaduan {opened.ticket.receipt_no}"] * 2


def test_escalation_rungs_warn_the_assignee_and_escalate_to_the_section_head(runtime, actors):
    from workflow.services.escalation import sweep_due_rungs

    petugas = add_user(runtime.db, "petugas1", "petugas", display_name="Petugas Satu")
    kasi = add_user(runtime.db, "kasi1", "kepala_seksi", display_name="Ibu Kasi", locale="en")
    opened = runtime.engine.open("pengaduan-ptsp", walk_in_record(telepon=None), actors["petugas"])
    receipt = opened.ticket.receipt_no

    # Eight days later nobody has touched it: every warning and the first escalations are due.
    assert sweep_due_rungs(runtime, now=MONDAY_9_WIB + timedelta(days=8)) > 0
    sweep_outbox(runtime, now=MONDAY_9_WIB + timedelta(days=8))

    titles = {(r.user_id, r.title) for r in inbox(runtime.db)}
    assert (petugas, f"Peringatan tenggat 50%: pengaduan {receipt}") in titles
    assert (kasi, f"Deadline warning 80%: complaint {receipt}") in titles
    escalated = [r for r in inbox(runtime.db) if r.user_id == kasi and r.title.startswith("Escalation")]
    assert escalated and "Stage           : Resolution (7 calendar days)" in "\n".join(r.body for r in escalated)
    assert all(r.status in ("sent", "skipped") for r in deliveries(runtime.db))
    # tanggapan_awal warns [assignee, role:petugas]: the same officer twice, one message.
    warned = [r.title for r in inbox(runtime.db) if r.user_id == petugas and "75%" in r.title]
    assert warned == [f"Peringatan tenggat 75%: pengaduan {receipt}"]
    assert any(r.last_error and r.last_error.startswith("sudah dikirim untuk outbox #")
               for r in deliveries(runtime.db))


# -- rq on the real Redis --------------------------------------------------------------------------
@pytest.fixture
def redis_queue():
    from redis import Redis

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except Exception as exc:  # noqa: BLE001
        service_missing("Redis", exc)
    name = f"alur-test-notify-{uuid.uuid4().hex[:10]}"
    yield connection, name
    use_runtime_for_jobs(None)
    for key in connection.scan_iter(f"*{name}*"):
        connection.delete(key)
    for worker_key in connection.smembers("rq:workers"):
        if name.encode() in worker_key:
            connection.srem("rq:workers", worker_key)
    connection.close()


@pytest.mark.redis
def test_with_redis_delivery_runs_in_rq_jobs_and_retries_on_the_scheduler(runtime, actors, smtp, redis_queue):
    from rq import Queue, SimpleWorker
    from rq.serializers import JSONSerializer

    connection, name = redis_queue
    runtime.redis_url = REDIS_URL
    runtime.extras.update(queue_prefix=name, redis=connection, delivery_backoff=(timedelta(seconds=1),))
    use_runtime_for_jobs(runtime)
    smtp.replies = ["451 4.3.0 busy"]

    runtime.engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test", telepon=None),
                        actors["petugas"])

    queue = Queue(f"{name}-notifications", connection=connection)
    assert smtp.messages() == [] and queue.count == 1  # nothing sent in the request: a job does it
    SimpleWorker([queue], connection=connection, serializer=JSONSerializer).work(burst=True, with_scheduler=True)
    [row] = deliveries(runtime.db)
    assert (row.status, row.attempts) == ("queued", 1)  # the 451; the retry is scheduled in Redis
    time.sleep(1.2)
    SimpleWorker([queue], connection=connection, serializer=JSONSerializer).work(burst=True, with_scheduler=True)
    deadline = time.monotonic() + 10
    while deliveries(runtime.db)[0].status != "sent" and time.monotonic() < deadline:
        time.sleep(0.2)
        SimpleWorker([queue], connection=connection, serializer=JSONSerializer).work(burst=True,
                                                                                     with_scheduler=True)

    [row] = deliveries(runtime.db)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(smtp.messages()) == 1


@pytest.mark.redis
def test_one_job_per_move_and_a_later_move_does_not_queue_earlier_notifications_again(runtime, actors, smtp,
                                                                                      redis_queue):
    """Under load a verification came while the filing's job still waited in the queue: it found the filing's
    row pending and queued it again, so every row went through the queue twice (issue 13)."""
    from rq import Queue, SimpleWorker
    from rq.serializers import JSONSerializer

    connection, name = redis_queue
    runtime.redis_url = REDIS_URL
    runtime.extras.update(queue_prefix=name, redis=connection)
    use_runtime_for_jobs(runtime)
    ticket = runtime.engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test", telepon=None),
                                 actors["petugas"]).ticket
    moves = [ticket, runtime.engine.fire(ticket.id, "verifikasi", actors["petugas"],
                                         {"tingkat": "sedang", "kewenangan": "dalam"}),
             runtime.engine.fire(ticket.id, "teruskan_tim", actors["petugas"], {})]

    queue = Queue(f"{name}-notifications", connection=connection, serializer=JSONSerializer)
    per_move = [move.notices_written for move in moves if move.notices_written]
    with runtime.db.begin() as conn:
        written = conn.execute(select(m.outbox.c.id).order_by(m.outbox.c.id)).scalars().all()
    assert len(per_move) >= 2 and sorted(row for rows in per_move for row in rows) == written
    assert [job.args[0] for job in queue.get_jobs()] == per_move  # a job per move, each row in one job only
    SimpleWorker([queue], connection=connection, serializer=JSONSerializer).work(burst=True)
    assert {row.status for row in deliveries(runtime.db)} <= {"sent", "skipped"}
    assert len(smtp.messages()) == 1  # the receipt, once


@pytest.mark.redis
@pytest.mark.slow
def test_worker_killed_mid_delivery_does_not_duplicate_the_message(sqlite_engine, calendar, actors, smtp,
                                                                   redis_queue, tmp_path):
    """A worker dies while the SMTP server is receiving the message: no other worker sends it while the
    dead one's lease holds, and after the lease the sweep sends it once."""
    connection, name = redis_queue
    store = SqlStore(sqlite_engine)
    publish(store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
    rt = make_runtime(store, Engine(store, calendar=calendar, now=lambda: MONDAY_9_WIB), smtp)
    rt.redis_url = REDIS_URL
    rt.extras.update(queue_prefix=name, redis=connection)
    smtp.data_delay = 1.5
    env = dict(os.environ, ALUR_DATABASE_URL=str(sqlite_engine.url), ALUR_REDIS_URL=REDIS_URL,
               ALUR_QUEUE_PREFIX=name, ALUR_SMTP_HOST="127.0.0.1", ALUR_SMTP_PORT=str(smtp.port),
               ALUR_SMTP_SENDER=SENDER, ALUR_IDENTITY_SALT="test", ALUR_INSTANCE_PATH=str(tmp_path),
               ALUR_PUBLIC_URL=PUBLIC, PYTHONPATH=str(ROOT))
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("rq")), "worker", "--url", REDIS_URL, "--name", f"{name}-w",
         "--worker-class", "rq.SimpleWorker", "--serializer", "rq.serializers.JSONSerializer",
         f"{name}-notifications"],
        env=env, cwd=str(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        rt.engine.open("pengaduan-ptsp", walk_in_record(email="siti@example.test", telepon=None),
                       actors["petugas"])
        assert smtp.data_started.wait(30), "the worker never reached the SMTP DATA phase"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # mid-DATA (a SimpleWorker runs the job in its own process)
        worker.wait(10)
    time.sleep(smtp.data_delay + 0.5)  # the server finishes accepting what it was given
    smtp.data_delay = 0.0

    [row] = deliveries(rt.db)
    assert (row.status, row.attempts) == ("queued", 1) and utc(row.locked_until) is not None
    now = datetime.now(timezone.utc)
    assert sweep_outbox(rt, now=now) == 0  # the dead worker's lease still holds: no concurrent resend
    assert sweep_outbox(rt, now=utc(row.locked_until) + timedelta(seconds=1)) == 1
    sweep_outbox(rt, now=utc(row.locked_until) + timedelta(hours=1))

    [row] = deliveries(rt.db)
    assert (row.status, row.attempts) == ("sent", 2)
    # The server dropped the transaction whose client vanished before the reply; the retry is the one
    # message, under the Message-ID every attempt of this delivery carries.
    assert [message["Message-ID"] for message in smtp.messages()] == [f"<alur.{row.id}@dpmptsp.bantenprov.test>"]


class SlowGateway(Gateway):
    """A gateway that stores the message, then takes long to answer: the sender may die in between."""

    delay = 0.0
    stored = threading.Event()

    def do_POST(self):  # noqa: N802
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        verify_signature(self.secret, self.headers.get("X-Alur-Timestamp"), raw, self.headers.get("X-Alur-Signature"))
        self.received.append({"key": self.headers["Idempotency-Key"], **json.loads(raw)})
        self.stored.set()
        time.sleep(self.delay)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.mark.redis
@pytest.mark.slow
def test_worker_killed_after_the_gateway_took_the_message_resends_it_under_the_same_key(
        sqlite_engine, calendar, actors, redis_queue, tmp_path):
    """At-least-once: the retry after the dead worker's lease repeats the Idempotency-Key, so the gateway,
    which drops keys it has seen, delivers one WhatsApp message."""
    connection, name = redis_queue
    SlowGateway.received, SlowGateway.delay, SlowGateway.stored = [], 1.5, threading.Event()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowGateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/kirim"
    store = SqlStore(sqlite_engine)
    publish(store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
    rt = make_runtime(store, Engine(store, calendar=calendar, now=lambda: MONDAY_9_WIB),
                      webhook=WebhookChannel(url, Gateway.secret, timeout=10))
    rt.redis_url = REDIS_URL
    rt.extras.update(queue_prefix=name, redis=connection)
    env = dict(os.environ, ALUR_DATABASE_URL=str(sqlite_engine.url), ALUR_REDIS_URL=REDIS_URL,
               ALUR_QUEUE_PREFIX=name, ALUR_WEBHOOK_URL=url, ALUR_WEBHOOK_SECRET=Gateway.secret,
               ALUR_IDENTITY_SALT="test", ALUR_INSTANCE_PATH=str(tmp_path), ALUR_PUBLIC_URL=PUBLIC,
               PYTHONPATH=str(ROOT))
    env.pop("ALUR_SMTP_HOST", None)
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("rq")), "worker", "--url", REDIS_URL, "--name", f"{name}-w",
         "--worker-class", "rq.SimpleWorker", "--serializer", "rq.serializers.JSONSerializer",
         f"{name}-notifications"],
        env=env, cwd=str(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        try:
            rt.engine.open("pengaduan-ptsp", walk_in_record(), actors["petugas"])
            assert SlowGateway.stored.wait(30), "the worker never reached the gateway"
        finally:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
        SlowGateway.delay = 0.0
        [row] = deliveries(rt.db)
        assert (row.status, row.attempts) == ("queued", 1)

        assert sweep_outbox(rt, now=utc(row.locked_until) + timedelta(seconds=1)) == 1

        [row] = deliveries(rt.db)
        assert (row.status, row.attempts) == ("sent", 2)
        keys = [r["key"] for r in SlowGateway.received]
        assert keys == [str(row.id), str(row.id)]  # two requests, one message for a deduplicating gateway
        bodies = {r["body"] for r in SlowGateway.received}
        assert len(bodies) == 1  # the resend is the same message, token included
        assert {re.sub(r"token=[^\s&]+", "token=[token]", b) for b in bodies} == {row.body}
    finally:
        server.shutdown()
        server.server_close()


# -- the in-memory store ---------------------------------------------------------------------------
def test_delivery_runs_on_the_in_memory_store_through_the_port(actors):
    """Delivery reads and writes only through the store port, so the memory store delivers too: the
    receipt by email and WhatsApp, the team's task in the inbox, once, however often the sweep runs."""
    from tests.conftest import memory_runtime
    from workflow.store.port import UserRecord

    rt = memory_runtime()
    email, webhook = MemoryChannel("email"), MemoryChannel("webhook")
    install(rt, channels={"email": email, "webhook": webhook, "whatsapp": webhook, "sms": webhook})
    with rt.store.unit_of_work() as uow:
        uow.users.add(UserRecord(username="tim1", display_name="Tim Satu", roles=("tim",), email="tim1@x.test"), "-")
        uow.commit()

    tid = to_team(rt, actors, email="siti@example.test")
    for _ in range(2):
        assert sweep_outbox(rt, now=datetime.now(timezone.utc) + timedelta(days=1)) == 0

    receipt = rt.engine.load(tid).receipt_no
    assert [m.subject for m in email.sent] == [f"Tanda terima pengaduan {receipt}", f"Tugas baru: pengaduan {receipt}"]
    assert [m.recipient for m in webhook.sent] == ["+6281234567890"]
    [message] = rt.store._tables.inbox
    assert message["title"] == f"Tugas baru: pengaduan {receipt}" and "Catatan          : Mohon cek" in message["body"]
