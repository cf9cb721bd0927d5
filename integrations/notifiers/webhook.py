"""Signed JSON webhooks for Slack, Teams or anything that takes a POST.

The body carries a top-level `text` (what Slack and Teams incoming webhooks display) and the
structured notification. `X-Vetting-Signature: sha256=<hex HMAC-SHA256 of the exact body>`
lets a receiver prove the message came from us; `X-Vetting-Delivery` repeats the delivery id
so a receiver can drop a retry it already processed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx

from integrations import http
from integrations.notifiers.base import (
    Batch,
    ConfiguredChannel,
    DeliveryError,
    Message,
    Notifier,
    Unwanted,
)
from integrations.registry import register

SIGNATURE_HEADER = "X-Vetting-Signature"
DELIVERY_HEADER = "X-Vetting-Delivery"
# Worth retrying: the receiver is busy, rate-limits us or is down.
RETRYABLE = frozenset({408, 409, 425, 429})


def sign(secret: bytes, body: bytes) -> str:
    """The signature header's value for `body`."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def body_of(message: Message) -> bytes:
    """The exact bytes that are signed and sent."""
    document = {"text": f"*{message.title}*\n{message.text}", **message.payload}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


@register
class WebhookNotifier(Notifier):
    """POSTs one message to one URL through the SSRF-guarded client."""

    slug = "webhook"

    def __init__(
        self,
        url: str,
        secret: bytes,
        timeout: float = http.DEFAULT_TIMEOUT,
        allow_private: bool = False,
    ) -> None:
        if not secret:
            raise ValueError("a webhook needs a signing secret")
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.allow_private = allow_private

    @classmethod
    def for_delivery(
        cls, settings: Any, *, recipient: str, channel: ConfiguredChannel | None
    ) -> WebhookNotifier:
        """The webhook channel the row names, signing with the secret its `secret_env`
        names; the row is unwanted once that channel was removed or disabled."""
        if channel is None or not channel.active or channel.kind != cls.slug:
            raise Unwanted(f"webhook channel {recipient!r} was removed or disabled")
        if not channel.secret:
            raise DeliveryError(
                f"environment variable {channel.secret_env} (the signing secret of webhook "
                f"{channel.name!r}) is not set"
            )
        return cls(
            channel.target,
            channel.secret.encode(),
            timeout=settings.webhook_timeout,
            allow_private=settings.allow_private_urls,
        )

    def send(self, message: Message) -> None:
        self._post(message, None)

    def deliver(self, message: Message, batch: Batch) -> None:
        self._post(message, batch)

    def _post(self, message: Message, batch: Batch | None) -> None:
        try:
            http.check_url(self.url, self.allow_private)
        except http.UnsafeURL as exc:
            raise DeliveryError(f"refused URL: {exc}", permanent=True) from None
        body = body_of(message)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self.secret, body),
            DELIVERY_HEADER: message.delivery_id,
        }
        try:
            if batch is None:
                with http.client(self.timeout, self.allow_private) as c:
                    response = c.post(self.url, content=body, headers=headers)
            else:  # one guarded client (TLS context, kept connections) for the whole batch
                c = batch.get(
                    ("http", self.timeout, self.allow_private),
                    lambda: http.client(self.timeout, self.allow_private),
                    lambda client: client.close(),
                )
                response = c.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException:
            raise DeliveryError(f"timed out after {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise DeliveryError(f"could not connect: {exc}") from None
        if response.is_success:
            return
        status = response.status_code
        detail = response.text[:200].strip()
        problem = f"HTTP {status} from the webhook" + (f": {detail}" if detail else "")
        permanent = 400 <= status < 500 and status not in RETRYABLE
        raise DeliveryError(problem, permanent=permanent)
