"""The notifier family: a Notifier delivers one Message over one channel. Each is one class
with a `slug` (the outbox row's channel) and one `send` method (after Netflix/lemur's plugin
bases), registered with `integrations.registry.register`; a new channel is one new file in
integrations/notifiers/."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar

from integrations import registry

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


class Unwanted(Exception):
    """A notification that can no longer be sent (its channel was removed or disabled): the
    outbox cancels it with this reason instead of retrying it."""


@dataclass(frozen=True)
class ConfiguredChannel:
    """A notification channel configured in the app, as the notifier of its kind reads it:
    plain values, no database row; `secret` is the value of the environment variable
    `secret_env` names ("" when it is unset or the channel has none)."""

    kind: str
    name: str
    target: str
    active: bool = True
    secret_env: str | None = None
    secret: str = field(default="", repr=False)


class Batch:
    """Connections shared by the sends of one delivery batch: one SMTP connection per server
    and one HTTP client per kind of target, opened on first use and closed when the batch
    ends (a TLS context and a TCP/TLS handshake per message cost more than the send)."""

    def __init__(self) -> None:
        self._open: dict[Hashable, Any] = {}
        self._closers: dict[Hashable, Callable[[Any], None]] = {}

    def get(self, key: Hashable, open_: Callable[[], Any], close: Callable[[Any], None]) -> Any:
        """The connection kept under `key`, opened with `open_()` the first time."""
        if key not in self._open:
            self._open[key] = open_()
            self._closers[key] = close
        return self._open[key]

    def drop(self, key: Hashable) -> None:
        """Close and forget the connection under `key` (it broke; the next use reopens)."""
        conn = self._open.pop(key, None)
        closer = self._closers.pop(key, None)
        if conn is not None and closer is not None:
            # closing a broken connection may fail too; it is gone anyway
            with contextlib.suppress(Exception):
                closer(conn)

    def close(self) -> None:
        for key in list(self._open):
            self.drop(key)

    def __enter__(self) -> Batch:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Notifier(ABC):
    """Delivers a Message over one channel; raises DeliveryError when it could not. Its
    `slug` is the channel an outbox row names."""

    family: ClassVar[str] = FAMILY
    slug: ClassVar[str]

    @classmethod
    def for_delivery(
        cls, settings: Any, *, recipient: str, channel: ConfiguredChannel | None
    ) -> Notifier:
        """The notifier that sends one outbox row to `recipient`. `settings`: the service's
        notification settings (vetting.settings.NotifySettings); `channel`: the configured
        channel the row names, if any. Raises DeliveryError when it cannot send now (the row
        is retried) and Unwanted when it never will (the row is cancelled)."""
        return cls()

    @abstractmethod
    def send(self, message: Message) -> None:
        """Deliver `message` on its own."""

    def deliver(self, message: Message, batch: Batch) -> None:
        """Deliver `message` within a delivery batch, reusing its connections where the
        channel has any to reuse (the default sends on its own)."""
        self.send(message)


def notifier_kind(slug: str) -> type[Notifier] | None:
    """The notifier class of an outbox row's channel; None when no notifier has that slug."""
    return registry.lookup(FAMILY, slug)
