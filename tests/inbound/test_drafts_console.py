"""The console's incoming drafts: the original message and its files beside the record form; what is missing is
marked and kept; filing opens the ticket with its clocks from the message's arrival; a confidential ticket's
original is shown to a supervisor only with a stated purpose, and that read is audited."""
from __future__ import annotations

from datetime import timedelta

from tests.inbound.conftest import PDF
from tests.web import csrf_from, post_login
from workflow.core.inbound import EMAIL, InboundMessage, RawFile
from workflow.services import attachments, inbound


def arrive(rt, tmp_path, *, minutes_ago: int = 90, files=(RawFile("ktp.pdf", PDF, "application/pdf"),)):
    now = rt.engine.now()
    message = InboundMessage(channel=EMAIL, source="imap:uji", external_id=f"<{minutes_ago}@contoh.id>",
                             sender="siti@contoh.id", sender_name="Siti Aminah", subject="Loket lambat sekali",
                             text="Saya menunggu <b>tiga jam</b> di loket.", files=files,
                             received_at=now - timedelta(minutes=minutes_ago))
    return inbound.receive(rt, message, instance_path=tmp_path / "instance", now=now)


def test_the_draft_page_shows_the_original_beside_the_form_and_files_it(client, rt, tmp_path, app):
    received = arrive(rt, tmp_path)
    post_login(client, "petugas", "rahasia-uji-123")
    listing = client.get("/admin/draf/").get_data(as_text=True)
    assert "Loket lambat sekali" in listing and "siti@contoh.id" in listing
    page = client.get(f"/admin/draf/{received.draft_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Saya menunggu &lt;b&gt;tiga jam&lt;/b&gt; di loket." in html  # the sender's text, escaped
    assert "ktp.pdf" in html and 'id="record-form"' in html
    assert 'value="siti@contoh.id"' in html and 'value="Loket lambat sekali"' in html  # proposed from the mail

    form = {"csrf_token": csrf_from(html), "_definisi": "pengaduan-ptsp", "_aksi": "catat", "kanal": "email",
            "nama": "Siti Aminah", "email": "siti@contoh.id", "perihal": "Loket lambat sekali",
            "uraian": "Saya menunggu tiga jam di loket."}
    missing = client.post(f"/admin/draf/{received.draft_id}", data=form)
    text = missing.get_data(as_text=True)
    assert missing.status_code == 422 and "record-errors" in text
    assert 'value="Siti Aminah"' in text  # what was typed stays
    form.update({"alamat": "Jl. Veteran 3, Serang", "kategori": "durasi_waktu"})
    done = client.post(f"/admin/draf/{received.draft_id}", data=form)
    assert done.status_code == 302 and "/admin/work/receipt/" in done.headers["Location"]
    ticket_id = int(done.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    ticket = rt.engine.load(ticket_id)
    assert ticket.created_at == rt.engine.load(ticket_id).clocks[0].started_at
    assert rt.engine.now() - ticket.created_at >= timedelta(minutes=89)  # counted from the arrival
    assert client.get("/admin/draf/").get_data(as_text=True).count("Loket lambat sekali") == 0
    origin = client.get(f"/admin/draf/{received.draft_id}").get_data(as_text=True)
    assert ticket.receipt_no in origin and "tiga jam" in origin


def test_a_file_download_is_audited_and_discarding_needs_a_reason(client, rt, tmp_path):
    received = arrive(rt, tmp_path)
    post_login(client, "petugas", "rahasia-uji-123")
    html = client.get(f"/admin/draf/{received.draft_id}").get_data(as_text=True)
    token = csrf_from(html)
    view = inbound.draft_view(rt.store, received.draft_id)
    file_id = view.files[view.messages[0].id][0].id
    got = client.post(f"/admin/draf/{received.draft_id}/berkas/{file_id}", data={"csrf_token": token})
    assert got.status_code == 200 and got.data == PDF and got.headers["Content-Security-Policy"].startswith("sandbox")
    rows = [r for r in rt.store.audit_rows() if r["detail"].get("event") == "evidence_download"]
    assert rows[-1]["actor_id"] == "petugas" and rows[-1]["detail"]["draft"] == received.draft_id

    client.post(f"/admin/draf/{received.draft_id}/buang", data={"csrf_token": token, "alasan": ""})
    assert inbound.open_drafts(rt.store) != []
    client.post(f"/admin/draf/{received.draft_id}/buang", data={"csrf_token": token, "alasan": "spam"})
    assert inbound.open_drafts(rt.store) == []
    assert any(r["detail"].get("event") == "inbound_discarded" and r["detail"]["reason"] == "spam"
               for r in rt.store.audit_rows())


def test_a_confidential_tickets_original_needs_a_supervisors_stated_purpose(client, rt, tmp_path):
    from workflow.core.guards import Actor

    received = arrive(rt, tmp_path, files=())
    view = inbound.draft_view(rt.store, received.draft_id)
    record = {"kanal": "email", "nama": "Siti Aminah", "email": "siti@contoh.id", "alamat": "Serang",
              "kategori": "pungutan_liar", "perihal": "Pungutan", "uraian": view.messages[0].body,
              "kerahasiaan": "rahasia"}
    inbound.file_draft(rt, received.draft_id, record, Actor("petugas", frozenset({"petugas"}), "Petugas"),
                       definition_key="pengaduan-ptsp")
    post_login(client, "petugas", "rahasia-uji-123")
    assert client.get(f"/admin/draf/{received.draft_id}").status_code == 403
    client.get("/logout")
    post_login(client, "kasi", "rahasia-uji-123")
    asked = client.get(f"/admin/draf/{received.draft_id}").get_data(as_text=True)
    assert "purpose-form" in asked and "tiga jam" not in asked
    shown = client.post(f"/admin/draf/{received.draft_id}", data={"csrf_token": csrf_from(asked),
                                                                  "purpose": "klarifikasi pungutan"})
    assert shown.status_code == 200 and "tiga jam" in shown.get_data(as_text=True)
    views = [r for r in rt.store.audit_rows() if r["kind"] == "identity_view"]
    assert views[-1]["detail"]["purpose"] == "klarifikasi pungutan"


def test_the_ticket_page_links_to_its_original_and_to_replies_threaded_to_it(client, rt, tmp_path):
    from workflow.core.guards import Actor

    received = arrive(rt, tmp_path, files=())
    view = inbound.draft_view(rt.store, received.draft_id)
    record = {"kanal": "email", "nama": "Siti Aminah", "email": "siti@contoh.id", "alamat": "Serang",
              "kategori": "durasi_waktu", "perihal": "Loket lambat", "uraian": view.messages[0].body}
    opened = inbound.file_draft(rt, received.draft_id, record, Actor("petugas", frozenset({"petugas"}), "Petugas"),
                                definition_key="pengaduan-ptsp")
    reply = InboundMessage(channel=EMAIL, source="imap:uji", external_id="<balas@contoh.id>", sender="siti@contoh.id",
                           subject=f"Re: {opened.ticket.receipt_no}", text="Sudah dua hari, belum ada kabar.",
                           received_at=rt.engine.now())
    assert inbound.receive(rt, reply, instance_path=tmp_path / "instance").receipt_no == opened.ticket.receipt_no
    post_login(client, "petugas", "rahasia-uji-123")
    page = client.get(f"/admin/work/ticket/{opened.ticket.id}").get_data(as_text=True)
    assert f"/admin/draf/tiket/{opened.ticket.id}" in page
    messages = client.get(f"/admin/draf/tiket/{opened.ticket.id}").get_data(as_text=True)
    assert "tiga jam" in messages and "Sudah dua hari, belum ada kabar." in messages


def test_an_officer_adds_a_draft_the_threading_could_not_place_to_its_complaint(client, rt, tmp_path):
    from workflow.core.guards import Actor

    first = arrive(rt, tmp_path, files=())
    view = inbound.draft_view(rt.store, first.draft_id)
    record = {"kanal": "email", "nama": "Siti Aminah", "email": "siti@contoh.id", "alamat": "Serang",
              "kategori": "durasi_waktu", "perihal": "Loket lambat", "uraian": view.messages[0].body}
    opened = inbound.file_draft(rt, first.draft_id, record, Actor("petugas", frozenset({"petugas"}), "Petugas"),
                                definition_key="pengaduan-ptsp")
    other = InboundMessage(channel=EMAIL, source="imap:uji", external_id="<kantor@contoh.id>",
                           sender="sekretaris@perusahaan.id", subject=f"Terkait {opened.ticket.receipt_no}",
                           text="Kami kirimkan salinan surat permohonan.", received_at=rt.engine.now(),
                           files=(RawFile("surat.pdf", PDF + b"2", "application/pdf"),))
    placed = inbound.receive(rt, other, instance_path=tmp_path / "instance")
    assert placed.outcome == "draft"  # another address: not threaded by itself
    post_login(client, "petugas", "rahasia-uji-123")
    token = csrf_from(client.get(f"/admin/draf/{placed.draft_id}").get_data(as_text=True))
    wrong = client.post(f"/admin/draf/{placed.draft_id}/gabung", data={"csrf_token": token, "resi": "ADU-1999-000009"},
                        follow_redirects=True)
    assert "Tidak ada pengaduan ADU-1999-000009" in wrong.get_data(as_text=True)
    client.post(f"/admin/draf/{placed.draft_id}/gabung", data={"csrf_token": token, "resi": opened.ticket.receipt_no})
    assert inbound.open_drafts(rt.store) == []
    assert [a["filename"] for a in attachments.list_for(rt.store, opened.ticket.id)] == ["surat.pdf"]
    messages = client.get(f"/admin/draf/tiket/{opened.ticket.id}").get_data(as_text=True)
    assert "Kami kirimkan salinan surat permohonan." in messages and "tiga jam" in messages
