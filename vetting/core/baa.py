"""BAA terms → state on a date, the term end that applies, and the notice deadline.

Dates are inclusive of the start and exclusive of the end: an agreement whose
`expiration_date` (or `terminated_on`) is 2026-11-01 is no longer in force on 2026-11-01,
which is the day its vendor's apps leave the approved list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from dateutil.relativedelta import relativedelta

BaaState = Literal["not_yet_effective", "active", "expiring", "expired", "terminated"]
BAA_STATES: tuple[str, ...] = ("not_yet_effective", "active", "expiring", "expired", "terminated")
IN_FORCE: frozenset[str] = frozenset({"active", "expiring"})
DEFAULT_WARNING_DAYS = 90


@dataclass(frozen=True)
class BaaTerms:
    """What the register knows about one agreement's dates (its own or its parent's)."""

    effective_date: date
    expiration_date: date | None = None  # None: evergreen, in force until terminated
    auto_renews: bool = False
    renewal_term_months: int | None = None
    notice_days: int | None = None
    terminated_on: date | None = None

    def validate(self) -> list[tuple[str, str]]:
        """(field, reason) for every rule the terms break; empty when they are consistent."""
        problems: list[tuple[str, str]] = []
        if self.expiration_date is not None and self.expiration_date <= self.effective_date:
            problems.append(("expiration_date", "must be after effective_date"))
        if self.terminated_on is not None and self.terminated_on < self.effective_date:
            problems.append(("terminated_on", "cannot be before effective_date"))
        if self.auto_renews:
            if self.expiration_date is None:
                problems.append(("expiration_date", "an auto-renewing BAA needs a term end"))
            if not self.renewal_term_months or self.renewal_term_months < 1:
                problems.append(("renewal_term_months", "must be ≥ 1 when auto_renews is true"))
        if self.notice_days is not None and self.notice_days < 0:
            problems.append(("notice_days", "must be ≥ 0"))
        if self.renewal_term_months is not None and self.renewal_term_months < 0:
            problems.append(("renewal_term_months", "must be ≥ 0"))
        return problems


@dataclass(frozen=True)
class BaaStatus:
    state: BaaState
    term_end: date | None
    notice_deadline: date | None
    days_left: int | None
    renewed_by_default: bool = False

    @property
    def in_force(self) -> bool:
        return self.state in IN_FORCE


def term_end_on(terms: BaaTerms, on: date) -> date | None:
    """The end of the term that covers `on`; auto-renewing terms roll forward whole terms."""
    end = terms.expiration_date
    if end is None or not terms.auto_renews or on < end:
        return end
    months = terms.renewal_term_months or 12
    # Jump close arithmetically, then step: never loops over decades of monthly renewals.
    elapsed = (on.year - end.year) * 12 + (on.month - end.month)
    steps = max(elapsed // months, 0)
    candidate = end + relativedelta(months=steps * months)
    while candidate <= on:
        steps += 1
        candidate = end + relativedelta(months=steps * months)
    return candidate


def notice_deadline(terms: BaaTerms, term_end: date | None) -> date | None:
    """Last day to give notice of non-renewal: term end minus notice days."""
    if term_end is None or not terms.auto_renews:
        return None
    return term_end - timedelta(days=terms.notice_days or 0)


def state_on(terms: BaaTerms, on: date, warning_days: int = DEFAULT_WARNING_DAYS) -> BaaStatus:
    """The agreement's state on a date (PRODUCT.md "BAA state on a date")."""
    if terms.terminated_on is not None and on >= terms.terminated_on:
        return BaaStatus("terminated", terms.terminated_on, None, None)
    if on < terms.effective_date:
        end = terms.expiration_date
        return BaaStatus(
            "not_yet_effective",
            end,
            notice_deadline(terms, end),
            (end - on).days if end else None,
        )
    end = term_end_on(terms, on)
    if end is None:
        return BaaStatus("active", None, None, None)
    deadline = notice_deadline(terms, end)
    days_left = (end - on).days
    if terms.auto_renews:
        # Rolls forward by itself: what matters is the notice deadline, not the term end.
        assert deadline is not None
        if on > deadline:
            return BaaStatus("active", end, deadline, days_left, renewed_by_default=True)
        state: BaaState = "expiring" if (deadline - on).days <= warning_days else "active"
        return BaaStatus(state, end, deadline, days_left)
    if on >= end:
        return BaaStatus("expired", end, None, 0)
    state = "expiring" if days_left <= warning_days else "active"
    return BaaStatus(state, end, None, days_left)
