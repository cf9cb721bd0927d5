"""How values read on a page: dates, day counts, answers, scores, state labels."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from vetting import clock
from vetting.core.baa import BaaState
from vetting.core.breach import clause_from
from vetting.core.breach import words as breach_words
from vetting.core.checklist import NA, Kind, Tier
from vetting.core.claims import Stance
from vetting.core.decisions import Confirmation
from vetting.core.scoring import CapabilityStatus, Source, Verdict
from vetting.core.statuses import AssessmentStatus, SyncStatus

# Labels always carry the meaning in words; colour only repeats it. Keyed by the core enums; a
# stored string finds its label too (a StrEnum member hashes and compares as its value), and
# a BAA's lifecycle status shares the words of the BaaState of the same value.
STATE_LABELS: dict[str, str] = {
    Verdict.APPROVED: "Approved",
    Verdict.CONDITIONAL: "Conditional",
    Verdict.REJECTED: "Rejected",
    Verdict.INCOMPLETE: "Incomplete",
    AssessmentStatus.OPEN: "Open",
    AssessmentStatus.DECIDED: "Decided",
    BaaState.ACTIVE: "Active",
    BaaState.EXPIRING: "Expiring",
    BaaState.EXPIRED: "Expired",
    BaaState.TERMINATED: "Terminated",
    BaaState.NOT_YET_EFFECTIVE: "Not yet effective",
    BaaState.SUPERSEDED: "Superseded",
    BaaState.DRAFT: "Draft",
    BaaState.PENDING_SIGNATURE: "Pending signature",
    Source.VERIFIED: "Verified",
    Source.ATTESTED: "Attested",
    Source.DISCOVERED: "Discovered (suggestion)",
    CapabilityStatus.ANSWERED: "Answered",
    CapabilityStatus.NA: "N/A",
    CapabilityStatus.UNANSWERED: "Not answered",
    CapabilityStatus.SUGGESTED: "Suggestion only",
    SyncStatus.OK: "OK",
    SyncStatus.FAILED: "Failed",
}
TONE: dict[str, str] = {
    Verdict.APPROVED: "good",
    BaaState.ACTIVE: "good",
    Source.VERIFIED: "good",
    SyncStatus.OK: "good",
    Verdict.CONDITIONAL: "warn",
    BaaState.EXPIRING: "warn",
    Source.ATTESTED: "info",
    Verdict.REJECTED: "bad",
    BaaState.EXPIRED: "bad",
    BaaState.TERMINATED: "bad",
    SyncStatus.FAILED: "bad",
    Verdict.INCOMPLETE: "muted",
    BaaState.NOT_YET_EFFECTIVE: "info",
    BaaState.SUPERSEDED: "muted",
    BaaState.DRAFT: "muted",
    BaaState.PENDING_SIGNATURE: "info",
    Source.DISCOVERED: "muted",
    CapabilityStatus.SUGGESTED: "muted",
    CapabilityStatus.UNANSWERED: "muted",
    CapabilityStatus.NA: "muted",
    AssessmentStatus.OPEN: "info",
    AssessmentStatus.DECIDED: "muted",
    CapabilityStatus.ANSWERED: "info",
    Confirmation.PENDING: "warn",
    Stance.SUPPORTS: "good",
    Stance.DENIES: "bad",
}
ICON = {"good": "✓", "warn": "!", "bad": "✕", "info": "•", "muted": "–"}


# How a capability weighs on the verdict (vetting.core.checklist.Tier).
TIER_LABELS: dict[str, str] = {
    Tier.GATE: "Gate",
    Tier.REQUIRED: "Required",
    Tier.SCORED: "Scored",
}


def tier_label(tier: str) -> str:
    return TIER_LABELS.get(tier, tier)


def label(state: str | None) -> str:
    return STATE_LABELS.get(state or "", (state or "—").replace("_", " ").capitalize())


def tone(state: str | None) -> str:
    return TONE.get(state or "", "muted")


def icon(state: str | None) -> str:
    return ICON[tone(state)]


def date_(d: date | datetime | None) -> str:
    if d is None:
        return "—"
    if isinstance(d, datetime):
        d = clock.local_day(d)  # the organisation's day of the instant, as "today" is
    return d.isoformat()


def datetime_(d: datetime | None) -> str:
    if d is None:
        return "—"
    return d.strftime("%Y-%m-%d %H:%M UTC")


def days(n: int | None) -> str:
    """A day count relative to today, in words."""
    if n is None:
        return "—"
    if n == 0:
        return "today"
    if n > 0:
        return f"in {n} day{'s' * (n != 1)}"
    return f"{-n} day{'s' * (n != -1)} ago"


def value(v: Any, unit: str | None = None) -> str:
    """An answer value as a reviewer reads it."""
    if v is None:
        return "—"
    if v is True:
        return "Yes"
    if v is False:
        return "No"
    if v == NA:
        return "N/A"
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = str(v).replace("_", " ") if isinstance(v, str) else str(v)
    return f"{text} {unit}" if unit else text


def num(x: float | int | None, digits: int = 1) -> str:
    if x is None:
        return "—"
    rounded = round(float(x), digits)
    return f"{rounded:g}" if rounded != int(rounded) else str(int(rounded))


def yes_no(v: bool | None, unknown: str = "not stated") -> str:
    if v is None:
        return unknown
    return "Yes" if v else "No"


def breach_clause(baa: Any) -> str:
    """A BAA's breach clause in words: '72 hours (3 calendar days, rounded up) from
    discovery'; 'unstated (60-day legal maximum)' when it states no number (45 CFR
    164.410(b)); 'not recorded' when nobody has recorded it."""
    return breach_words(clause_from(baa))


def unit_of(cap: Any) -> str | None:
    """The unit an answer is read in: days for deadlines, the checklist's unit for numbers."""
    if cap is None:
        return None
    if cap.kind == Kind.MAX_DAYS:
        return "calendar days"
    return cap.unit or None if cap.kind == Kind.MIN_NUMBER else None
