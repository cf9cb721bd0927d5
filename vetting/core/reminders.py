"""Which reminder is due on a date: pure rules, no I/O.

A subject (a BAA's term, a decision's validity, a condition's due date) has a deadline.
Reminders are due at thresholds — whole days before the deadline (90, 60, 30, 14, 7, 1, 0 by
default; a negative threshold means days *after* it). On any date, the reminder due is the
**latest threshold crossed**: the smallest threshold ≥ days left. A sweep that runs every
day therefore meets each threshold on its own day; a sweep that missed days meets only the
latest one crossed (never a burst of the ones it missed). Whether a reminder was already
sent is not decided here: the outbox's unique key (subject, term, threshold, channel,
recipient) makes a second insert of the same reminder a no-op, which is what makes this
stateless rule exactly-once.

A reminder stays catchable for `catch_up_days` after the last threshold is crossed; a
deadline that passed longer ago than that is history, not news (and keeps old agreements
from flooding the outbox the day reminders are first switched on).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from vetting.core.baa import (
    DEFAULT_RETURN_DESTROY_DAYS,
    BaaLifecycle,
    BaaTerms,
    Gap,
    add_months,
    notice_deadline,
    review_dates,
    term_end_on,
)

DEFAULT_THRESHOLDS: tuple[int, ...] = (90, 60, 30, 14, 7, 1, 0)
DEFAULT_CATCH_UP_DAYS = 30
MAX_THRESHOLD = 3650


class ReminderKind(StrEnum):
    """What a reminder is about: a BAA's term end (or its lapse), an auto-renewing BAA's
    notice deadline, or a decision's validity running out."""

    TERM_END = "term_end"
    EXPIRED = "expired"
    NOTICE_DEADLINE = "notice_deadline"
    REASSESSMENT = "reassessment"
    CONDITION_DUE = "condition_due"
    TERMINATION = "termination"  # a termination recorded for a later day
    COVERAGE_GAP = "coverage_gap"  # days between an agreement's end and the next one's start
    REVIEW = "review"  # an evergreen agreement's periodic review
    RETURN_DESTROY = "return_destroy"  # PHI returned or destroyed after a termination
    NONCONFORMING = "nonconforming"  # a BAA in force lacks a required provision: tell legal
    PAGE_CLAIM_LOST = "page_claim_lost"  # a watched page no longer says what it said


DEFAULT_REVIEW_MONTHS = 12


class SubjectKind(StrEnum):
    """The record a reminder is about."""

    BAA = "baa"
    ASSESSMENT = "assessment"
    CONDITION = "condition"  # a condition of a conditional approval
    PAGE = "page"  # a vendor's watched page (a claim it no longer makes)


class Channel(StrEnum):
    """Where a reminder goes: the in-app inbox (delivered when planned), or a notification
    channel of that kind."""

    IN_APP = "in-app"
    EMAIL = "email"
    WEBHOOK = "webhook"


class NotificationStatus(StrEnum):
    """A reminder in the outbox."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


def parse_thresholds(text: str) -> tuple[int, ...]:
    """ "90,60,30" → (90, 60, 30): whole days, unique, largest first. ValueError says why."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise ValueError("needs at least one threshold, e.g. 90,60,30,14,7,1,0")
    values: set[int] = set()
    for part in parts:
        try:
            value = int(part)
        except ValueError:
            raise ValueError(f"{part!r} is not a whole number of days") from None
        if abs(value) > MAX_THRESHOLD:
            raise ValueError(f"{value} is out of range (±{MAX_THRESHOLD} days)")
        values.add(value)
    return tuple(sorted(values, reverse=True))


def due_threshold(
    deadline: date,
    on: date,
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS,
    catch_up_days: int = DEFAULT_CATCH_UP_DAYS,
) -> int | None:
    """The latest threshold crossed on `on` (None before the first or long after the last)."""
    if not thresholds:
        return None
    days_left = (deadline - on).days
    crossed = [t for t in thresholds if t >= days_left]
    if not crossed:
        return None
    if days_left < min(thresholds) - catch_up_days:
        return None
    return min(crossed)


@dataclass(frozen=True)
class Due:
    """One reminder due on a date: about which deadline, at which threshold."""

    kind: ReminderKind
    # What it is about: a BAA term's last day in force, a termination's effective day, a
    # review or due date, a gap's first day, or a decision's valid_until.
    term_end: date
    # What the threshold counts to: the day a fixed term lapses (its last day + 1), the
    # notice deadline, or the day itself.
    deadline: date
    threshold_days: int
    days_left: int  # on the sweep's date; below the threshold after missed days
    until: date | None = None  # a coverage gap's last day + 1 (the next agreement's start)


def baa_due(
    terms: BaaTerms,
    on: date,
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS,
    catch_up_days: int = DEFAULT_CATCH_UP_DAYS,
    review_months: int | None = None,
) -> list[Due]:
    """Reminders due for one agreement on `on`.

    Fixed-term BAAs count to the day they lapse, the day after their last day in force
    (`term_end` before it, `expired` from it); every BAA reminder's `term_end` is that last
    day in force.
    Auto-renewing BAAs count to the notice deadline of the current term and, for catching up
    just after a renewal rolled the term forward, of the previous one. Evergreen BAAs count to
    their next periodic review (every `review_months` from the effective date; none when
    None). A termination recorded for a later day is counted to (`termination`, before that
    day: from it the agreement is out of force) and makes every deadline on or after it moot.
    """
    if terms.terminated_on is not None and terms.terminated_on <= on:
        return []
    out: list[Due] = []
    stop = terms.terminated_on
    if (
        stop is not None
        and terms.signed
        and not (terms.superseded_on is not None and terms.superseded_on <= stop)
    ):
        threshold = due_threshold(stop, on, thresholds, catch_up_days)
        if threshold is not None:
            out.append(Due(ReminderKind.TERMINATION, stop, stop, threshold, (stop - on).days))
    if terms.expiration_date is None:
        if review_months and terms.status == BaaLifecycle.ACTIVE:
            lo, hi = window(on, thresholds, catch_up_days)
            for day in review_dates(terms, lo, hi, review_months):
                threshold = due_threshold(day, on, thresholds, catch_up_days)
                if threshold is not None:
                    out.append(Due(ReminderKind.REVIEW, day, day, threshold, (day - on).days))
        return out
    if not terms.auto_renews:
        # Counts to the day it lapses (the first day out of force), about its last day.
        last = terms.expiration_date
        candidates = [(last, last + timedelta(days=1))]
    else:
        current = term_end_on(terms, on)
        assert current is not None
        ends = [current]
        if current > terms.expiration_date:
            # The terms roll on their boundaries (the day after each last day): current + 1
            # = boundary + k renewal steps (whole months, so the month difference is exact);
            # the previous term's boundary is one step earlier.
            months = terms.renewal_term_months or 12
            first = terms.expiration_date + timedelta(days=1)
            nxt = current + timedelta(days=1)
            k = ((nxt.year - first.year) * 12 + nxt.month - first.month) // months
            ends.insert(0, add_months(first, (k - 1) * months) - timedelta(days=1))
        candidates = []
        for end in ends:
            deadline = notice_deadline(terms, end)
            assert deadline is not None
            candidates.append((end, deadline))
    for end, deadline in candidates:
        if terms.terminated_on is not None and terms.terminated_on <= deadline:
            continue
        threshold = due_threshold(deadline, on, thresholds, catch_up_days)
        if threshold is None:
            continue
        if terms.auto_renews:
            kind = ReminderKind.NOTICE_DEADLINE
        else:
            kind = ReminderKind.TERM_END if threshold > 0 else ReminderKind.EXPIRED
        out.append(Due(kind, end, deadline, threshold, (deadline - on).days))
    return out


def baa_reminder_stands(terms: BaaTerms, kind: str, term_end: date) -> bool:
    """Whether a reminder planned about the term ending `term_end` still fits the agreement's
    terms, which may have been edited since: that day is still one of its term ends (a last
    day in force), of the kind its terms give (a notice deadline for auto-renewing
    agreements), and no termination on or before the deadline has made it moot. (Termination
    and review reminders carry their own day: the termination's, the review's.)"""
    if kind == ReminderKind.TERMINATION:
        stop = terms.terminated_on
        return (
            stop == term_end
            and terms.status == BaaLifecycle.TERMINATED
            and not (terms.superseded_on is not None and terms.superseded_on <= stop)
        )
    if kind == ReminderKind.REVIEW:
        # (The cadence is a setting; a review date is taken as standing while the agreement
        # is evergreen, active and not terminated by then.)
        return (
            terms.expiration_date is None
            and terms.status == BaaLifecycle.ACTIVE
            and term_end > terms.effective_date
            and (terms.terminated_on is None or terms.terminated_on > term_end)
        )
    if terms.expiration_date is None:
        return False
    if terms.auto_renews:
        # The term covering `term_end` ends on it: a term end of the series.
        if kind != ReminderKind.NOTICE_DEADLINE or term_end_on(terms, term_end) != term_end:
            return False
        deadline = notice_deadline(terms, term_end)
    else:
        if (
            kind not in (ReminderKind.TERM_END, ReminderKind.EXPIRED)
            or term_end != terms.expiration_date
        ):
            return False
        deadline = term_end + timedelta(days=1)  # the day it lapses
    assert deadline is not None
    return terms.terminated_on is None or terms.terminated_on > deadline


def deadline_due(
    kind: ReminderKind,
    deadline: date,
    on: date,
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS,
    catch_up_days: int = DEFAULT_CATCH_UP_DAYS,
    until: date | None = None,
) -> Due | None:
    """The reminder of `kind` due on `on` for a single deadline (its own term end), if any:
    what every one-date reminder below is."""
    threshold = due_threshold(deadline, on, thresholds, catch_up_days)
    if threshold is None:
        return None
    return Due(kind, deadline, deadline, threshold, (deadline - on).days, until=until)


# What each reminder counts to, in words for a schedule ("30 days before <this>").
COUNTS_TO: dict[str, str] = {
    "term_end": "the term ends",
    "expired": "the term ends",
    "notice_deadline": "the notice deadline",
    "termination": "the termination takes effect",
    "review": "the periodic review",
    "reassessment": "the decision runs out",
    "condition_due": "the condition is due",
}


@dataclass(frozen=True)
class Upcoming:
    """A reminder the daily sweep will send on `on` (the day its threshold is crossed)."""

    on: date
    due: Due

    @property
    def words(self) -> str:
        what = COUNTS_TO.get(str(self.due.kind), str(self.due.kind).replace("_", " "))
        days = self.due.threshold_days
        when = "on the day" if days == 0 else f"{days} day{'s' if days != 1 else ''} before"
        return f"{when} {what} ({self.due.deadline.isoformat()})"


def upcoming(
    due_on: Callable[[date], Sequence[Due]], today: date, thresholds: tuple[int, ...]
) -> list[Upcoming]:
    """The reminders `due_on` (one day's sweep for one record, without catching up) will send
    from `today` on, each on the day its threshold is crossed: what a record's page lists
    under "upcoming reminders"."""
    out: list[Upcoming] = []
    seen: set[tuple[str, date, int]] = set()
    for n in range(max(thresholds, default=0) + 2):
        day = today + timedelta(days=n)
        for due in due_on(day):
            key = (str(due.kind), due.deadline, due.threshold_days)
            if due.days_left == due.threshold_days and key not in seen:
                seen.add(key)
                out.append(Upcoming(day, due))
    return out


def reassessment_due(
    valid_until: date,
    on: date,
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS,
    catch_up_days: int = DEFAULT_CATCH_UP_DAYS,
) -> Due | None:
    """The reassessment reminder due on `on` for a decision valid until `valid_until`
    (inclusive: threshold 0 is its last valid day)."""
    return deadline_due(ReminderKind.REASSESSMENT, valid_until, on, thresholds, catch_up_days)


def condition_due(
    due_date: date,
    on: date,
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS,
    catch_up_days: int = DEFAULT_CATCH_UP_DAYS,
) -> Due | None:
    """The reminder due on `on` for a condition of a conditional approval due on `due_date`
    (its last day: unmet, the app leaves the list the day after)."""
    return deadline_due(ReminderKind.CONDITION_DUE, due_date, on, thresholds, catch_up_days)


def gap_due(
    gap: Gap,
    on: date,
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS,
    catch_up_days: int = DEFAULT_CATCH_UP_DAYS,
) -> Due | None:
    """The reminder due on `on` about a gap in a vendor's coverage starting `gap.start` (the
    first day no agreement is in force) and ending `gap.end` (the next one's start). Only
    before the gap and while it lasts: once the next agreement is in force it is history."""
    if on >= gap.end:
        return None
    return deadline_due(
        ReminderKind.COVERAGE_GAP, gap.start, on, thresholds, catch_up_days, until=gap.end
    )


def return_destroy_due(
    terminated_on: date,
    on: date,
    days: int = DEFAULT_RETURN_DESTROY_DAYS,
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS,
    catch_up_days: int = DEFAULT_CATCH_UP_DAYS,
) -> Due | None:
    """The reminder due on `on` about returning or destroying PHI after a termination: due
    `days` after the termination date, reminded of from the termination until done (the caller
    stops asking once the certificate is recorded)."""
    if on < terminated_on:
        return None
    due = terminated_on + timedelta(days=days)
    return deadline_due(ReminderKind.RETURN_DESTROY, due, on, thresholds, catch_up_days)


def window(
    on: date,
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS,
    catch_up_days: int = DEFAULT_CATCH_UP_DAYS,
) -> tuple[date, date]:
    """The deadlines that can have a reminder due on `on`: [first, last] inclusive."""
    return (
        on + timedelta(days=min(thresholds) - catch_up_days),
        on + timedelta(days=max(thresholds)),
    )


def describe(
    due: Due,
    subject: str,
    *,
    renewal_months: int | None = None,
    condition: str | None = None,
    reasons: Sequence[str] = (),
) -> tuple[str, str]:
    """Title and body in plain words for one reminder about `subject` (e.g. "BAA with Acme")."""
    d, left, end = due.deadline.isoformat(), due.days_left, due.term_end.isoformat()
    when = _in_days(left)
    if due.kind == ReminderKind.TERM_END:
        title = f"{subject} lapses {when}: in force through {end}"
        body = (
            f"{subject} is in force through {end} (its last day in force) and does not renew "
            f"by itself. From {d} its vendor's apps leave the approved list unless another "
            "BAA is in force. Renew or replace it before then."
        )
    elif due.kind == ReminderKind.EXPIRED:
        title = (
            f"{subject} expired: last day in force was {end}"
            if left < 0
            else f"{subject} lapses today (in force through {end})"
        )
        body = (
            f"{subject} was in force through {end} and is no longer in force from {d}: its "
            "vendor's apps leave the approved list unless another BAA is in force. Record "
            "the renewal, or confirm the apps should go."
        )
    elif due.kind == ReminderKind.NOTICE_DEADLINE:
        term = f" for another {renewal_months} months" if renewal_months else ""
        renews = _day_after(due.term_end)
        if left < 0:
            title = f"Notice deadline for {subject} passed on {d}"
            body = (
                f"The notice deadline for {subject} passed on {d}: the term in force through "
                f"{end} renews by default on {renews}{term}. Any renegotiation now needs the "
                "vendor's agreement."
            )
        else:
            title = f"Notice deadline for {subject} {when} ({d})"
            body = (
                f"{subject} is in force through {end} and renews automatically on "
                f"{renews}{term} unless notice is given by {d}. Review its terms "
                "(breach-notification days, subcontractors, return/destroy) now if they need "
                "to change."
            )
    elif due.kind == ReminderKind.TERMINATION:
        title = f"{subject} is terminated from {end} ({when})"
        body = (
            f"{subject} was terminated: its last day in force is "
            f"{_day_before(due.term_end)}. From {end} its vendor's apps leave the approved list "
            "unless another BAA is in force. Record a new BAA, or confirm the apps should go; "
            "plan the return or destruction of PHI."
        )
    elif due.kind == ReminderKind.COVERAGE_GAP:
        until = due.until.isoformat() if due.until else "?"
        title = f"Coverage gap for {subject} from {end} to {until}"
        lead = "began" if left < 0 else "begins"
        body = (
            f"gap from {end} to {until}: the vendor's apps leave the list. {subject} is in "
            f"force through {_day_before(due.term_end)} and the next BAA takes effect only on "
            f"{until}; the gap {lead} {when}. Bring the next agreement's start forward, or "
            "extend this one."
        )
    elif due.kind == ReminderKind.REVIEW:
        title = f"Periodic review of {subject} due {when} ({end})"
        body = (
            f"{subject} has no end date. Review its terms by {end} (breach-notification days, "
            "subcontractors, return/destroy) and whether the vendor still needs it."
        )
    elif due.kind == ReminderKind.RETURN_DESTROY:
        overdue = left < 0
        title = (
            f"Return/destroy certificate for {subject} overdue since {end}"
            if overdue
            else f"Return/destroy certificate for {subject} due {when} ({end})"
        )
        body = (
            f"{subject} was terminated. The vendor must return or destroy the PHI it holds; "
            f"the certificate is due {end}. Record it on the BAA when it arrives."
        )
    elif due.kind == ReminderKind.NONCONFORMING:
        what = "; ".join(reasons) or "a required provision is missing"
        title = f"{subject} is non-conforming (since {end})"
        body = (
            f"{subject} does not meet what a BAA must say: {what}. Its vendor's apps are off "
            "the approved list until the agreement is amended and the provisions recorded, or "
            "legal records an exception (a reason and an end date, confirmed by a second "
            "person)."
        )
    elif due.kind == ReminderKind.CONDITION_DUE:
        what = f"'{condition}'" if condition else "a condition"
        if left < 0:
            title = f"Condition {what} of {subject} overdue since {end}"
            body = (
                f"The condition {what} of the decision on {subject} was due on {end} and is "
                "not marked met: the app is off the approved list until it is."
            )
        else:
            title = f"Condition {what} of {subject} due {when} ({end})"
            body = (
                f"The decision on {subject} is conditional on {what}, due on {end}. Mark it met "
                "when it is done; unmet after that day, the app leaves the approved list."
            )
    else:
        if left < 0:
            title = f"Reassessment of {subject} overdue since {_day_after(due.term_end)}"
            body = (
                f"The decision on {subject} was valid until {end}; the app is off the approved "
                "list until it is reassessed and decided again."
            )
        else:
            title = f"Reassessment of {subject} due {when} (decision valid until {end})"
            body = (
                f"The decision on {subject} is valid until {end}. Reassess the app against the "
                "current checklist and record a new decision before then, or it leaves the "
                "approved list."
            )
    return title, body


def _in_days(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


def _day_before(d: date) -> str:
    return (d - timedelta(days=1)).isoformat()


def _day_after(d: date) -> str:
    return (d + timedelta(days=1)).isoformat()
