"""The foundation tables: vendors, apps, assessments, decisions, BAAs, audit, users, tokens."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from vetting.models.columns import UTCDateTime, json_field, ts


class Vendor(SQLModel, table=True):
    __tablename__ = "vendor"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True, index=True)
    website: str | None = Field(default=None, max_length=500)
    contact_email: str | None = Field(default=None, max_length=320)
    notes: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = ts()
    updated_at: datetime = ts()


class App(SQLModel, table=True):
    __tablename__ = "app"
    __table_args__ = (UniqueConstraint("platform", "store_id", name="uq_app_platform_store_id"),)

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    name: str = Field(max_length=200, index=True)
    platform: str = Field(max_length=16)  # ios | android | web
    store_id: str | None = Field(default=None, max_length=255)
    category: str | None = Field(default=None, max_length=100)
    store_url: str | None = Field(default=None, max_length=500)
    revoked_on: date | None = None
    revoked_reason: str | None = Field(default=None, max_length=1000)
    created_at: datetime = ts()
    updated_at: datetime = ts()


class ChecklistVersion(SQLModel, table=True):
    """The exact text of every checklist an assessment was made against, by SHA-256."""

    __tablename__ = "checklist_version"

    sha256: str = Field(primary_key=True, max_length=64)
    checklist_id: str = Field(max_length=64, index=True)
    version: str = Field(max_length=64)
    content: str = Field(sa_type=Text)
    first_seen_at: datetime = ts()


class Assessment(SQLModel, table=True):
    __tablename__ = "assessment"

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="app.id", index=True)
    checklist_id: str = Field(max_length=64)
    checklist_version: str = Field(max_length=64)
    checklist_sha256: str = Field(foreign_key="checklist_version.sha256", max_length=64)
    status: str = Field(default="open", max_length=16)  # open | decided
    score: float = 0.0
    verdict: str = Field(default="incomplete", max_length=16)
    created_by: str = Field(max_length=320)
    created_at: datetime = ts()
    updated_at: datetime = ts()


class Answer(SQLModel, table=True):
    __tablename__ = "answer"
    __table_args__ = (
        UniqueConstraint("assessment_id", "capability_key", name="uq_answer_capability"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    capability_key: str = Field(max_length=64)
    value: Any = json_field()
    source: str = Field(max_length=16)  # verified | attested | discovered
    evidence_url: str | None = Field(default=None, max_length=2000)
    note: str | None = Field(default=None, sa_type=Text)
    answered_by: str = Field(max_length=320)
    answered_at: datetime = ts()


class Decision(SQLModel, table=True):
    __tablename__ = "decision"
    __table_args__ = (Index("ix_decision_app_decided", "app_id", "decided_at"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    app_id: int = Field(foreign_key="app.id")
    decision: str = Field(max_length=16)  # approved | conditional | rejected
    verdict: str = Field(max_length=16)  # the recommendation at the time of the decision
    score: float
    justification: str | None = Field(default=None, sa_type=Text)
    conditions: str | None = Field(default=None, sa_type=Text)
    decided_by: str = Field(max_length=320)
    decided_at: datetime = ts()
    valid_until: date


class BAA(SQLModel, table=True):
    __tablename__ = "baa"

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    title: str | None = Field(default=None, max_length=200)
    effective_date: date
    expiration_date: date | None = None
    auto_renews: bool = False
    renewal_term_months: int | None = None
    notice_days: int | None = None
    parent_agreement: str | None = Field(default=None, max_length=200)
    breach_notification_days: int | None = None
    subcontractor_flowdown: bool | None = None
    return_or_destroy: bool | None = None
    terminated_on: date | None = None
    termination_reason: str | None = Field(default=None, max_length=1000)
    owner_email: str | None = Field(default=None, max_length=320)
    notes: str | None = Field(default=None, sa_type=Text)
    # Register lifecycle (issue "BAA register"): draft | pending_signature | active |
    # superseded | terminated. Only active and superseded agreements can be in force; a
    # superseded one only until its successor takes effect (superseded_on).
    status: str = Field(default="active", max_length=20, index=True)
    supersedes_id: int | None = Field(default=None, foreign_key="baa.id")
    superseded_on: date | None = None
    created_at: datetime = ts()
    updated_at: datetime = ts()


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


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    password_hash: str = Field(max_length=500)
    role: str = Field(max_length=16)
    active: bool = True
    created_at: datetime = ts()


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=16)
    scopes: list[str] = json_field(list)
    created_by: str = Field(max_length=320)
    created_at: datetime = ts()
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
