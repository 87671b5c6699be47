"""Idempotency-Keys of the integration API: the first request with a key claims it, retries get its answer.

Each step is its own unit of work, committed at once, so a retry arriving while the first request is
still working sees the claim and waits for its answer instead of doing the work twice: `claim` before
the work, `remember` (the answer) after it, `release` when it failed, so a corrected retry may claim
the key afresh. A key is remembered for a window (24 hours by default); the client's older keys are
forgotten when it claims a new one.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from workflow.store.port import IdempotencyRecord, Store


def claim(store: Store, api_key_id: int, key: str, request_hash: str, now: datetime, window: timedelta) -> int | None:
    """The new claim's id when this request is the first with ``key`` in the window, else None."""
    with store.unit_of_work() as uow:
        claim_id = uow.idempotency.claim(api_key_id, key, request_hash, now, forget_before=now - window)
        uow.commit()
    return claim_id


def find(store: Store, api_key_id: int, key: str) -> IdempotencyRecord | None:
    """The claim holding ``key`` (with its stored answer once the first request finished), if any."""
    with store.unit_of_work(read_only=True) as uow:
        return uow.idempotency.find(api_key_id, key)


def release(store: Store, claim_id: int | None) -> None:
    """Forget a claim after its request failed."""
    if claim_id is None:
        return
    with store.unit_of_work() as uow:
        uow.idempotency.release(claim_id)
        uow.commit()


def remember(store: Store, claim_id: int | None, ticket_id: int, status_code: int, response: str) -> None:
    """Store the answer (JSON, without secrets such as the tracking token) that retries get."""
    if claim_id is None:
        return
    with store.unit_of_work() as uow:
        uow.idempotency.remember(claim_id, ticket_id, status_code, response)
        uow.commit()


__all__ = ["claim", "find", "release", "remember"]
