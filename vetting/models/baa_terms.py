"""Terms read from a BAA's signed document: one reading per document (what was read, or why
nothing was) and the suggestions legal accepts into the register's fields or dismisses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from vetting.models.columns import UTCDateTime, json_field, ts


class BaaTermReading(SQLModel, table=True):
    """Reading one attached document: `error` says why no terms were read (a scan with no
    text layer, an encrypted PDF…); `result` is everything read (vetting/core/baa_terms.py's
    JSON), conflicts and informational terms included."""

    __tablename__ = "baa_term_reading"

    id: int | None = Field(default=None, primary_key=True)
    baa_id: int = Field(foreign_key="baa.id", index=True)
    document_id: int = Field(foreign_key="baa_document.id", unique=True)
    error: str | None = Field(default=None, sa_type=Text)
    result: Any = json_field()
    read_at: datetime = ts()


class BaaTermSuggestion(SQLModel, table=True):
    """One term read from a document, for one register field (`field`: breach_notification,
    effective_date, expiration_date, subcontractor_flow_down, return_or_destroy or
    provision:<key>). Pending until legal accepts it (written through the BAA services, the
    quote kept here and on the field where it has one) or dismisses it."""

    __tablename__ = "baa_term_suggestion"
    __table_args__ = (
        UniqueConstraint("document_id", "field", name="uq_baa_term_suggestion_document_field"),
        Index("ix_baa_term_suggestion_baa_status", "baa_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    baa_id: int = Field(foreign_key="baa.id")
    document_id: int = Field(foreign_key="baa_document.id")
    field: str = Field(max_length=80)
    value: Any = json_field()
    quote: str | None = Field(default=None, sa_type=Text)
    status: str = Field(default="pending", max_length=16)  # pending / accepted / dismissed
    created_at: datetime = ts()
    decided_by: str | None = Field(default=None, max_length=320)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
