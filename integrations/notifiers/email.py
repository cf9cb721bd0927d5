"""Email over SMTP (smtplib): STARTTLS or implicit TLS, optional login. Settings come from
the service (VETTING_SMTP_*); nothing here reads Flask or the database."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from integrations.notifiers.base import ConfiguredChannel, DeliveryError, Message, Notifier
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
        st = self.settings
        mail = build(message, st.sender)
        context = ssl.create_default_context()
        try:
            if st.ssl:
                server: smtplib.SMTP = smtplib.SMTP_SSL(
                    st.host, st.port, timeout=st.timeout, context=context
                )
            else:
                server = smtplib.SMTP(st.host, st.port, timeout=st.timeout)
            with server:
                if st.starttls and not st.ssl:
                    server.starttls(context=context)
                if st.user:
                    server.login(st.user, st.password or "")
                server.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                f"recipient refused: {exc.recipients}",
                permanent=all(500 <= c < 600 for c in codes),
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"SMTP server does not support it: {exc}") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP login refused ({exc.smtp_code})") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP {st.host}:{st.port}: {exc}") from None
