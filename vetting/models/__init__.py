"""SQLModel tables, one module per feature. Dates of agreements are `date`; events are
timezone-aware UTC datetimes."""

from vetting.models.accounts import LoginAttempt
from vetting.models.assessments import (
    BAA,
    Answer,
    ApiToken,
    App,
    Assessment,
    AuditEvent,
    ChecklistVersion,
    Decision,
    User,
    Vendor,
)
from vetting.models.columns import UTCDateTime
from vetting.models.notifications import BaaDocument, JobRun, Notification, NotificationChannel
from vetting.models.releases import AllowlistRelease, SyncRun, SyncTarget

__all__ = [
    "BAA",
    "AllowlistRelease",
    "Answer",
    "ApiToken",
    "App",
    "Assessment",
    "AuditEvent",
    "BaaDocument",
    "ChecklistVersion",
    "Decision",
    "JobRun",
    "LoginAttempt",
    "Notification",
    "NotificationChannel",
    "SyncRun",
    "SyncTarget",
    "UTCDateTime",
    "User",
    "Vendor",
]
