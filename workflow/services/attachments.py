"""Keeping evidence: files stored by content hash outside the web root, their rows and audit rows.

Files live under ``<instance>/attachments/<aa>/<bb>/<sha256>``, never under a name the uploader chose,
so nothing uploaded can be served or executed by path. The sha256 goes into the audit trail (a
``system`` row with ``detail.event = "attachment"``); the original filename does not, because the chain
is exported to auditors and people name files after themselves.

Bytes are written before the rows (a row never points at nothing). When the transaction that holds
the rows fails, `discard` removes the files this attempt created, so a failed intake leaves no orphan
file; a file that existed before (the same bytes filed earlier) is shared and stays.

Taking a file out is an audited access too (`download`): its audit row commits before the bytes leave.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from workflow.core.audit import AuditEvent
from workflow.core.evidence import Upload
from workflow.core.guards import Actor
from workflow.errors import AttachmentRejected, AttachmentUnreadable, InvalidInput
from workflow.services import idempotency
from workflow.services.idempotency import KeyClaim
from workflow.services.identity import acting_role, identity_view
from workflow.store.port import AttachmentRecord, IdempotencyRecord, Store, UnitOfWork

logger = logging.getLogger(__name__)


def storage_dir(instance_path: str | Path) -> Path:
    return Path(instance_path) / "attachments"


def store_file(upload: Upload, instance_path: str | Path) -> tuple[str, bool]:
    """Write the bytes under their hash; (path relative to the instance folder, whether it is new)."""
    relative = Path("attachments") / upload.sha256[:2] / upload.sha256[2:4] / upload.sha256
    target = Path(instance_path) / relative
    if target.exists():
        return str(relative), False
    target.parent.mkdir(parents=True, exist_ok=True)
    # one name per process *and thread*: two threads storing the same bytes at once (two mail polls, threaded
    # web workers) must not rename each other's half-written file
    tmp = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(upload.data)
    os.replace(tmp, target)  # atomic: a reader never sees half a file
    target.chmod(0o640)
    return str(relative), True


def write_files(uploads: Iterable[Upload], instance_path: str | Path, now: datetime
                ) -> tuple[list[AttachmentRecord], list[Path]]:
    """Store the bytes of ``uploads``; their rows-to-be, and the files this call created (for `discard`)."""
    records, created = [], []
    for upload in uploads:
        path, new = store_file(upload, instance_path)
        if new:
            created.append(Path(instance_path) / path)
        records.append(AttachmentRecord(sha256=upload.sha256, filename=upload.filename,
                                        content_type=upload.content_type, size=upload.size, stored_path=path,
                                        created_at=now))
    return records, created


def discard(created: Iterable[Path]) -> None:
    """Remove files written for a transaction that did not commit (no row will ever point at them)."""
    for path in created:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError:  # noqa: PERF203 - logged, never raised: the caller is already failing
            logger.warning("could not remove evidence file %s of a failed transaction", path, exc_info=True)


def add_rows(uow: UnitOfWork, ticket_id: int, receipt_no: str, records: list[AttachmentRecord], *, actor_id: str,
             actor_role: str, now: datetime, max_total: int | None = None) -> list[int]:
    """The rows and one audit row per file, in ``uow``. With ``max_total`` the ticket is locked and its
    files counted first, so concurrent requests cannot take it past the limit (reason ``too_many``)."""
    if max_total is not None:
        uow.tickets.lock(ticket_id)
        have = uow.attachments.count(ticket_id)
        if have + len(records) > max_total:
            raise AttachmentRejected(f"Pengaduan {receipt_no} sudah memiliki {have} berkas bukti; paling banyak "
                                     f"{max_total} berkas per pengaduan.", "too_many")
    ids = uow.attachments.add(ticket_id, records)
    uow.audit.append([AuditEvent(kind="system", at=now, actor_id=actor_id, actor_role=actor_role, ticket_id=ticket_id,
                                 receipt_no=receipt_no, detail={"event": "attachment", "sha256": r.sha256,
                                                                "content_type": r.content_type, "size": r.size})
                      for r in records])
    return ids


def record(store: Store, ticket_id: int, receipt_no: str, uploads: Iterable[Upload], instance_path: str | Path,
           *, actor_id: str = "pemohon", actor_role: str = "pemohon", now: datetime | None = None,
           max_total: int | None = None, key: KeyClaim | None = None) -> list[int] | IdempotencyRecord:
    """Attach files to an existing ticket: bytes, rows and audit rows, all of them or none.

    With ``key`` (an API Idempotency-Key) the key is claimed and its answer (``key.answer(ids, rows)``)
    stored in the same transaction; a key used before returns the earlier request's record instead."""
    now = now or datetime.now(timezone.utc)
    records, created = write_files(list(uploads), instance_path, now)
    try:
        with store.unit_of_work() as uow:
            claim_id, earlier = idempotency.claim_in(uow, key, now) if key is not None else (None, None)
            if earlier is not None:
                discard(created)
                return earlier
            ids = add_rows(uow, ticket_id, receipt_no, records, actor_id=actor_id, actor_role=actor_role, now=now,
                           max_total=max_total)
            if key is not None:
                rows = [asdict(r) for r in uow.attachments.of(ticket_id)]
                idempotency.answer_in(uow, claim_id, ticket_id, key.status_code, key.answer(ids, rows))
            uow.commit()
    except BaseException:
        discard(created)
        raise
    return ids


def count_for(store: Store, ticket_id: int) -> int:
    with store.unit_of_work(read_only=True) as uow:
        return uow.attachments.count(ticket_id)


def list_for(store: Store, ticket_id: int) -> list[dict]:
    """The ticket's attachment rows as dicts, oldest first (their 1-based position names them in
    `workflow.core.evidence.neutral_name`)."""
    with store.unit_of_work(read_only=True) as uow:
        return [asdict(r) for r in uow.attachments.of(ticket_id)]


def download(store: Store, row: dict, instance_path: str | Path, *, actor: Actor, ticket_id: int, receipt_no: str,
             confidential: bool = False, purpose: str | None = None, now: datetime | None = None) -> bytes:
    """The bytes of an attachment for ``actor``, handed out only once the access is in the audit trail.

    Evidence is personal data (often an ID card scan), so every download is an audited access: a
    ``system`` row (``detail.event = "evidence_download"``) for an ordinary ticket; for a ``confidential``
    (rahasia) one an ``identity_view`` row with the purpose, as revealing the identity writes
    (`workflow.services.identity`), and no purpose, no file (`InvalidInput`). Whether ``actor`` may see
    the file at all is the caller's identity rule. The bytes are checked first (`read`), so a broken
    file is reported, not logged as handed out; the row commits before the bytes leave."""
    if confidential and not (purpose or "").strip():
        raise InvalidInput({"purpose": "Tuliskan keperluan mengunduh bukti pengaduan rahasia."})
    data = read(row, instance_path)
    now = now or datetime.now(timezone.utc)
    with store.unit_of_work() as uow:
        if confidential:
            event = identity_view(actor, ticket_id, receipt_no, purpose or "", now, ["bukti"],
                                  sha256=row["sha256"], attachment=row["id"])
        else:
            event = AuditEvent(kind="system", at=now, actor_id=actor.id, actor_role=acting_role(actor),
                               ticket_id=ticket_id, receipt_no=receipt_no,
                               detail={"event": "evidence_download", "sha256": row["sha256"], "attachment": row["id"]})
        uow.audit.append([event])
        uow.commit()
    logger.info("evidence %s of %s downloaded by %s", row["id"], receipt_no, actor.id)
    return data


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


__all__ = ["storage_dir", "store_file", "write_files", "discard", "add_rows", "record", "count_for", "list_for", "read",
           "download"]
