"""BAA terms → state on a date, the term end that applies, and the notice deadline.

Dates are what contracts state. `effective_date` is the first day in force and
`expiration_date` (the term end) the **last day in force**: an agreement "in force through
2026-10-31" has `expiration_date` 2026-10-31 and is out of force from 2026-11-01, the day its
vendor's apps leave the approved list (unless a renewal takes effect that same day).
`terminated_on` is the day a termination takes effect (the first day out of force; its last day
in force is the day before) and `superseded_on` the successor's effective date (likewise the
first day the old agreement is out of force).

Internally the arithmetic is done on the exclusive boundary (`_boundary`: the day after the
last day in force, i.e. the next term's first day), so whole renewal terms add months to a
term's *start*: a term through 2026-01-31 renewed for 1 month runs through 2026-02-28 (the next
term starts 2026-02-01 + 1 month = 2026-03-01), and one through 2026-02-28 runs through
2026-03-31 (not 03-28).

The register's lifecycle (`status`) decides whether the dates count at all: a draft or an
agreement pending signature is never in force; an active one follows its dates; a superseded
one is in force only until its successor takes effect (`superseded_on` = the successor's
effective date), so a renewal signed early never cuts the old agreement short; a terminated one
ends on `terminated_on`.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
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
DEFAULT_RETURN_DESTROY_DAYS = 30


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

    effective_date: date  # first day in force
    expiration_date: date | None = None  # last day in force; None: evergreen (until terminated)
    auto_renews: bool = False
    renewal_term_months: int | None = None
    notice_days: int | None = None
    terminated_on: date | None = None  # the termination takes effect: first day out of force
    status: str = BaaLifecycle.ACTIVE
    superseded_on: date | None = None  # the successor's effective date
    notice_months: int | None = None  # notice in calendar months (instead of notice_days)

    @property
    def boundary(self) -> date | None:
        """The first day after the stated term (`expiration_date` + 1 day): the day a fixed
        term lapses, or an auto-renewing one's next term starts."""
        return None if self.expiration_date is None else self.expiration_date + timedelta(days=1)

    @property
    def signed(self) -> bool:
        """Drafts and agreements awaiting signature never count, whatever their dates say."""
        return self.status not in UNSIGNED

    def validate(self) -> list[tuple[str, str]]:
        """(field, reason) for every rule the terms break; empty when they are consistent."""
        problems: list[tuple[str, str]] = []
        if self.expiration_date is not None and self.expiration_date < self.effective_date:
            problems.append(
                ("expiration_date", "the last day in force cannot be before the effective date")
            )
        if self.terminated_on is not None and self.terminated_on < self.effective_date:
            problems.append(("terminated_on", "cannot be before the effective date"))
        if self.auto_renews:
            if self.expiration_date is None:
                problems.append(("expiration_date", "an auto-renewing BAA needs a term end"))
            if not self.renewal_term_months or self.renewal_term_months < 1:
                problems.append(("renewal_term_months", "must be ≥ 1 when auto_renews is true"))
        if self.notice_days is not None and self.notice_days < 0:
            problems.append(("notice_days", "must be ≥ 0"))
        if self.notice_months is not None and self.notice_months < 0:
            problems.append(("notice_months", "must be ≥ 0"))
        if self.notice_days is not None and self.notice_months is not None:
            problems.append(
                ("notice_months", "give the notice period in days or in months, not both")
            )
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
            problems.append(("superseded_on", "must be after the effective date"))
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


def _boundary_on(terms: BaaTerms, on: date) -> date | None:
    """The exclusive end (the day after the last day in force) of the term covering `on`;
    auto-renewing terms roll forward whole terms, counted on these boundaries so month ends
    come out right."""
    end = terms.boundary
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


def _last(boundary: date | None) -> date | None:
    return None if boundary is None else boundary - timedelta(days=1)


def term_end_on(terms: BaaTerms, on: date) -> date | None:
    """The last day in force of the term that covers `on` (auto-renewing terms roll forward
    whole terms); None for an evergreen agreement."""
    return _last(_boundary_on(terms, on))


def term_ends(terms: BaaTerms, start: date, stop: date) -> list[date]:
    """Every term end (last day in force) in [start, stop]: one for a fixed term, a series for
    an auto-renewing one."""
    if terms.expiration_date is None:
        return []
    if not terms.auto_renews:
        fixed = terms.expiration_date
        return [fixed] if start <= fixed <= stop else []
    out: list[date] = []
    # The term covering `start` is the first whose last day is on or after `start`.
    end = _boundary_on(terms, start)
    while end is not None and end - timedelta(days=1) <= stop:
        out.append(end - timedelta(days=1))
        end = _boundary_on(terms, end)
    return out


def notice_deadline(terms: BaaTerms, term_end: date | None) -> date | None:
    """Last day to give notice of non-renewal for the term whose last day in force is
    `term_end`: the notice period counted back from the day the next term would start
    (`notice_days` days, or `notice_months` calendar months clamped to the month's end), so
    notice given on the deadline leaves the whole period before the renewal."""
    if term_end is None or not terms.auto_renews:
        return None
    renews = term_end + timedelta(days=1)
    if terms.notice_months is not None:
        return add_months(renews, -terms.notice_months)
    return renews - timedelta(days=terms.notice_days or 0)


def ends_on(terms: BaaTerms) -> date | None:
    """The first day a signed agreement is out of force for good because of the register
    (termination or its successor), whichever comes first; None while neither is recorded."""
    dates = [d for d in (terms.terminated_on, terms.superseded_on) if d is not None]
    return min(dates) if dates else None


def in_force_until(terms: BaaTerms) -> date | None:
    """The first day a signed agreement is no longer in force (the day its vendor's apps leave
    the list), whichever comes first of the day after its fixed term's last day, its
    termination and its successor's start; None while nothing ends it (an evergreen or
    auto-renewing agreement, neither terminated nor superseded) or when it was never signed."""
    if not terms.signed:
        return None
    dates = [d for d in (terms.terminated_on, terms.superseded_on) if d is not None]
    if terms.boundary is not None and not terms.auto_renews:
        dates.append(terms.boundary)
    return min(dates) if dates else None


def last_day_in_force(terms: BaaTerms) -> date | None:
    """The last day a signed agreement is in force (the day before `in_force_until`)."""
    return _last(in_force_until(terms))


@dataclass(frozen=True)
class Gap:
    """Days no signed agreement of a vendor is in force between one ending and a later one
    starting: [start, end), `ending_id` the agreement whose end opens it."""

    start: date
    end: date
    ending_id: int
    next_id: int


def coverage_gaps(agreements: Iterable[tuple[int, BaaTerms]]) -> list[Gap]:
    """The gaps in a vendor's coverage between its signed agreements, in date order. The days
    before the first agreement and after the last are not gaps (nothing follows)."""
    spans = sorted(
        (
            (t.effective_date, in_force_until(t), baa_id)
            for baa_id, t in agreements
            if t.signed and (in_force_until(t) or date.max) > t.effective_date
        ),
        key=lambda span: (span[0], span[2]),
    )
    gaps: list[Gap] = []
    reach: date | None = None  # the furthest end so far
    reach_id: int | None = None
    for start, end, baa_id in spans:
        if reach is not None and reach_id is not None and start > reach:
            gaps.append(Gap(reach, start, reach_id, baa_id))
        if end is None:
            break  # open-ended: nothing later can leave a gap
        if reach is None or end > reach:
            reach, reach_id = end, baa_id
    return gaps


def review_dates(terms: BaaTerms, start: date, stop: date, months: int) -> list[date]:
    """The periodic review dates of an evergreen agreement in [start, stop]: every `months`
    from its effective date, while it is signed and in force (none for a fixed or
    auto-renewing term: its term end or notice deadline is its review)."""
    if not terms.signed or terms.expiration_date is not None or months < 1:
        return []
    stop_at = in_force_until(terms)
    first = terms.effective_date
    elapsed = (start.year - first.year) * 12 + (start.month - first.month)
    k = max(elapsed // months - 1, 1)
    out: list[date] = []
    while True:
        day = add_months(first, k * months)
        if day > stop or (stop_at is not None and day >= stop_at):
            return out
        if day >= start:
            out.append(day)
        k += 1


class FollowUp(StrEnum):
    """A terminated agreement's return/destroy follow-up."""

    OPEN = "open"  # the certificate is not in yet, and not due yet
    OVERDUE = "overdue"  # past its due date without a certificate
    DONE = "done"  # the certificate was received


@dataclass(frozen=True)
class ReturnDestroy:
    """What a termination opens: the vendor returns or destroys the PHI it holds and certifies
    it, by `due` (the termination date plus the configured days)."""

    due: date
    status: FollowUp
    certified_on: date | None = None
    reference: str | None = None


def return_destroy(
    terms: BaaTerms,
    on: date,
    days: int = DEFAULT_RETURN_DESTROY_DAYS,
    certified_on: date | None = None,
    reference: str | None = None,
) -> ReturnDestroy | None:
    """The return/destroy follow-up of a terminated agreement (None when it is not
    terminated): open from the day the termination is recorded, overdue after `due`, done once
    the certificate is received."""
    if terms.status != BaaLifecycle.TERMINATED or terms.terminated_on is None:
        return None
    due = terms.terminated_on + timedelta(days=days)
    if certified_on is not None:
        status = FollowUp.DONE
    else:
        status = FollowUp.OVERDUE if on > due else FollowUp.OPEN
    return ReturnDestroy(due, status, certified_on, reference)


def state_on(terms: BaaTerms, on: date, warning_days: int = DEFAULT_WARNING_DAYS) -> BaaStatus:
    """The agreement's state on a date (docs/rules.md, "BAA state on a date"). `term_end` is
    always a last day in force; `days_left` counts the days in force from `on` (the days to
    the first day out of force)."""
    if not terms.signed:
        end = terms.boundary
        return BaaStatus(
            BaaState(terms.status),
            terms.expiration_date,
            notice_deadline(terms, terms.expiration_date),
            (end - on).days if end else None,
        )
    if terms.terminated_on is not None and on >= terms.terminated_on:
        if terms.superseded_on is not None and terms.superseded_on < terms.terminated_on:
            return BaaStatus(BaaState.SUPERSEDED, _last(terms.superseded_on), None, None)
        return BaaStatus(BaaState.TERMINATED, _last(terms.terminated_on), None, None)
    if terms.superseded_on is not None and on >= terms.superseded_on:
        return BaaStatus(BaaState.SUPERSEDED, _last(terms.superseded_on), None, None)
    if on < terms.effective_date:
        end = terms.boundary
        return BaaStatus(
            BaaState.NOT_YET_EFFECTIVE,
            terms.expiration_date,
            notice_deadline(terms, terms.expiration_date),
            (end - on).days if end else None,
        )
    end = _boundary_on(terms, on)
    stop = terms.terminated_on
    if stop is not None and (end is None or stop <= end):
        # A termination recorded for a later day ends the term early: it is the term end
        # everything shows, warns about and counts to (no renewal, no notice deadline).
        covered = terms.superseded_on is not None and terms.superseded_on <= stop
        days_left = (stop - on).days
        warn = days_left <= warning_days and not covered
        return BaaStatus(
            BaaState.EXPIRING if warn else BaaState.ACTIVE, _last(stop), None, days_left
        )
    if end is None:
        return BaaStatus(BaaState.ACTIVE, None, None, None)
    # A successor that takes effect no later than this term ends leaves nothing to act on.
    covered = terms.superseded_on is not None and terms.superseded_on <= end
    last = end - timedelta(days=1)
    deadline = notice_deadline(terms, last)
    days_left = (end - on).days
    if terms.auto_renews:
        # Rolls forward by itself: what matters is the notice deadline, not the term end.
        assert deadline is not None
        if on > deadline:
            return BaaStatus(
                BaaState.ACTIVE, last, deadline, days_left, renewed_by_default=not covered
            )
        warn = (deadline - on).days <= warning_days and not covered
        return BaaStatus(BaaState.EXPIRING if warn else BaaState.ACTIVE, last, deadline, days_left)
    if on >= end:
        return BaaStatus(BaaState.EXPIRED, last, None, 0)
    warn = days_left <= warning_days and not covered
    return BaaStatus(BaaState.EXPIRING if warn else BaaState.ACTIVE, last, None, days_left)
