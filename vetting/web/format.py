"""How values read on a page: dates, day counts, answers, scores, state labels."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from vetting.core.checklist import NA

# Labels always carry the meaning in words; colour only repeats it.
STATE_LABELS = {
    "approved": "Approved",
    "conditional": "Conditional",
    "rejected": "Rejected",
    "incomplete": "Incomplete",
    "open": "Open",
    "decided": "Decided",
    "active": "Active",
    "expiring": "Expiring",
    "expired": "Expired",
    "terminated": "Terminated",
    "not_yet_effective": "Not yet effective",
    "superseded": "Superseded",
    "draft": "Draft",
    "pending_signature": "Pending signature",
    "verified": "Verified",
    "attested": "Attested",
    "discovered": "Discovered (suggestion)",
    "answered": "Answered",
    "na": "N/A",
    "unanswered": "Not answered",
    "suggested": "Suggestion only",
    "ok": "OK",
    "failed": "Failed",
}
TONE = {
    "approved": "good",
    "active": "good",
    "verified": "good",
    "ok": "good",
    "conditional": "warn",
    "expiring": "warn",
    "attested": "info",
    "rejected": "bad",
    "expired": "bad",
    "terminated": "bad",
    "failed": "bad",
    "incomplete": "muted",
    "not_yet_effective": "info",
    "superseded": "muted",
    "draft": "muted",
    "pending_signature": "info",
    "discovered": "muted",
    "suggested": "muted",
    "unanswered": "muted",
    "na": "muted",
    "open": "info",
    "decided": "muted",
    "answered": "info",
}
ICON = {"good": "✓", "warn": "!", "bad": "✕", "info": "•", "muted": "–"}


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
        d = d.date()
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


def breach_days(v: int | None) -> str:
    """45 CFR 164.410(b): a BAA that states no number means the 60-day maximum."""
    if v is None:
        return "not stated (60-day legal maximum)"
    return f"{v} day{'s' * (v != 1)}"


def unit_of(cap: Any) -> str | None:
    """The unit an answer is read in: days for deadlines, the checklist's unit for numbers."""
    if cap is None:
        return None
    if cap.kind == "max_days":
        return "days"
    return cap.unit or None if cap.kind == "min_number" else None
