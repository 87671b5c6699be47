"""A real IMAP server for the mail intake tests: a private Debian dovecot on a free loopback port.

Each test session starts one dovecot with its own configuration, mail folder and passwd-file (nothing of
the machine's dovecot setup is used or changed), and each test gets a folder of its own in the one
mailbox, so tests never see each other's mail. Mail is put there over IMAP (APPEND), as a mail server
would deliver it. Without dovecot (``apt-get install dovecot-imapd``; .ci/run installs it) the tests
skip on a laptop and fail in CI (ALUR_TEST_REQUIRE_SERVICES=1).
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest

from tests.conftest import service_missing

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "pengaduan@kantor.test", "kotak-surat-uji"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(folder: Path, port: int) -> str:
    """dovecot.conf for an instance that runs as root (CI) or as an ordinary user alike."""
    if os.geteuid() == 0:  # dovecot refuses to run its login and mail processes as root
        internal, login = "dovecot", "dovenull"
        mail_user = pwd.getpwnam("dovecot")
    else:
        internal = login = pwd.getpwuid(os.geteuid()).pw_name
        mail_user = pwd.getpwuid(os.geteuid())
    return f"""
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{folder}/mail/%u
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={folder}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    host: str
    port: int
    folder: Path

    def mailbox(self):
        from imap_tools import MailBoxUnencrypted

        return MailBoxUnencrypted(self.host, self.port, timeout=10).login(USER, PASSWORD)


@pytest.fixture(scope="session")
def dovecot():
    if not os.path.exists(DOVECOT):
        service_missing("dovecot (Debian's dovecot-imapd)", FileNotFoundError(DOVECOT))
    folder = Path(tempfile.mkdtemp(prefix="alur-dovecot-"))
    folder.chmod(0o755)  # the mail processes run as dovecot's own user and must reach the mail folder
    port = free_port()
    (folder / "dovecot.conf").write_text(_config(folder, port), encoding="utf-8")
    (folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
    for name in ("run", "state", "mail"):
        (folder / name).mkdir()
    if os.geteuid() == 0:
        mail_user = pwd.getpwnam("dovecot")
        os.chown(folder / "mail", mail_user.pw_uid, mail_user.pw_gid)
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(folder / "dovecot.conf")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    server = Dovecot("127.0.0.1", port, folder)
    deadline = time.monotonic() + 15
    while True:
        try:
            server.mailbox().logout()
            break
        except Exception as exc:  # noqa: BLE001 - still starting
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "dovecot.log").read_text(errors="replace") if (folder / "dovecot.log").exists() else ""
                process.kill()
                service_missing("dovecot", RuntimeError(f"{exc}; {log[-500:]}"))
            time.sleep(0.2)
    yield server
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def imap_folder(dovecot) -> str:
    """A folder of this test's own in the mailbox."""
    name = "T" + uuid.uuid4().hex[:10]
    with dovecot.mailbox() as box:
        box.folder.create(name)
    return name


@pytest.fixture
def mail_env(dovecot, imap_folder, monkeypatch) -> dict[str, str]:
    """The ALUR_IMAP_* settings of this test's folder, set in the environment as an office would."""
    env = {"ALUR_IMAP_HOST": dovecot.host, "ALUR_IMAP_PORT": str(dovecot.port), "ALUR_IMAP_SECURITY": "none",
           "ALUR_IMAP_USERNAME": USER, "ALUR_IMAP_PASSWORD": PASSWORD, "ALUR_IMAP_FOLDER": imap_folder}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def deliver(dovecot, folder: str, message: EmailMessage | bytes) -> None:
    """Put a message in the folder over IMAP, as the office's mail server would."""
    with dovecot.mailbox() as box:
        box.append(message if isinstance(message, bytes) else message.as_bytes(), folder)


def email(sender: str = "Siti Aminah <siti@contoh.id>", subject: str = "Izin SIPA belum selesai",
          body: str = "Permohonan SIPA saya belum ada peninjauan lapangan sejak dua bulan.", *,
          files: tuple[tuple[str, bytes, str], ...] = (), headers: dict[str, str] | None = None,
          message_id: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = USER
    msg["Subject"] = subject
    msg["Date"] = format_datetime(time_now())
    msg["Message-ID"] = message_id or make_msgid(domain="contoh.id")
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    for name, data, mime in files:
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def time_now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"1 0 obj <<>> endobj\n" * 4 + b"%%EOF\n"
