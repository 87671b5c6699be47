"""The complainant's short tracking code: the receipt number and a six-digit PIN, for people who follow
their complaint by telephone or type it on the tracking page (issue 14, item 2).

The PIN is drawn when the complaint is filed (`issue_pin`, inside the intake's transaction), shown on the
receipt and sent with the receipt notice, and stored only keyed-hashed (`workflow.core.receipts.hash_pin`).
`check_pin` counts wrong tries per complaint, whatever address they come from: after `MAX_FAILURES` in a
row the PIN is locked for `LOCK_MINUTES` (the link with the long token still works), so guessing six digits
online takes years. Only six-digit tries count (an empty field or a digit too few is a slip, not a guess). An
unknown receipt number and a wrong PIN get the same answer.
"""
from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from workflow.core.decide import RECEIPT_TEMPLATE
from workflow.core.receipts import PIN_DIGITS, clean_pin, hash_pin, new_pin
from workflow.core.ticket import Change
from workflow.store.port_tracking import pins

logger = logging.getLogger(__name__)

MAX_FAILURES = 5
LOCK_MINUTES = 15
_DUMMY = hash_pin("-", "000000", "no such complaint")


@dataclass(frozen=True)
class PinCheck:
    """What a PIN lookup found: the ticket (right PIN), or why not (``locked_until`` when it is locked)."""

    ticket_id: int | None = None
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.ticket_id is not None


def prepare_pin(change: Change) -> str:
    """A new PIN for the complaint ``change`` opens, added to its receipt notice (which also carries the token
    once; `notifications.expansion` drops both from the outbox row after rendering)."""
    pin = new_pin()
    for notice in change.notices:
        if notice.template == RECEIPT_TEMPLATE and "token" in notice.detail:
            notice.detail["pin"] = pin
    return pin


def issue_pin(uow, ticket_id: int, receipt_no: str, pin: str, key: str, now: datetime) -> None:
    """Store ``pin`` for the saved ticket, in the caller's unit of work (the intake's)."""
    pins(uow).put(ticket_id, hash_pin(receipt_no, pin, key), now)


def check_pin(store, receipt_no: str, pin: str, key: str, now: datetime) -> PinCheck:
    """The ticket whose receipt number and PIN match; one wrong try counted (and the lock set) otherwise."""
    receipt_no = (receipt_no or "").strip().upper()[:24]
    pin = clean_pin(pin)
    if len(pin) != PIN_DIGITS:  # nothing or a slip of the finger (five digits): not a guess, not counted
        return PinCheck()
    with store.unit_of_work() as uow:
        repo = pins(uow)
        found = repo.find(receipt_no)
        presented = hash_pin(receipt_no, pin, key)
        matches = hmac.compare_digest(found.pin_hash if found else _DUMMY, presented)
        if found is None:
            return PinCheck()
        if found.locked_until is not None and found.locked_until > now:
            return PinCheck(locked_until=found.locked_until)
        if matches:
            if found.failures:
                repo.clear_failures(found.ticket_id)
                uow.commit()
            return PinCheck(ticket_id=found.ticket_id)
        lock = now + timedelta(minutes=LOCK_MINUTES) if found.failures + 1 >= MAX_FAILURES else None
        count = repo.record_failure(found.ticket_id, lock)
        uow.commit()
    if lock is not None:
        logger.warning("tracking PIN of ticket %s locked after %d wrong tries", found.ticket_id, count)
        return PinCheck(locked_until=lock)
    return PinCheck()


__all__ = ["PinCheck", "prepare_pin", "issue_pin", "check_pin", "MAX_FAILURES", "LOCK_MINUTES"]
