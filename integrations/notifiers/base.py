"""The notifier family: a Notifier delivers one Message over one channel. Each is one class
with a `slug` (the outbox row's channel) and one `send` method (after Netflix/lemur's plugin
bases), registered with `integrations.registry.register`; a new channel is one new file in
integrations/notifiers/."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

FAMILY = "notifiers"


@dataclass(frozen=True)
class Message:
    """One notification to deliver: what a notifier needs, nothing from the database."""

    delivery_id: str  # stable across retries: lets receivers drop a repeat
    recipient: str
    title: str
    text: str
    payload: dict[str, Any] = field(default_factory=dict)


class DeliveryError(Exception):
    """A send that did not happen. `permanent` errors are not retried (a refused recipient,
    a URL the SSRF guard forbids); everything else is retried with back-off."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Notifier(ABC):
    """Delivers a Message over one channel; raises DeliveryError when it could not."""

    family: ClassVar[str] = FAMILY
    slug: ClassVar[str]

    @abstractmethod
    def send(self, message: Message) -> None: ...
