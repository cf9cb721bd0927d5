"""Reading the outbox, and managing where reminders go (notification channels).

A channel is an email distribution address or a webhook URL. A webhook's signing secret is
named by an environment variable and read at send time: it never touches the database.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from integrations import http
from integrations.notifiers.base import (
    ConfiguredChannel,
    DeliveryError,
    Message,
    Unwanted,
    notifier_kind,
)
from vetting import audit, clock
from vetting.auth import Principal
from vetting.core.reminders import Channel as ChannelKind
from vetting.core.reminders import NotificationStatus, SubjectKind
from vetting.core.statuses import values
from vetting.db import transaction
from vetting.errors import Conflict, Invalid, NotFound
from vetting.models import Notification
from vetting.models import NotificationChannel as Channel
from vetting.schemas import EMAIL_RE
from vetting.services.common import PageResult, paginate
from vetting.settings import NotifySettings, secret_from_env

STATUSES = values(NotificationStatus)
CHANNELS = values(ChannelKind)
SUBJECT_KINDS = values(SubjectKind)
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,199}$")


def list_(
    s: Session,
    *,
    status: str | None = None,
    channel: str | None = None,
    subject_kind: str | None = None,
    subject_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> PageResult:
    """Outbox rows, newest first, filtered."""
    for name, value, allowed in (
        ("status", status, STATUSES),
        ("channel", channel, CHANNELS),
        ("subject_kind", subject_kind, SUBJECT_KINDS),
    ):
        if value is not None and value not in allowed:
            raise Invalid(f"must be one of {', '.join(allowed)}", name)
    stmt = select(Notification).order_by(col(Notification.id).desc())
    if status:
        stmt = stmt.where(col(Notification.status) == status)
    if channel:
        stmt = stmt.where(col(Notification.channel) == channel)
    if subject_kind:
        stmt = stmt.where(col(Notification.subject_kind) == subject_kind)
    if subject_id is not None:
        stmt = stmt.where(col(Notification.subject_id) == subject_id)
    return paginate(s, stmt, page, per_page)


def channels(s: Session) -> list[Channel]:
    return list(s.scalars(select(Channel).order_by(col(Channel.id))))


def _name(s: Session, name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid("is required (at most 200 characters)", "name")
    if s.scalar(select(Channel).where(col(Channel.name) == name)) is not None:
        raise Conflict(f"a channel named {name!r} already exists", "name")
    return name


def add_email(s: Session, actor: Principal, name: str, address: str) -> Channel:
    """A distribution address that receives every reminder by email."""
    actor.require("admin")
    address = address.strip().lower()
    if not EMAIL_RE.match(address) or len(address) > 320:
        raise Invalid(f"{address!r} is not an email address", "address")
    return _create(s, actor, kind=ChannelKind.EMAIL, name=name, target=address)


def add_webhook(
    s: Session,
    actor: Principal,
    name: str,
    url: str,
    secret_env: str,
    *,
    allow_private: bool = False,
) -> Channel:
    """A webhook that receives every reminder as signed JSON. The URL must pass the SSRF
    guard now (and again at every send); the secret is the named environment variable's."""
    actor.require("admin")
    url = url.strip()
    if len(url) > 1000:
        raise Invalid("is longer than 1000 characters", "url")
    try:
        http.check_url(url, allow_private)
    except http.UnsafeURL as exc:
        raise Invalid(str(exc), "url") from None
    secret_env = (secret_env or "").strip()
    if not ENV_NAME_RE.match(secret_env):
        raise Invalid(
            "must name the environment variable that holds the signing secret "
            "(letters, digits, underscore), not the secret itself",
            "secret_env",
        )
    return _create(s, actor, kind=ChannelKind.WEBHOOK, name=name, target=url, secret_env=secret_env)


def _create(s: Session, actor: Principal, *, name: str, **fields: Any) -> Channel:
    """Store a checked channel under a free name, with its audit event."""
    with transaction(s):
        channel = Channel(name=_name(s, name), **fields)
        s.add(channel)
        s.flush()
        audit.record(
            s,
            actor.name,
            "channel.create",
            "notification_channel",
            channel.id,
            None,
            audit.snapshot(channel),
        )
    return channel


def set_active(s: Session, actor: Principal, name: str, active: bool) -> Channel:
    """Turn a channel off (its pending rows are cancelled at their next attempt) or on."""
    actor.require("admin")
    with transaction(s):
        channel = s.scalar(select(Channel).where(col(Channel.name) == name.strip()))
        if channel is None:
            raise NotFound(f"no channel named {name!r}")
        before = audit.snapshot(channel)
        channel.active = active
        s.flush()
        audit.record(
            s,
            actor.name,
            "channel.update",
            "notification_channel",
            channel.id,
            before,
            audit.snapshot(channel),
        )
    return channel


def get_channel(s: Session, channel_id: int) -> Channel:
    channel = s.get(Channel, channel_id) if 0 < channel_id < 2**31 else None
    if channel is None:
        raise NotFound(f"no notification channel {channel_id}", "channel")
    return channel


def send_test(
    s: Session, actor: Principal, channel_id: int, settings: NotifySettings
) -> tuple[bool, str]:
    """Send one test message to a channel now, through the same notifier as reminders (SMTP
    for e-mail, the signed POST for a webhook, with its SSRF guard), outside the outbox: a
    test is never retried and never counts as a reminder. (True, what happened) or (False,
    why it failed). Audited either way; works on a channel that is turned off, so it can be
    checked before it is turned on."""
    actor.require("admin")
    channel = get_channel(s, channel_id)
    kind = notifier_kind(channel.kind)
    now = clock.now()
    message = Message(
        delivery_id=f"vetting-test-{channel.id}-{int(now.timestamp())}",
        recipient=channel.target if channel.kind == ChannelKind.EMAIL else channel.name,
        title="Test message from Vetting",
        text=(
            f"This is a test of the notification channel {channel.name!r}, sent by "
            f"{actor.name} at {now.isoformat(timespec='seconds')}. Reminders of BAA deadlines "
            "and decisions coming due will arrive the same way."
        ),
        payload={"event": "vetting.test", "channel": channel.name},
    )
    configured = ConfiguredChannel(
        kind=channel.kind,
        name=channel.name,
        target=channel.target,
        active=True,
        secret_env=channel.secret_env,
        secret=secret_from_env(channel.secret_env),
    )
    try:
        if kind is None:
            raise DeliveryError(f"no notifier for channels of kind {channel.kind!r}")
        kind.for_delivery(settings, recipient=message.recipient, channel=configured).send(message)
        ok, said = True, f"sent to {message.recipient}"
    except (DeliveryError, Unwanted) as exc:
        ok, said = False, str(exc)
    with transaction(s):
        audit.record(
            s,
            actor.name,
            "channel.test",
            "notification_channel",
            channel.id,
            None,
            {"ok": ok, "result": said[:500]},
        )
    return ok, said
