"""The in-app channel: the dashboard reads the outbox itself."""

from __future__ import annotations

from integrations.notifiers.base import Message, Notifier
from integrations.registry import register


@register
class InAppNotifier(Notifier):
    """The dashboard reads the outbox itself: an in-app notification is delivered once it
    exists, so sending is a no-op that never fails."""

    slug = "in-app"

    def send(self, message: Message) -> None:
        return None
