"""The agency webhook channel: a complaint transferred to an agency, posted to the agency's own endpoint.

An agency outside the office (`workflow.services.agencies`) may take complaints by webhook rather than by
email; its URL is the message's recipient. The request is the gateway's (`WebhookChannel`): signed JSON,
``Idempotency-Key`` = the delivery id, redirects refused, so an agency verifies it with
`notifications.channels.webhook.verify_signature` and the secret the office gave it
(``ALUR_AGENCY_WEBHOOK_SECRET``, else ``ALUR_WEBHOOK_SECRET``).
"""
from __future__ import annotations

from notifications.channels.webhook import WebhookChannel
from notifications.errors import ConfigurationError, DeliveryError
from notifications.message import Message

__all__ = ["AgencyWebhookChannel", "NAME"]

NAME = "agency_webhook"


class AgencyWebhookChannel:
    """POST each message, signed, to the URL it is addressed to (the agency's webhook)."""

    def __init__(self, secret: str, timeout: float = 10, *, name: str = NAME) -> None:
        if not secret:
            raise ConfigurationError("the agency webhook secret is empty; set ALUR_AGENCY_WEBHOOK_SECRET")
        self._secret = secret
        self.timeout = timeout
        self.name = name

    def __repr__(self) -> str:
        return "AgencyWebhookChannel()"

    def send(self, message: Message) -> str:
        """Deliver to ``message.recipient``; a URL that is not http(s) can never succeed (not retryable)."""
        try:
            channel = WebhookChannel(message.recipient, self._secret, self.timeout, name=self.name)
        except ConfigurationError as exc:
            raise DeliveryError(f"the agency's webhook address is not usable: {exc}", retryable=False,
                                channel=self.name, message_id=message.id) from exc
        return channel.send(message)
