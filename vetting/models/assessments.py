"""Assessments of an app against a pinned checklist version, their answers and the decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from vetting.core.scoring import Verdict
from vetting.core.statuses import AssessmentStatus, SuggestionStatus
from vetting.models.columns import UTCDateTime, json_field, ts


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
    # the dashboard's open count (read from the index alone) and oldest ready assessments
    __table_args__ = (Index("ix_assessment_status_updated", "status", "updated_at", "verdict"),)

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="app.id", index=True)
    checklist_id: str = Field(max_length=64)
    checklist_version: str = Field(max_length=64)
    checklist_sha256: str = Field(foreign_key="checklist_version.sha256", max_length=64)
    status: str = Field(default=AssessmentStatus.OPEN, max_length=16)  # AssessmentStatus
    score: float = 0.0
    verdict: str = Field(default=Verdict.INCOMPLETE, max_length=16)
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
    source: str = Field(max_length=16)  # Source
    evidence_url: str | None = Field(default=None, max_length=2000)
    note: str | None = Field(default=None, sa_type=Text)
    answered_by: str = Field(max_length=320)
    answered_at: datetime = ts()


class AnswerSuggestion(SQLModel, table=True):
    """A proposed answer to one capability (a vendor's questionnaire, an answer link, a page or
    a store listing): it counts for nothing until a person accepts it, which writes the real
    Answer. One pending suggestion per (assessment, capability, origin kind): a newer one
    replaces it. `value` is the answer as the capability stores it (a breach deadline's
    structured fields included)."""

    __tablename__ = "answer_suggestion"
    __table_args__ = (Index("ix_answer_suggestion_assessment_status", "assessment_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id")
    capability_key: str = Field(max_length=64)
    value: Any = json_field()
    source: str = Field(max_length=16)  # Source proposed (attested for questionnaires)
    origin_kind: str = Field(max_length=16)  # OriginKind
    origin_ref: str = Field(max_length=2000)  # question ID, or URL
    origin_file: str | None = Field(default=None, max_length=255)
    origin_sha256: str | None = Field(default=None, max_length=64)
    origin_cell: str | None = Field(default=None, max_length=200)  # Sheet!C14
    note: str | None = Field(default=None, sa_type=Text)  # the vendor's words / quote
    status: str = Field(default=SuggestionStatus.PENDING, max_length=16)  # SuggestionStatus
    created_by: str = Field(max_length=320)
    created_at: datetime = ts()
    decided_by: str | None = Field(default=None, max_length=320)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AnswerLink(SQLModel, table=True):
    """A link a vendor answers one assessment through, without an account: the secret is
    given once and kept only as its SHA-256. It works until it expires or is revoked, and
    (single use) until its first submission. Answers sent through it are suggestions."""

    __tablename__ = "answer_link"

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    token_sha256: str = Field(max_length=64, unique=True)
    recipient_email: str | None = Field(default=None, max_length=320)
    single_use: bool = True
    expires_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(max_length=320)
    created_at: datetime = ts()
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: str | None = Field(default=None, max_length=320)
    submissions: int = 0
    last_submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AnswerEvidence(SQLModel, table=True):
    """A file backing the answer to one capability of an assessment, stored by SHA-256 in the
    document store. Keyed by capability rather than by answer row, so re-answering never loses
    it; the same bytes for the same capability are one row."""

    __tablename__ = "answer_evidence"
    __table_args__ = (
        UniqueConstraint(
            "assessment_id", "capability_key", "sha256", name="uq_answer_evidence_file"
        ),
        Index("ix_answer_evidence_capability", "assessment_id", "capability_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id")
    capability_key: str = Field(max_length=64)
    sha256: str = Field(max_length=64, index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    uploaded_by: str = Field(max_length=320)
    uploaded_at: datetime = ts()


class Decision(SQLModel, table=True):
    __tablename__ = "decision"
    __table_args__ = (
        Index("ix_decision_app_decided", "app_id", "decided_at"),
        Index("ix_decision_awaiting", "needs_confirmation", "decided_at"),  # a second person's
    )

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    app_id: int = Field(foreign_key="app.id")
    decision: str = Field(max_length=16)  # Outcome
    verdict: str = Field(max_length=16)  # Verdict: the recommendation when decided
    score: float
    justification: str | None = Field(default=None, sa_type=Text)
    conditions: str | None = Field(default=None, sa_type=Text)
    decided_by: str = Field(max_length=320)
    decided_at: datetime = ts()
    valid_until: date
    # A decision more permissive than the verdict waits for a second person (docs/rules.md,
    # "Decisions"): in effect from its confirmation, never if refused.
    needs_confirmation: bool = False
    confirmation_reason: str | None = Field(default=None, sa_type=Text)
    # The person who decided (a token's creator, not the token): the second must differ.
    decided_by_person: str | None = Field(default=None, max_length=320)
    confirmed_by: str | None = Field(default=None, max_length=320)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    refused_by: str | None = Field(default=None, max_length=320)
    refused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    refusal_reason: str | None = Field(default=None, sa_type=Text)
    # What was assessed and decided: the app's platform, store ID and vendor then, and the
    # checklist version. A change to the app takes it off the list until decided again.
    pinned_platform: str | None = Field(default=None, max_length=16)
    pinned_store_id: str | None = Field(default=None, max_length=255)
    pinned_vendor_id: int | None = None
    pinned_vendor_name: str | None = Field(default=None, max_length=200)
    checklist_version: str | None = Field(default=None, max_length=64)
    checklist_sha256: str | None = Field(default=None, max_length=64)
    # A re-confirmation of an earlier decision after the app's facts changed.
    reconfirms_id: int | None = Field(default=None, foreign_key="decision.id")


class DecisionCondition(SQLModel, table=True):
    """One condition of a conditional approval: what must happen, by when, and who sees to it.
    Past its due date and not met, it takes the app off the list."""

    __tablename__ = "decision_condition"

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    position: int = 0
    text: str = Field(max_length=500)
    due_date: date = Field(index=True)
    owner: str = Field(max_length=320)
    met_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    met_by: str | None = Field(default=None, max_length=320)
    met_note: str | None = Field(default=None, sa_type=Text)
