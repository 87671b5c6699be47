"""The tamper-evident audit chain: canonical serialisation, hashing and verification (pure).

Every audit row carries ``hash = sha256(prev_hash || canonical(content))`` where ``content`` is the
row's own fields (sequence, kind, ticket, actor and role, trigger, from, to, inputs, definition key and
version, time, detail). Changing, inserting or removing any row breaks every hash after it, so
``verify`` names the first row that fails. The database additionally rejects UPDATE and DELETE on the
table (triggers), so tampering needs a DBA, and even then it shows.

Complainant identity never enters the chain in clear text: identity fields are replaced by a salted
digest (``identity_digest``) so the audit can be exported to auditors without exposing anyone.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Iterable, Iterator, Mapping, Sequence

GENESIS = "0" * 64
KINDS = ("open", "transition", "publish", "migrate", "import", "clock", "escalation", "calendar",
         "identity_view", "merge", "notification", "system", "handoff", "office", "agency", "user",
         "assignment", "note", "report")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        # isoformat is several times faster than strftime and gives the same text once +00:00 is Z
        return value.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"cannot put {type(value).__name__} into the audit trail")


def canonical(content: Mapping[str, Any]) -> bytes:
    """Deterministic JSON: sorted keys, no spaces, UTF-8, datetimes as UTC with microseconds."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_default).encode("utf-8")


def chain_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical(content)).hexdigest()


_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default).encode
_NESTED = ("detail", "inputs")


def seal(prev_hash: str, content: Mapping[str, Any]) -> tuple[str, str, str]:
    """``(chain_hash(prev_hash, content), canonical inputs, canonical detail)``, serialising each part once.

    The store keeps a row's inputs and detail as canonical JSON text and hashes the canonical text of
    the whole row, which nests the same two objects. Rather than serialise them twice, the row's flat
    fields are serialised alone and the two texts are spliced in where sorted keys put them: after
    ``definition_version`` (``detail``) and after ``from_state`` (``inputs``). The flat fields hold
    only scalars, whose quotes JSON escapes, so ``,"from_state":`` and ``,"kind":`` can only be the
    keys themselves. tests/test_audit.py holds `seal` equal to `chain_hash` on arbitrary content.
    """
    inputs, detail = _ENCODE(content["inputs"]), _ENCODE(content["detail"])
    if len(content) != len(CONTENT_FIELDS):  # not a plain audit row: the general path
        return chain_hash(prev_hash, content), inputs, detail
    flat = _ENCODE({k: v for k, v in content.items() if k not in _NESTED})
    return _spliced_hash(prev_hash, flat, inputs, detail), inputs, detail


def _spliced_hash(prev_hash: str, flat: str, inputs: str, detail: str) -> str:
    """The chain hash of a row from its flat fields' canonical text and its two nested texts (see `seal`)."""
    at_from, at_kind = flat.index(',"from_state":'), flat.index(',"kind":')
    text = (flat[:at_from] + ',"detail":' + detail + flat[at_from:at_kind] + ',"inputs":' + inputs
            + flat[at_kind:])
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + text.encode("utf-8")).hexdigest()


def identity_digest(value: Any, salt: str) -> str:
    """A stable stand-in for an identity value: proves it was recorded without revealing it."""
    raw = json.dumps(value, sort_keys=True, default=_default, ensure_ascii=False)
    return "sha256:" + hashlib.sha256((salt + "\n" + raw).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class AuditEvent:
    """An audit row before it gets its sequence number and hashes (those come from the store)."""

    kind: str
    at: datetime
    actor_id: str
    actor_role: str = ""
    ticket_id: int | None = None
    receipt_no: str | None = None
    trigger: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)
    definition_key: str | None = None
    definition_version: int | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    def content(self, seq: int) -> dict[str, Any]:
        """The fields the hash covers; the store saves exactly these (plus seq/hashes)."""
        return {
            "seq": seq, "kind": self.kind, "at": self.at, "actor_id": self.actor_id, "actor_role": self.actor_role,
            "ticket_id": self.ticket_id, "receipt_no": self.receipt_no, "trigger": self.trigger,
            "from_state": self.from_state, "to_state": self.to_state, "inputs": dict(self.inputs),
            "definition_key": self.definition_key, "definition_version": self.definition_version,
            "detail": dict(self.detail),
        }


CONTENT_FIELDS = ("seq", "kind", "at", "actor_id", "actor_role", "ticket_id", "receipt_no", "trigger",
                  "from_state", "to_state", "inputs", "definition_key", "definition_version", "detail")


@dataclass(frozen=True)
class ChainStatus:
    ok: bool
    rows: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str = ""


def verify_rows(rows: Iterable[Mapping[str, Any]], progress=None) -> ChainStatus:
    """Walk rows in sequence order; stop at the first one whose sequence or hash does not hold.

    Each row needs the CONTENT_FIELDS plus ``prev_hash`` and ``hash``. ``at`` must be a datetime.
    """
    prev = GENESIS
    expected_seq = 1
    count = 0
    for row in rows:
        seq = row["seq"]
        if seq != expected_seq:
            what = "missing" if seq > expected_seq else "repeated"
            return ChainStatus(False, count, prev, expected_seq,
                               f"row {expected_seq} is {what} (next stored row is {seq})")
        if row["prev_hash"] != prev:
            return ChainStatus(False, count, prev, seq, "prev_hash does not match the hash of the row before it")
        content = {name: row[name] for name in CONTENT_FIELDS}
        digest = chain_hash(prev, content)
        if digest != row["hash"]:
            return ChainStatus(False, count, prev, seq, "content was changed after it was written (hash mismatch)")
        prev = digest
        expected_seq += 1
        count += 1
        if progress is not None:
            progress(1)
    return ChainStatus(True, count, prev)


#: The columns of a stored row, in the order `verify_stored` reads them (inputs and detail as the canonical
#: text the store keeps).
STORED_COLUMNS = CONTENT_FIELDS + ("prev_hash", "hash")
_INPUTS, _DETAIL = CONTENT_FIELDS.index("inputs"), CONTENT_FIELDS.index("detail")
_PREV, _HASH = len(CONTENT_FIELDS), len(CONTENT_FIELDS) + 1


_KEYED = tuple(sorted(CONTENT_FIELDS))  # the canonical text's key order
_PLAN = tuple((("{" if n == 0 else ",") + _ENCODE(name) + ":", CONTENT_FIELDS.index(name), name in _NESTED)
              for n, name in enumerate(_KEYED))
_string = json.encoder.encode_basestring  # what the canonical encoder does to a str (ensure_ascii=False)


def stored_hash(row: Sequence[Any]) -> str:
    """The chain hash a stored row should carry, from its own columns (`STORED_COLUMNS` order), its
    ``prev_hash`` included: each row is checked on its own, its link to the row before separately.

    The canonical text is assembled directly in sorted-key order (inputs and detail are already canonical
    text in the store; ``at`` comes as the canonical time text or a datetime), which is what makes
    verifying a million rows take seconds. A value of an unusual type takes the general encoder."""
    parts = []
    for prefix, index, nested in _PLAN:
        value = row[index]
        if nested:
            parts.append(prefix + value)
        elif value.__class__ is str:
            parts.append(prefix + _string(value))
        elif value is None:
            parts.append(prefix + "null")
        elif value.__class__ is int:
            parts.append(prefix + str(value))
        else:
            parts.append(prefix + _ENCODE(value))
    text = "".join(parts) + "}"
    return hashlib.sha256(row[_PREV].encode("ascii") + b"\n" + text.encode("utf-8")).hexdigest()


def _exact_hash(row: Sequence[Any]) -> str:
    """`stored_hash` the slow, general way (parsing the nested texts), for a row the fast way disputes
    (stored text that is valid JSON but not in canonical form)."""
    content = {name: row[i] for i, name in enumerate(CONTENT_FIELDS)}
    try:
        content["inputs"], content["detail"] = json.loads(row[_INPUTS]), json.loads(row[_DETAIL])
    except (TypeError, ValueError):
        return ""
    return chain_hash(row[_PREV], content)


def verify_stored(rows: Iterable[Sequence[Any]], progress=None, every: int = 10_000) -> ChainStatus:
    """`verify_rows` for rows as the store keeps them (tuples in `STORED_COLUMNS` order, nested texts
    unparsed): about three times faster, because inputs and detail are hashed as stored instead of being
    parsed and serialised again. A row whose text is not canonical (never written by alur) is checked the
    exact way before it is called changed. ``progress`` is called with the rows done every ``every`` rows."""
    prev, expected, count = GENESIS, 1, 0
    for row in rows:
        seq = row[0]
        if seq != expected:
            what = "missing" if seq > expected else "repeated"
            return ChainStatus(False, count, prev, expected, f"row {expected} is {what} (next stored row is {seq})")
        if row[_PREV] != prev:
            return ChainStatus(False, count, prev, seq, "prev_hash does not match the hash of the row before it")
        digest = row[_HASH]
        if stored_hash(row) != digest and _exact_hash(row) != digest:
            return ChainStatus(False, count, prev, seq, "content was changed after it was written (hash mismatch)")
        prev, expected, count = digest, expected + 1, count + 1
        if progress is not None and count % every == 0:
            progress(every)
    if progress is not None and count % every:
        progress(count % every)
    return ChainStatus(True, count, prev)


def iter_jsonl(rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """JSON Lines for auditors: one row per line, with the hashes so they can re-verify offline."""
    for row in rows:
        out = {name: row[name] for name in CONTENT_FIELDS}
        out["prev_hash"] = row["prev_hash"]
        out["hash"] = row["hash"]
        yield canonical(out).decode("utf-8")


__all__ = ["GENESIS", "KINDS", "AuditEvent", "ChainStatus", "canonical", "chain_hash", "identity_digest",
           "verify_rows", "verify_stored", "stored_hash", "STORED_COLUMNS", "iter_jsonl", "CONTENT_FIELDS", "seal"]
