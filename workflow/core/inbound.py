"""Complaints that arrive by themselves (email, WhatsApp): reading a message and deciding what it is (pure).

An `InboundMessage` is what intake needs of one message, whatever carried it: where it came from
(``source``: the mailbox or the gateway), its id there (``external_id``: the Message-ID, or the gateway's
message id), the sender, subject, text, when the office received it, the ids it replies to, and its files
(not yet checked: `workflow.core.evidence.check` decides, as for the public form).

`parse_email` reads an RFC 5322 message with the standard library (any declared charset, ISO-8859-1 and
windows-1252 included; an unknown or lying charset is decoded with replacement characters rather than
refused), within limits (`MAX_BODY_CHARS`, `MAX_PARTS`). `ignore_reason` says whether a message is an
auto-reply or a bounce (RFC 3834 ``Auto-Submitted``, ``Precedence``, ``X-Autoreply``, a
``multipart/report`` delivery notice, MAILER-DAEMON); those are recorded but open nothing, so two offices'
auto-responders cannot mail each other into a loop of tickets.

WhatsApp gateways post JSON; `ADAPTERS` turns a gateway's JSON into an `InboundMessage` (or `InvalidInput`
naming the fields it cannot read). ``alur`` is the
format documented in docs/api.md; a gateway with its own format gets a function here (``payload ->
InboundMessage``) registered under its name and chosen with ``ALUR_WHATSAPP_ADAPTER``.
"""
from __future__ import annotations

import base64
import binascii
import html as html_module
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any, Callable, Mapping

from workflow.core.evidence import MAX_FILES
from workflow.core.inputs import normalise_phone
from workflow.errors import InvalidInput
from workflow.spec.model import Definition

EMAIL = "email"
WHATSAPP = "whatsapp"
CHANNELS = (EMAIL, WHATSAPP)

MAX_BODY_CHARS = 100_000  # the message text kept; the draft's uraian is cut to its field's own limit
MAX_PARTS = 200  # MIME parts walked in one message (a message of thousands of parts is refused as such)
MAX_REFERENCES = 50
MAX_MEDIA = MAX_FILES  # files in one gateway message, as in one form submission
RECEIPT_RE = re.compile(r"\b([A-Z]{3}-[0-9]{4}-[0-9]{6})\b")  # `workflow.core.receipts.format_receipt`
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon")


@dataclass(frozen=True)
class RawFile:
    """A file as it arrived (unchecked)."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class InboundMessage:
    channel: str  # email | whatsapp
    source: str  # the mailbox ("imap:user@host/INBOX") or the gateway ("whatsapp:alur")
    external_id: str  # Message-ID, or the gateway's message id
    sender: str  # an email address, or a phone number in E.164
    received_at: datetime
    sender_name: str = ""
    subject: str = ""
    text: str = ""
    references: tuple[str, ...] = ()  # In-Reply-To and References, nearest first
    files: tuple[RawFile, ...] = ()
    uidvalidity: int | None = None
    uid: int | None = None
    ignore: str | None = None  # why this message opens nothing (auto_reply, bounce, no_sender), or None
    notes: tuple[str, ...] = field(default_factory=tuple)  # what parsing had to give up (said on the draft)


def clean_text(text: str, limit: int = MAX_BODY_CHARS) -> str:
    """Text as it may be stored and shown: no control characters but newlines and tabs, CRLF as LF, at most
    ``limit`` characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)[:limit]


def one_line(text: str, limit: int = 300) -> str:
    return " ".join(clean_text(text, limit * 4).split())[:limit]


def _decoded(part: EmailMessage) -> str:
    """A text part's content in its declared charset; bytes an unknown or wrong charset cannot decode become
    replacement characters (the text is kept, not refused)."""
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError, KeyError):
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "utf-8"
        try:
            return payload.decode(charset, errors="replace")
        except LookupError:
            return payload.decode("utf-8", errors="replace")


def _html_text(html: str) -> str:
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", text)
    return html_module.unescape(re.sub(r"<[^>]+>", " ", text))


def ignore_reason(msg: EmailMessage, sender: str) -> str | None:
    """``bounce`` or ``auto_reply`` when the message must not open a complaint, else None."""
    if msg.get_content_type() == "multipart/report":
        return "bounce"
    local = sender.split("@", 1)[0].lower()
    if not sender or local in _DAEMONS or str(msg.get("Return-Path", "")).strip() == "<>":
        return "bounce"
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return "auto_reply"
    if str(msg.get("Precedence", "")).strip().lower() in _PRECEDENCE:
        return "auto_reply"
    if any(msg.get(name) is not None for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply")):
        return "auto_reply"
    return None


def _ids(value: str | None) -> list[str]:
    return re.findall(r"<[^<>\s]{1,250}>", str(value or ""))


def references_of(msg: EmailMessage) -> tuple[str, ...]:
    """In-Reply-To, then References from the newest back: the messages this one answers."""
    found: list[str] = []
    for ref in _ids(msg.get("In-Reply-To")) + list(reversed(_ids(msg.get("References")))):
        if ref not in found:
            found.append(ref)
    return tuple(found[:MAX_REFERENCES])


def parse_email(raw: bytes, *, source: str, received_at: datetime, uidvalidity: int | None = None,
                uid: int | None = None) -> InboundMessage:
    """Read one email (bytes as the server holds them) into an `InboundMessage`."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    notes: list[str] = []
    try:
        addresses = getaddresses([str(msg.get("Reply-To") or msg.get("From") or "")])
    except (TypeError, ValueError, IndexError):
        addresses = []
    name, sender = next(((n, a) for n, a in addresses if "@" in a), ("", ""))
    external_id = next(iter(_ids(msg.get("Message-ID"))), "") or (
        f"<uid-{uidvalidity}-{uid}@{source}>" if uid is not None else "")
    texts, htmls, files = [], [], []
    for n, part in enumerate(msg.walk()):
        if n >= MAX_PARTS:
            notes.append(f"pesan memiliki lebih dari {MAX_PARTS} bagian; sisanya tidak dibaca")
            break
        if part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        if filename or disposition == "attachment" or part.get_content_maintype() not in ("text",):
            if part.get_content_type() in ("message/delivery-status",):
                continue
            data = part.get_payload(decode=True) or b""
            files.append(RawFile(filename or f"lampiran-{len(files) + 1}", data, part.get_content_type()))
        elif part.get_content_type() == "text/html":
            htmls.append(_decoded(part))
        else:
            texts.append(_decoded(part))
    text = "\n".join(texts) if texts else _html_text("\n".join(htmls))
    if len(text) > MAX_BODY_CHARS:
        notes.append(f"isi pesan dipotong pada {MAX_BODY_CHARS} karakter")
    reason = ignore_reason(msg, sender)
    if not external_id:
        reason = reason or "no_id"
    return InboundMessage(channel=EMAIL, source=source, external_id=external_id[:300], sender=sender.lower()[:254],
                          sender_name=one_line(name, 200), subject=one_line(str(msg.get("Subject") or ""), 300),
                          text=clean_text(text.strip()), received_at=received_at.astimezone(timezone.utc),
                          references=references_of(msg), files=tuple(files), uidvalidity=uidvalidity, uid=uid,
                          ignore=reason, notes=tuple(notes))


def sent_at(raw: bytes) -> datetime | None:
    """The Date header of a message (the sender's clock), for a server that reports no arrival time."""
    try:
        value = BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True).get("Date")
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None


def receipt_in(subject: str) -> str | None:
    """The receipt number a subject names ("Re: Tanda terima pengaduan ADU-2026-000042"), if any."""
    found = RECEIPT_RE.search(subject.upper())
    return found.group(1) if found else None


def same_address(a: str | None, b: str | None) -> bool:
    return bool(a and b) and a.strip().lower() == b.strip().lower()


def proposed_record(definition: Definition, *, kanal: str | None, channel: str, contact: str, name: str,
                    subject: str, text: str) -> dict[str, Any]:
    """What a draft fills in of the definition's record before an officer completes it: the channel, the
    sender (email address or phone), their name, the subject as perihal and the text as uraian, each cut to
    its field's limit and only where the definition has the field."""
    values: dict[str, Any] = {"kanal": kanal, "nama": name, "perihal": subject or one_line(text, 120),
                              "uraian": text, ("email" if channel == EMAIL else "telepon"): contact}
    out: dict[str, Any] = {}
    for name_, value in values.items():
        f = definition.record_field(name_)
        if f is None or value in (None, ""):
            continue
        limit = f.max_length or (300 if f.type == "text" else 10_000)
        out[name_] = value[:limit] if isinstance(value, str) else value
    return out


# -- WhatsApp gateways ------------------------------------------------------------------------------
def _str(payload: Mapping[str, Any], key: str, errors: dict[str, str], *, required: bool = False,
         limit: int = 300) -> str:
    value = payload.get(key)
    if value is None or value == "":
        if required:
            errors[key] = "wajib diisi"
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        errors[key] = "harus berupa teks"
        return ""
    text = str(value)
    if len(text) > limit:
        errors[key] = f"paling panjang {limit} karakter"
    return text


def alur_payload(payload: Mapping[str, Any], *, gateway: str = "alur", now: datetime) -> InboundMessage:
    """alur's own gateway format (docs/api.md, "Inbound WhatsApp"):

    ``{"id": "wamid…", "from": "+62812…", "name": "…", "timestamp": 1767225600, "text": "…",
    "media": [{"filename": "foto.jpg", "content_type": "image/jpeg", "data": "<base64>"}]}``"""
    if not isinstance(payload, Mapping):
        raise InvalidInput({"body": "harus berupa objek JSON"})
    errors: dict[str, str] = {}
    message_id = _str(payload, "id", errors, required=True, limit=200)
    raw_from = _str(payload, "from", errors, required=True, limit=32)
    sender = ""
    if raw_from:
        try:
            sender = normalise_phone(raw_from if raw_from.startswith(("+", "0")) else "+" + raw_from)
        except ValueError as exc:
            errors["from"] = str(exc)
    text = payload.get("text") or ""
    if not isinstance(text, str):
        errors["text"] = "harus berupa teks"
        text = ""
    received = now
    stamp = payload.get("timestamp")
    if stamp is not None:
        if isinstance(stamp, bool) or not isinstance(stamp, (int, float)):
            errors["timestamp"] = "harus berupa detik unix"
        else:
            try:
                received = min(datetime.fromtimestamp(stamp, timezone.utc), now)  # never in the future
            except (OverflowError, OSError, ValueError):
                errors["timestamp"] = "di luar rentang waktu"
    files = []
    media = payload.get("media") or []
    if not isinstance(media, list):
        errors["media"] = "harus berupa daftar"
        media = []
    if len(media) > MAX_MEDIA:
        errors["media"] = f"paling banyak {MAX_MEDIA} berkas per pesan"
    for n, item in enumerate(media[:MAX_MEDIA]):
        if not isinstance(item, Mapping) or not isinstance(item.get("data"), str):
            errors[f"media[{n}]"] = "harus berupa objek dengan 'data' (base64)"
            continue
        try:
            data = base64.b64decode(item["data"], validate=True)
        except (binascii.Error, ValueError):
            errors[f"media[{n}].data"] = "bukan base64 yang sah"
            continue
        files.append(RawFile(str(item.get("filename") or f"media-{n + 1}")[:255], data,
                             str(item.get("content_type") or "application/octet-stream")[:100]))
    if not text.strip() and not files and not errors:
        errors["text"] = "pesan tanpa teks harus membawa media"
    if errors:
        raise InvalidInput(errors)
    return InboundMessage(channel=WHATSAPP, source=f"whatsapp:{gateway}", external_id=message_id, sender=sender,
                          sender_name=one_line(_str(payload, "name", {}, limit=200), 200),
                          text=clean_text(text.strip()), received_at=received, files=tuple(files))


#: Gateway formats by name (``ALUR_WHATSAPP_ADAPTER``); each ``(payload, now=...) -> InboundMessage``.
ADAPTERS: dict[str, Callable[..., InboundMessage]] = {"alur": alur_payload}


__all__ = ["EMAIL", "WHATSAPP", "CHANNELS", "RawFile", "InboundMessage", "parse_email", "ignore_reason",
           "references_of", "receipt_in", "same_address", "proposed_record", "clean_text", "one_line", "sent_at",
           "alur_payload", "ADAPTERS", "MAX_BODY_CHARS", "MAX_MEDIA", "RECEIPT_RE"]
