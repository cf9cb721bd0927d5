"""Vendors and their apps."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from vetting.models.columns import folded, keep_folded, ts


class Vendor(SQLModel, table=True):
    __tablename__ = "vendor"
    # The register's and the vendors list's order: by name ignoring case (migration 0022).
    __table_args__ = (Index("ix_vendor_name_folded", text("lower(name)"), "id"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True, index=True)
    website: str | None = Field(default=None, max_length=500)
    contact_email: str | None = Field(default=None, max_length=320)
    notes: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = ts()
    updated_at: datetime = ts()


class App(SQLModel, table=True):
    __tablename__ = "app"
    __table_args__ = (
        UniqueConstraint("platform", "store_id", name="uq_app_platform_store_id"),
        # The search reads the folded text from this index, not from 50,000 rows (0023).
        Index("ix_app_search_folded", "name_folded", "store_id_folded"),
    )

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    name: str = Field(max_length=200, index=True)
    platform: str = Field(max_length=16)  # Platform
    store_id: str | None = Field(default=None, max_length=255)
    category: str | None = Field(default=None, max_length=100)
    store_url: str | None = Field(default=None, max_length=500)
    revoked_on: date | None = None
    revoked_reason: str | None = Field(default=None, max_length=1000)
    created_at: datetime = ts()
    updated_at: datetime = ts()
    # lower(name) and lower(store_id), kept for searches (migration 0023; models/columns.py).
    name_folded: str | None = folded("name")
    store_id_folded: str | None = folded("store_id")


keep_folded(App, {"name_folded": "name", "store_id_folded": "store_id"})
