"""Complaints by email, against a real IMAP server (dovecot): ``alur mail poll`` turns new mail into drafts,
threads replies, keeps refused files' reasons without losing the message, reads other charsets, ignores
auto-replies and bounces, and reads each message exactly once, also when a poll is killed half-way."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.inbound.conftest import PDF, PNG, deliver, email
from workflow.core.guards import Actor
from workflow.jobs import mail as mail_jobs
from workflow.services import attachments, inbound

PETUGAS = Actor("petugas", frozenset({"petugas"}), "Petugas")
ROOT = Path(__file__).resolve().parents[2]


def poll(rt, tmp_path, **kwargs):
    return mail_jobs.poll(rt, mail_jobs.settings_from(os.environ), folder_path=tmp_path / "instance", **kwargs)


def complete(view) -> dict:
    """What an officer adds to a draft's proposal before filing it."""
    return {"kanal": view.draft.kanal, "nama": view.draft.contact_name or "Pengadu", "email": view.draft.contact,
            "alamat": "Jl. Veteran No. 3, Serang", "kategori": "durasi_waktu", "perihal": view.draft.subject,
            "uraian": view.messages[0].body}


def test_a_new_mail_becomes_a_draft_with_its_file_and_the_clocks_count_from_its_arrival(rt, dovecot, imap_folder,
                                                                                          mail_env, tmp_path):
    deliver(dovecot, imap_folder, email(files=(("bukti.pdf", PDF, "application/pdf"),)))
    result = poll(rt, tmp_path)
    assert result.outcomes == {"draft": 1}
    [draft] = inbound.open_drafts(rt.store)
    assert (draft.channel, draft.kanal, draft.contact, draft.contact_name) == ("email", "email", "siti@contoh.id",
                                                                             "Siti Aminah")
    assert draft.subject == "Izin SIPA belum selesai"
    view = inbound.draft_view(rt.store, draft.id)
    assert "peninjauan lapangan" in view.messages[0].body
    [pdf] = view.files[view.messages[0].id]
    assert (pdf.filename, pdf.content_type, pdf.size) == ("bukti.pdf", "application/pdf", len(PDF))

    later = draft.received_at + timedelta(hours=5)  # the officer gets to it five hours later
    opened = inbound.file_draft(rt, draft.id, complete(view), PETUGAS, definition_key="pengaduan-ptsp", now=later)
    ticket = rt.engine.load(opened.ticket.id)
    assert ticket.created_at == draft.received_at
    assert {c.clock: c.started_at for c in ticket.clocks}["penyelesaian"] == draft.received_at
    assert ticket.fields["kanal"] == "email" and ticket.identity["email"] == "siti@contoh.id"
    assert [a["filename"] for a in attachments.list_for(rt.store, ticket.id)] == ["bukti.pdf"]
    assert inbound.open_drafts(rt.store) == []
    assert poll(rt, tmp_path).read == 0  # read once


def test_replies_thread_to_their_ticket_by_receipt_number_or_references(rt, dovecot, imap_folder, mail_env, tmp_path):
    first = email(message_id="<awal@contoh.id>")
    deliver(dovecot, imap_folder, first)
    poll(rt, tmp_path)
    [draft] = inbound.open_drafts(rt.store)
    deliver(dovecot, imap_folder, email(subject="Re: Izin SIPA belum selesai", body="Tambahan: nomor REG-1",
                                        headers={"In-Reply-To": "<awal@contoh.id>"}))
    assert poll(rt, tmp_path).outcomes == {"thread": 1}
    view = inbound.draft_view(rt.store, draft.id)
    assert [m.body for m in view.messages][1] == "Tambahan: nomor REG-1"

    opened = inbound.file_draft(rt, draft.id, complete(view), PETUGAS, definition_key="pengaduan-ptsp")
    receipt = opened.ticket.receipt_no
    deliver(dovecot, imap_folder, email(subject=f"Re: Tanda terima pengaduan {receipt}", body="Ini foto loketnya.",
                                        files=(("loket.png", PNG, "image/png"),)))
    deliver(dovecot, imap_folder, email(sender="orang.lain@contoh.id", subject=f"Soal {receipt}",
                                        body="Saya bukan pengadunya."))
    assert poll(rt, tmp_path).outcomes == {"thread": 1, "draft": 1}
    assert [a["filename"] for a in attachments.list_for(rt.store, opened.ticket.id)] == ["loket.png"]
    [stranger] = inbound.open_drafts(rt.store)
    assert stranger.contact == "orang.lain@contoh.id" and receipt in stranger.note
    threaded = inbound.draft_view(rt.store, draft.id).messages
    assert threaded[-1].body == "Ini foto loketnya." and threaded[-1].ticket_id == opened.ticket.id


def test_a_file_over_the_size_limit_is_refused_with_the_reason_and_the_message_is_kept(rt, dovecot, imap_folder,
                                                                                       mail_env, tmp_path, monkeypatch):
    monkeypatch.setenv("ALUR_MAX_UPLOAD_BYTES", "2048")
    big = b"%PDF-1.4\n" + b"x" * 5000
    deliver(dovecot, imap_folder, email(files=(("besar.pdf", big, "application/pdf"), ("kecil.png", PNG, "image/png"))))
    assert poll(rt, tmp_path).outcomes == {"draft": 1}
    [draft] = inbound.open_drafts(rt.store)
    [message] = inbound.draft_view(rt.store, draft.id).messages
    assert "peninjauan lapangan" in message.body
    [refusal] = message.refused
    assert refusal["filename"] == "besar.pdf" and refusal["reason"] == "too_large"
    assert "terlalu besar" in refusal["message"]
    assert [f.filename for f in inbound.draft_view(rt.store, draft.id).files[message.id]] == ["kecil.png"]


def test_mail_in_iso_8859_1_and_windows_1252_is_read_as_written(rt, dovecot, imap_folder, mail_env, tmp_path):
    latin = EmailMessage()
    latin["From"] = "=?iso-8859-1?q?Andr=E9_Wijaya?= <andre@contoh.id>"
    latin["Subject"] = "=?iso-8859-1?q?Pelayanan_caf=E9_perizinan?="
    latin["Message-ID"] = "<latin@contoh.id>"
    latin.set_content("Pelayanan di loket café terlalu lambat.", charset="iso-8859-1", cte="quoted-printable")
    windows = (b"From: Budi <budi@contoh.id>\r\nSubject: Keluhan\r\nMessage-ID: <cp1252@contoh.id>\r\n"
               b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=windows-1252\r\n"
               b"Content-Transfer-Encoding: 8bit\r\n\r\n"
               b"Antrean \x93panjang sekali\x94 \x96 sudah tiga jam menunggu.\r\n")
    deliver(dovecot, imap_folder, latin)
    deliver(dovecot, imap_folder, windows)
    assert poll(rt, tmp_path).outcomes == {"draft": 2}
    bodies = {d.contact: (d.contact_name, d.subject, inbound.draft_view(rt.store, d.id).messages[0].body)
              for d in inbound.open_drafts(rt.store)}
    assert bodies["andre@contoh.id"] == ("André Wijaya", "Pelayanan café perizinan",
                                         "Pelayanan di loket café terlalu lambat.")
    assert bodies["budi@contoh.id"][2] == "Antrean \u201cpanjang sekali\u201d \u2013 sudah tiga jam menunggu."


def test_auto_replies_and_bounces_are_recorded_but_open_nothing(rt, dovecot, imap_folder, mail_env, tmp_path):
    deliver(dovecot, imap_folder, email(subject="Out of office", headers={"Auto-Submitted": "auto-replied"}))
    deliver(dovecot, imap_folder, email(subject="Cuti", headers={"X-Autoreply": "yes"}))
    deliver(dovecot, imap_folder, email(subject="Buletin", headers={"Precedence": "bulk"}))
    bounce = (b"From: Mail Delivery System <MAILER-DAEMON@kantor.test>\r\nSubject: Undelivered Mail\r\n"
              b"Message-ID: <bounce@kantor.test>\r\nMIME-Version: 1.0\r\n"
              b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
              b"--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
              b"--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n")
    deliver(dovecot, imap_folder, bounce)
    deliver(dovecot, imap_folder, email(subject="Pengaduan sungguhan"))
    assert poll(rt, tmp_path).outcomes == {"ignored": 4, "draft": 1}
    assert [d.subject for d in inbound.open_drafts(rt.store)] == ["Pengaduan sungguhan"]
    assert poll(rt, tmp_path).read == 0


SLOW_POLL = r"""
import os, sys, time
from workflow.jobs import mail
from workflow.runtime import build_runtime
from workflow.services import inbound

real = inbound._add_files
seen = []

def slow(uow, message_id, records):  # the second message: stop inside its open transaction
    real(uow, message_id, records)
    seen.append(message_id)
    print(f"in-transaction {len(seen)}", flush=True)
    if len(seen) == 2:
        time.sleep(60)

inbound._add_files = slow
mail.poll(build_runtime(), mail.settings_from(os.environ), folder_path=sys.argv[1])
"""


def test_a_poll_killed_half_way_and_run_again_loses_and_doubles_nothing(rt, db, dovecot, imap_folder, mail_env,
                                                                      tmp_path):
    for n in range(5):
        deliver(dovecot, imap_folder, email(subject=f"Pengaduan nomor {n}", message_id=f"<kill-{n}@contoh.id>",
                                            files=(("bukti.pdf", PDF + bytes([n]), "application/pdf"),)))
    env = {**os.environ, "ALUR_DATABASE_URL": str(db.url), "PYTHONPATH": str(ROOT)}
    with subprocess.Popen([sys.executable, "-c", SLOW_POLL, str(tmp_path / "instance")], env=env, cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        lines = []
        deadline = time.monotonic() + 60
        while "in-transaction 2" not in lines and time.monotonic() < deadline:
            line = child.stdout.readline().strip()
            if not line and child.poll() is not None:
                break
            lines.append(line)
        if "in-transaction 2" not in lines:
            child.kill()
            pytest.fail(f"the poll did not reach the second message: {lines} {child.stderr.read()[-2000:]}")
        child.send_signal(signal.SIGKILL)  # no cleanup, no rollback message: as a power cut would
        child.wait(10)
    assert [d.subject for d in inbound.open_drafts(rt.store)] == ["Pengaduan nomor 0"]

    result = subprocess.run([str(Path(sys.executable).parent / "alur"), "mail", "poll"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "4 message(s) read (draft=4)" in result.stdout
    drafts = inbound.open_drafts(rt.store)
    assert sorted(d.subject for d in drafts) == [f"Pengaduan nomor {n}" for n in range(5)]
    for d in drafts:  # each with its one file
        view = inbound.draft_view(rt.store, d.id)
        assert len(view.messages) == 1 and len(view.files[view.messages[0].id]) == 1
    assert poll(rt, tmp_path).read == 0


def test_bad_mailbox_settings_say_what_to_set(monkeypatch):
    from workflow.errors import InboundError

    with pytest.raises(InboundError, match="ALUR_IMAP_USERNAME"):
        mail_jobs.settings_from({"ALUR_IMAP_HOST": "imap.kantor.test"})
    with pytest.raises(InboundError, match="clear text"):
        mail_jobs.settings_from({"ALUR_IMAP_HOST": "imap.kantor.test", "ALUR_IMAP_SECURITY": "none",
                                 "ALUR_IMAP_USERNAME": "a", "ALUR_IMAP_PASSWORD": "b"})
    assert mail_jobs.settings_from({}) is None


def test_the_sweep_polls_the_mailbox_when_one_is_configured(rt, dovecot, imap_folder, mail_env, tmp_path, monkeypatch):
    from workflow.jobs import periodic

    monkeypatch.setenv("ALUR_INSTANCE_PATH", str(tmp_path / "instance"))
    deliver(dovecot, imap_folder, email())
    assert mail_jobs.install(rt) and "poll_mail" in periodic.tasks_of(rt)
    assert periodic.run_periodic(rt, tasks={"poll_mail": mail_jobs.poll_task}) == {"poll_mail": 1}
    deliver(dovecot, imap_folder, email(subject="Kedua"))
    assert periodic.run_periodic(rt, tasks={"poll_mail": mail_jobs.poll_task}) == {"poll_mail": 0}  # not yet due
    assert len(inbound.open_drafts(rt.store)) == 1


@pytest.mark.postgres
def test_two_polls_at_once_on_postgresql_record_each_message_once(pg_engine, dovecot, imap_folder, mail_env,
                                                                   tmp_path):
    import threading

    from tests.conftest import MONDAY_9_WIB, SOP
    from workflow.runtime import build_runtime
    from workflow.services.publish import publish

    runtime = build_runtime(db=pg_engine)
    publish(runtime.store, SOP.read_text(encoding="utf-8"), file=str(SOP), actor_id="admin", now=MONDAY_9_WIB)
    for n in range(8):
        deliver(dovecot, imap_folder, email(subject=f"Serentak {n}", message_id=f"<pg-{n}@contoh.id>",
                                            files=(("bukti.pdf", PDF + bytes([n]), "application/pdf"),)))
    results, start = [], threading.Barrier(2)

    def run():
        start.wait()
        results.append(poll(runtime, tmp_path))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sum(r.outcomes.get("draft", 0) for r in results) == 8, [r.outcomes for r in results]
    drafts = inbound.open_drafts(runtime.store)
    assert sorted(d.subject for d in drafts) == [f"Serentak {n}" for n in range(8)]
    for d in drafts:  # one message each, and its file is on disk with its recorded hash (the losing poll of a
        view = inbound.draft_view(runtime.store, d.id)  # message must not remove the bytes the winner's rows use)
        assert len(view.messages) == 1
        [f] = view.files[view.messages[0].id]
        assert attachments.read({"id": f.id, "stored_path": f.stored_path, "sha256": f.sha256}, tmp_path / "instance")


def test_a_message_over_the_mailbox_limit_opens_a_draft_from_its_headers_and_says_why(rt, dovecot, imap_folder,
                                                                                    mail_env, tmp_path, monkeypatch):
    monkeypatch.setenv("ALUR_IMAP_MAX_MB", "1")
    deliver(dovecot, imap_folder, email(subject="Berkas besar", files=(("scan.pdf", PDF + b"x" * 1_500_000,
                                                                         "application/pdf"),)))
    assert poll(rt, tmp_path).outcomes == {"draft": 1}
    [draft] = inbound.open_drafts(rt.store)
    [message] = inbound.draft_view(rt.store, draft.id).messages
    assert draft.subject == "Berkas besar" and draft.contact == "siti@contoh.id"
    assert "melebihi batas 1 MB" in message.notes[0] and inbound.draft_view(rt.store, draft.id).files == {}
