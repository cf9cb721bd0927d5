"""Which dates of the BAA register belong in legal's calendar: pure rules, no I/O.

One all-day event per term end (on the term's last day in force) and, for auto-renewing
agreements, per notice deadline (the last day to refuse the renewal), plus the day a
termination takes effect (its first day out of force). UIDs are stable
(baa-<id>-<kind>-<date>@vetting), so a calendar client that re-reads the feed updates events
in place instead of duplicating them. Drafts and agreements pending signature have no
deadlines yet; an agreement's dates after it was terminated or superseded are not its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from vetting.core.baa import BaaTerms, ends_on, notice_deadline, term_end_on, term_ends


class EventKind(StrEnum):
    TERM_END = "term_end"
    NOTICE_DEADLINE = "notice_deadline"
    TERMINATED = "terminated"


UID_DOMAIN = "vetting"
HISTORY_DAYS = 366  # events further back than this are history, not deadlines
ROLLING_AHEAD_DAYS = 731  # how far ahead an auto-renewing series is spelled out


@dataclass(frozen=True)
class CalendarBaa:
    baa_id: int
    vendor_name: str
    terms: BaaTerms
    title: str | None = None
    termination_reason: str | None = None


@dataclass(frozen=True)
class DeadlineEvent:
    uid: str
    day: date
    kind: EventKind
    baa_id: int
    summary: str
    description: str


def uid(baa_id: int, kind: EventKind, day: date) -> str:
    return f"baa-{baa_id}-{kind.replace('_', '-')}-{day.isoformat()}@{UID_DOMAIN}"


def _event(b: CalendarBaa, kind: EventKind, day: date, summary: str, text: str) -> DeadlineEvent:
    label = f"BAA {b.baa_id}" + (f" ({b.title})" if b.title else "")
    return DeadlineEvent(uid(b.baa_id, kind, day), day, kind, b.baa_id, summary, f"{text}\n{label}")


def events_for(
    b: CalendarBaa,
    as_of: date,
    history_days: int = HISTORY_DAYS,
    ahead_days: int = ROLLING_AHEAD_DAYS,
) -> list[DeadlineEvent]:
    """The deadline events of one agreement around `as_of`, in date order."""
    t = b.terms
    if not t.signed:
        return []
    since = as_of - timedelta(days=history_days)
    stop = ends_on(t)  # first day it is out of force because of the register
    vendor = b.vendor_name
    out: list[DeadlineEvent] = []
    first = max(since, t.effective_date)
    day = timedelta(days=1)
    notice = f"{t.notice_months} months" if t.notice_months is not None else None
    notice = notice or f"{t.notice_days or 0} days"
    if t.expiration_date is not None and not t.auto_renews:
        end = t.expiration_date  # the last day in force
        if end >= since and (stop is None or end + day < stop):
            out.append(
                _event(
                    b,
                    EventKind.TERM_END,
                    end,
                    f"BAA with {vendor}: last day in force",
                    f"In force through {end.isoformat()} (its last day in force). From "
                    f"{(end + day).isoformat()} the vendor's apps leave the approved list "
                    "unless a renewal has taken effect.",
                )
            )
    elif t.expiration_date is not None:
        # Spell the series out `ahead_days` ahead, and always up to the current term's end.
        current = term_end_on(t, max(as_of, t.effective_date)) or t.expiration_date
        last = max(as_of + timedelta(days=ahead_days), current)
        for end in term_ends(t, first, last):
            deadline = notice_deadline(t, end) or end
            renews = (end + day).isoformat()
            if stop is not None and deadline >= stop:
                break
            if deadline >= first:
                out.append(
                    _event(
                        b,
                        EventKind.NOTICE_DEADLINE,
                        deadline,
                        f"Notice deadline: BAA with {vendor} (renews {renews})",
                        f"Last day to give notice of non-renewal ({notice} before the next "
                        f"term starts on {renews}; the term is in force through "
                        f"{end.isoformat()}). After it the agreement renews for another "
                        f"{t.renewal_term_months} months.",
                    )
                )
            if stop is not None and end + day >= stop:
                break
            out.append(
                _event(
                    b,
                    EventKind.TERM_END,
                    end,
                    f"BAA with {vendor}: term in force through {end.isoformat()} renews",
                    f"The term is in force through {end.isoformat()} and renews on {renews} "
                    f"for {t.renewal_term_months} months unless notice was given by "
                    f"{deadline.isoformat()}.",
                )
            )
    if t.terminated_on is not None and t.terminated_on >= since:
        superseded_first = t.superseded_on is not None and t.superseded_on < t.terminated_on
        if not superseded_first:
            why = f" Reason: {b.termination_reason}." if b.termination_reason else ""
            out.append(
                _event(
                    b,
                    EventKind.TERMINATED,
                    t.terminated_on,
                    f"BAA with {vendor} terminated",
                    f"The termination takes effect {t.terminated_on.isoformat()}: in force "
                    f"through {(t.terminated_on - day).isoformat()}, the vendor's apps leave "
                    f"the approved list from {t.terminated_on.isoformat()}.{why}",
                )
            )
    return sorted(out, key=lambda e: (e.day, e.kind))


def deadline_events(baas: Iterable[CalendarBaa], as_of: date) -> list[DeadlineEvent]:
    """Every agreement's deadline events, by date then agreement."""
    events = [e for b in baas for e in events_for(b, as_of)]
    return sorted(events, key=lambda e: (e.day, e.baa_id, e.kind))
