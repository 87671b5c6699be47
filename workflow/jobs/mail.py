"""Reading the office's complaint mailbox over IMAP (imap-tools): ``alur mail poll`` and the periodic sweep.

Settings (environment; docs/operations.md, "Complaints by email"):

    ALUR_IMAP_HOST        the IMAP server; unset: no mailbox is read
    ALUR_IMAP_PORT        default 993 for ssl, 143 otherwise
    ALUR_IMAP_SECURITY    ssl (default) | starttls | none (plain IMAP: a loopback server only)
    ALUR_IMAP_USERNAME    the mailbox account
    ALUR_IMAP_PASSWORD    its password (or ALUR_IMAP_PASSWORD_FILE: a file holding it)
    ALUR_IMAP_FOLDER      default INBOX
    ALUR_IMAP_EVERY       seconds between polls on the sweep (default 60)
    ALUR_IMAP_BATCH       messages read per poll at most (default 200; the next poll goes on)
    ALUR_IMAP_TIMEOUT     seconds a server may take to answer (default 30)
    ALUR_IMAP_MAX_MB      a larger message is recorded from its headers only, with a note (default 60)

How nothing is read twice or lost: the poll asks for the UIDs above the highest one recorded for the
folder's UIDVALIDITY, oldest first, and records each message (its draft, thread or evidence included) in
one transaction before it asks for the next (`workflow.services.inbound.receive`). Messages are read with
``BODY.PEEK`` and never deleted or moved: the mailbox stays the office's own archive; each one recorded is
then flagged \\Seen, a courtesy to people who also read the mailbox (the database, not the flag, says
what was read). A message the parser cannot read is recorded as ``ignored`` (reason ``unreadable``), so
it is listed and does not stop the messages after it; a database that fails stops the poll, and the next
poll starts again at the first message not recorded.
"""
from __future__ import annotations

import imaplib
import logging
import os
import re
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Mapping

from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessageFlags
from imap_tools.errors import MailboxLoginError, UnexpectedCommandStatusError

from workflow.core.inbound import EMAIL, InboundMessage, parse_email, sent_at
from workflow.errors import InboundError
from workflow.services import inbound

logger = logging.getLogger(__name__)

SECURITY = ("ssl", "starttls", "none")
DEFAULT_EVERY = 60.0
DEFAULT_BATCH = 200
_LOOPBACK = ("127.", "::1", "localhost")


@dataclass(frozen=True)
class MailSettings:
    host: str
    username: str
    password: str = field(repr=False)
    port: int = 993
    security: str = "ssl"
    folder: str = "INBOX"
    every: float = DEFAULT_EVERY
    batch: int = DEFAULT_BATCH
    timeout: float = 30.0
    max_bytes: int = 60 * 1024 * 1024  # a message larger is recorded from its headers only

    @property
    def source(self) -> str:
        """The mailbox's name in the message records (never the password)."""
        return f"imap:{self.username}@{self.host}:{self.port}/{self.folder}"


def settings_from(env: Mapping[str, str]) -> MailSettings | None:
    """The mailbox settings, or None when ``ALUR_IMAP_HOST`` is unset; `InboundError` saying what to fix."""
    def get(key: str) -> str | None:
        value = env.get(key)
        return value.strip() if value and value.strip() else None

    host = get("ALUR_IMAP_HOST")
    if host is None:
        return None
    security = (get("ALUR_IMAP_SECURITY") or "ssl").lower()
    if security not in SECURITY:
        raise InboundError(f"ALUR_IMAP_SECURITY={security!r} is not one of {', '.join(SECURITY)}")
    if security == "none" and not host.startswith(_LOOPBACK):
        raise InboundError(f"ALUR_IMAP_SECURITY=none would send the mailbox password to {host} in clear text; "
                           "use ssl or starttls (plain IMAP is accepted for a loopback server only)")
    username = get("ALUR_IMAP_USERNAME")
    password = get("ALUR_IMAP_PASSWORD")
    if password is None and get("ALUR_IMAP_PASSWORD_FILE"):
        try:
            password = Path(get("ALUR_IMAP_PASSWORD_FILE") or "").read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise InboundError(f"ALUR_IMAP_PASSWORD_FILE cannot be read: {exc.strerror or exc}") from None
    if not username or not password:
        raise InboundError("ALUR_IMAP_HOST is set but ALUR_IMAP_USERNAME or ALUR_IMAP_PASSWORD is not; set the "
                           "mailbox account and its password (or ALUR_IMAP_PASSWORD_FILE)")
    numbers = {}
    for key, default, kind in (("ALUR_IMAP_PORT", 993 if security == "ssl" else 143, int),
                               ("ALUR_IMAP_EVERY", DEFAULT_EVERY, float), ("ALUR_IMAP_BATCH", DEFAULT_BATCH, int),
                               ("ALUR_IMAP_TIMEOUT", 30.0, float), ("ALUR_IMAP_MAX_MB", 60, int)):
        text = get(key)
        try:
            numbers[key] = kind(text) if text is not None else default
        except ValueError:
            raise InboundError(f"{key}={text!r} is not a number") from None
        if numbers[key] <= 0 or (key == "ALUR_IMAP_PORT" and numbers[key] > 65535):
            raise InboundError(f"{key}={text!r} is out of range")
    return MailSettings(host=host, username=username, password=password, port=numbers["ALUR_IMAP_PORT"],
                        security=security, folder=get("ALUR_IMAP_FOLDER") or "INBOX", every=numbers["ALUR_IMAP_EVERY"],
                        batch=numbers["ALUR_IMAP_BATCH"], timeout=numbers["ALUR_IMAP_TIMEOUT"],
                        max_bytes=numbers["ALUR_IMAP_MAX_MB"] * 1024 * 1024)


def instance_path() -> Path:
    """Where evidence files are kept: the instance folder the web app uses (``ALUR_INSTANCE_PATH``)."""
    return Path(os.environ.get("ALUR_INSTANCE_PATH", Path.cwd() / "instance")).resolve()


def connect(settings: MailSettings):
    """A logged-in imap-tools mailbox on the settings' folder; `InboundError` when the server refuses."""
    try:
        if settings.security == "ssl":
            box = MailBox(settings.host, settings.port, timeout=settings.timeout)
        elif settings.security == "starttls":
            box = MailBoxStartTls(settings.host, settings.port, timeout=settings.timeout)
        else:
            box = MailBoxUnencrypted(settings.host, settings.port, timeout=settings.timeout)
        return box.login(settings.username, settings.password, initial_folder=settings.folder)
    except MailboxLoginError:
        raise InboundError(f"the IMAP server {settings.host} refused the login of {settings.username}; check "
                           "ALUR_IMAP_USERNAME and ALUR_IMAP_PASSWORD") from None
    except UnexpectedCommandStatusError as exc:
        raise InboundError(f"the IMAP server {settings.host} refused folder {settings.folder!r}: {exc}; check "
                           "ALUR_IMAP_FOLDER") from None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise InboundError(f"cannot reach the IMAP server {settings.host}:{settings.port} ({exc}); check "
                           "ALUR_IMAP_HOST, ALUR_IMAP_PORT and ALUR_IMAP_SECURITY") from None


@dataclass
class PollResult:
    read: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.read += 1
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def _size(box, uid: int) -> int:
    typ, data = box.client.uid("FETCH", str(uid), "(RFC822.SIZE)")
    found = re.search(rb"RFC822\.SIZE (\d+)", b" ".join(d if isinstance(d, bytes) else d[0] for d in data or []
                                                      if d is not None)) if typ == "OK" else None
    return int(found.group(1)) if found else 0


def _fetch(box, uid: int, part: str = "BODY.PEEK[]") -> tuple[bytes, datetime | None]:
    """The message's bytes (without setting \\Seen) and the server's arrival time (INTERNALDATE)."""
    typ, data = box.client.uid("FETCH", str(uid), f"({part} INTERNALDATE)")
    if typ != "OK":
        raise InboundError(f"the IMAP server did not return message UID {uid}: {data!r}")
    for item in data:
        if isinstance(item, tuple) and len(item) >= 2:
            stamp = imaplib.Internaldate2tuple(item[0])
            arrived = datetime.fromtimestamp(time.mktime(stamp), timezone.utc) if stamp else None
            return item[1], arrived
    raise InboundError(f"the IMAP server returned no body for message UID {uid}")


def read_message(raw: bytes, arrived: datetime | None, *, source: str, uidvalidity: int, uid: int,
                 now: datetime) -> InboundMessage:
    """The message as intake sees it; one the parser cannot read becomes an ``unreadable`` record."""
    received = arrived or sent_at(raw) or now
    received = min(received.astimezone(timezone.utc), now)
    try:
        return parse_email(raw, source=source, received_at=received, uidvalidity=uidvalidity, uid=uid)
    except Exception:  # noqa: BLE001 - a message alur cannot read must not stop the ones after it
        logger.exception("message UID %s of %s could not be read; recorded as unreadable", uid, source)
        return InboundMessage(channel=EMAIL, source=source, external_id=f"<uid-{uidvalidity}-{uid}@{source}>",
                              sender="", received_at=received, uidvalidity=uidvalidity, uid=uid, ignore="unreadable")


def new_uids(box, last: int) -> list[int]:
    """UIDs above ``last``, oldest first (``UID n:*`` also answers the highest UID when none is above)."""
    return sorted(u for u in (int(x) for x in box.uids(f"UID {last + 1}:*") if re.fullmatch(r"[0-9]+", x))
                  if u > last)


def poll(runtime, settings: MailSettings, *, folder_path: Path | None = None, limit: int | None = None,
         now: Callable[[], datetime] | None = None, after_each: Callable[[int], None] | None = None) -> PollResult:
    """Read the messages not recorded yet (at most ``limit``, default the settings' batch), each in its own
    transaction. ``after_each`` is called with each UID once it is recorded (tests stop a poll there)."""
    clock = now or (lambda: datetime.now(timezone.utc))
    result = PollResult()
    box = connect(settings)
    try:
        validity = int(box.folder.status(settings.folder, ["UIDVALIDITY"])["UIDVALIDITY"])
        last = inbound.last_uid(runtime.store, settings.source, validity)
        for uid in new_uids(box, last)[:limit or settings.batch]:
            size = _size(box, uid)
            too_big = size > settings.max_bytes  # a parser has limits: read the headers only, say so on the draft
            raw, arrived = _fetch(box, uid, "BODY.PEEK[HEADER]" if too_big else "BODY.PEEK[]")
            message = read_message(raw, arrived, source=settings.source, uidvalidity=validity, uid=uid, now=clock())
            if too_big:
                message = replace(message, notes=message.notes + (
                    f"Pesan ini {size // (1024 * 1024)} MB, melebihi batas {settings.max_bytes // (1024 * 1024)} MB: "
                    "isi dan lampirannya tidak dibaca. Buka pesan aslinya di kotak surat kantor, atau minta pengadu "
                    "mengirim ulang dalam beberapa pesan.",))
            received = inbound.receive(runtime, message, instance_path=folder_path or instance_path(), now=clock())
            result.add(received.outcome)
            try:
                box.flag(str(uid), MailMessageFlags.SEEN, True)
            except (OSError, imaplib.IMAP4.error, UnexpectedCommandStatusError):
                logger.warning("could not flag message UID %s as seen (it is recorded; nothing is lost)", uid)
            if after_each is not None:
                after_each(uid)
    finally:
        try:
            box.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
    if result.read:
        logger.info("mail poll of %s: %d message(s) %s", settings.source, result.read, result.outcomes)
    return result


def poll_task(runtime, now: datetime | None = None) -> int:
    """The periodic sweep's task: poll when ``ALUR_IMAP_EVERY`` seconds have passed since the last poll of this
    process; the number of messages read."""
    settings = runtime.extras.get("mail_settings")
    if settings is None:
        return 0
    last = runtime.extras.get("mail_polled_at", 0.0)
    if time.monotonic() - last < settings.every:
        return 0
    runtime.extras["mail_polled_at"] = time.monotonic()
    return poll(runtime, settings).read


def install(runtime, env: Mapping[str, str] | None = None) -> bool:
    """Add the mailbox poll to the periodic sweep when ``ALUR_IMAP_HOST`` is set; whether it was added."""
    try:
        settings = settings_from(os.environ if env is None else env)
    except InboundError as exc:  # a web process or worker still starts; the mailbox is not read until fixed
        logger.error("the complaint mailbox is not read: %s", exc)
        return False
    if settings is None:
        return False
    runtime.extras["mail_settings"] = settings
    runtime.periodic.setdefault("poll_mail", poll_task)
    return True


__all__ = ["MailSettings", "settings_from", "connect", "poll", "poll_task", "install", "PollResult", "read_message",
           "new_uids", "instance_path"]
