"""SQLModel tables, one module per feature. Dates of agreements are `date`; events are
timezone-aware UTC datetimes."""

from vetting.models.accounts import ApiToken, LoginAttempt, LoginThrottle, User, WebSession
from vetting.models.assessments import (
    Answer,
    AnswerEvidence,
    AnswerLink,
    AnswerSuggestion,
    Assessment,
    ChecklistVersion,
    Decision,
    DecisionCondition,
)
from vetting.models.audit import AuditEvent
from vetting.models.baa_terms import BaaTermReading, BaaTermSuggestion
from vetting.models.baas import (
    BAA,
    BaaApp,
    BaaDocument,
    BaaException,
    BaaProvision,
    BaaReturnCertificate,
    BaaStateMeta,
    BaaStateRow,
    ParentAgreement,
)
from vetting.models.columns import UTCDateTime
from vetting.models.imports import PendingImport
from vetting.models.jobs import JobRun
from vetting.models.notifications import Notification, NotificationChannel, NotificationRead
from vetting.models.pages import PageClaim, WatchedPage
from vetting.models.releases import AllowlistRelease, SyncRun, SyncTarget
from vetting.models.stores import StoreListing
from vetting.models.vendors import App, Vendor

__all__ = [
    "BAA",
    "AllowlistRelease",
    "Answer",
    "AnswerEvidence",
    "AnswerLink",
    "AnswerSuggestion",
    "ApiToken",
    "App",
    "Assessment",
    "AuditEvent",
    "BaaApp",
    "BaaDocument",
    "BaaException",
    "BaaProvision",
    "BaaReturnCertificate",
    "BaaStateMeta",
    "BaaStateRow",
    "BaaTermReading",
    "BaaTermSuggestion",
    "ChecklistVersion",
    "Decision",
    "DecisionCondition",
    "JobRun",
    "LoginAttempt",
    "LoginThrottle",
    "Notification",
    "NotificationChannel",
    "NotificationRead",
    "PageClaim",
    "ParentAgreement",
    "PendingImport",
    "StoreListing",
    "SyncRun",
    "SyncTarget",
    "UTCDateTime",
    "User",
    "Vendor",
    "WatchedPage",
    "WebSession",
]
