"""The in-memory channel: the development default and the fake tests send through."""

from __future__ import annotations

import threading

from notifications.errors import DeliveryError
from notifications.message import Message

__all__ = ["MemoryChannel"]


class MemoryChannel:
    """Keep messages in ``sent`` instead of delivering them.

    The development and embedded default, and the fake for tests. ``fail_next(n)``
    makes the next ``n`` sends raise ``DeliveryError`` (retryable unless told
    otherwise) so retry handling can be exercised without a network. Safe to share
    between threads.
    """

    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.sent: list[Message] = []
        self.attempts = 0
        self._failures: list[tuple[bool, str]] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryChannel(name={self.name!r}, sent={len(self.sent)})"

    def fail_next(self, count: int = 1, *, retryable: bool = True, reason: str = "injected failure") -> None:
        """Make the next ``count`` calls to ``send`` fail (adds to failures already queued)."""
        if count < 0:
            raise ValueError("count must be zero or more")
        with self._lock:
            self._failures.extend([(retryable, reason)] * count)

    def send(self, message: Message) -> str:
        """Record ``message`` and return ``"<name>:<message id>"``, or raise an injected failure."""
        with self._lock:
            self.attempts += 1
            if self._failures:
                retryable, reason = self._failures.pop(0)
                raise DeliveryError(
                    f"{self.name} channel: {reason} ({len(self._failures)} more queued)",
                    retryable=retryable,
                    channel=self.name,
                    message_id=message.id,
                )
            self.sent.append(message)
        return f"{self.name}:{message.id}"

    def clear(self) -> None:
        """Forget sent messages, attempts and queued failures."""
        with self._lock:
            self.sent.clear()
            self.attempts = 0
            self._failures.clear()
