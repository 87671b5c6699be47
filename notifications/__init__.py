"""Notifications for alur: who is told what, rendered once, handed to a channel, delivered from the outbox.

The package root is the plumbing with no Flask, SQLAlchemy, Redis or rq imports, usable anywhere::

    subject, body = render("tanda_terima", "id", context)
    message = Message(id=outbox_id, channel="email", recipient=address,
                      subject=subject, body=body, locale="id")
    reference = build_channels(os.environ)["email"].send(message)

Delivery from the outbox reads and writes only through the store port (``uow.outbox``,
``uow.deliveries``, ``uow.inbox``, ``uow.users``, ``uow.audit``), never SQL; one module per job:

=====================  ===================================================================================
``recipients``         a recipient spec (``pemohon``, ``role:tim`` ...) -> targets (pure)
``templates``          Jinja2 texts in Indonesian and English
``context``            what a template may say about its ticket
``channels``           email, webhook (WhatsApp/SMS), in-memory; `build_channels`
``expansion``          an outbox row -> deliveries, rendered once, audited
``sending``            one attempt: claim with a lease, send, record, back off
``inapp``              in-app messages (an inbox row, not a channel)
``jobs``               the rq side: what goes on the notification queue, and the jobs
``delivery``           after commit, the background thread, the periodic sweep; `install`
``retry``              the operator's retries
``cli``                ``alur outbox``
=====================  ===================================================================================

Exceptions (see ``notifications.errors``), a branch of alur's one tree (``workflow.errors``)::

    AlurError
    └── NotificationError
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
