"""Request and response models. The API validates with them and the OpenAPI document is
generated from them, so the two cannot drift apart."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeVar, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    computed_field,
    field_validator,
    model_validator,
)

from vetting import clock
from vetting.core.breach import COLUMNS as BREACH_COLUMNS
from vetting.core.breach import clause_from as breach_clause_of
from vetting.core.breach import legacy_days
from vetting.core.breach import words as breach_words
from vetting.core.checklist import Checklist, newer_version, reassess_notice
from vetting.core.scoring import EvidenceStrength
from vetting.core.statuses import AssessmentStatus
from vetting.core.store_ids import ANDROID_PACKAGE_RE, IOS_BUNDLE_RE, Platform

if TYPE_CHECKING:  # the services import this module; the views are only annotations here
    from vetting.queries.breach import BreachCheck
    from vetting.services.assessments import AssessmentView
    from vetting.services.baas import BaaView
    from vetting.services.decisions import DecisionView

# The core enums' values spelled as Literal[...] (a type checker needs them written out;
# tests/test_statuses.py keeps each equal to its enum): the JSON Schema lists them as `enum`
# and a refusal names them ("Input should be 'ios', 'android' or 'web'").
PlatformName = Literal["ios", "android", "web"]
SourceName = Literal["verified", "attested", "discovered"]
DecisionName = Literal["approved", "conditional", "rejected"]
TierName = Literal["gate", "required", "scored"]

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Bounds every database can store: ids are 32-bit INTEGER columns in PostgreSQL; date arithmetic
# (renewals, "the day after") must not overflow date.max; PostgreSQL text cannot hold NUL.
MAX_ID = 2**31 - 1
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2999, 12, 31)


def _url(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    value = value.strip()
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
        raise ValueError("must be an http:// or https:// URL")
    return value


def _email(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    value = value.strip()
    if not EMAIL_RE.match(value):
        raise ValueError("must be an email address")
    return value.lower()


def check_store_id(platform: str, store_id: str | None) -> str | None:
    if store_id is None or store_id.strip() == "":
        return None
    store_id = store_id.strip()
    if platform == Platform.IOS and not IOS_BUNDLE_RE.match(store_id):
        raise ValueError("an iOS bundle ID looks like com.example.app")
    if platform == Platform.ANDROID and not ANDROID_PACKAGE_RE.match(store_id):
        raise ValueError("an Android package name looks like com.example.app")
    return store_id


# Line breaks and tabs are text in a note or a justification; every other control character
# (C0, DEL, C1) is refused: it breaks MDM profiles, calendar feeds and spreadsheets.
_TEXT_CONTROLS = frozenset("\t\n\r")
# Fields that are one line (a name, a title): no line break or tab either.
ONE_LINE_FIELDS = frozenset(
    {"name", "title", "store_id", "category", "website", "email", "owner", "owner_email",
     "contact_email", "parent_agreement", "text", "revoked_reason", "termination_reason",
     "checklist_id", "decided_by"}
)  # fmt: skip


def control_problem(text: str, one_line: bool = False) -> str | None:
    """Why a text cannot be stored, or None: a control character (named by its code point)."""
    for ch in text:
        if unicodedata.category(ch) == "Cc" and (one_line or ch not in _TEXT_CONTROLS):
            if ch == "\x00":
                return "must not contain NUL characters"
            return f"must not contain control characters (found U+{ord(ch):04X})"
    return None


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_kind(annotation: Any) -> type | None:
    """date or datetime when a field holds one (Optional included), else None."""
    if annotation is date or annotation is datetime:
        return annotation
    for arg in get_args(annotation):
        if found := _date_kind(arg):
            return found
    return None


def _scalar_kind(annotation: Any) -> type | None:
    """bool or int when a field holds exactly that (Optional included), else None."""
    if annotation is bool or annotation is int:
        return annotation
    args = [a for a in get_args(annotation) if a is not type(None)]
    return _scalar_kind(args[0]) if len(args) == 1 else None


JSON_BODY = {"json_body": True}  # validation context of an API request body


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _strict_dates(cls, value: Any, info: ValidationInfo) -> Any:
        """A date is an ISO string YYYY-MM-DD (or a date): a number, or digits, would be read
        as seconds since 1970 (`"as_of": 0` was a release dated 1970-01-01). In a JSON body
        (context JSON_BODY) a boolean is `true`/`false` and a whole number a JSON number: a
        lax parse took 0 or "yes" for a boolean and "5" or 5.0 for a number (a form's text
        fields are still read as text)."""
        if info.field_name is None or isinstance(value, date) or value is None:
            return value
        field = cls.model_fields.get(info.field_name)
        if field is not None and info.context and info.context.get("json_body"):
            scalar = _scalar_kind(field.annotation)
            if scalar is bool and not isinstance(value, bool):
                raise ValueError("must be true or false")
            if scalar is int and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError("must be a whole number")
        kind = _date_kind(field.annotation) if field is not None else None
        if kind is None:
            return value
        if isinstance(value, int | float) or (
            kind is date and isinstance(value, str) and not _ISO_DATE.fullmatch(value.strip())
        ):
            raise ValueError("must be a date as YYYY-MM-DD")
        return value

    @field_validator("*")
    @classmethod
    def _storable(cls, value: Any, info: ValidationInfo) -> Any:
        one_line = info.field_name in ONE_LINE_FIELDS
        texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        for text in texts:
            if isinstance(text, str) and (problem := control_problem(text, one_line)):
                raise ValueError(problem)
        if isinstance(value, date) and not MIN_DATE <= value <= MAX_DATE:
            raise ValueError(f"must be between {MIN_DATE} and {MAX_DATE}")
        return value


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T")


class Page(Out, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int


class PageQuery(In):
    page: int = Field(1, ge=1, le=MAX_ID)
    per_page: int = Field(50, ge=1, le=500)
    q: str | None = Field(None, max_length=200, description="case-insensitive name search")


# --- vendors -------------------------------------------------------------------------------


class VendorCreate(In):
    name: str = Field(min_length=1, max_length=200)
    website: str | None = Field(None, max_length=500)
    contact_email: str | None = Field(None, max_length=320)
    notes: str | None = Field(None, max_length=10000)

    _website = field_validator("website")(_url)
    _email = field_validator("contact_email")(_email)


class VendorUpdate(In):
    name: str | None = Field(None, min_length=1, max_length=200)
    website: str | None = Field(None, max_length=500)
    contact_email: str | None = Field(None, max_length=320)
    notes: str | None = Field(None, max_length=10000)

    _website = field_validator("website")(_url)
    _email = field_validator("contact_email")(_email)


class VendorOut(Out):
    id: int
    name: str
    website: str | None
    contact_email: str | None
    notes: str | None
    created_at: datetime
    updated_at: datetime


# --- apps ----------------------------------------------------------------------------------


class AppCreate(In):
    vendor_id: int = Field(ge=1, le=MAX_ID)
    name: str = Field(min_length=1, max_length=200)
    platform: PlatformName
    store_id: str | None = Field(
        None, max_length=255, description="iOS bundle ID or Android package name"
    )
    category: str | None = Field(None, max_length=100)
    store_url: str | None = Field(None, max_length=500)

    _store_url = field_validator("store_url")(_url)

    @field_validator("store_id")
    @classmethod
    def _check_store_id(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "platform" not in info.data:  # the platform itself is invalid: reported there
            return value
        return check_store_id(info.data["platform"], value)


class AppUpdate(In):
    vendor_id: int | None = Field(None, ge=1, le=MAX_ID)
    name: str | None = Field(None, min_length=1, max_length=200)
    platform: PlatformName | None = None
    store_id: str | None = Field(None, max_length=255)
    category: str | None = Field(None, max_length=100)
    store_url: str | None = Field(None, max_length=500)
    revoked_on: date | None = Field(None, description="the app leaves the list from this day")
    revoked_reason: str | None = Field(None, max_length=1000)

    _store_url = field_validator("store_url")(_url)


class AppOut(Out):
    id: int
    vendor_id: int
    name: str
    platform: str
    store_id: str | None
    category: str | None
    store_url: str | None
    revoked_on: date | None
    revoked_reason: str | None
    created_at: datetime
    updated_at: datetime


class AppQuery(PageQuery):
    vendor_id: int | None = Field(None, ge=1, le=MAX_ID)
    platform: PlatformName | None = None


# --- checklists ----------------------------------------------------------------------------


class CapabilityOut(Out):
    key: str
    theme: str
    title: str
    question: str
    kind: str
    weight: float
    tier: TierName = Field(
        description="gate: no credit → rejected; required: less than full credit → at best "
        "conditional; scored: weight only"
    )
    gating: bool = Field(description='tier == "gate" (kept for older clients)')
    satisfied_by: list[str] = Field(
        description="required capabilities whose full credit also meets this requirement"
    )
    allow_na: bool
    guidance: str
    references: list[str]
    rule: str
    options: list[str] | None = None
    unit: str | None = None


class ChecklistSummary(Out):
    id: str
    version: str
    title: str
    sha256: str
    approve_at: float
    conditional_at: float
    capability_count: int


class ChecklistOut(ChecklistSummary):
    description: str
    capabilities: list[CapabilityOut]


# --- assessments ---------------------------------------------------------------------------


class AssessmentCreate(In):
    app_id: int = Field(ge=1, le=MAX_ID)
    checklist_id: str = Field(min_length=1, max_length=64)


class AnswerIn(In):
    value: Any = Field(
        description='true/false; an option name; a number; "n/a" where the capability allows '
        'it; or a deadline (kind max_days): a number of calendar days, "72 hours", '
        '"5 business days", "unstated" or wording without a number ("without unreasonable '
        'delay": the 60-day legal maximum), or an object {"value": 5, "unit": '
        '"hours" | "calendar_days" | "business_days", "trigger": "discovery" | "confirmation" | '
        '"unspecified", "quote": "the clause"} ({"stated": false, "quote": …} when it names no '
        "number). A deadline is stored as that object with the computed worst-case calendar "
        '"days" and "stated".'
    )
    source: SourceName
    evidence_url: str | None = Field(None, max_length=2000)
    note: str | None = Field(None, max_length=10000)

    _evidence = field_validator("evidence_url")(_url)


class EvidenceOut(Out):
    """An evidence file behind one capability's answer; download it from `download`."""

    id: int
    assessment_id: int
    capability_key: str
    sha256: str
    filename: str
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: datetime
    download: str = ""

    @classmethod
    def of(cls, row: Any) -> EvidenceOut:
        out = cls.model_validate(row)
        out.download = f"/api/v1/assessments/{out.assessment_id}/evidence/{out.id}"
        return out


class EvidenceStrengthOut(BaseModel):
    """How the applicable weight is answered: percents add up to 100 (0s when nothing is
    applicable); weights are the checklist's."""

    verified: int
    attested: int
    unanswered: int
    verified_weight: float
    attested_weight: float
    unanswered_weight: float
    applicable_weight: float
    summary: str

    @classmethod
    def of(cls, e: EvidenceStrength) -> EvidenceStrengthOut:
        v, a, u = e.percents()
        return cls(
            verified=v,
            attested=a,
            unanswered=u,
            verified_weight=e.verified_weight,
            attested_weight=e.attested_weight,
            unanswered_weight=e.unanswered_weight,
            applicable_weight=e.applicable_weight,
            summary=e.summary(),
        )


class CapabilityScore(Out):
    key: str
    title: str
    theme: str
    tier: TierName
    gating: bool
    weight: float
    status: str
    value: Any
    credit: float | None
    points: float
    possible: float
    source: str | None
    evidence_url: str | None
    note: str | None
    explanation: str
    counts_as: str | None = Field(
        None,
        description="the source the verdict and the evidence figure use: `verified` without "
        "an evidence URL or file counts as `attested`",
    )
    unsupported: bool = Field(
        False, description="marked verified but no evidence attached (counts as attested)"
    )
    files: list[EvidenceOut] = Field(
        default_factory=list, description="evidence files attached to this answer"
    )

    answer_text: str | None = Field(
        None,
        description="the answer in words where the value alone would mislead: a deadline "
        'such as "5 business days (7 calendar days at worst) from discovery" or "unstated '
        '(60-day legal maximum)"',
    )


class ConditionIn(In):
    text: str = Field(min_length=1, max_length=500, description="what must happen")
    due_date: date = Field(
        description="the last day to meet it; the day after, unmet, the app leaves the list"
    )
    owner: str = Field(max_length=320, description="e-mail of who sees to it (gets reminders)")

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str) -> str:
        email = _email(value)
        if email is None:
            raise ValueError("is required: the e-mail address of who sees to it")
        return email


class DecisionIn(In):
    decision: DecisionName
    justification: str | None = Field(
        None,
        max_length=10000,
        description="required (with at least the configured number of letters or digits) "
        "when the decision differs from the verdict",
    )
    valid_until: date | None = Field(
        None, description="defaults to the configured months from today; capped by a setting"
    )
    conditions: list[ConditionIn] = Field(
        default_factory=list,
        max_length=50,
        description="a conditional approval's conditions (at least one); none otherwise",
    )


class RefusalIn(In):
    reason: str = Field(min_length=1, max_length=10000)


class ReconfirmIn(In):
    justification: str = Field(min_length=1, max_length=10000)


class ConditionMetIn(In):
    note: str = Field(min_length=1, max_length=10000, description="how it was met")


class ConditionOut(Out):
    id: int
    text: str
    due_date: date
    owner: str
    met_at: datetime | None
    met_by: str | None
    met_note: str | None
    overdue: bool = Field(description="past its due date and not met (today)")


class DecisionOut(Out):
    id: int
    assessment_id: int
    app_id: int
    decision: str
    verdict: str
    score: float
    justification: str | None
    conditions: list[ConditionOut]
    conditions_text: str | None = Field(
        description="the conditions in words (free text for decisions made before conditions "
        "had due dates)"
    )
    decided_by: str
    decided_at: datetime
    valid_until: date
    confirmation: Literal["not_needed", "pending", "confirmed", "refused"] = Field(
        description="a decision more permissive than the verdict waits for a second person"
    )
    confirmation_reason: str | None
    confirmed_by: str | None
    confirmed_at: datetime | None
    refused_by: str | None
    refused_at: datetime | None
    refusal_reason: str | None
    pinned_platform: str | None
    pinned_store_id: str | None
    pinned_vendor_id: int | None
    checklist_version: str | None
    reconfirms_id: int | None
    shortfalls: list[str] = Field(
        description="what this decision lacks by today's rules (decisions made before them)"
    )

    @classmethod
    def from_view(cls, view: DecisionView) -> DecisionOut:
        d = view.decision
        return cls(
            **{
                name: getattr(d, name)
                for name in cls.model_fields
                if name not in {"conditions", "conditions_text", "confirmation", "shortfalls"}
            },
            conditions=[
                ConditionOut(
                    id=c.id or 0,
                    text=c.text,
                    due_date=c.due_date,
                    owner=c.owner,
                    met_at=c.met_at,
                    met_by=c.met_by,
                    met_note=c.met_note,
                    overdue=c.id in view.overdue_ids,
                )
                for c in view.conditions
            ],
            conditions_text=d.conditions,
            confirmation=view.confirmation,
            shortfalls=list(view.shortfalls),
        )


class DecisionList(Out):
    items: list[DecisionOut]


class AssessmentOut(Out):
    id: int
    app_id: int
    checklist_id: str
    checklist_version: str
    checklist_sha256: str
    status: str
    score: float
    verdict: str
    created_by: str
    created_at: datetime
    updated_at: datetime


class BreachClauseOut(Out):
    days: int = Field(
        description="worst-case calendar days: hours rounded up, business days across weekends; "
        "60 (the legal maximum) when the clause states no number"
    )
    value: float | None
    unit: str | None = Field(description="hours, calendar_days or business_days; null: unstated")
    trigger: str
    quote: str | None
    stated: bool = Field(description="false: the clause states no number (60-day maximum)")
    words: str = Field(description='e.g. "72 hours (3 calendar days, rounded up) from discovery"')

    @classmethod
    def of(cls, clause: Mapping[str, Any] | None) -> BreachClauseOut | None:
        if clause is None:
            return None
        return cls(**clause, words=breach_words(clause))


class BreachDifferenceOut(Out):
    app_id: int
    app_name: str
    assessment_id: int
    answer: str = Field(description="the assessment's breach answer, in words")
    message: str


class BreachRegisterOut(Out):
    baa_id: int
    vendor_name: str
    clause: BreachClauseOut
    answer: str = Field(description='the breach answer in words ("not answered" when none)')
    differs: bool
    message: str | None = Field(
        description='e.g. "the BAA with Acme Health says 72 hours (…); this answer says 30 '
        'calendar days"'
    )

    @classmethod
    def of(cls, check: BreachCheck | None) -> BreachRegisterOut | None:
        if check is None:
            return None
        clause = BreachClauseOut.of(check.source.clause)
        assert clause is not None
        return cls(
            baa_id=check.source.baa_id,
            vendor_name=check.source.vendor_name,
            clause=clause,
            answer=check.answer_words,
            differs=check.differs,
            message=check.message,
        )


class AssessmentDetail(AssessmentOut):
    reasons: list[str]
    answered: int
    total: int
    gating_failures: list[str] = Field(description="gates answered with no credit")
    gating_unanswered: list[str] = Field(description="gates not answered yet")
    missing: list[str] = Field(
        description="gates and required capabilities not answered: the verdict is incomplete "
        "until this is empty"
    )
    conditions: list[str] = Field(
        description="for a conditional verdict: each required capability short of full credit "
        "and each gate answered only attested"
    )
    evidence: EvidenceStrengthOut = Field(
        description="share of the applicable weight answered verified, attested, not at all"
    )
    attested_gates: list[str] = Field(
        description="gates answered only attested (or verified without evidence)"
    )
    unsupported: list[str] = Field(
        description="answers marked verified with no evidence attached: they count as attested"
    )
    capabilities: list[CapabilityScore]
    decisions: list[DecisionOut]
    newer_checklist_version: str | None = Field(
        None,
        description="a newer version of this checklist is loaded: the assessment stays pinned "
        "to its own version; reassess against this one",
    )
    notice: str | None = Field(
        None, description='in words, e.g. "reassess against v2.0.0 (pinned to v1.1.0)"'
    )
    breach_register: BreachRegisterOut | None = Field(
        None,
        description="the breach clause of the BAA in force covering this app (the source of "
        "the breach answer) and whether the answer differs from it; null when no such BAA "
        "records a clause, or the checklist has no breach question",
    )

    @classmethod
    def from_view(
        cls, view: AssessmentView, loaded: Mapping[str, Checklist] | None = None
    ) -> AssessmentDetail:
        """An assessment with its score, as the API returns it and `vetting score --json`
        prints it; with the loaded checklists, whether a newer version asks for reassessment."""
        a, score = view.assessment, view.score
        newer = newer_version(view.checklist, loaded) if loaded is not None else None
        stored = AssessmentOut.model_validate(a).model_dump()
        if a.status == AssessmentStatus.OPEN:
            # An open assessment shows the verdict its answers give under today's rules; the
            # stored one catches up at the next change (a decided one keeps its own).
            stored |= {"score": score.score, "verdict": score.verdict}
        return cls(
            newer_checklist_version=newer.version if newer else None,
            notice=reassess_notice(view.checklist, newer) if newer else None,
            breach_register=BreachRegisterOut.of(view.breach),
            **stored,
            reasons=list(score.reasons),
            answered=score.answered,
            total=score.total,
            gating_failures=list(score.gating_failures),
            gating_unanswered=list(score.gating_unanswered),
            missing=list(score.missing),
            conditions=list(score.conditions),
            evidence=EvidenceStrengthOut.of(score.evidence),
            attested_gates=list(score.attested_gates),
            unsupported=list(score.unsupported),
            capabilities=[
                CapabilityScore.model_validate(c).model_copy(
                    update={"files": [EvidenceOut.of(f) for f in view.files_of(c.key)]}
                )
                for c in score.capabilities
            ],
            decisions=[DecisionOut.from_view(d) for d in view.decisions],
        )


class AssessmentQuery(PageQuery):
    app_id: int | None = Field(None, ge=1, le=MAX_ID)
    status: Literal["open", "decided"] | None = None


class VendorQuestionnaireQuery(In):
    checklist: str = Field(
        min_length=1, max_length=64, description="the checklist's id (its current version)"
    )


class QuestionnaireImportQuery(In):
    dry_run: bool = Field(False, description="check the file and report, write nothing")


class QuestionnaireChangeOut(Out):
    """What importing one answered row does: `cell` is the answer's cell (Questions!D14)."""

    capability_key: str
    title: str
    cell: str
    action: Literal["create", "update", "unchanged"]
    before: str | None = Field(description="the stored answer and its source, if any")
    after: str


class QuestionnaireImportOut(Out):
    """An imported (or, with dry_run, checked) questionnaire workbook: one change per answered
    row; blank rows change nothing."""

    file: str
    sha256: str
    assessment_id: int
    checklist: str
    applied: bool
    created: int
    updated: int
    unchanged: int
    blank: int
    changes: list[QuestionnaireChangeOut]


# --- BAAs ----------------------------------------------------------------------------------


class _BaaFields(In):
    title: str | None = Field(None, max_length=200)
    expiration_date: date | None = Field(
        None,
        description="the term end as the contract states it: the LAST day the agreement is in "
        "force (it is out of force from the day after); null = evergreen",
    )
    auto_renews: bool | None = None
    renewal_term_months: int | None = Field(None, ge=1, le=120)
    notice_days: int | None = Field(
        None, ge=0, le=3650, description="notice of non-renewal in days (not with notice_months)"
    )
    notice_months: int | None = Field(
        None,
        ge=0,
        le=120,
        description="notice of non-renewal in calendar months (not with notice_days)",
    )
    parent_agreement: str | None = Field(
        None,
        max_length=200,
        description="the master agreement whose term this BAA inherits, if it has none of its own",
    )
    parent_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="the parent agreement record (GET /api/v1/parent-agreements) it belongs to",
    )
    follows_parent: bool | None = Field(
        None,
        description="true: its effective and expiration dates, renewal and notice terms come "
        "from the parent agreement (needs parent_id; dates sent with it must match the "
        "parent's)",
    )
    breach_notification_days: int | None = Field(
        None,
        ge=0,
        le=3650,
        description="older form of breach_clause: a number of calendar days (null clears the "
        "clause); give one or the other",
    )
    breach_clause: Any = Field(
        None,
        description="the BAA's breach-notification clause: its words (\"within 72 hours of "
        'discovery", "without unreasonable delay" = unstated), or {"value": 72, "unit": '
        '"hours" | "calendar_days" | "business_days", "trigger": "discovery" | '
        '"confirmation" | "unspecified", "quote": "…"}, or {"stated": false} when it states '
        "no number (the 60-day legal maximum); null = not recorded",
    )
    subcontractor_flowdown: bool | None = None
    return_or_destroy: bool | None = None
    terminated_on: date | None = Field(
        None,
        description="the day the termination takes effect: the first day out of force (its "
        "last day in force is the day before)",
    )
    termination_reason: str | None = Field(None, max_length=1000)
    owner_email: str | None = Field(None, max_length=320)
    notes: str | None = Field(None, max_length=10000)
    signed_copy_note: str | None = Field(
        None,
        max_length=2000,
        description="where the signed copy is held, when it is not attached; an active BAA "
        "needs this or a signed document",
    )

    _owner = field_validator("owner_email")(_email)


SignableStatus = Literal["draft", "pending_signature", "active"]
BaaStatusName = Literal["draft", "pending_signature", "active", "superseded", "terminated"]
# A filter: any state, or in force (active/expiring).
BaaStateName = Literal[
    "draft",
    "pending_signature",
    "not_yet_effective",
    "active",
    "expiring",
    "expired",
    "terminated",
    "superseded",
    "in_force",
]


class BaaCreate(_BaaFields):
    vendor_id: int = Field(ge=1, le=MAX_ID)
    effective_date: date | None = Field(
        None, description="the first day in force; required unless follows_parent is true"
    )
    auto_renews: bool = False
    status: SignableStatus = Field(
        "active", description="draft → pending_signature → active; only active can be in force"
    )
    all_products: bool | None = Field(
        None, description="covers every product of the vendor (unset: yes, scope not reviewed)"
    )
    app_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        None, max_length=1000, description="the vendor's apps it covers (all_products false)"
    )


class BaaUpdate(_BaaFields):
    effective_date: date | None = None
    status: BaaStatusName | None = Field(
        None,
        description="allowed: draft → pending_signature, pending_signature → draft or active; "
        "use /renew and /terminate for the rest",
    )


class _ParentFields(In):
    vendor_id: int | None = Field(None, ge=1, le=MAX_ID)
    expiration_date: date | None = Field(
        None, description="the LAST day the parent agreement is in force; null = evergreen"
    )
    auto_renews: bool | None = None
    renewal_term_months: int | None = Field(None, ge=1, le=120)
    notice_days: int | None = Field(
        None, ge=0, le=3650, description="notice of non-renewal in days (not with notice_months)"
    )
    notice_months: int | None = Field(
        None, ge=0, le=120, description="notice of non-renewal in months (not with notice_days)"
    )
    notes: str | None = Field(None, max_length=10000)


class ParentAgreementCreate(_ParentFields):
    name: str = Field(min_length=1, max_length=200)
    effective_date: date = Field(description="the first day in force")
    auto_renews: bool = False


class ParentAgreementUpdate(_ParentFields):
    name: str | None = Field(None, min_length=1, max_length=200)
    effective_date: date | None = None


class ParentAgreementOut(Out):
    id: int
    name: str
    vendor_id: int | None
    effective_date: date
    expiration_date: date | None = Field(description="the last day in force; null: evergreen")
    auto_renews: bool
    renewal_term_months: int | None
    notice_days: int | None
    notice_months: int | None
    notes: str | None
    created_at: datetime
    updated_at: datetime
    baa_ids: list[int] = Field([], description="the BAAs linked to it (following its dates or not)")
    following_ids: list[int] = Field([], description="the BAAs whose dates come from it")


class ParentAgreementQuery(PageQuery):
    vendor_id: int | None = Field(None, ge=1, le=MAX_ID)


class BaaRenew(In):
    """The renewal's terms. Unset fields are copied from the agreement it renews, except the
    dates (a renewal states its own) and the notes."""

    effective_date: date = Field(description="the day the renewal takes over")
    expiration_date: date | None = Field(
        None, description="the renewal's last day in force; null = evergreen"
    )
    status: SignableStatus = Field(
        "active",
        description="a draft or pending renewal supersedes the old BAA only once it is active",
    )
    title: str | None = Field(None, max_length=200)
    auto_renews: bool | None = None
    renewal_term_months: int | None = Field(None, ge=1, le=120)
    notice_days: int | None = Field(None, ge=0, le=3650)
    notice_months: int | None = Field(None, ge=0, le=120)
    parent_agreement: str | None = Field(None, max_length=200)
    breach_notification_days: int | None = Field(None, ge=0, le=3650)
    breach_clause: Any = Field(None, description="as for POST /api/v1/baas")
    subcontractor_flowdown: bool | None = None
    return_or_destroy: bool | None = None
    owner_email: str | None = Field(None, max_length=320)
    notes: str | None = Field(None, max_length=10000)
    signed_copy_note: str | None = Field(None, max_length=2000)

    _owner = field_validator("owner_email")(_email)


class BaaTerminate(In):
    on: date = Field(
        description="the day the termination takes effect: the first day the agreement is no "
        "longer in force (its last day in force is the day before)"
    )
    reason: str = Field(min_length=1, max_length=1000)


class BaaReturnDestroy(In):
    certified_on: date = Field(
        description="the day the vendor certified the PHI returned or destroyed"
    )
    reference: str = Field(
        min_length=1,
        max_length=200,
        description="where the certificate is: a document number, a ticket, a filing reference",
    )


class BaaReturnDestroyUpload(In):
    """The form fields sent with a certificate file (multipart/form-data)."""

    certified_on: date = Field(
        description="the day the vendor certified the PHI returned or destroyed"
    )
    reference: str | None = Field(
        None, max_length=200, description="optional: a document number, a ticket"
    )


class ReturnCertificateOut(Out):
    id: int
    sha256: str
    filename: str
    content_type: str
    size: int
    certified_on: date
    uploaded_by: str
    uploaded_at: datetime


class ReturnDestroyOut(Out):
    due: date = Field(description="the termination date plus VETTING_RETURN_DESTROY_DAYS")
    status: Literal["open", "overdue", "done"]
    certified_on: date | None
    reference: str | None
    recorded_by: str | None
    certificate: ReturnCertificateOut | None = Field(
        description="the certificate's file (GET /api/v1/baas/{id}/return-destroy/certificate)"
    )


class BaaDocumentOut(Out):
    id: int
    baa_id: int
    sha256: str
    filename: str
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: datetime


class BaaScopeIn(In):
    all_products: bool
    app_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=1000
    )


class BaaProvisionIn(In):
    status: Literal["present", "absent", "not_reviewed"]
    quote: str | None = Field(None, max_length=10000, description="the clause, quoted")
    section: str | None = Field(None, max_length=200, description="e.g. §4.2")


class BaaExceptionIn(In):
    reason: str = Field(max_length=5000)
    ends_on: date = Field(description="the last day the exception counts")


class BaaProvisionOut(Out):
    key: str
    title: str
    citation: str
    question: str
    guidance: str
    status: str
    quote: str | None = None
    section: str | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None


class BaaExceptionOut(Out):
    id: int
    baa_id: int
    reason: str
    ends_on: date
    created_by: str
    created_at: datetime
    confirmed_by: str | None
    confirmed_at: datetime | None


class BaaOut(Out):
    id: int
    vendor_id: int
    title: str | None
    effective_date: date
    expiration_date: date | None = Field(description="the last day in force (term end)")
    auto_renews: bool
    renewal_term_months: int | None
    notice_days: int | None
    notice_months: int | None = None
    parent_agreement: str | None
    parent_id: int | None = None
    follows_parent: bool = False
    breach_notification_days: int | None = Field(
        description="older form of breach_clause: worst-case calendar days of a clause that "
        "states a number; null when it states none or none is recorded"
    )
    breach_clause: BreachClauseOut | None = Field(
        None, description="the breach-notification clause; null: not recorded"
    )
    breach_differences: list[BreachDifferenceOut] | None = Field(
        None,
        description="(one BAA only) the covered apps whose latest assessment answers the "
        "breach question differently from this clause, while this BAA is their source (in "
        "force today and the newest covering them); null in lists",
    )
    subcontractor_flowdown: bool | None
    return_or_destroy: bool | None
    terminated_on: date | None
    termination_reason: str | None
    owner_email: str | None
    notes: str | None
    created_at: datetime
    updated_at: datetime
    status: str
    supersedes_id: int | None
    superseded_on: date | None
    superseded_by_id: int | None
    state: str
    term_end: date | None = Field(
        description="the last day in force of the term covering as_of (rolled forward when "
        "auto-renewing; for a termination or a successor, the day before it takes effect)"
    )
    notice_deadline: date | None = Field(
        description="the last day to give notice of non-renewal: the notice period counted "
        "back from the day after term_end"
    )
    days_left: int | None = Field(description="days in force from as_of, as_of included")
    renewed_by_default: bool
    in_force_until: date | None = Field(
        description="the first day it is no longer in force (the day its vendor's apps leave "
        "the list): whichever comes first of the day after its fixed term's last day, its "
        "termination and its successor's start; null while nothing ends it"
    )
    last_day_in_force: date | None = Field(
        None, description="the day before in_force_until: the last day it is in force"
    )
    as_of: date
    document: BaaDocumentOut | None
    signed_copy_note: str | None = None
    all_products: bool = True
    scope_reviewed: bool = True
    app_ids: list[int] = []
    provisions: list[BaaProvisionOut] = []
    provisions_not_reviewed: int = 0
    conforming: bool = True
    non_conforming_reasons: list[str] = []
    excepted: bool = Field(
        False, description="a confirmed exception counts on as_of (non-conforming but allowed)"
    )
    exceptions: list[BaaExceptionOut] = []
    return_destroy: ReturnDestroyOut | None = Field(
        description="a terminated BAA's return/destroy follow-up (null otherwise)"
    )

    @classmethod
    def from_view(cls, v: BaaView) -> BaaOut:
        """A BAA with its state on a date, as the API returns it and `vetting baas list
        --json` prints it."""
        clause = breach_clause_of(v.baa)
        fields = v.baa.model_dump(exclude=set(BREACH_COLUMNS))
        return cls(
            **fields,
            breach_notification_days=legacy_days(clause),
            breach_clause=BreachClauseOut.of(clause),
            superseded_by_id=v.superseded_by_id,
            state=v.status.state,
            term_end=v.status.term_end,
            notice_deadline=v.status.notice_deadline,
            days_left=v.status.days_left,
            renewed_by_default=v.status.renewed_by_default,
            in_force_until=v.in_force_until,
            last_day_in_force=v.last_day_in_force,
            as_of=v.as_of,
            document=BaaDocumentOut.model_validate(v.document) if v.document else None,
            **_standing(v),
            return_destroy=_return_destroy_out(v),
        )


def _standing(v: BaaView) -> dict[str, Any]:
    st = v.standing
    if st is None or st.catalogue is None:
        return {}
    provisions = []
    for p in st.catalogue.provisions:
        row = st.provisions.get(p.key)
        provisions.append(
            BaaProvisionOut(
                key=p.key,
                title=p.title,
                citation=p.citation,
                question=p.question,
                guidance=p.guidance,
                status=row.status if row else "not_reviewed",
                quote=row.quote if row else None,
                section=row.section if row else None,
                reviewed_by=row.reviewed_by if row else None,
                reviewed_at=row.reviewed_at if row else None,
            )
        )
    return {
        "app_ids": list(st.app_ids),
        "provisions": provisions,
        "provisions_not_reviewed": sum(p.status == "not_reviewed" for p in provisions),
        "conforming": st.conforming,
        "non_conforming_reasons": list(st.gaps),
        "excepted": not st.conforming and st.excepted_on(v.as_of),
        "exceptions": [BaaExceptionOut.model_validate(e) for e in st.exceptions],
    }


def _return_destroy_out(v: BaaView) -> ReturnDestroyOut | None:
    follow = v.return_destroy
    if follow is None:
        return None
    return ReturnDestroyOut(
        due=follow.due,
        status=follow.status.value,
        certified_on=follow.certified_on,
        reference=follow.reference,
        recorded_by=v.baa.return_destroy_recorded_by,
        certificate=ReturnCertificateOut.model_validate(v.certificate) if v.certificate else None,
    )


def _split_states(value: Any) -> Any:
    """`state=expiring,expired` and `state=expiring&state=expired` mean the same."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        return [part.strip() for v in value for part in str(v).split(",") if part.strip()]
    return value


class _BaaFilters(In):
    """The register's filters, shared by its page of JSON and its spreadsheet download."""

    vendor_id: int | None = Field(None, ge=1, le=MAX_ID)
    as_of: date | None = None
    state: list[BaaStateName] | None = Field(
        None, description="one or more states (comma-separated); in_force = active or expiring"
    )
    within_days: int | None = Field(
        None, ge=0, le=3650, description="a term end or notice deadline in [as_of, as_of + N]"
    )
    auto_renews: bool | None = None
    non_conforming: bool | None = Field(
        None,
        description="true: BAAs lacking a required provision or with a breach deadline over "
        "60 days",
    )
    scope_reviewed: bool | None = Field(
        None, description="false: BAAs whose product scope nobody has stated yet"
    )

    _states = field_validator("state", mode="before")(_split_states)


class BaaQuery(PageQuery, _BaaFilters):
    pass


class BaaRegisterQuery(_BaaFilters):
    q: str | None = Field(None, max_length=200, description="title or vendor name")


class AppDownloadQuery(In):
    q: str | None = Field(None, max_length=200, description="name or store ID")
    vendor_id: int | None = Field(None, ge=1, le=MAX_ID)
    platform: PlatformName | None = None
    as_of: date | None = Field(None, description="the day of the list status (default: today)")


class MeOut(BaseModel):
    """Who the request's token (or session) stands for."""

    name: str
    role: str
    scopes: list[str]


CalendarKindName = Literal["term_end", "notice_deadline", "terminated"]
CALENDAR_MAX_DAYS = 5 * 366  # the widest window one feed may ask for


class BaaCalendarQuery(In):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    as_of: date | None = Field(
        None, description="the day the window is counted from (default: today)"
    )
    start: date | None = Field(
        None,
        alias="from",
        description="the first day of events in the feed (default: as_of minus 30 days)",
    )
    end: date | None = Field(
        None,
        alias="to",
        description="the last day of events in the feed (default: as_of plus 13 months); at "
        f"most {CALENDAR_MAX_DAYS} days after `from`",
    )
    vendor_id: int | None = Field(None, ge=1, le=MAX_ID)
    owner: str | None = Field(
        None, max_length=320, description="only BAAs this person owns (their e-mail)"
    )
    kind: list[CalendarKindName] | None = Field(
        None, description="only these kinds of event (comma-separated)"
    )
    token: str | None = Field(
        None,
        max_length=200,
        description="a read-only API token, for calendar clients that cannot send headers",
    )

    _kinds = field_validator("kind", mode="before")(_split_states)

    @field_validator("end")
    @classmethod
    def _window(cls, end: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start")
        if start and end:
            if end < start:
                raise ValueError("must not be before `from`")
            if (end - start).days > CALENDAR_MAX_DAYS:
                raise ValueError(f"the window may span at most {CALENDAR_MAX_DAYS} days")
        return end


# --- approved list -------------------------------------------------------------------------


class AllowlistQuery(In):
    as_of: date | None = None
    format: Literal["json", "csv"] = "json"


class ForecastQuery(In):
    days: int = Field(30, ge=1, le=365, description="how many days ahead (1–365)")


class DepartureOut(Out):
    app_id: int
    app: str
    platform: str
    store_id: str | None
    vendor_id: int
    vendor: str
    leaves_on: date = Field(description="the first day the app is off the list")
    reason: str = Field(description="why, in words (the list's own reasons on that day)")


class ForecastOut(Out):
    as_of: date
    days: int
    until: date
    items: list[DepartureOut]


class ListEntryOut(Out):
    app_id: int
    name: str
    platform: str
    store_id: str | None
    vendor_id: int
    vendor_name: str
    decision: str
    decided_on: date
    decided_by: str
    valid_until: date
    assessment_id: int
    baa_id: int
    baa_term_end: date | None = Field(description="the BAA's last day in force (term end)")
    conditions: str | None
    reason: str
    store_url: str | None = None


class ExclusionOut(Out):
    app_id: int
    name: str
    platform: str
    store_id: str | None
    vendor_id: int
    vendor_name: str
    reason: str
    reasons: list[str]
    rejected: bool = Field(False, description="the latest decision is a rejection (block mode)")
    store_url: str | None = None


class AllowlistOut(Out):
    schema_: str = Field("vetting.allowlist/v1", alias="schema")
    as_of: date
    generated_at: datetime
    entries: list[ListEntryOut]
    excluded: list[ExclusionOut]

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)


# --- list releases -------------------------------------------------------------------------


class ReleaseCreate(In):
    as_of: date | None = Field(None, description="compute the list for this date (default today)")
    note: str | None = Field(None, max_length=1000)
    allow_shrink: bool = Field(
        False,
        description="publish even though the list is empty or drops more than "
        "VETTING_PUBLISH_MAX_DROP_PERCENT of the latest release's approved apps (409 otherwise)",
    )


class ReleaseQuery(In):
    page: int = Field(1, ge=1, le=MAX_ID)
    per_page: int = Field(50, ge=1, le=500)


class ReleaseSummaryOut(Out):
    id: int
    sha256: str
    as_of: date
    entry_count: int
    previous_id: int | None
    created_by: str
    created_at: datetime
    note: str | None

    @computed_field(  # type: ignore[prop-decorator]
        description="published for a day before the one it was published on: a record of "
        "the past, never the latest over a newer list"
    )
    @property
    def past_dated(self) -> bool:
        return self.as_of < clock.local_day(self.created_at)


class ListChangeOut(Out):
    app_id: int
    name: str
    platform: str
    store_id: str | None
    vendor_name: str
    reason: str


class ReleaseDiffOut(Out):
    release_id: int
    previous_id: int | None
    summary: str
    added: list[ListChangeOut]
    removed: list[ListChangeOut]
    changed: list[ListChangeOut]
    blocked: list[ListChangeOut]
    unblocked: list[ListChangeOut]


class ReleaseOut(ReleaseSummaryOut):
    schema_: str = Field("vetting.allowlist/v1", alias="schema")
    entries: list[ListEntryOut]
    excluded: list[ExclusionOut]
    diff: ReleaseDiffOut

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)


class PublishOut(Out):
    created: bool = Field(description="false when the list had not changed since the latest")
    message: str
    release: ReleaseSummaryOut
    diff: ReleaseDiffOut


class PullQuery(In):
    mode: Literal["allow", "block"] = Field(
        "allow", description="allow: only approved apps; block: all but the rejected ones"
    )


class ExportQuery(PullQuery):
    format: str = Field(
        min_length=1,
        max_length=40,
        description="json, csv, xlsx, mobileconfig, android-policy or intune",
    )


# --- reminder outbox ------------------------------------------------------------------------


class NotificationQuery(PageQuery):
    status: Literal["pending", "sent", "failed", "cancelled"] | None = None
    channel: Literal["in-app", "email", "webhook"] | None = None
    subject_kind: Literal["baa", "assessment", "condition", "page"] | None = None
    subject_id: int | None = Field(None, ge=1, le=MAX_ID)


class NotificationOut(Out):
    id: int
    subject_kind: str
    subject_id: int
    kind: str = Field(description="term_end, expired, notice_deadline or reassessment")
    term_end: date = Field(
        description="the day it is about: a BAA term's last day in force, a termination's "
        "effective day, a review, gap or due date, or a decision's valid_until"
    )
    threshold_days: int = Field(description="days before the deadline; negative: after it")
    channel: str
    recipient: str
    title: str
    body: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    sent_at: datetime | None


# --- MDM sync targets ------------------------------------------------------------------------

SyncSettings = dict[str, str]


class SyncTargetCreate(In):
    kind: str = Field(
        min_length=1, max_length=40, description="intune, android-management or webhook"
    )
    name: str = Field(min_length=1, max_length=200)
    settings: SyncSettings = Field(
        default_factory=dict,
        description="per kind; secrets only by environment-variable name (e.g. client_secret_env)",
    )
    active: bool = True


class SyncTargetUpdate(In):
    name: str | None = Field(None, min_length=1, max_length=200)
    settings: dict[str, str | None] | None = Field(
        None, description="keys to set; a key set to null is removed; checked as a whole"
    )
    active: bool | None = None


class SyncTargetOut(Out):
    id: int
    kind: str
    name: str
    settings: SyncSettings
    active: bool
    last_synced_release_id: int | None
    last_sync_at: datetime | None
    last_result: str | None
    created_at: datetime


class SyncTargetsOut(Out):
    items: list[SyncTargetOut]


class SyncRunIn(In):
    dry_run: bool = Field(
        False, description="make no call: record and return the calls a sync would make"
    )
    force: bool = Field(
        False, description="android-management: remove or block apps the policy force-installs"
    )
    release_id: int | None = Field(None, ge=1, le=MAX_ID, description="default: the latest release")


class SyncRunsQuery(In):
    limit: int = Field(50, ge=1, le=500)


class SyncCallOut(Out):
    purpose: str
    method: str
    url: str
    headers: dict[str, str]
    body: Any = Field(None, description="the JSON or form body, secrets masked (***)")
    status: int | None = Field(None, description="the HTTP status of the last attempt")
    attempts: int
    error: str | None


class SyncRunOut(Out):
    id: int
    target_id: int
    release_id: int
    dry_run: bool
    started_at: datetime
    finished_at: datetime | None
    status: str = Field(description="running, ok or failed")
    calls: list[SyncCallOut]
    error: str | None


class SyncRunsOut(Out):
    items: list[SyncRunOut]


class SyncRunResultOut(SyncRunOut):
    target: SyncTargetOut
    previous_release_id: int | None = Field(description="the release last synced before this run")
    changes: list[str] = Field(description="the diff applied, in words (+ added, - removed)")
    notes: list[str]
    message: str


class ErrorItem(Out):
    field: str | None
    message: str


class ErrorOut(Out):
    errors: list[ErrorItem]


# --- answer suggestions and standard questionnaires ----------------------------------------


class SuggestionOut(Out):
    """A proposed answer: it counts for nothing until accepted. `current_*`: the capability's
    answer now (what accepting replaces), `overrides`: that answer is a person's."""

    id: int
    assessment_id: int
    capability_key: str
    value: Any
    source: str
    origin_kind: str
    origin_ref: str
    origin_file: str | None = None
    origin_sha256: str | None = None
    origin_cell: str | None = None
    note: str | None = None
    status: str
    created_by: str
    created_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    current_value: Any = None
    current_source: str | None = None
    overrides: bool = False


class SuggestionList(Out):
    items: list[SuggestionOut]


class SuggestionChoice(In):
    """Which pending suggestions: `ids`, or `all: true` for every pending one."""

    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        None, min_length=1, max_length=1000
    )
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> SuggestionChoice:
        if (self.ids is None) == (not self.all):
            raise ValueError("give either ids (a list of suggestion ids) or all: true")
        return self


class QuestionnaireQuery(In):
    dry_run: bool = Field(False, description="report what would be suggested; record nothing")


class ProposedOut(BaseModel):
    id: int | None = Field(None, description="the suggestion recorded (None on a dry run)")
    capability_key: str
    value: Any
    source: str
    question_id: str
    answer: str
    cell: str
    note: str


class RefusedAnswerOut(BaseModel):
    question_id: str
    cell: str
    reason: str


class QuestionnaireReadOut(BaseModel):
    """What a vendor's CAIQ / HECVAT gave: the suggestions recorded (pending, for a person to
    accept), the checklist's capabilities no answer reached, and answers that could not be
    used (with their cell)."""

    file: str
    sha256: str
    questionnaire: str
    version: str
    answered: int
    dry_run: bool
    suggestions: list[ProposedOut]
    unmapped: list[str]
    refused: list[RefusedAnswerOut]
    notes: list[str]


class AnswerLinkIn(In):
    days: int = Field(14, ge=1, le=90, description="how many days the link works")
    recipient_email: str | None = Field(
        None, max_length=320, description="who it is for (shown in the audit log)"
    )
    single_use: bool = Field(
        True, description="closes at its first submission (false: until it expires or is revoked)"
    )


class AnswerLinkOut(Out):
    """An answer link. `url` (with the secret) only in the response that created it: the
    secret is kept only as its SHA-256."""

    id: int
    assessment_id: int
    recipient_email: str | None = None
    single_use: bool
    expires_at: datetime
    created_by: str
    created_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    submissions: int
    last_submitted_at: datetime | None = None
    state: str = ""
    url: str | None = None


class AnswerLinkList(Out):
    items: list[AnswerLinkOut]


# --- bulk imports --------------------------------------------------------------------------

# The values of vetting.core.imports' ImportKind, Outcome and DateOrder (tests/test_statuses.py).
ImportKindName = Literal["apps", "vendors", "baas"]
ImportOutcomeName = Literal["created", "updated", "unchanged", "skipped", "refused"]
DateOrderName = Literal["dmy", "mdy"]


class ImportQuery(In):
    dry_run: bool = Field(False, description="true: report what would happen, write nothing")
    sheet: str | None = Field(
        None, min_length=1, max_length=100, description="the workbook's sheet (default: first)"
    )
    date_order: DateOrderName | None = Field(
        None, description="how to read an all-numeric date such as 03/04/2026 (refused without)"
    )
    vendor: str | None = Field(
        None, min_length=1, max_length=200, description="apps: the vendor of rows that name none"
    )


class ImportRowOut(Out):
    row: int
    label: str
    outcome: ImportOutcomeName
    changes: list[str]
    note: str | None


class ImportProblemOut(Out):
    file: str
    sheet: str | None = Field(description="null for a CSV file")
    row: int | None
    column: str | None = Field(description="the column's letter, as the spreadsheet shows it")
    reason: str


class ImportReportOut(Out):
    kind: ImportKindName
    file: str
    sheet: str | None
    sha256: str
    layout: str = Field(description="the layout recognised by the header row")
    dry_run: bool
    applied: bool
    refused: bool = Field(description="true: a row was refused, so nothing was written")
    counts: dict[str, int]
    vendors_created: list[str]
    rows: list[ImportRowOut]
    errors: list[ImportProblemOut]


class ImportRefusedOut(ErrorOut):
    report: ImportReportOut | None = None


# --- store lookups ---------------------------------------------------------------------------


class StoreFlagOut(Out):
    code: str  # StoreFlag: not_in_store, seller_mismatch, name_mismatch
    message: str


class StoreListingOut(Out):
    """An app's store listing as its last successful lookup found it (machine-found: it
    counts for nothing until a person accepts a suggestion made from it), its flags, and the
    last failed attempt's error (cleared by the next success)."""

    app_id: int
    platform: str
    store_id: str
    country: str
    status: str  # ListingStatus: found, not_in_store, unknown (never read successfully)
    lookup_url: str | None = None
    sha256: str | None = None
    fetched_at: datetime | None = None
    found_at: datetime | None = None
    title: str | None = None
    seller_name: str | None = None
    developer_name: str | None = None
    store_url: str | None = None
    version: str | None = None
    released_at: datetime | None = None
    minimum_os: str | None = None
    developer_website: str | None = None
    developer_email: str | None = None
    privacy_policy_url: str | None = None
    track_id: str | None = None
    developer_id: str | None = None
    data_safety: dict[str, Any] | None = None
    flags: list[StoreFlagOut] = []
    last_error: str | None = None
    last_error_at: datetime | None = None

    @field_validator("flags", mode="before")
    @classmethod
    def _no_flags(cls, value: Any) -> Any:
        return value or []


class StoreLookupOut(Out):
    """One lookup: the listing now stored and the suggestions it proposed."""

    listing: StoreListingOut
    suggestion_ids: list[int] = []
    notes: list[str] = []


# --- watched vendor pages ----------------------------------------------------------------------


class WatchedPageIn(In):
    url: str = Field(
        min_length=1,
        max_length=2000,
        description="an http:// or https:// URL of the vendor's (trust, security, HIPAA page)",
    )
    checklist_id: str | None = Field(
        None,
        max_length=64,
        description="read with this checklist's signals (default: those of the checklists "
        "the vendor's open assessments pin, else every loaded checklist)",
    )


class PageClaimOut(BaseModel):
    capability: str
    stance: Literal["supports", "denies", "conditional"]
    condition: str | None
    quote: str = Field(description="the sentence, exactly text[start:end] of the page's text")
    start: int
    end: int


class WatchedPageOut(Out):
    id: int
    vendor_id: int
    url: str
    checklist_id: str | None
    added_by: str
    added_at: datetime
    last_attempt_at: datetime | None
    last_fetched_at: datetime | None = Field(description="the last good fetch")
    last_error: str | None = Field(description="why the last attempt failed (None: it did not)")
    final_url: str | None
    sha256: str | None = Field(description="SHA-256 of the page's bytes at the last good fetch")
    fetch_count: int
    claims: list[PageClaimOut] = []


class WatchedPageList(BaseModel):
    items: list[WatchedPageOut]


class PageFetchOut(BaseModel):
    claims: list[PageClaimOut]
    url: str = Field(description="where the page finally came from (after redirects)")
    sha256: str
    fetched_at: datetime
    suggested: int = Field(description="new pending suggestions on the vendor's open assessments")
    alerts: list[str] = Field(description="what the page no longer says (alerts raised)")
