"""Delivery channels: one interface (`Channel`), one adapter per provider, an in-memory fake, and
`build_channels`, which builds the office's channels from its environment.

==================  ===========================================================================
module              what it holds
==================  ===========================================================================
``base``            the `Channel` protocol and what the adapters share
``email``           `EmailChannel` (SMTP)
``webhook``         `WebhookChannel` (the WhatsApp/SMS gateway) and its signature, `sign` and
                    `verify_signature`
``memory``          `MemoryChannel`, the development default and the tests' fake
``config``          `build_channels` from ``ALUR_SMTP_*`` and ``ALUR_WEBHOOK_*``
==================  ===========================================================================
"""

from notifications.channels.base import Channel, is_loopback
from notifications.channels.config import build_channels
from notifications.channels.email import EmailChannel
from notifications.channels.memory import MemoryChannel
from notifications.channels.webhook import WebhookChannel, sign, verify_signature

__all__ = ["Channel", "EmailChannel", "MemoryChannel", "WebhookChannel", "build_channels", "is_loopback", "sign",
           "verify_signature"]
