"""What an app's store listing said at its last lookup (one row per app)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from vetting.core.store_listing import ListingStatus
from vetting.models.columns import UTCDateTime, json_field, ts


class StoreListing(SQLModel, table=True):
    """An app's listing in its store, as the last successful lookup found it, with the URL,
    time and SHA-256 of what was read; and the last failed attempt's error (a failure keeps
    the earlier facts, and clears on the next success). Machine-found: nothing here counts
    in an assessment until a person accepts a suggestion made from it."""

    __tablename__ = "store_listing"

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="app.id", unique=True)
    platform: str = Field(max_length=16)
    store_id: str = Field(max_length=255)  # the ID looked up (the app's may change later)
    country: str = Field(max_length=8)
    status: str = Field(default=ListingStatus.UNKNOWN, max_length=16)  # ListingStatus
    lookup_url: str | None = Field(default=None, max_length=2000)
    sha256: str | None = Field(default=None, max_length=64)
    fetched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    found_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # last seen listed
    title: str | None = Field(default=None, max_length=500)
    seller_name: str | None = Field(default=None, max_length=500)
    developer_name: str | None = Field(default=None, max_length=500)
    store_url: str | None = Field(default=None, max_length=2000)
    version: str | None = Field(default=None, max_length=100)
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    minimum_os: str | None = Field(default=None, max_length=50)
    developer_website: str | None = Field(default=None, max_length=2000)
    developer_email: str | None = Field(default=None, max_length=320)
    privacy_policy_url: str | None = Field(default=None, max_length=2000)
    track_id: str | None = Field(default=None, max_length=64)  # iTunes trackId
    developer_id: str | None = Field(default=None, max_length=64)  # iTunes artistId
    data_safety: Any = json_field()  # the declaration (None: not this store, or unread)
    flags: Any = json_field()  # [{"code", "message"}]
    last_error: str | None = Field(default=None, sa_type=Text)
    last_error_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = ts()
    updated_at: datetime = ts()
