"""What every delivery channel is, and what the channel modules share.

A channel takes a rendered ``Message`` and hands it to a provider. It does not
retry, queue or record anything: the outbox layer (`notifications.sending`) owns
the loop and decides from ``DeliveryError.retryable`` whether to try again.
Channels are therefore safe to call from rq jobs, and are plain objects with no
app or connection built at import.

At-least-once delivery means a message can be sent twice (a job dies after the
provider accepted it but before the outbox row was marked sent). Every channel
therefore derives its provider-visible identity from ``Message.id``: the email
Message-ID and the webhook ``Idempotency-Key`` are the same on every attempt, so
the receiving side can drop duplicates.

In-app notifications are a database write done by the outbox layer
(`notifications.inapp`), not a channel.
"""

from __future__ import annotations

import ipaddress
from typing import Protocol, runtime_checkable

from notifications.message import Message

__all__ = ["Channel", "is_loopback", "reply_text"]


@runtime_checkable
class Channel(Protocol):
    """Something that can deliver a ``Message``.

    ``send`` returns the provider's reference for the delivery (an email Message-ID,
    a gateway id) for the outbox to store, and raises ``DeliveryError`` on failure.
    It must not raise anything else for a delivery problem.
    """

    name: str

    def send(self, message: Message) -> str: ...


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (plain SMTP/HTTP there is not a leak)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def reply_text(reply: bytes | str) -> str:
    """A provider's reply as text, whatever bytes it sent."""
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
