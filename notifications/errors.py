"""Exceptions raised by the notifications package.

They sit in alur's one exception tree (`workflow.errors`), under one branch of their own, so an rq
job can catch the package's failures in one ``except`` and still tell them apart, and an entry point
that maps every ``AlurError`` to an answer (the ``alur`` command's exit code 1) maps these too::

    AlurError                        (workflow.errors)
    └── NotificationError
        ├── ConfigurationError       a channel setting is missing or malformed (also a ValueError)
        ├── DeliveryError            a send failed; ``retryable`` says whether to try again
        ├── DeliveryNotFound         no delivery with that id (also a LookupError)
        ├── SignatureError           a webhook request failed verification; ``reason`` says why
        └── TemplateError            a template could not be rendered (missing context variable, bad file)
            └── TemplateMissing      no template exists for the key
"""

from __future__ import annotations

from workflow.errors import AlurError

__all__ = [
    "ConfigurationError",
    "DeliveryError",
    "DeliveryNotFound",
    "NotificationError",
    "SignatureError",
    "TemplateError",
    "TemplateMissing",
]


class NotificationError(AlurError):
    """Root of every exception this package raises on purpose (a branch of alur's one tree)."""


class ConfigurationError(NotificationError, ValueError):
    """A channel cannot be built from the given settings.

    Raised at start-up (``build_channels``, channel constructors), never by ``send``,
    so a misconfigured office fails loudly instead of losing messages one by one.
    """


class DeliveryError(NotificationError):
    """A message could not be handed to its provider.

    ``retryable`` is the only thing the outbox needs to decide what happens next:
    True for conditions that may clear by themselves (timeouts, refused connections,
    SMTP 4xx, HTTP 5xx), False for ones that will fail the same way every time
    (a malformed address, SMTP 5xx, HTTP 4xx) and need a person to look at them.

    Attributes:
        retryable: whether sending the same message again may succeed.
        channel: name of the channel that failed.
        message_id: the outbox id of the message (``Message.id``).
        code: the provider's status code (SMTP reply code, HTTP status), if any.
    """

    def __init__(
        self,
        text: str,
        *,
        retryable: bool,
        channel: str | None = None,
        message_id: str | None = None,
        code: int | None = None,
    ) -> None:
        super().__init__(text)
        self.retryable = retryable
        self.channel = channel
        self.message_id = message_id
        self.code = code

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({str(self)!r}, retryable={self.retryable}, "
            f"channel={self.channel!r}, message_id={self.message_id!r}, code={self.code!r})"
        )


class DeliveryNotFound(NotificationError, LookupError):
    """No delivery with that id; ``alur outbox list`` shows them."""


class SignatureError(NotificationError):
    """A webhook request's signature headers do not prove it came from alur.

    ``reason`` is a short machine-readable code the receiving side can log or count:
    ``missing_timestamp``, ``missing_signature``, ``malformed_timestamp``,
    ``malformed_signature``, ``mismatch`` or ``expired``.
    """

    def __init__(self, text: str, *, reason: str) -> None:
        super().__init__(text)
        self.reason = reason


class TemplateError(NotificationError):
    """A notification template could not be turned into a subject and body."""


class TemplateMissing(TemplateError):
    """No template exists for the requested key, in any locale."""

    def __init__(self, text: str, *, key: str) -> None:
        super().__init__(text)
        self.key = key
