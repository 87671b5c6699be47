"""The in-app inbox (Kotak masuk) and the delivery log (Pengiriman gagal), driven through the real engine
with notification delivery installed on MemoryChannels."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from notifications import MemoryChannel
from notifications.delivery import install
from tests.console.conftest import csrf_from, login, open_ticket
from workflow.core.guards import Actor
from workflow.store import models as m
from workflow.store import models_notifications as mn

PETUGAS = Actor("petugas", frozenset({"petugas"}), "Petugas")
TIM = Actor("tim", frozenset({"tim"}), "Tim")


@pytest.fixture
def channels(rt):
    webhook = MemoryChannel("webhook")
    chosen = {"email": MemoryChannel("email"), "webhook": webhook, "whatsapp": webhook, "sms": webhook}
    install(rt, channels=chosen)
    return chosen


def user_id(rt, username: str) -> int:
    with rt.db.connect() as conn:
        return conn.execute(select(m.users.c.id).where(m.users.c.username == username)).scalar_one()


def inbox_of(rt, username: str) -> list:
    with rt.db.connect() as conn:
        return conn.execute(select(mn.inbox).where(mn.inbox.c.user_id == user_id(rt, username))
                            .order_by(mn.inbox.c.id)).all()


def deliveries(rt, **where) -> list:
    q = select(mn.deliveries).order_by(mn.deliveries.c.id)
    for name, value in where.items():
        q = q.where(getattr(mn.deliveries.c, name) == value)
    with rt.db.connect() as conn:
        return conn.execute(q).all()


def to_team(rt, **record) -> int:
    ticket_id = open_ticket(rt, **record)
    rt.engine.fire(ticket_id, "verifikasi", PETUGAS, {"tingkat": "sedang", "kewenangan": "dalam"})
    rt.engine.fire(ticket_id, "teruskan_tim", PETUGAS, {"catatan": "Mohon cek jadwal peninjauan lapangan"})
    return ticket_id


def badge(html: str) -> int:
    """The unread number in the top navigation (no number shown when nothing is unread)."""
    assert 'id="inbox-badge"' in html
    found = re.search(r'id="inbox-unread-count">(\d+)<', html)
    return int(found.group(1)) if found else 0


# -- Kotak masuk ------------------------------------------------------------------------------------
def test_team_member_reads_the_message_of_a_forwarded_ticket(app, rt, channels):
    ticket_id = to_team(rt)
    receipt = rt.engine.load(ticket_id).receipt_no
    [message] = inbox_of(rt, "tim")
    assert message.title == f"Tugas baru: pengaduan {receipt}" and message.read_at is None
    client = app.test_client()
    login(client, "tim")

    listing = client.get("/admin/kotak-masuk/").get_data(as_text=True)

    assert badge(listing) == 1
    assert "Kotak masuk" in listing and "1 belum dibaca" in listing
    row = re.search(rf'<tr class="inbox-row inbox-unread" data-id="{message.id}">.*?</tr>', listing, re.S).group(0)
    assert f"<strong>{message.title}</strong>" in row  # unread in bold
    assert receipt in row

    opened = client.get(f"/admin/kotak-masuk/{message.id}")

    page = opened.get_data(as_text=True)
    assert opened.status_code == 200
    assert "Mohon cek jadwal peninjauan lapangan" in page
    assert f'href="/admin/work/ticket/{ticket_id}"' in page  # tim may open the ticket
    assert badge(page) == 0  # the badge already counts it as read
    [message] = inbox_of(rt, "tim")
    assert message.read_at is not None
    listing = client.get("/admin/kotak-masuk/").get_data(as_text=True)
    assert f'class="inbox-row inbox-read" data-id="{message.id}"' in listing
    assert f"<strong>{message.title}</strong>" not in listing


def test_nobody_opens_another_users_message(app, rt, channels):
    ticket_id = to_team(rt)
    rt.engine.fire(ticket_id, "serahkan_opd", TIM, {"opd": "dinas_esdm", "permintaan": "Mohon tinjau."})
    [theirs] = inbox_of(rt, "esdm")
    client = app.test_client()
    login(client, "tim")

    assert client.get(f"/admin/kotak-masuk/{theirs.id}").status_code == 404
    assert client.get("/admin/kotak-masuk/999999").status_code == 404
    assert theirs.title not in client.get("/admin/kotak-masuk/").get_data(as_text=True)
    [theirs] = inbox_of(rt, "esdm")
    assert theirs.read_at is None  # not marked read by someone else's attempt


def test_liaison_gets_a_ticket_link_only_for_their_own_agency(app, rt, channels):
    ticket_id = to_team(rt)
    rt.engine.fire(ticket_id, "serahkan_opd", TIM, {"opd": "dinas_esdm", "permintaan": "Mohon tinjau."})
    [message] = inbox_of(rt, "esdm")
    client = app.test_client()
    login(client, "esdm")
    page = client.get(f"/admin/kotak-masuk/{message.id}").get_data(as_text=True)
    assert f'href="/admin/opd/ticket/{ticket_id}"' in page

    # handed back to the office: the liaison's old message no longer links to a ticket they cannot open
    rt.engine.fire(ticket_id, "kembalikan_opd", Actor("esdm", frozenset({"opd_liaison"}), opd="dinas_esdm"),
                   {"alasan_opd": "Bukan kewenangan kami."})
    page = client.get(f"/admin/kotak-masuk/{message.id}").get_data(as_text=True)
    assert 'id="ticket-link"' not in page and 'href="/admin/opd/ticket/' not in page
    assert 'id="ticket-text"' in page


def test_mark_all_read_needs_the_csrf_token(app, rt, channels):
    to_team(rt)
    to_team(rt)
    client = app.test_client()
    login(client, "tim")
    listing = client.get("/admin/kotak-masuk/").get_data(as_text=True)
    assert badge(listing) == 2

    assert client.post("/admin/kotak-masuk/tandai-dibaca").status_code == 400
    assert client.post("/admin/kotak-masuk/tandai-dibaca", data={"csrf_token": "forged"}).status_code == 400
    assert all(r.read_at is None for r in inbox_of(rt, "tim"))

    done = client.post("/admin/kotak-masuk/tandai-dibaca", data={"csrf_token": csrf_from(listing)},
                       follow_redirects=True)

    assert done.status_code == 200 and "2 pesan ditandai sudah dibaca." in done.get_data(as_text=True)
    assert badge(done.get_data(as_text=True)) == 0
    assert all(r.read_at is not None for r in inbox_of(rt, "tim"))


def test_inbox_in_english(app, rt, channels):
    to_team(rt)
    client = app.test_client()
    login(client, "tim")
    client.get("/locale/en")
    page = client.get("/admin/kotak-masuk/").get_data(as_text=True)
    assert "Inbox" in page and "1 unread" in page and "Mark all as read" in page


# -- Pengiriman gagal -------------------------------------------------------------------------------
def test_failed_delivery_is_listed_for_admin_and_sent_again(app, rt, channels):
    channels["webhook"].fail_next(1, retryable=False, reason="nomor ditolak gateway")
    ticket_id = open_ticket(rt, email=None)
    receipt = rt.engine.load(ticket_id).receipt_no
    [failed] = deliveries(rt, status="failed")
    assert failed.channel == "webhook" and failed.attempts == 1

    petugas = app.test_client()
    login(petugas, "petugas")
    assert petugas.get("/admin/pengiriman/").status_code == 403
    assert petugas.post(f"/admin/pengiriman/{failed.id}/kirim-ulang",
                        data={"csrf_token": csrf_from(petugas.get("/admin/work/").get_data(as_text=True))}
                        ).status_code == 403

    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/admin/pengiriman/").get_data(as_text=True)
    row = re.search(rf'<tr class="delivery-row table-danger" data-id="{failed.id}" data-status="failed">.*?</tr>',
                    page, re.S).group(0)
    assert receipt in row and "Tanda terima" in row and "tanda_terima<" not in row and "WhatsApp/SMS" in row
    assert failed.recipient not in row and "disamarkan" in row  # admin sees no complainant's contact
    assert "nomor ditolak gateway" in row and ">1<" in row  # last error and attempts
    assert "Kirim ulang" in row and "Kirim ulang semua yang gagal" in page

    # no token, no retry
    assert admin.post(f"/admin/pengiriman/{failed.id}/kirim-ulang").status_code == 400
    assert deliveries(rt, id=failed.id)[0].status == "failed"
    assert channels["webhook"].sent == []

    retried = admin.post(f"/admin/pengiriman/{failed.id}/kirim-ulang",
                         data={"csrf_token": csrf_from(page), "status": "failed"}, follow_redirects=True)

    assert retried.status_code == 200
    assert f"Pengiriman #{failed.id} dikirim ulang: terkirim." in retried.get_data(as_text=True)
    [row] = deliveries(rt, id=failed.id)
    assert (row.status, row.last_error) == ("sent", None)
    assert [msg.recipient for msg in channels["webhook"].sent] == [failed.recipient]
    assert f'data-id="{failed.id}"' not in retried.get_data(as_text=True)  # gone from the failed list
    assert f'data-id="{failed.id}" data-status="sent"' in admin.get("/admin/pengiriman/?status=sent").get_data(
        as_text=True)
    assert admin.post("/admin/pengiriman/999999/kirim-ulang", data={"csrf_token": csrf_from(page)}).status_code == 404


def test_retry_all_failed(app, rt, channels):
    channels["webhook"].fail_next(2, retryable=False)
    open_ticket(rt, email=None)
    open_ticket(rt, email=None)
    assert len(deliveries(rt, status="failed")) == 2
    client = app.test_client()
    login(client, "kasi")
    page = client.get("/admin/pengiriman/").get_data(as_text=True)
    assert client.post("/admin/pengiriman/kirim-ulang-semua").status_code == 400
    assert len(deliveries(rt, status="failed")) == 2

    done = client.post("/admin/pengiriman/kirim-ulang-semua", data={"csrf_token": csrf_from(page)},
                       follow_redirects=True)

    assert "2 pengiriman dikirim ulang: 2 terkirim." in done.get_data(as_text=True)
    assert deliveries(rt, status="failed") == [] and len(channels["webhook"].sent) == 2


@pytest.mark.parametrize("level", ["anonim", "rahasia"])
def test_protected_complainant_addresses_are_shown_to_supervisors_only(app, rt, channels, level):
    channels["webhook"].fail_next(1, retryable=False, reason="gateway menolak +6281234567890")
    ticket_id = open_ticket(rt, email=None, kerahasiaan=level)
    [failed] = deliveries(rt, status="failed")
    phone = failed.recipient
    assert phone == "+6281234567890"

    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/admin/pengiriman/").get_data(as_text=True)
    assert f'data-id="{failed.id}"' in page
    assert phone not in page and "disamarkan" in page  # masked, in the error text too
    with rt.db.connect() as conn:
        views_before = conn.execute(select(m.audit_log.c.seq).where(m.audit_log.c.kind == "identity_view")).all()
    assert views_before == []

    kasi = app.test_client()
    login(kasi, "kasi")
    page = kasi.get("/admin/pengiriman/").get_data(as_text=True)
    assert phone in page
    with rt.db.connect() as conn:
        views = conn.execute(select(m.audit_log.c.actor_id, m.audit_log.c.ticket_id)
                             .where(m.audit_log.c.kind == "identity_view")).all()
    # a confidential identity read is audited like any other; an anonymous one is not
    assert views == ([("kasi", ticket_id)] if level == "rahasia" else [])


def test_the_badge_costs_one_count_per_page(app, rt, channels):
    from sqlalchemy import event

    to_team(rt)
    client = app.test_client()
    login(client, "tim")
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(rt.db, "before_cursor_execute", record)
    try:
        page = client.get("/admin/work/").get_data(as_text=True)
    finally:
        event.remove(rt.db, "before_cursor_execute", record)
    assert badge(page) == 1
    assert len([s for s in seen if "FROM inbox" in s]) == 1
