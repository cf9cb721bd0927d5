"""Named values with no rule of their own in the core: who a user is, where an assessment,
a scheduled job and a push sync stand. The values are what the database stores and the API
shows; StrEnum members compare equal to those strings."""

from __future__ import annotations

from enum import StrEnum


def values(*enums: type[StrEnum]) -> tuple[str, ...]:
    """The members' values as plain strings, in definition order: for click choices, and for
    pydantic `Literal[...]` types whose JSON Schema and error wording name the bare strings."""
    return tuple(member.value for enum in enums for member in enum)


class Role(StrEnum):
    """What a user or an API token may do (the scopes of each: vetting/auth.py)."""

    ADMIN = "admin"
    PROCUREMENT = "procurement"
    LEGAL = "legal"
    IT = "it"
    VIEWER = "viewer"


class AssessmentStatus(StrEnum):
    OPEN = "open"
    DECIDED = "decided"


class JobStatus(StrEnum):
    """One run of a scheduled job (reminder sweep, delivery, auto-publish)."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


class SyncStatus(StrEnum):
    """One push of a release to an MDM; a target's last result is OK or FAILED."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"


class SuggestionStatus(StrEnum):
    """An answer suggestion (a questionnaire's, a scanner's): it counts only once accepted."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"
    REPLACED = "replaced"  # a newer suggestion from the same kind of origin took its place


class OriginKind(StrEnum):
    """Where an answer suggestion comes from."""

    CAIQ = "caiq"
    HECVAT = "hecvat"
    QUESTIONNAIRE = "questionnaire"  # our own workbook
    LINK = "link"  # an answer link filled in by the vendor
    PAGE = "page"  # a vendor's web page
    STORE = "store"  # an app store listing
