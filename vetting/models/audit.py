"""The audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from vetting.models.columns import json_field, ts


class AuditEvent(SQLModel, table=True):
    """Append-only, hash-chained: hash = sha256(prev_hash + canonical event)."""

    __tablename__ = "audit_event"
    # The newest event per kind of record: what names the version of each dashboard section.
    __table_args__ = (Index("ix_audit_event_entity_seq", "entity_type", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)
    at: datetime = ts()
    actor: str = Field(max_length=320)
    action: str = Field(max_length=64, index=True)
    entity_type: str = Field(max_length=64)
    entity_id: str | None = Field(default=None, max_length=64)
    before: Any = json_field()
    after: Any = json_field()
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
