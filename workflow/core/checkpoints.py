"""Signed checkpoints of the audit chain: evidence that holds against whoever runs the database.

The hash chain alone shows that rows were not changed *unless* someone rebuilt it: a DBA can drop the
append-only triggers, edit rows and recompute every hash after them, and the chain is self-consistent
again. A checkpoint closes that gap. It is the chain's head at a moment (sequence number, hash, time)
signed with an Ed25519 key kept outside the database (a file named by ``ALUR_AUDIT_KEY``). Copies leave
the office (printed in every quarterly report, exported to auditors), so a rebuilt chain is caught: the
row a checkpoint names no longer has the hash the office signed.

Verification needs only the public key: `verify_signature` checks a checkpoint, `check_prefix` checks
that every checkpoint is a prefix of a chain (the row at its sequence number has its hash). The public
key is identified by its fingerprint (``SHA256:`` + base64 of the key's SHA-256), which reports print so
an auditor can compare it with the key the office handed over.
"""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from workflow.errors import AuditKeyError

FORMAT = "alur-audit-checkpoint/1"


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at ``at``, signed. ``public_key`` is the raw Ed25519 key, base64."""

    seq: int
    hash: str
    at: str  # ISO 8601, UTC, "Z"
    signature: str  # base64
    key_fingerprint: str
    public_key: str

    def as_json(self) -> str:
        return json.dumps({"format": FORMAT, **asdict(self)}, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_mapping(cls, data: Mapping) -> "Checkpoint":
        try:
            return cls(seq=int(data["seq"]), hash=str(data["hash"]), at=str(data["at"]),
                       signature=str(data["signature"]), key_fingerprint=str(data["key_fingerprint"]),
                       public_key=str(data["public_key"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise AuditKeyError(f"not an audit checkpoint ({exc}); checkpoints are the JSON lines written by "
                                "'alur audit checkpoint' or 'alur audit checkpoints'") from None


def payload(seq: int, head_hash: str, at: str) -> bytes:
    """The exact bytes signed: what a checkpoint asserts, in canonical JSON."""
    return json.dumps({"format": FORMAT, "seq": int(seq), "hash": head_hash, "at": at}, sort_keys=True,
                      separators=(",", ":")).encode("ascii")


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


# -- keys ------------------------------------------------------------------------------------------
def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    digest = hashlib.sha256(raw_public(key)).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    """The signing key from a PEM file (`alur audit keygen` writes one)."""
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except FileNotFoundError:
        raise AuditKeyError(f"no audit key at {path}; create one with 'alur audit keygen -o {path}'") from None
    except OSError as exc:
        raise AuditKeyError(f"the audit key {path} cannot be read ({exc.strerror}); let the account that runs "
                            "alur read it") from None
    except (ValueError, TypeError) as exc:
        raise AuditKeyError(f"{path} is not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError(f"{path} holds a {type(key).__name__}; audit checkpoints are signed with Ed25519 "
                            "keys ('alur audit keygen')")
    return key


def load_public_key(source: str | Path) -> Ed25519PublicKey:
    """A public key from a PEM file, a PEM text, or the base64 raw key a checkpoint carries."""
    text = str(source).strip()
    data: bytes
    if "BEGIN" in text:
        data = text.encode("ascii")
    elif Path(text).is_file():
        data = Path(text).read_bytes()
    else:
        try:
            return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
        except ValueError:
            raise AuditKeyError(f"{text[:60]!r} is neither a public key file, a PEM key nor a base64 key") from None
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise AuditKeyError(f"not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditKeyError(f"the public key is a {type(key).__name__}, not Ed25519")
    return key


# -- signing and checking ------------------------------------------------------------------------
def sign(key: Ed25519PrivateKey, seq: int, head_hash: str, at: datetime) -> Checkpoint:
    when = iso_utc(at)
    public = key.public_key()
    signature = key.sign(payload(seq, head_hash, when))
    return Checkpoint(seq=seq, hash=head_hash, at=when, signature=base64.b64encode(signature).decode("ascii"),
                      key_fingerprint=fingerprint(public), public_key=base64.b64encode(raw_public(public)).decode())


def verify_signature(checkpoint: Checkpoint, trusted: Ed25519PublicKey | None = None) -> str | None:
    """None when the checkpoint is signed by ``trusted`` (or, without one, by the key it names); else why not."""
    try:
        carried = Ed25519PublicKey.from_public_bytes(base64.b64decode(checkpoint.public_key, validate=True))
    except ValueError:
        return "its public key is not a valid Ed25519 key"
    key = trusted or carried
    if trusted is not None and raw_public(trusted) != raw_public(carried):
        return (f"signed by key {checkpoint.key_fingerprint}, not by the trusted key {fingerprint(trusted)}")
    if fingerprint(carried) != checkpoint.key_fingerprint:
        return "its fingerprint does not match its public key"
    try:
        key.verify(base64.b64decode(checkpoint.signature, validate=True), payload(checkpoint.seq, checkpoint.hash,
                                                                                 checkpoint.at))
    except (InvalidSignature, ValueError):
        return "the signature does not match the sequence, hash and time it claims"
    return None


def check_prefix(checkpoints: Iterable[Checkpoint], hash_at: Mapping[int, str], last_seq: int) -> list[str]:
    """Problems, one per checkpoint that is not a prefix of the chain described by ``hash_at`` (seq -> hash)
    up to ``last_seq``; an empty list when every checkpoint holds."""
    problems = []
    for cp in checkpoints:
        if cp.seq > last_seq:
            problems.append(f"checkpoint {cp.seq} ({cp.at}) names a row beyond the chain's end ({last_seq}): "
                            "rows were removed")
        elif hash_at.get(cp.seq) != cp.hash:
            problems.append(f"checkpoint {cp.seq} ({cp.at}) signed hash {cp.hash[:16]}… but row {cp.seq} now "
                            f"hashes to {str(hash_at.get(cp.seq))[:16]}…: the chain was rebuilt or changed")
    return problems


def read_checkpoints(source: str | Path) -> list[Checkpoint]:
    """Checkpoints from a JSON Lines file, or from every ``*.jsonl``/``*.json`` file of a folder."""
    path = Path(source)
    files = sorted([*path.glob("*.jsonl"), *path.glob("*.json")]) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise AuditKeyError(f"no checkpoint file at {source}")
    out = []
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                try:
                    out.append(Checkpoint.from_mapping(json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise AuditKeyError(f"{file}:{number}: not JSON ({exc.msg})") from None
    return sorted(out, key=lambda cp: cp.seq)


__all__ = ["Checkpoint", "FORMAT", "payload", "sign", "verify_signature", "check_prefix", "read_checkpoints",
           "new_private_key", "private_key_pem", "public_key_pem", "fingerprint", "load_private_key",
           "load_public_key", "iso_utc"]
