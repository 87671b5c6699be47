"""The office's channels, built from its environment settings (``ALUR_SMTP_*``, ``ALUR_WEBHOOK_*``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from notifications.channels.agency import NAME as AGENCY_WEBHOOK
from notifications.channels.agency import AgencyWebhookChannel
from notifications.channels.base import Channel
from notifications.channels.email import DEFAULT_SENDER, SECURITY_MODES, EmailChannel
from notifications.channels.memory import MemoryChannel
from notifications.channels.webhook import WebhookChannel
from notifications.errors import ConfigurationError

__all__ = ["build_channels"]

logger = logging.getLogger(__name__)


def build_channels(config: Mapping[str, str]) -> dict[str, Channel]:
    """Build the office's channels from env-style settings.

    Keys read: ALUR_SMTP_HOST, ALUR_SMTP_PORT, ALUR_SMTP_SECURITY (none | starttls | ssl),
    ALUR_SMTP_USERNAME, ALUR_SMTP_PASSWORD, ALUR_SMTP_SENDER, ALUR_WEBHOOK_URL,
    ALUR_WEBHOOK_SECRET. Empty values count as unset, as they do in env files.

    Returns a dict with keys "email", "webhook", "whatsapp" and "sms"; the last three
    are the same gateway channel, so the outbox can route by the complaint's channel
    ("answered through the same medium"). Without ALUR_SMTP_HOST (or ALUR_WEBHOOK_URL)
    that channel is a ``MemoryChannel`` of the same name and a warning is logged: the
    embedded default delivers nothing, but loses nothing either. "agency_webhook" posts a transferred
    complaint to an agency's own URL, signed with ALUR_AGENCY_WEBHOOK_SECRET (else ALUR_WEBHOOK_SECRET;
    with neither, kept in memory).

    Raises:
        ConfigurationError: for a malformed port or security mode, credentials given
            by halves, or a webhook URL without a secret.
    """

    def get(key: str) -> str | None:
        value = config.get(key)
        return value.strip() if value is not None and value.strip() else None

    channels: dict[str, Channel] = {}
    host = get("ALUR_SMTP_HOST")
    if host is None:
        logger.warning("ALUR_SMTP_HOST is not set: email is kept in memory and not delivered")
        channels["email"] = MemoryChannel(name="email")
    else:
        port_text = get("ALUR_SMTP_PORT")
        port = None
        if port_text is not None:
            if not port_text.isdigit() or not 0 < int(port_text) < 65536:
                raise ConfigurationError(f"ALUR_SMTP_PORT={port_text!r} is not a port number (1-65535)")
            port = int(port_text)
        security = (get("ALUR_SMTP_SECURITY") or "none").lower()
        if security not in SECURITY_MODES:
            raise ConfigurationError(
                f"ALUR_SMTP_SECURITY={security!r} is not one of {', '.join(SECURITY_MODES)}"
            )
        channels["email"] = EmailChannel(
            host,
            port,
            security=security,
            username=get("ALUR_SMTP_USERNAME"),
            password=get("ALUR_SMTP_PASSWORD"),
            sender=get("ALUR_SMTP_SENDER") or DEFAULT_SENDER,
        )

    url = get("ALUR_WEBHOOK_URL")
    webhook: Channel
    if url is None:
        logger.warning("ALUR_WEBHOOK_URL is not set: WhatsApp/SMS messages are kept in memory and not delivered")
        webhook = MemoryChannel(name="webhook")
    else:
        secret = get("ALUR_WEBHOOK_SECRET")
        if secret is None:
            raise ConfigurationError(
                "ALUR_WEBHOOK_URL is set but ALUR_WEBHOOK_SECRET is not; set the shared secret the gateway "
                "verifies signatures with"
            )
        webhook = WebhookChannel(url, secret)
    for key in ("webhook", "whatsapp", "sms"):
        channels[key] = webhook
    agency_secret = get("ALUR_AGENCY_WEBHOOK_SECRET") or get("ALUR_WEBHOOK_SECRET")
    channels[AGENCY_WEBHOOK] = AgencyWebhookChannel(agency_secret) if agency_secret else MemoryChannel(AGENCY_WEBHOOK)
    return channels
