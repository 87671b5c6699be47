"""Idempotency-Keys of the integration API: the first request with a key claims it, retries get its answer.

A key is claimed **inside the unit of work that does the request's work**, and its answer is stored in
that same transaction (`claim_in` before the work, `answer_in` after it, then one commit). So a crash
anywhere before the commit (a killed web worker, a restarted database) leaves neither the ticket nor the
claim: the retry claims the key afresh and files once. A crash after the commit leaves both, and the retry
gets the stored answer with the ticket that was created. There is no claim without an answer to wait for,
and nothing to release when the work fails: the claim rolls back with it.

Two requests with one key at the same moment: on PostgreSQL the second one's insert waits on the
unique index until the first transaction ends, then sees its committed answer (or, if the first rolled
back, claims the key itself); on SQLite units of work that write are serialised (``BEGIN IMMEDIATE``).

A key is remembered for a window (24 hours by default); the client's older keys are forgotten when it
claims a new one. Claims left without an answer by versions before this one (which committed the claim
first) are taken over.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from workflow.store.port import IdempotencyRecord, Store, UnitOfWork


@dataclass(frozen=True)
class KeyClaim:
    """The Idempotency-Key a request carries: whose, which, what the request said (its hash), and how
    its answer is made from what the work made (for intake: the saved ticket), to be stored for retries."""

    api_key_id: int
    key: str
    request_hash: str
    window: timedelta
    answer: Callable[..., str] = lambda *made: "{}"
    status_code: int = 201


def claim_in(uow: UnitOfWork, claim: KeyClaim, now: datetime) -> tuple[int | None, IdempotencyRecord | None]:
    """Claim ``claim.key`` in ``uow``: ``(claim id, None)`` when this request goes ahead, ``(None, earlier)``
    when a request with this key finished before (the caller answers with ``earlier``, or refuses a retry
    whose ``request_hash`` differs)."""
    forget_before = now - claim.window
    for _ in range(2):
        claim_id = uow.idempotency.claim(claim.api_key_id, claim.key, claim.request_hash, now,
                                         forget_before=forget_before)
        if claim_id is not None:
            return claim_id, None
        earlier = uow.idempotency.find(claim.api_key_id, claim.key)
        if earlier is None:  # gone between the two statements (expired by another claim): claim again
            continue
        if earlier.response is not None:
            return None, earlier
        # committed without an answer: left by a version that claimed first and crashed; take it over
        uow.idempotency.release(earlier.id)
    raise RuntimeError(f"Idempotency-Key {claim.key!r} could not be claimed")


def answer_in(uow: UnitOfWork, claim_id: int | None, ticket_id: int, status_code: int, response: str) -> None:
    """Store the answer (JSON, without secrets such as the tracking token) that retries get, in ``uow``."""
    if claim_id is not None:
        uow.idempotency.remember(claim_id, ticket_id, status_code, response)


def find(store: Store, api_key_id: int, key: str) -> IdempotencyRecord | None:
    """The claim holding ``key`` (with its stored answer), if any."""
    with store.unit_of_work(read_only=True) as uow:
        return uow.idempotency.find(api_key_id, key)


__all__ = ["KeyClaim", "claim_in", "answer_in", "find"]
