"""Notifications for alur: render a text, hand it to a channel.

Pure delivery plumbing with no Flask, SQLAlchemy, Redis or rq imports, so the
outbox layer can call it from rq jobs and tests can run it without services::

    subject, body = render("tanda_terima", "id", context)
    message = Message(id=outbox_id, channel="email", recipient=address,
                      subject=subject, body=body, locale="id")
    reference = build_channels(os.environ)["email"].send(message)

Exceptions (see ``notifications.errors``)::

    NotificationError
    ├── ConfigurationError
    ├── DeliveryError (retryable)
    ├── SignatureError (reason)
    └── TemplateError
        └── TemplateMissing
"""

from notifications.channels import (
    Channel,
    EmailChannel,
    MemoryChannel,
    WebhookChannel,
    build_channels,
    sign,
    verify_signature,
)
from notifications.errors import (
    ConfigurationError,
    DeliveryError,
    NotificationError,
    SignatureError,
    TemplateError,
    TemplateMissing,
)
from notifications.message import Message
from notifications.templates import available_templates, render

__all__ = [
    "Channel",
    "ConfigurationError",
    "DeliveryError",
    "EmailChannel",
    "MemoryChannel",
    "Message",
    "NotificationError",
    "SignatureError",
    "TemplateError",
    "TemplateMissing",
    "WebhookChannel",
    "available_templates",
    "build_channels",
    "render",
    "sign",
    "verify_signature",
]
