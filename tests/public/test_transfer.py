"""A complaint outside the office's authority reaches the competent agency (the `alihkan` path): sent by email
to the contact the office keeps for the agency (through a real SMTP server, aiosmtpd), without the
complainant's identity when the complaint is anonymous, recorded in the audit trail, and shown to the
complainant on the tracking page."""
from __future__ import annotations

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from notifications import EmailChannel, MemoryChannel
from notifications.delivery import install, sweep_outbox
from tests.conftest import walk_in_record
from workflow.services.agencies import save_agency

from .conftest import PETUGAS


class Mailbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [email.message_from_bytes(e.original_content, policy=email.policy.default) for e in self.envelopes]


@pytest.fixture
def smtp():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    yield handler
    controller.stop()


@pytest.fixture
def office(rt, smtp):
    save_agency(rt, "dinas_lhk", {"email": "pengaduan@dlhk.bantenprov.test", "phone": "0254-200100"},
                actor_id="kasi")
    webhook = MemoryChannel("webhook")
    install(rt, channels={"email": EmailChannel("127.0.0.1", smtp.port, sender="pengaduan@dpmptsp.test", timeout=5),
                          "webhook": webhook, "whatsapp": webhook, "sms": webhook,
                          "agency_webhook": MemoryChannel("agency_webhook")})
    return rt


def transfer(rt, **record):
    opened = rt.engine.open("pengaduan-ptsp", walk_in_record(**record), PETUGAS)
    tid = opened.ticket.id
    rt.engine.fire(tid, "verifikasi", PETUGAS, {"tingkat": "sedang", "kewenangan": "luar"})
    rt.engine.fire(tid, "alihkan", PETUGAS, {"opd_tujuan": "dinas_lhk",
                                             "alasan": "Izin lingkungan kewenangan Dinas LHK"})
    sweep_outbox(rt)
    return opened


def agency_mail(smtp):
    return [m for m in smtp.messages() if m["To"] == "pengaduan@dlhk.bantenprov.test"]


def test_the_agency_receives_the_complaint_by_email_and_the_complainant_sees_where_it_went(office, smtp, client):
    opened = transfer(office)

    [mail] = agency_mail(smtp)
    body = mail.get_content()
    assert opened.ticket.receipt_no in mail["Subject"]
    assert "Permohonan SIPA belum ada peninjauan lapangan" in body  # the grievance itself
    assert "Izin lingkungan kewenangan Dinas LHK" in body
    assert "Siti Aminah" in body  # a biasa complaint goes with its complainant, to be answered
    handed = [r for r in office.store.audit_rows(ticket_id=opened.ticket.id)
              if r["kind"] == "notification" and r["detail"]["to"] == "agency:opd_tujuan"]
    assert handed[0]["detail"]["agency"] == "dinas_lhk"
    assert handed[0]["detail"]["targets"][0]["address"] == "pengaduan@dlhk.bantenprov.test"

    html = client.get(f"/lacak?resi={opened.ticket.receipt_no}&token={opened.token}").get_data(as_text=True)
    assert "Diteruskan kepada instansi berwenang" in html
    assert "Dinas Lingkungan Hidup dan Kehutanan Provinsi Banten" in html
    assert "telah dikirim kepada instansi tersebut melalui email" in html
    assert "0254-200100" in html  # how the complainant reaches the agency


def test_an_anonymous_complaint_reaches_the_agency_without_its_complainant(office, smtp):
    transfer(office, kerahasiaan="anonim")

    [mail] = agency_mail(smtp)
    body = mail.get_content()
    assert "Siti Aminah" not in body and "Ahmad Yani" not in body and "7890" not in body
    assert "Identitas pengadu dilindungi" in body


def test_an_agency_without_a_contact_is_said_so_on_the_tracking_page(rt, client):
    install(rt, channels={"email": MemoryChannel("email"), "webhook": MemoryChannel("webhook")})
    opened = rt.engine.open("pengaduan-ptsp", walk_in_record(), PETUGAS)
    rt.engine.fire(opened.ticket.id, "verifikasi", PETUGAS, {"tingkat": "sedang", "kewenangan": "luar"})
    rt.engine.fire(opened.ticket.id, "alihkan", PETUGAS, {"opd_tujuan": "dinas_pupr", "alasan": "Jalan provinsi"})
    sweep_outbox(rt)

    html = client.get(f"/lacak?resi={opened.ticket.receipt_no}&token={opened.token}").get_data(as_text=True)
    assert "belum tercatat kontaknya" in html
