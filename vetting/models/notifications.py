"""Reminders: the persistent outbox and the channels it delivers to."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from vetting.core.reminders import NotificationStatus
from vetting.models.columns import UTCDateTime, json_field, ts

# What makes a reminder the same reminder: the outbox holds each such row once, so a second
# sweep, instance or restart inserts nothing (INSERT … ON CONFLICT DO NOTHING on this key).
ONCE_KEY = (
    "subject_kind",
    "subject_id",
    "kind",
    "term_end",
    "threshold_days",
    "channel",
    "recipient",
)


class Notification(SQLModel, table=True):
    """The persistent outbox. The unique key makes every (subject, term, threshold, channel,
    recipient) notification exist at most once, whatever reruns or instances do."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint(*ONCE_KEY, name="uq_notification_once"),)

    id: int | None = Field(default=None, primary_key=True)
    subject_kind: str = Field(max_length=20)  # SubjectKind
    subject_id: int
    kind: str = Field(max_length=30)  # ReminderKind
    term_end: date
    threshold_days: int
    channel: str = Field(max_length=20)  # Channel
    recipient: str = Field(max_length=500)
    title: str = Field(max_length=500)
    body: str = Field(sa_type=Text)
    payload: Any = json_field()
    status: str = Field(default=NotificationStatus.PENDING, max_length=20, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    created_at: datetime = ts()
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NotificationChannel(SQLModel, table=True):
    """Where reminders go besides in-app: an email distribution address or a webhook URL.
    Secrets (the HMAC key) are named by environment variable, never stored."""

    __tablename__ = "notification_channel"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # Channel.EMAIL or Channel.WEBHOOK
    name: str = Field(max_length=200, unique=True)
    target: str = Field(max_length=1000)
    secret_env: str | None = Field(default=None, max_length=200)
    active: bool = True
    created_at: datetime = ts()


class NotificationRead(SQLModel, table=True):
    """That one person has read one in-app reminder (the inbox is shared by role; what each
    person has read is their own)."""

    __tablename__ = "notification_read"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", primary_key=True)
    read_at: datetime = ts()
