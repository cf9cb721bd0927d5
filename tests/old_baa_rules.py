"""The BAA date rules as they were before migration 0008, kept for the migration test only:
`expiration_date` was the first day an agreement was no longer in force (an exclusive end).

A faithful copy of the old `vetting/core/baa.py` (state_on, term_end_on, notice_deadline,
in_force_until) and of the old `vetting/core/reminders.baa_due` term-end part, so the test can
compute every agreement's state from the pre-migration rows with the pre-migration rules and
compare with what the code computes after the upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from vetting.core.baa import DEFAULT_WARNING_DAYS, UNSIGNED, BaaState, BaaStatus, add_months
from vetting.core.reminders import DEFAULT_CATCH_UP_DAYS, DEFAULT_THRESHOLDS, due_threshold


@dataclass(frozen=True)
class OldTerms:
    effective_date: date
    expiration_date: date | None  # the first day out of force
    auto_renews: bool
    renewal_term_months: int | None
    notice_days: int | None
    terminated_on: date | None
    status: str
    superseded_on: date | None

    @property
    def signed(self) -> bool:
        return self.status not in UNSIGNED


def term_end_on(t: OldTerms, on: date) -> date | None:
    end = t.expiration_date
    if end is None or not t.auto_renews or on < end:
        return end
    months = t.renewal_term_months or 12
    elapsed = (on.year - end.year) * 12 + (on.month - end.month)
    steps = max(elapsed // months, 0)
    candidate = add_months(end, steps * months)
    while candidate <= on:
        steps += 1
        candidate = add_months(end, steps * months)
    return candidate


def notice_deadline(t: OldTerms, term_end: date | None) -> date | None:
    if term_end is None or not t.auto_renews:
        return None
    return term_end - timedelta(days=t.notice_days or 0)


def in_force_until(t: OldTerms) -> date | None:
    if not t.signed:
        return None
    dates = [d for d in (t.terminated_on, t.superseded_on) if d is not None]
    if t.expiration_date is not None and not t.auto_renews:
        dates.append(t.expiration_date)
    return min(dates) if dates else None


def state_on(t: OldTerms, on: date, warning_days: int = DEFAULT_WARNING_DAYS) -> BaaStatus:
    if not t.signed:
        end = t.expiration_date
        return BaaStatus(
            BaaState(t.status), end, notice_deadline(t, end), (end - on).days if end else None
        )
    if t.terminated_on is not None and on >= t.terminated_on:
        if t.superseded_on is not None and t.superseded_on < t.terminated_on:
            return BaaStatus(BaaState.SUPERSEDED, t.superseded_on, None, None)
        return BaaStatus(BaaState.TERMINATED, t.terminated_on, None, None)
    if t.superseded_on is not None and on >= t.superseded_on:
        return BaaStatus(BaaState.SUPERSEDED, t.superseded_on, None, None)
    if on < t.effective_date:
        end = t.expiration_date
        return BaaStatus(
            BaaState.NOT_YET_EFFECTIVE,
            end,
            notice_deadline(t, end),
            (end - on).days if end else None,
        )
    end = term_end_on(t, on)
    stop = t.terminated_on
    if stop is not None and (end is None or stop <= end):
        covered = t.superseded_on is not None and t.superseded_on <= stop
        days_left = (stop - on).days
        warn = days_left <= warning_days and not covered
        return BaaStatus(BaaState.EXPIRING if warn else BaaState.ACTIVE, stop, None, days_left)
    if end is None:
        return BaaStatus(BaaState.ACTIVE, None, None, None)
    covered = t.superseded_on is not None and t.superseded_on <= end
    deadline = notice_deadline(t, end)
    days_left = (end - on).days
    if t.auto_renews:
        assert deadline is not None
        if on > deadline:
            return BaaStatus(
                BaaState.ACTIVE, end, deadline, days_left, renewed_by_default=not covered
            )
        warn = (deadline - on).days <= warning_days and not covered
        return BaaStatus(BaaState.EXPIRING if warn else BaaState.ACTIVE, end, deadline, days_left)
    if on >= end:
        return BaaStatus(BaaState.EXPIRED, end, None, 0)
    warn = days_left <= warning_days and not covered
    return BaaStatus(BaaState.EXPIRING if warn else BaaState.ACTIVE, end, None, days_left)


def term_reminders(t: OldTerms, on: date) -> list[tuple[str, date, date, int, int]]:
    """(kind, term_end, deadline, threshold, days_left) of the term-end and notice-deadline
    reminders due on `on` (the old baa_due, without the termination and review parts)."""
    if t.terminated_on is not None and t.terminated_on <= on:
        return []
    if t.expiration_date is None:
        return []
    if not t.auto_renews:
        candidates = [(t.expiration_date, t.expiration_date)]
    else:
        current = term_end_on(t, on)
        assert current is not None
        ends = [current]
        if current > t.expiration_date:
            months = t.renewal_term_months or 12
            first = t.expiration_date
            k = ((current.year - first.year) * 12 + current.month - first.month) // months
            ends.insert(0, add_months(first, (k - 1) * months))
        candidates = []
        for end in ends:
            deadline = notice_deadline(t, end)
            assert deadline is not None
            candidates.append((end, deadline))
    out = []
    for end, deadline in candidates:
        if t.terminated_on is not None and t.terminated_on <= deadline:
            continue
        threshold = due_threshold(deadline, on, DEFAULT_THRESHOLDS, DEFAULT_CATCH_UP_DAYS)
        if threshold is None:
            continue
        kind = "term_end" if threshold > 0 else "expired"
        if t.auto_renews:
            kind = "notice_deadline"
        out.append((kind, end, deadline, threshold, (deadline - on).days))
    return out
