"""BAA terms → state on a date, the term end that applies, and the notice deadline.

Dates are inclusive of the start and exclusive of the end: an agreement whose
`expiration_date` (or `terminated_on`, or `superseded_on`) is 2026-11-01 is no longer in force
on 2026-11-01, which is the day its vendor's apps leave the approved list (unless a renewal
takes effect that same day).

The register's lifecycle (`status`) decides whether the dates count at all: a draft or an
agreement pending signature is never in force; an active one follows its dates; a superseded
one is in force only until its successor takes effect (`superseded_on` = the successor's
effective date), so a renewal signed early never cuts the old agreement short; a terminated one
ends on `terminated_on`.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class BaaState(StrEnum):
    """An agreement's state on a date (state_on)."""

    DRAFT = "draft"
    PENDING_SIGNATURE = "pending_signature"
    NOT_YET_EFFECTIVE = "not_yet_effective"
    ACTIVE = "active"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    TERMINATED = "terminated"
    SUPERSEDED = "superseded"


IN_FORCE: frozenset[str] = frozenset({BaaState.ACTIVE, BaaState.EXPIRING})
DEFAULT_WARNING_DAYS = 90


class BaaLifecycle(StrEnum):
    """The register's `status` of an agreement."""

    DRAFT = "draft"
    PENDING_SIGNATURE = "pending_signature"
    ACTIVE = "active"
    SUPERSEDED = "superseded"
    TERMINATED = "terminated"


STATUSES: tuple[str, ...] = tuple(BaaLifecycle)
UNSIGNED: frozenset[str] = frozenset({BaaLifecycle.DRAFT, BaaLifecycle.PENDING_SIGNATURE})
# What PATCH may do to `status`; superseding and terminating have their own use cases.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    BaaLifecycle.DRAFT: frozenset({BaaLifecycle.PENDING_SIGNATURE}),
    BaaLifecycle.PENDING_SIGNATURE: frozenset({BaaLifecycle.DRAFT, BaaLifecycle.ACTIVE}),
    BaaLifecycle.ACTIVE: frozenset(),
    BaaLifecycle.SUPERSEDED: frozenset(),
    BaaLifecycle.TERMINATED: frozenset(),
}
STATUS_WORDS: dict[str, str] = {
    BaaLifecycle.DRAFT: "a draft",
    BaaLifecycle.PENDING_SIGNATURE: "pending signature",
    BaaLifecycle.ACTIVE: "active",
    BaaLifecycle.SUPERSEDED: "superseded",
    BaaLifecycle.TERMINATED: "terminated",
}


@dataclass(frozen=True)
class BaaTerms:
    """What the register knows about one agreement's dates (its own or its parent's)."""

    effective_date: date
    expiration_date: date | None = None  # None: evergreen, in force until terminated
    auto_renews: bool = False
    renewal_term_months: int | None = None
    notice_days: int | None = None
    terminated_on: date | None = None
    status: str = BaaLifecycle.ACTIVE
    superseded_on: date | None = None  # the successor's effective date

    @property
    def signed(self) -> bool:
        """Drafts and agreements awaiting signature never count, whatever their dates say."""
        return self.status not in UNSIGNED

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
        problems += self._lifecycle_problems()
        return problems

    def _lifecycle_problems(self) -> list[tuple[str, str]]:
        if self.status not in STATUSES:
            return [("status", f"must be one of {', '.join(STATUSES)}")]
        problems: list[tuple[str, str]] = []
        if self.status in UNSIGNED and self.terminated_on is not None:
            problems.append(
                (
                    "terminated_on",
                    f"a BAA that is {STATUS_WORDS[self.status]} was never in "
                    "force, so it cannot be terminated",
                )
            )
        if self.status == BaaLifecycle.TERMINATED and self.terminated_on is None:
            problems.append(("terminated_on", "a terminated BAA needs the date it ends"))
        if self.status == BaaLifecycle.SUPERSEDED and self.superseded_on is None:
            problems.append(("superseded_on", "a superseded BAA needs its successor's start"))
        if self.status != BaaLifecycle.SUPERSEDED and self.superseded_on is not None:
            problems.append(("superseded_on", "only a superseded BAA has one"))
        if self.superseded_on is not None and self.superseded_on <= self.effective_date:
            problems.append(("superseded_on", "must be after effective_date"))
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


def add_months(day: date, months: int) -> date:
    """`day` plus whole calendar months, clamped to the month's last day (Jan 31 + 1 month =
    Feb 28/29): what dateutil's relativedelta(months=n) gives, without building one per call
    (the register computes term ends for thousands of agreements per page)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def term_end_on(terms: BaaTerms, on: date) -> date | None:
    """The end of the term that covers `on`; auto-renewing terms roll forward whole terms."""
    end = terms.expiration_date
    if end is None or not terms.auto_renews or on < end:
        return end
    months = terms.renewal_term_months or 12
    # Jump close arithmetically, then step: never loops over decades of monthly renewals.
    elapsed = (on.year - end.year) * 12 + (on.month - end.month)
    steps = max(elapsed // months, 0)
    candidate = add_months(end, steps * months)
    while candidate <= on:
        steps += 1
        candidate = add_months(end, steps * months)
    return candidate


def term_ends(terms: BaaTerms, start: date, stop: date) -> list[date]:
    """Every term end in [start, stop] (one for a fixed term, a series for auto-renewing)."""
    if terms.expiration_date is None:
        return []
    if not terms.auto_renews:
        fixed = terms.expiration_date
        return [fixed] if start <= fixed <= stop else []
    out: list[date] = []
    # The term covering the day before `start` ends on or after `start`.
    end = term_end_on(terms, start - timedelta(days=1))
    while end is not None and end <= stop:
        out.append(end)
        end = term_end_on(terms, end)
    return out


def notice_deadline(terms: BaaTerms, term_end: date | None) -> date | None:
    """Last day to give notice of non-renewal: term end minus notice days."""
    if term_end is None or not terms.auto_renews:
        return None
    return term_end - timedelta(days=terms.notice_days or 0)


def ends_on(terms: BaaTerms) -> date | None:
    """The first day a signed agreement is out of force for good because of the register
    (termination or its successor), whichever comes first; None while neither is recorded."""
    dates = [d for d in (terms.terminated_on, terms.superseded_on) if d is not None]
    return min(dates) if dates else None


def state_on(terms: BaaTerms, on: date, warning_days: int = DEFAULT_WARNING_DAYS) -> BaaStatus:
    """The agreement's state on a date (docs/rules.md, "BAA state on a date")."""
    if not terms.signed:
        end = terms.expiration_date
        return BaaStatus(
            BaaState(terms.status),
            end,
            notice_deadline(terms, end),
            (end - on).days if end else None,
        )
    if terms.terminated_on is not None and on >= terms.terminated_on:
        if terms.superseded_on is not None and terms.superseded_on < terms.terminated_on:
            return BaaStatus(BaaState.SUPERSEDED, terms.superseded_on, None, None)
        return BaaStatus(BaaState.TERMINATED, terms.terminated_on, None, None)
    if terms.superseded_on is not None and on >= terms.superseded_on:
        return BaaStatus(BaaState.SUPERSEDED, terms.superseded_on, None, None)
    if on < terms.effective_date:
        end = terms.expiration_date
        return BaaStatus(
            BaaState.NOT_YET_EFFECTIVE,
            end,
            notice_deadline(terms, end),
            (end - on).days if end else None,
        )
    end = term_end_on(terms, on)
    if end is None:
        return BaaStatus(BaaState.ACTIVE, None, None, None)
    # A successor that takes effect no later than this term ends leaves nothing to act on.
    covered = terms.superseded_on is not None and terms.superseded_on <= end
    deadline = notice_deadline(terms, end)
    days_left = (end - on).days
    if terms.auto_renews:
        # Rolls forward by itself: what matters is the notice deadline, not the term end.
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
