"""The message handed to a channel, and the errors a send can raise.

A ``Message`` is what the outbox layer stores and an rq job delivers: it is
rendered once, before delivery, so every retry sends exactly the same text.
Its ``id`` is the outbox row's id; channels use it as the idempotency key
(the email Message-ID, the webhook ``Idempotency-Key`` header), which lets
the receiving side drop the duplicates that at-least-once delivery produces.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from notifications.errors import DeliveryError, NotificationError

__all__ = ["DeliveryError", "Locale", "LOCALES", "Message", "NotificationError"]

Locale = Literal["id", "en"]
LOCALES: tuple[str, ...] = ("id", "en")


@dataclass(frozen=True)
class Message:
    """One notification, ready to send.

    The instance is frozen and ``metadata`` is copied into a fresh dict on
    construction, so a caller mutating its own mapping later does not change a
    message already queued. (A plain dict rather than a read-only proxy, so the
    message stays picklable for rq.)

    Attributes:
        id: outbox id; the idempotency key shared by every attempt to send it.
        channel: channel key the outbox routes by ("email", "whatsapp", "sms", ...).
        recipient: email address, phone number, or user id (in-app), per channel.
        subject: one line.
        body: plain text.
        html: optional HTML alternative (email only; other channels ignore it).
        locale: "id" or "en"; the language the text was rendered in.
        metadata: str -> str extras passed through to the provider (ticket number, ...).
    """

    id: str
    channel: str
    recipient: str
    subject: str
    body: str
    html: str | None = None
    locale: Locale = "id"
    metadata: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("id", "channel", "recipient"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"Message.{name} must be a non-empty string, got {value!r}")
        if "\n" in self.subject or "\r" in self.subject:
            raise ValueError("Message.subject must be one line; put the rest in the body")
        if self.locale not in LOCALES:
            raise ValueError(f"Message.locale must be one of {LOCALES}, got {self.locale!r}")
        metadata = dict(self.metadata)
        for key, value in metadata.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise ValueError(
                    f"Message.metadata must map str to str; convert {key!r}: {value!r} to text first"
                )
        object.__setattr__(self, "metadata", metadata)

    def to_dict(self) -> dict[str, Any]:
        """Return the message as JSON-ready data (the inverse of ``from_dict``)."""
        return {
            "id": self.id,
            "channel": self.channel,
            "recipient": self.recipient,
            "subject": self.subject,
            "body": self.body,
            "html": self.html,
            "locale": self.locale,
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        """Build a message from ``to_dict`` output (for example an outbox row's JSON)."""
        return cls(
            id=data["id"],
            channel=data["channel"],
            recipient=data["recipient"],
            subject=data["subject"],
            body=data["body"],
            html=data.get("html"),
            locale=data.get("locale", "id"),
            metadata=data.get("metadata") or {},
        )
