"""Email over SMTP (smtplib): STARTTLS or implicit TLS, optional login. Settings come from
the service (VETTING_SMTP_*); nothing here reads Flask or the database."""

from __future__ import annotations

import functools
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from integrations.notifiers.base import (
    Batch,
    ConfiguredChannel,
    DeliveryError,
    Message,
    Notifier,
)
from integrations.registry import register


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    starttls: bool = True
    ssl: bool = False  # implicit TLS (port 465)
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "vetting@localhost"
    timeout: float = 10.0


def build(message: Message, sender: str) -> EmailMessage:
    """The email for one message. Its Message-ID is derived from the delivery id, so a retry
    after an uncertain send is recognisable as the same mail."""
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Date"] = formatdate(localtime=False)
    domain = sender.rpartition("@")[2] or "localhost"
    mail["Message-ID"] = (
        f"<{message.delivery_id}@{domain}>" if message.delivery_id else (make_msgid(domain=domain))
    )
    mail.set_content(message.text + "\n")
    return mail


@register
class EmailNotifier(Notifier):
    slug = "email"

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    @classmethod
    def for_delivery(
        cls, settings: Any, *, recipient: str, channel: ConfiguredChannel | None
    ) -> EmailNotifier:
        if not settings.smtp_host:
            raise DeliveryError("SMTP is not configured (set VETTING_SMTP_HOST)")
        return cls(
            SmtpSettings(
                host=settings.smtp_host,
                port=settings.smtp_port,
                starttls=settings.smtp_starttls,
                ssl=settings.smtp_ssl,
                user=settings.smtp_user,
                password=settings.smtp_password,
                sender=settings.smtp_from,
                timeout=settings.smtp_timeout,
            )
        )

    def send(self, message: Message) -> None:
        with Batch() as own:
            self.deliver(message, own)

    def deliver(self, message: Message, batch: Batch) -> None:
        """Send over the batch's connection to this server (opened, secured and logged in
        once per batch). A kept connection the server has closed meanwhile is reopened once:
        nothing was sent on it."""
        self._send(build(message, self.settings.sender), batch)

    def _send(self, mail: EmailMessage, batch: Batch) -> None:
        st = self.settings
        key = ("smtp", st)
        try:
            try:
                self._connection(batch, key).send_message(mail)
            except smtplib.SMTPServerDisconnected:
                batch.drop(key)
                self._connection(batch, key).send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                f"recipient refused: {exc.recipients}",
                permanent=all(500 <= c < 600 for c in codes),
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            batch.drop(key)
            raise DeliveryError(f"SMTP server does not support it: {exc}") from None
        except smtplib.SMTPAuthenticationError as exc:
            batch.drop(key)
            raise DeliveryError(f"SMTP login refused ({exc.smtp_code})") from None
        except (smtplib.SMTPException, OSError) as exc:
            batch.drop(key)
            raise DeliveryError(f"SMTP {st.host}:{st.port}: {exc}") from None

    def _connection(self, batch: Batch, key: Any) -> smtplib.SMTP:
        conn: smtplib.SMTP = batch.get(key, self._open, _quit)
        return conn

    def _open(self) -> smtplib.SMTP:
        st = self.settings
        context = tls_context()
        server: smtplib.SMTP
        if st.ssl:
            server = smtplib.SMTP_SSL(st.host, st.port, timeout=st.timeout, context=context)
        else:
            server = smtplib.SMTP(st.host, st.port, timeout=st.timeout)
        try:
            if st.starttls and not st.ssl:
                server.starttls(context=context)
            if st.user:
                server.login(st.user, st.password or "")
        except BaseException:
            _quit(server)
            raise
        return server


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One default TLS context per process (loading the CA store is most of a send's CPU)."""
    return ssl.create_default_context()


def _quit(server: smtplib.SMTP) -> None:
    try:
        server.quit()
    except (smtplib.SMTPException, OSError):
        server.close()
