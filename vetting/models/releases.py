"""Approved-list releases and MDM sync targets."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from vetting.core.statuses import SyncStatus
from vetting.models.columns import UTCDateTime, json_field, ts

# A release's summary, in the order the latest release is looked up (by day, then id); not
# its note (free text: a PostgreSQL index entry must stay under 2,704 bytes).
_SUMMARY = (
    "as_of",
    "id",
    "sha256",
    "entry_count",
    "previous_id",
    "created_by",
    "created_at",
)


class AllowlistRelease(SQLModel, table=True):
    """An immutable published list: its canonical JSON's SHA-256, and the diff to the last."""

    __tablename__ = "allowlist_release"
    # The summary in the order the latest release is looked up: read from the index alone,
    # as SQLite reaches the columns after `content` only by walking its overflow pages.
    __table_args__ = (Index("ix_allowlist_release_summary", *_SUMMARY),)

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, index=True)
    as_of: date
    content: Any = json_field(dict)  # {"entries": [...], "excluded": [...]}
    entry_count: int = 0
    previous_id: int | None = Field(default=None, foreign_key="allowlist_release.id")
    diff: Any = json_field(dict)  # {"added": [...], "removed": [...]}, each with a reason
    created_by: str = Field(max_length=320)
    created_at: datetime = ts()
    note: str | None = Field(default=None, sa_type=Text)


class SyncTarget(SQLModel, table=True):
    """An MDM (or webhook) the list is pushed to. `settings` holds no secrets: secret values
    are named by environment variable (e.g. {"client_secret_env": "INTUNE_SECRET"})."""

    __tablename__ = "sync_target"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)  # intune | android-management | webhook
    name: str = Field(max_length=200, unique=True)
    settings: Any = json_field(dict)
    active: bool = True
    last_synced_release_id: int | None = Field(default=None, foreign_key="allowlist_release.id")
    last_sync_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_result: str | None = Field(default=None, max_length=20)  # SyncStatus.OK or FAILED
    created_at: datetime = ts()


class SyncRun(SQLModel, table=True):
    __tablename__ = "sync_run"

    id: int | None = Field(default=None, primary_key=True)
    target_id: int = Field(foreign_key="sync_target.id", index=True)
    release_id: int = Field(foreign_key="allowlist_release.id")
    dry_run: bool = False
    started_at: datetime = ts()
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default=SyncStatus.RUNNING, max_length=20)
    calls: Any = json_field(list)  # the exact requests made (method, url, body), no secrets
    error: str | None = Field(default=None, sa_type=Text)
