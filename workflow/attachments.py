"""Evidence uploads (bukti awal): type by content sniffing, a size limit, content-addressed storage.

A file is accepted only when its first bytes say it is one of `ALLOWED` *and* its extension agrees
(a ``.pdf`` that is really a ``.exe`` is refused, and so is a PNG named ``.pdf``). Files are stored
outside the web root, under ``<instance>/attachments/<aa>/<bb>/<sha256>``, never under a name the
uploader chose, so nothing uploaded can be served or executed by path. The sha256 goes into the audit
trail (a ``system`` row with ``detail.event = "attachment"``); the original filename does not, because
people name files after themselves ("KTP_Siti.jpg") and the chain is exported to auditors.
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

from sqlalchemy import Engine, insert, select

from .audit import AuditEvent
from .errors import AlurError
from .store import models_intake as mi
from .store.db import read_only
from .store.sql import SqlStore, utc

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5


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
    """An upload is not an allowed type, too large or empty; the message says which and what to do."""


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
        raise AttachmentRejected(f"Berkas '{name}' kosong.")
    if len(data) > limit:
        raise AttachmentRejected(f"Berkas '{name}' terlalu besar (maksimal {limit // (1024 * 1024)} MB). "
                                 "Perkecil atau pisahkan berkas lalu kirim ulang.")
    kind = sniff(data)
    allowed = ", ".join(k.label for k in ALLOWED.values())
    if kind is None:
        raise AttachmentRejected(f"Berkas '{name}' bukan jenis yang diterima ({allowed}).")
    ext = os.path.splitext(name)[1].lower()
    if ext not in ALLOWED[kind].extensions:
        raise AttachmentRejected(f"Isi berkas '{name}' adalah {ALLOWED[kind].label}, tetapi ekstensinya "
                                 f"'{ext or '-'}'. Gunakan ekstensi {', '.join(ALLOWED[kind].extensions)}.")
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
           *, actor_id: str = "pemohon", actor_role: str = "pemohon", now: datetime | None = None) -> list[int]:
    """Store the files and write their rows and audit rows in one transaction; returns the row ids."""
    now = utc(now or datetime.now(timezone.utc))
    uploads = list(uploads)
    paths = [store_file(u, instance_path) for u in uploads]  # files first: a row never points at nothing
    ids: list[int] = []
    with store.unit_of_work() as uow:
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


def list_for(db: Engine, ticket_id: int) -> list[dict]:
    with read_only(db) as conn:
        rows = conn.execute(select(mi.attachments).where(mi.attachments.c.ticket_id == ticket_id)
                            .order_by(mi.attachments.c.id)).mappings().all()
    return [dict(r) for r in rows]


__all__ = ["ALLOWED", "ACCEPT", "AttachmentRejected", "Upload", "check", "sniff", "store_file", "record",
           "list_for", "max_bytes", "MAX_FILES"]
