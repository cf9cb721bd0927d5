"""BAA register: signed documents, the reminder outbox, notification channels, job runs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from vetting.models.columns import UTCDateTime, json_field, ts


class BaaDocument(SQLModel, table=True):
    """A signed agreement file, stored under the instance folder by SHA-256; never altered."""

    __tablename__ = "baa_document"

    id: int | None = Field(default=None, primary_key=True)
    baa_id: int = Field(foreign_key="baa.id", index=True)
    sha256: str = Field(max_length=64, index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    uploaded_by: str = Field(max_length=320)
    uploaded_at: datetime = ts()


class Notification(SQLModel, table=True):
    """The persistent outbox. The unique key makes every (subject, term, threshold, channel,
    recipient) notification exist at most once, whatever reruns or instances do."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint(
            "subject_kind",
            "subject_id",
            "kind",
            "term_end",
            "threshold_days",
            "channel",
            "recipient",
            name="uq_notification_once",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    subject_kind: str = Field(max_length=20)  # baa | assessment
    subject_id: int
    kind: str = Field(max_length=30)  # term_end | notice_deadline | expired | reassessment
    term_end: date
    threshold_days: int
    channel: str = Field(max_length=20)  # in-app | email | webhook
    recipient: str = Field(max_length=500)
    title: str = Field(max_length=500)
    body: str = Field(sa_type=Text)
    payload: Any = json_field()
    status: str = Field(default="pending", max_length=20, index=True)
    # pending | sent | failed | cancelled
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
    kind: str = Field(max_length=20)  # email | webhook
    name: str = Field(max_length=200, unique=True)
    target: str = Field(max_length=1000)
    secret_env: str | None = Field(default=None, max_length=200)
    active: bool = True
    created_at: datetime = ts()


class JobRun(SQLModel, table=True):
    """One run of a scheduled job (reminder sweep, delivery, auto-publish), for the dashboard."""

    __tablename__ = "job_run"

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=50, index=True)
    as_of: date | None = None
    started_at: datetime = ts()
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default="running", max_length=20)  # running | ok | failed | skipped
    detail: Any = json_field()
