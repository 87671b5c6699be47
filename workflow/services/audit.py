"""Verifying the audit trail, and signing its head: the use cases behind ``alur audit``.

`verify` checks the chain stored in the database up to the head it read first (rows committed while it
runs are reported as written during verification, not as damage), that the head row agrees with the
last row, and that every signed checkpoint (kept in the database, or handed in from outside) is
signed by the trusted key and is a prefix of the chain: a chain rebuilt with self-consistent hashes is
caught by the first checkpoint it contradicts. `verify_export` does the same for an export file with no
database at all, as an auditor would on their own machine.

`checkpoint` signs the head with the office's Ed25519 key (``ALUR_AUDIT_KEY``, a PEM file outside the
database); `checkpoint_if_due` is the sweeper's task: it signs when the chain has grown and the last
checkpoint is older than ``ALUR_AUDIT_CHECKPOINT_HOURS`` (default 1).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from workflow.core.audit import CONTENT_FIELDS, STORED_COLUMNS, ChainStatus, verify_stored
from workflow.core.checkpoints import (
    Checkpoint,
    check_prefix,
    load_private_key,
    load_public_key,
    sign,
    verify_signature,
)
from workflow.errors import AlurError, AuditKeyError

KEY_ENV = "ALUR_AUDIT_KEY"
EVERY_ENV = "ALUR_AUDIT_CHECKPOINT_HOURS"
_HASH = STORED_COLUMNS.index("hash")


@dataclass
class Verification:
    """The outcome of verifying the trail: ``ok`` only when every check holds."""

    status: ChainStatus
    head: tuple[int, str]
    problems: list[str] = field(default_factory=list)
    checkpoints: int = 0
    written_during: int = 0

    @property
    def ok(self) -> bool:
        return self.status.ok and not self.problems


def _capturing(rows: Iterable[Sequence[Any]], wanted: set[int], into: dict[int, str]) -> Iterator[Sequence[Any]]:
    for row in rows:
        if row[0] in wanted:
            into[row[0]] = row[_HASH]
        yield row


def _check(rows: Iterable[Sequence[Any]], head: tuple[int, str] | None, checkpoints: list[Checkpoint],
           trusted, progress) -> Verification:
    """Verify ``rows``; with ``head`` (the database's head row) also that the rows end where it says."""
    hashes: dict[int, str] = {}
    status = verify_stored(_capturing(rows, {cp.seq for cp in checkpoints}, hashes), progress=progress)
    result = Verification(status=status, head=head or (status.rows, status.head_hash), checkpoints=len(checkpoints))
    if not status.ok:
        result.problems.append(f"audit chain BROKEN at row {status.first_bad_seq}: {status.reason} "
                               f"({status.rows} rows before it verify)")
        return result
    if head is not None and (status.rows != head[0] or status.head_hash != head[1]):
        result.problems.append(f"audit chain BROKEN: rows end at {status.rows} but the head records {head[0]} "
                               "(rows were removed from the end, or the head was altered)")
    for cp in checkpoints:
        why = verify_signature(cp, trusted)
        if why:
            result.problems.append(f"checkpoint {cp.seq} ({cp.at}) is not valid: {why}")
    result.problems.extend(check_prefix(checkpoints, hashes, status.rows))
    return result


def trusted_key(public_key: str | None = None):
    """The key checkpoints must be signed with: the one given, else the public half of ``ALUR_AUDIT_KEY``,
    else None (each checkpoint is checked against the key it carries, and its fingerprint is printed)."""
    if public_key:
        return load_public_key(public_key)
    path = os.environ.get(KEY_ENV)
    return load_private_key(path).public_key() if path else None


def verify(store, *, checkpoints: Iterable[Checkpoint] = (), public_key: str | None = None,
           progress: Callable[[int], None] | None = None) -> Verification:
    """Verify the stored chain up to its current head, against the stored and the given checkpoints."""
    head = store.audit_head()
    with store.unit_of_work(read_only=True) as uow:
        kept = uow.audit.checkpoints()
    every = sorted({(cp.seq, cp.signature): cp for cp in [*kept, *checkpoints]}.values(), key=lambda cp: cp.seq)
    try:
        trusted, key_problem = trusted_key(public_key), None
    except AuditKeyError as exc:
        if public_key:  # a key the caller named: their mistake to fix, not a result
            raise
        trusted, key_problem = None, f"the office's audit key cannot be used, so no checkpoint was trusted: {exc}"
    result = _check(store.audit_stored(head[0]), head, every, trusted, progress)
    if key_problem:  # the rows may be intact, but a rebuilt chain would pass unnoticed: not a clean result
        result.problems.insert(0, key_problem)
    result.written_during = max(0, store.audit_head()[0] - head[0])
    return result


def export_rows(path: str | Path) -> Iterator[tuple]:
    """Rows of an ``alur audit export`` JSON Lines file, as `verify_stored` reads them."""
    from workflow.core.audit import _ENCODE

    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                at = datetime.fromisoformat(data["at"].replace("Z", "+00:00"))
                values = [data[name] for name in CONTENT_FIELDS]
            except (ValueError, KeyError, AttributeError) as exc:
                raise AlurError(f"{path}:{number}: not an audit export line ({exc}); use the JSON Lines "
                                "written by 'alur audit export'") from None
            values[CONTENT_FIELDS.index("at")] = at
            values[CONTENT_FIELDS.index("inputs")] = _ENCODE(data["inputs"])
            values[CONTENT_FIELDS.index("detail")] = _ENCODE(data["detail"])
            yield (*values, data.get("prev_hash"), data.get("hash"))


def verify_export(path: str | Path, *, checkpoints: Iterable[Checkpoint] = (), public_key: str | None = None,
                  progress: Callable[[int], None] | None = None) -> Verification:
    """Verify an export file on its own (no database): the chain, and the checkpoints against it.

    An export holds no separate head row, so its last row is the head it claims; the checkpoints are what
    anchor it to what the office signed."""
    return _check(export_rows(path), None, sorted(checkpoints, key=lambda cp: cp.seq),
                  load_public_key(public_key) if public_key else None, progress)


# -- signing ---------------------------------------------------------------------------------------
def checkpoint(store, key_path: str | Path, now: datetime) -> Checkpoint:
    """Sign the chain's current head and keep the checkpoint; the head's existing one if it has one."""
    key = load_private_key(key_path)
    with store.unit_of_work() as uow:
        seq, head_hash = uow.audit.head()
        if seq == 0:
            raise AuditKeyError("the audit trail is empty: there is no head to sign yet")
        existing = [cp for cp in uow.audit.checkpoints() if cp.seq == seq and cp.hash == head_hash]
        if existing:
            return existing[-1]
        signed = sign(key, seq, head_hash, now)
        uow.audit.add_checkpoint(signed)
        uow.commit()
    return signed


def checkpoint_if_due(runtime, now: datetime | None = None) -> int:
    """The sweeper's task: sign the head when it moved and the last checkpoint is old enough; 1 if it signed."""
    path = os.environ.get(KEY_ENV)
    if not path:
        return 0
    now = now or datetime.now(timezone.utc)
    every = timedelta(hours=float(os.environ.get(EVERY_ENV) or 1))
    with runtime.store.unit_of_work(read_only=True) as uow:
        seq, _ = uow.audit.head()
        kept = uow.audit.checkpoints()
    last = kept[-1] if kept else None
    if seq == 0 or (last is not None and (last.seq == seq or
                                          datetime.fromisoformat(last.at.replace("Z", "+00:00")) > now - every)):
        return 0
    checkpoint(runtime.store, path, now)
    return 1


def latest_checkpoint(store) -> Checkpoint | None:
    with store.unit_of_work(read_only=True) as uow:
        kept = uow.audit.checkpoints()
    return kept[-1] if kept else None


__all__ = ["Verification", "verify", "verify_export", "export_rows", "checkpoint", "checkpoint_if_due",
           "latest_checkpoint", "trusted_key", "KEY_ENV", "EVERY_ENV"]
