"""Delivering the outbox: send the pending notifications that are due, remember every attempt,
retry with exponential back-off, and give up (status `failed`, shown) after N attempts.

A row is claimed before it is sent, in a short transaction: the claim counts the attempt and
moves `next_attempt_at` past a lease, so a second deliverer (another instance, the CLI next to
the scheduler) does not see it; PostgreSQL claims with FOR UPDATE SKIP LOCKED, SQLite under
its write lock. Sending happens outside any transaction (a slow SMTP server never holds the
database), and each outcome is saved in its own transaction — guarded by the attempt number,
so a deliverer whose lease ran out cannot overwrite a newer result. A channel that is down
loses nothing: its rows stay pending and come back when their back-off ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlmodel import Session, col

from integrations.notifiers.base import (
    Batch,
    ConfiguredChannel,
    DeliveryError,
    Message,
    Notifier,
    Unwanted,
    notifier_kind,
)
from vetting import clock
from vetting.core.reminders import NotificationStatus
from vetting.db import transaction
from vetting.models import Notification
from vetting.models import NotificationChannel as Channel
from vetting.services import locks, reminders
from vetting.settings import NotifySettings, secret_from_env


@dataclass
class DeliverySummary:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0  # failed this time, will be tried again
    failed: int = 0  # gave up: permanent error or out of attempts
    cancelled: int = 0  # the subject or channel no longer wants it
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def backoff(attempts: int, settings: NotifySettings) -> timedelta:
    """Delay after the `attempts`-th failure: base · 2^(attempts−1), capped."""
    exponent = min(max(attempts - 1, 0), 30)
    seconds = min(settings.backoff_seconds * 2**exponent, settings.backoff_cap_seconds)
    return timedelta(seconds=seconds)


def lease(settings: NotifySettings) -> timedelta:
    """How long a claim hides a row from other deliverers: a whole batch of slow sends."""
    per_send = max(settings.smtp_timeout, settings.webhook_timeout) + 5
    return timedelta(seconds=settings.batch_size * per_send + 60)


def deliver_due(
    s: Session,
    now: datetime | None = None,
    *,
    settings: NotifySettings,
    limit: int | None = None,
) -> DeliverySummary:
    """Send every pending notification whose next attempt is due at `now`, batch by batch."""
    now = now or clock.now()
    summary = DeliverySummary()
    remaining = limit
    while remaining is None or remaining > 0:
        size = settings.batch_size if remaining is None else min(settings.batch_size, remaining)
        claimed = _claim(s, now, settings, size, summary)
        if not claimed:
            break
        channels = {c.id: c for c in s.scalars(select(Channel))}
        with Batch() as batch:  # one SMTP connection, one HTTP client for the batch
            for row in claimed:
                _deliver_one(s, row, now, settings, channels, summary, batch)
        if remaining is not None:
            remaining -= len(claimed)
        if len(claimed) < size:
            break
    return summary


@dataclass(frozen=True)
class _Claimed:
    id: int
    attempts: int
    channel: str
    recipient: str
    title: str
    body: str
    payload: dict[str, Any]


def _claim(
    s: Session, now: datetime, settings: NotifySettings, size: int, summary: DeliverySummary
) -> list[_Claimed]:
    with transaction(s):
        locks.write_lock(s)
        rows = list(
            s.scalars(
                select(Notification)
                .where(
                    col(Notification.status) == NotificationStatus.PENDING,
                    or_(
                        col(Notification.next_attempt_at).is_(None),
                        col(Notification.next_attempt_at) <= now,
                    ),
                )
                .order_by(col(Notification.id))
                .limit(size)
                .with_for_update(skip_locked=True)
            )
        )
        if not rows:
            return []
        ids = [r.id for r in rows if r.id is not None]  # all of them: rows read from the table
        retired = reminders.cancel_unwanted(s, clock.local_day(now), ids)
        summary.cancelled += len(retired)
        claimed: list[_Claimed] = []
        until = now + lease(settings)
        for row in rows:
            if row.id in retired:
                continue
            assert row.id is not None  # read from the table
            row.attempts += 1
            row.next_attempt_at = until
            claimed.append(
                _Claimed(
                    row.id,
                    row.attempts,
                    row.channel,
                    row.recipient,
                    row.title,
                    row.body,
                    row.payload or {},
                )
            )
        summary.claimed += len(claimed)
        s.flush()
    return claimed


def _notifier(
    row: _Claimed, settings: NotifySettings, channels: dict[int | None, Channel]
) -> Notifier | str:
    """The notifier registered for the row's channel, or why the row can no longer be sent
    (it is cancelled)."""
    kind = notifier_kind(row.channel)
    if kind is None:
        return f"unknown channel {row.channel!r}"
    try:
        return kind.for_delivery(settings, recipient=row.recipient, channel=_channel(row, channels))
    except Unwanted as exc:
        return str(exc)


def _channel(row: _Claimed, channels: dict[int | None, Channel]) -> ConfiguredChannel | None:
    """The configured channel the row names (a webhook's), its secret read from the
    environment variable the channel names."""
    channel = channels.get(int(row.payload.get("channel_id") or 0))
    if channel is None:
        return None
    return ConfiguredChannel(
        kind=channel.kind,
        name=channel.name,
        target=channel.target,
        active=channel.active,
        secret_env=channel.secret_env,
        secret=secret_from_env(channel.secret_env),
    )


def _message(row: _Claimed) -> Message:
    payload = {k: v for k, v in row.payload.items() if k != "channel_id"}
    payload.update(delivery_id=f"vetting-notification-{row.id}", title=row.title, body=row.body)
    return Message(
        delivery_id=f"vetting-notification-{row.id}",
        recipient=row.recipient,
        title=row.title,
        text=row.body,
        payload=payload,
    )


def _deliver_one(
    s: Session,
    row: _Claimed,
    now: datetime,
    settings: NotifySettings,
    channels: dict[int | None, Channel],  # by id, typed as the model's (every stored row has one)
    summary: DeliverySummary,
    batch: Batch,
) -> None:
    error: DeliveryError | None = None
    cancelled: str | None = None
    try:
        notifier = _notifier(row, settings, channels)
        if isinstance(notifier, str):
            cancelled = notifier
        else:
            notifier.deliver(_message(row), batch)
    except DeliveryError as exc:
        error = exc
    except Exception as exc:  # a bug in a notifier must not lose the row
        error = DeliveryError(f"{type(exc).__name__}: {exc}")
    if cancelled:
        values: dict[str, Any] = {
            "status": NotificationStatus.CANCELLED,
            "next_attempt_at": None,
            "last_error": f"cancelled: {cancelled}",
        }
        summary.cancelled += 1
    elif error is None:
        values = {
            "status": NotificationStatus.SENT,
            "sent_at": clock.now(),
            "next_attempt_at": None,
            "last_error": None,
        }
        summary.sent += 1
    elif error.permanent or row.attempts >= settings.max_attempts:
        why = "permanent error" if error.permanent else f"gave up after {row.attempts} attempts"
        values = {
            "status": NotificationStatus.FAILED,
            "next_attempt_at": None,
            "last_error": f"{error} ({why})"[:4000],
        }
        summary.failed += 1
        summary.errors.append(f"#{row.id} {row.channel} {row.recipient}: {error}")
    else:
        values = {
            "next_attempt_at": now + backoff(row.attempts, settings),
            "last_error": str(error)[:4000],
        }
        summary.retrying += 1
        summary.errors.append(f"#{row.id} {row.channel} {row.recipient}: {error}")
    with transaction(s):
        s.execute(
            update(Notification)
            .where(
                col(Notification.id) == row.id,
                col(Notification.status) == NotificationStatus.PENDING,
                col(Notification.attempts) == row.attempts,
            )
            .values(**values)
        )
