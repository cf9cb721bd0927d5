"""Vendor pages watched for claims, and the claims their last good fetch made."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from vetting.models.columns import UTCDateTime, ts


class WatchedPage(SQLModel, table=True):
    """A URL of a vendor's (trust page, security page) read for claims: the last attempt and
    its outcome, and the SHA-256 of the last page read."""

    __tablename__ = "watched_page"
    __table_args__ = (UniqueConstraint("vendor_id", "url", name="uq_watched_page_vendor_url"),)

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    url: str = Field(max_length=2000)
    checklist_id: str | None = Field(default=None, max_length=64)  # signals of; None = all
    added_by: str = Field(max_length=320)
    added_at: datetime = ts()
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_fetched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # last good
    last_error: str | None = Field(default=None, sa_type=Text)  # the last attempt's, or None
    final_url: str | None = Field(default=None, max_length=2000)  # after redirects
    sha256: str | None = Field(default=None, max_length=64)
    fetch_count: int = 0  # good fetches so far


class PageClaim(SQLModel, table=True):
    """One claim of a watched page's last good fetch: the capability, the stance (and its
    condition), the quote and where it stands in the page's readable text."""

    __tablename__ = "page_claim"

    id: int | None = Field(default=None, primary_key=True)
    page_id: int = Field(foreign_key="watched_page.id", index=True)
    capability_key: str = Field(max_length=64)
    stance: str = Field(max_length=16)  # core.claims.Stance
    condition: str | None = Field(default=None, sa_type=Text)
    quote: str = Field(sa_type=Text)
    start_offset: int
    end_offset: int
    url: str = Field(max_length=2000)
    fetched_at: datetime = Field(sa_type=UTCDateTime)
    sha256: str = Field(max_length=64)
