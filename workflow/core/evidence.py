"""Evidence uploads (bukti) as the office accepts them: type by content sniffing, a size limit, safe names.

A file is accepted only when its first bytes say it is one of `ALLOWED` *and* its extension agrees
(a ``.pdf`` that is really a ``.exe`` is refused, and so is a PNG named ``.pdf``). The checks here are
pure: bytes in, an `Upload` or `AttachmentRejected` out; storing the bytes and their rows is
`workflow.services.attachments`. People name files after themselves ("KTP_Siti.jpg"), so whoever may not see
a complainant's identity is shown `neutral_name` ("bukti-2.jpg") instead of the uploaded name.
`AttachmentRejected.reason` tells a caller which rule refused a file, so the API can answer 413, 415 or
422 from the same checks the form shows as messages.
"""
from __future__ import annotations

import hashlib
import io
import os
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from workflow.errors import AttachmentRejected

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
    """The uploaded name as it may be stored and offered back: no folders, no control characters (a CR/LF
    in a name broke the officer's download header), no leading dots, at most 255 characters."""
    name = os.path.basename(str(filename).replace("\\", "/"))
    name = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in name)
    name = " ".join(name.split()).lstrip(".")
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


def neutral_name(content_type: str, position: int) -> str:
    """A name that says nothing about the uploader ("bukti-2.jpg"), for whoever may not see the identity."""
    ext = next((k.extensions[0] for k in ALLOWED.values() if k.content_type == content_type), "")
    return f"bukti-{position}{ext}"


__all__ = ["ALLOWED", "ACCEPT", "Kind", "AttachmentRejected", "Upload", "check", "sniff", "safe_name", "neutral_name",
           "max_bytes", "MAX_FILES", "MAX_PER_TICKET", "DEFAULT_MAX_BYTES"]
