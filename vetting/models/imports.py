"""Bulk imports waiting for their confirmation: the previewed file, kept for a short while."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from vetting.models.columns import UTCDateTime, ts


class PendingImport(SQLModel, table=True):
    """A file a person previewed on the import page: its bytes and SHA-256, so the confirm
    button applies exactly that file, by that person, before `expires_at`. Deleted when it is
    applied; expired ones are deleted by the next preview."""

    __tablename__ = "pending_import"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # ImportKind
    filename: str = Field(max_length=255)
    sheet: str | None = Field(default=None, max_length=100)
    date_order: str | None = Field(default=None, max_length=8)
    default_vendor: str | None = Field(default=None, max_length=200)
    sha256: str = Field(max_length=64)
    # The file's bytes, base64: text, so a backup (JSON lines) carries it like any column.
    data: str = Field(sa_type=Text)
    counts: str = Field(sa_type=Text)  # the previewed counts (JSON): confirm refuses others
    created_by: str = Field(max_length=320)
    created_at: datetime = ts()
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
