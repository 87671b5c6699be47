"""Evidence uploads (bukti awal): type by content sniffing, a size limit, content-addressed storage.

A file is accepted only when its first bytes say it is one of `ALLOWED` *and* its extension agrees
(a ``.pdf`` that is really a ``.exe`` is refused, and so is a PNG named ``.pdf``). Files are stored
outside the web root, under ``<instance>/attachments/<aa>/<bb>/<sha256>``, never under a name the
uploader chose, so nothing uploaded can be served or executed by path. The sha256 goes into the audit
trail (a ``system`` row with ``detail.event = "attachment"``); the original filename does not, because
people name files after themselves ("KTP_Siti.jpg") and the chain is exported to auditors. For the same
reason, whoever may not see a complainant's identity is shown `neutral_name` ("bukti-2.jpg") instead.

The public form and the API (``POST /api/v1/tickets/{receipt_no}/attachments``) both go through `check`
and `record`; `AttachmentRejected.reason` tells a caller which rule refused a file, so the API can
answer 413, 415 or 422 from the same checks the form shows as messages.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Iterable

from sqlalchemy import Engine, func, insert, select

from workflow.core.audit import AuditEvent
from workflow.errors import AlurError
from workflow.store import models as m
from workflow.store import models_intake as mi
from workflow.store.db import read_only
from workflow.store.sql import SqlStore, utc

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5  # per submission (the form, or one API request)
MAX_PER_TICKET = 20  # in all, however many requests they came in (the API may add files after intake)


@dataclass(frozen=True)
class Kind:
    content_type: str
    extensions: tuple[str, ...]
    label: str


ALLOWED: dict[str, Kind] = {
    "pdf": Kind("application/pdf", (".pdf",), "PDF"),
    "jpeg": Kind("image/jpeg", (".jpg", ".jpeg"), "JPEG"),
    "png": Kind("image/png", (".png",), "PNG"),
    "webp": Kind("image/webp", (".webp",), "WebP"),
    "docx": Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",), "Word"),
    "xlsx": Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",), "Excel"),
}
ACCEPT = ",".join(ext for kind in ALLOWED.values() for ext in kind.extensions)


class AttachmentRejected(AlurError):
    """An upload is not an allowed type, too large or empty; the message says which and what to do.

    ``reason`` names the rule: ``empty``, ``too_large``, ``type`` (not an accepted kind of file),
    ``extension`` (an accepted kind under the wrong extension) or ``too_many`` (the ticket's limit).
    """

    def __init__(self, message: str, reason: str = "type"):
        super().__init__(message)
        self.reason = reason


class AttachmentUnreadable(AlurError):
    """A stored file is missing or its bytes no longer match the sha256 recorded (and audited) for it."""


def max_bytes() -> int:
    return int(os.environ.get("ALUR_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))


def sniff(data: bytes) -> str | None:
    """The kind of file the bytes are, from their magic numbers (and the zip directory for Office files)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
    return None


@dataclass(frozen=True)
class Upload:
    """A checked upload, ready to store."""

    filename: str
    data: bytes
    kind: str
    sha256: str

    @property
    def content_type(self) -> str:
        return ALLOWED[self.kind].content_type

    @property
    def size(self) -> int:
        return len(self.data)


def safe_name(filename: str) -> str:
    name = os.path.basename(str(filename).replace("\\", "/")).strip().replace("\x00", "")
    return name[:255] or "berkas"


def check(filename: str, stream: BinaryIO | bytes, limit: int | None = None) -> Upload:
    """Read and check one upload; `AttachmentRejected` with an Indonesian message when it is refused."""
    limit = limit if limit is not None else max_bytes()
    data = stream if isinstance(stream, bytes) else stream.read(limit + 1)
    name = safe_name(filename)
    if not data:
        raise AttachmentRejected(f"Berkas '{name}' kosong.", "empty")
    if len(data) > limit:
        raise AttachmentRejected(f"Berkas '{name}' terlalu besar (maksimal {limit // (1024 * 1024)} MB). "
                                 "Perkecil atau pisahkan berkas lalu kirim ulang.", "too_large")
    kind = sniff(data)
    allowed = ", ".join(k.label for k in ALLOWED.values())
    if kind is None:
        raise AttachmentRejected(f"Berkas '{name}' bukan jenis yang diterima ({allowed}).", "type")
    ext = os.path.splitext(name)[1].lower()
    if ext not in ALLOWED[kind].extensions:
        raise AttachmentRejected(f"Isi berkas '{name}' adalah {ALLOWED[kind].label}, tetapi ekstensinya "
                                 f"'{ext or '-'}'. Gunakan ekstensi {', '.join(ALLOWED[kind].extensions)}.",
                                 "extension")
    return Upload(filename=name, data=data, kind=kind, sha256=hashlib.sha256(data).hexdigest())


def storage_dir(instance_path: str | Path) -> Path:
    return Path(instance_path) / "attachments"


def store_file(upload: Upload, instance_path: str | Path) -> str:
    """Write the bytes under their hash (idempotent); returns the path relative to the instance folder."""
    relative = Path("attachments") / upload.sha256[:2] / upload.sha256[2:4] / upload.sha256
    target = Path(instance_path) / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(upload.data)
        os.replace(tmp, target)  # atomic: a reader never sees half a file
        target.chmod(0o640)
    return str(relative)


def record(store: SqlStore, ticket_id: int, receipt_no: str, uploads: Iterable[Upload], instance_path: str | Path,
           *, actor_id: str = "pemohon", actor_role: str = "pemohon", now: datetime | None = None,
           max_total: int | None = None) -> list[int]:
    """Store the files and write their rows and audit rows in one transaction; returns the row ids.

    All of ``uploads`` or none: the rows and audit rows commit together. Bytes already written when the
    transaction fails stay as unreferenced files under their hash (listed nowhere; a retry reuses them).
    With ``max_total``, the ticket's row is locked and its attachments counted in the same transaction,
    so concurrent requests cannot take a ticket past the limit (`AttachmentRejected`, reason ``too_many``).
    """
    now = utc(now or datetime.now(timezone.utc))
    uploads = list(uploads)
    paths = [store_file(u, instance_path) for u in uploads]  # files first: a row never points at nothing
    ids: list[int] = []
    with store.unit_of_work() as uow:
        if max_total is not None:
            # PostgreSQL: the row lock serialises uploads to one ticket (SQLite writers already take
            # the database's write lock at BEGIN IMMEDIATE, and drop FOR UPDATE)
            uow.conn.execute(select(m.tickets.c.id).where(m.tickets.c.id == ticket_id).with_for_update())
            have = count_for(uow.conn, ticket_id)
            if have + len(uploads) > max_total:
                raise AttachmentRejected(f"Pengaduan {receipt_no} sudah memiliki {have} berkas bukti; paling banyak "
                                         f"{max_total} berkas per pengaduan.", "too_many")
        events = []
        for upload, path in zip(uploads, paths):
            ids.append(uow.conn.execute(insert(mi.attachments).values(
                ticket_id=ticket_id, sha256=upload.sha256, filename=upload.filename,
                content_type=upload.content_type, size=upload.size, stored_path=path, created_at=now,
            ).returning(mi.attachments.c.id)).scalar_one())
            events.append(AuditEvent(kind="system", at=now, actor_id=actor_id, actor_role=actor_role,
                                     ticket_id=ticket_id, receipt_no=receipt_no,
                                     detail={"event": "attachment", "sha256": upload.sha256,
                                             "content_type": upload.content_type, "size": upload.size}))
        uow.append_audit(events)
        uow.commit()
    return ids


def count_for(conn, ticket_id: int) -> int:
    return conn.execute(select(func.count()).select_from(mi.attachments)
                        .where(mi.attachments.c.ticket_id == ticket_id)).scalar_one()


def list_for(db: Engine, ticket_id: int) -> list[dict]:
    """The ticket's attachment rows, oldest first (their 1-based position names them in `neutral_name`)."""
    with read_only(db) as conn:
        rows = conn.execute(select(mi.attachments).where(mi.attachments.c.ticket_id == ticket_id)
                            .order_by(mi.attachments.c.id)).mappings().all()
    return [dict(r) for r in rows]


def neutral_name(content_type: str, position: int) -> str:
    """A name that says nothing about the uploader ("bukti-2.jpg"), for whoever may not see the identity."""
    ext = next((k.extensions[0] for k in ALLOWED.values() if k.content_type == content_type), "")
    return f"bukti-{position}{ext}"


def read(row: dict, instance_path: str | Path) -> bytes:
    """The stored bytes of an attachment row, checked against its recorded sha256.

    Raises `AttachmentUnreadable` when the file is gone, lies outside the storage folder, or was changed
    on disk: evidence whose hash no longer matches the audit trail is not handed out as if it did."""
    base = storage_dir(instance_path).resolve()
    path = (Path(instance_path) / row["stored_path"]).resolve()
    if not path.is_relative_to(base):
        raise AttachmentUnreadable(f"attachment {row['id']}: stored path {row['stored_path']!r} is outside {base}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AttachmentUnreadable(f"attachment {row['id']}: {exc.strerror or exc}; restore "
                                   f"{row['stored_path']} from the backup of the instance folder") from None
    if hashlib.sha256(data).hexdigest() != row["sha256"]:
        raise AttachmentUnreadable(f"attachment {row['id']}: {row['stored_path']} does not match its sha256 "
                                   f"{row['sha256']}; restore it from the backup of the instance folder")
    return data


__all__ = ["ALLOWED", "ACCEPT", "AttachmentRejected", "AttachmentUnreadable", "Upload", "check", "sniff",
           "store_file", "record", "list_for", "count_for", "neutral_name", "read", "max_bytes", "MAX_FILES",
           "MAX_PER_TICKET"]
